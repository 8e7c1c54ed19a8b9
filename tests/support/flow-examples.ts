import type { RecordsFlow } from '../../src/shared/mapping/document'

/**
 * The contacts → profiles flow of the example schemas (tests/support/schema-examples.ts),
 * matched on the Dynamics id Campaign keeps, with no fields unless a test gives some.
 */
export const contactsToProfiles = (patch: Partial<RecordsFlow> = {}): RecordsFlow => ({
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: [],
  ...patch
})

/** The vehicles custom table → the cusVehicle custom resource, matched on its external id. */
export const vehiclesToCusVehicle = (patch: Partial<RecordsFlow> = {}): RecordsFlow => ({
  id: 'vehicles',
  kind: 'records',
  source: { system: 'dynamics', table: 'new_vehicle' },
  target: { system: 'campaign', resource: 'cusVehicle' },
  match: { source: 'new_vehicleid', target: 'externalId' },
  fields: [],
  ...patch
})
