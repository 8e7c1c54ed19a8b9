import { describe, expect, it } from 'vitest'
import type { RecordResult } from '../../src/shared/mapping/compile'
import { DOCUMENT_FORMAT, type MappingDocument, type RecordsFlow } from '../../src/shared/mapping/document'
import { checkLinks, flowTitle, isLinkField, parentFlowsFor, requiredLinks } from '../../src/shared/mapping/links'
import { campaignProfile, campaignVehicle, plainField } from '../support/schema-examples'

/**
 * Links from a child record to its parent (a vehicle to its owner's profile): the canvas offers
 * the flows that can be the parent, validation asks for the links a resource requires, and a
 * record whose lookup is empty fails before any write — the same in preview, dry run and run.
 */

const flow = (id: string, resource: string, patch: Partial<RecordsFlow> = {}): RecordsFlow => ({
  id,
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource },
  match: { source: 'contactid', target: 'externalId' },
  fields: [],
  ...patch
})
const owner = { target: 'vehicleOwner', source: '_new_contactsvehicleid_value', parentFlow: 'contacts' }
const vehicles = flow('vehicles', 'cusVehicle', { links: [owner] })
const ok = (): RecordResult => ({ kind: 'ok', key: 'V1', target: { VIN: 'WVW123' }, warnings: [], createOnly: [] })

describe('which fields are links', () => {
  it('a link field, not a lookup or a missing field', () => {
    expect(isLinkField(campaignVehicle.fields.find((f) => f.name === 'vehicleOwner'))).toBe(true)
    expect(isLinkField(plainField('parentcustomerid', 'lookup'))).toBe(false)
    expect(isLinkField(undefined)).toBe(false)
  })

  it('a resource requires the links whose cardinality is one, not the optional ones nor required plain fields', () => {
    const vehicle = {
      ...campaignVehicle,
      fields: [
        ...campaignVehicle.fields.map((f) => (f.name === 'vehicleOwner' ? { ...f, required: 'required' as const } : f)),
        { ...plainField('dealer', 'link'), required: 'recommended' as const },
        { ...plainField('VINCode', 'string'), required: 'required' as const }
      ]
    }
    expect(requiredLinks(vehicle).map((f) => f.name)).toEqual(['vehicleOwner'])
    expect(requiredLinks(campaignProfile)).toEqual([])
  })
})

describe('the flows that can be the parent of a link', () => {
  const document: MappingDocument = {
    format: DOCUMENT_FORMAT,
    name: 't',
    flows: [
      flow('contacts', 'profile', { name: 'Contacts → profiles' }),
      vehicles,
      flow('leads', 'profile'),
      flow('dealers', 'cusDealer'),
      {
        id: 'optout',
        kind: 'optOut',
        direction: 'both',
        source: { system: 'dynamics', table: 'contact' },
        target: { system: 'campaign', resource: 'profile' },
        match: { source: 'contactid', target: 'cusDynamicsContactId' },
        pairs: [{ dynamics: 'donotbulkemail', campaign: 'blackListEmail' }]
      }
    ]
  }
  const ownerField = campaignVehicle.fields.find((f) => f.name === 'vehicleOwner')

  it('are the other records flows writing the resource the link points to', () => {
    expect(parentFlowsFor(document, 'vehicles', ownerField).map((f) => f.id)).toEqual(['contacts', 'leads'])
    expect(parentFlowsFor(document, 'vehicles', { ...plainField('dealer', 'link'), targets: ['cusDealer'] }).map((f) => f.id)).toEqual([
      'dealers'
    ])
  })

  it('the profile when the schema does not say, and never the flow itself', () => {
    expect(parentFlowsFor(document, 'vehicles', undefined).map((f) => f.id)).toEqual(['contacts', 'leads'])
    expect(parentFlowsFor(document, 'vehicles', plainField('x', 'link')).map((f) => f.id)).toEqual(['contacts', 'leads'])
    expect(parentFlowsFor(document, 'contacts', undefined).map((f) => f.id)).toEqual(['leads'])
  })

  it('a flow is offered by its name, or its id when it has none', () => {
    expect(flowTitle(document.flows[0])).toBe('Contacts → profiles')
    expect(flowTitle(document.flows[2])).toBe('leads')
  })
})

describe('a record whose link lookup is empty', () => {
  it('fails, naming the link, the parent flow and the empty lookup', () => {
    for (const empty of [undefined, null, '']) {
      expect(checkLinks(vehicles, { _new_contactsvehicleid_value: empty }, ok())).toEqual({
        kind: 'error',
        key: 'V1',
        field: 'vehicleOwner',
        step: undefined,
        code: 'linkMissing',
        reason:
          '"vehicleOwner" links each record to its parent in flow "contacts", and this record has no "_new_contactsvehicleid_value" — set it in Dynamics, or filter such records out',
        input: empty ?? null
      })
    }
  })

  it('a record with its lookups set gets them written into its link fields', () => {
    const dealer = { target: 'dealer', source: '_dealer_value', parentFlow: 'dealers' }
    const twoLinks = { ...vehicles, links: [owner, dealer] }
    const record = { _new_contactsvehicleid_value: 'C1', _dealer_value: 0 }
    expect(checkLinks(twoLinks, record, ok())).toEqual({
      ...ok(),
      target: { VIN: 'WVW123', vehicleOwner: 'C1', dealer: 0 }
    })
    // The second link is checked too.
    expect(checkLinks(twoLinks, { _new_contactsvehicleid_value: 'C1' }, ok())).toMatchObject({ kind: 'error', field: 'dealer' })
  })

  it('records already skipped or failed, and flows without links, pass unchanged', () => {
    const skipped: RecordResult = { kind: 'skipped', key: 'V1', reason: 'filtered out' }
    expect(checkLinks(vehicles, {}, skipped)).toBe(skipped)
    const plain = flow('contacts', 'profile')
    expect(checkLinks(plain, {}, ok())).toEqual(ok())
    expect(checkLinks({ ...plain, links: [] }, {}, ok())).toEqual(ok())
  })
})
