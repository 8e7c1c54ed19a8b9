import type { EventsFlow, MappingDocument, OptOutFlow, RecordsFlow } from '../../src/shared/mapping/document'

/**
 * The flows the sync benches and the call-cost tests run, defined once (bench/sync.ts,
 * bench/incremental.ts, tests/integration/sync-campaign-call-costs.test.ts and
 * sync-incremental-calls.test.ts): contacts → profiles, vehicles → a custom resource linked to
 * the profile, opt-outs both ways, Campaign sends → Dynamics activities. Spread one to vary it
 * (`{ ...contactsFlow, sync: { mode: 'full' } }`).
 */
export const contactsFlow: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: [
    { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }] },
    { target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate', length: 30 }] },
    { target: 'lastName', from: ['lastname'], steps: [{ fn: 'truncate', length: 50 }] }
  ],
  sync: { mode: 'incremental' }
}

export const vehiclesFlow: RecordsFlow = {
  id: 'vehicles',
  kind: 'records',
  source: { system: 'dynamics', table: 'new_vehicle' },
  target: { system: 'campaign', resource: 'cusVehicle' },
  match: { source: 'new_vehicleid', target: 'externalId', identificationKey: true },
  fields: [
    { target: 'vin', from: ['new_vin'] },
    { target: 'vehicleName', from: ['new_name'], steps: [{ fn: 'truncate', length: 100 }] },
    { target: 'modelYear', from: ['new_year'] },
    { target: 'profileExternalId', from: ['_new_contactid_value'] }
  ],
  links: [{ target: 'vehicleOwner', source: '_new_contactid_value', parentFlow: 'contacts' }],
  sync: { mode: 'incremental' }
}

export const optOutFlow: OptOutFlow = {
  id: 'optouts',
  kind: 'optOut',
  direction: 'both',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  pairs: [
    { dynamics: 'donotbulkemail', campaign: 'blackListEmail' },
    { dynamics: 'donotphone', campaign: 'blackListPhone' }
  ]
}

export const sendsFlow = {
  id: 'sends',
  kind: 'events',
  source: { system: 'campaign', event: 'send' },
  target: { system: 'dynamics', table: 'new_emailsend' },
  contact: { profileKey: 'cusDynamicsContactId', regarding: 'regardingobjectid' },
  match: { target: 'new_externaleventid' },
  fields: [
    { target: 'new_externaleventid', from: ['id'] },
    { target: 'subject', from: ['deliveryLabel'], steps: [{ fn: 'default', value: 'Email sent' }] },
    { target: 'new_senton', from: ['date'] }
  ]
} as EventsFlow

/** Every flow kind in one document (the opt-out and events flows read their parents from it). */
export const everyFlowDocument: MappingDocument = {
  format: 'sync-studio/mapping@1',
  name: 'Every flow kind',
  flows: [contactsFlow, vehiclesFlow, optOutFlow, sendsFlow]
}
