import { describe, expect, it } from 'vitest'
import { DOCUMENT_FORMAT, type RecordsFlow } from '../../src/shared/mapping/document'
import { matchKeyFor } from '../../src/shared/mapping/match-key'
import { validateFlow } from '../../src/shared/mapping/validate-flow'
import { catalogOf, type Table } from '../../src/shared/schema/model'
import { campaignProfile, campaignVehicle, dynamicsContact, dynamicsVehicle, field } from '../support/schema-examples'

/** A resource as Campaign's metadata describes it: PKey (read-only) its only key, no identification key named. */
function asCampaignDescribesIt(table: Table): Table {
  const fields = table.fields.map(({ isKey: _isKey, ...field }) => field)
  return {
    ...table,
    primaryId: 'PKey',
    keys: [{ name: 'PKey', fields: ['PKey'] }],
    fields: [
      {
        name: 'PKey',
        displayName: 'Primary key',
        type: 'string',
        required: 'none',
        readOnly: true,
        validForCreate: false,
        validForUpdate: false
      },
      ...fields
    ]
  }
}

describe('the match key of a new flow', () => {
  it('on a custom resource whose only key is PKey, is the writable Dynamics-id field (externalId), not PKey nor a parent id', () => {
    // The parent's id as Campaign joins a link on it: a writable text field that must not be taken for the key.
    const parentId = {
      name: 'profileExternalId',
      displayName: 'Owner external id',
      type: 'string' as const,
      maxLength: 64,
      required: 'none' as const,
      readOnly: false,
      validForCreate: true,
      validForUpdate: true
    }
    const vehicles = asCampaignDescribesIt({ ...campaignVehicle, fields: [parentId, ...campaignVehicle.fields] })
    expect(matchKeyFor(dynamicsVehicle, 'new_vehicle', vehicles)).toEqual({ source: 'new_vehicleid', target: 'externalId' })
  })

  it('is one the flow validation does not call read-only', () => {
    const vehicles = asCampaignDescribesIt(campaignVehicle)
    const match = matchKeyFor(dynamicsVehicle, 'new_vehicle', vehicles)
    const flow: RecordsFlow = {
      id: 'vehicles',
      kind: 'records',
      source: { system: 'dynamics', table: 'new_vehicle' },
      target: { system: 'campaign', resource: 'cusVehicle' },
      match,
      fields: []
    }
    const problems = validateFlow({ format: DOCUMENT_FORMAT, name: 't', flows: [flow] }, 0, catalogOf([dynamicsVehicle, vehicles]))
    expect(problems.filter((p) => p.severity === 'error' && p.path.includes('match'))).toEqual([])
  })

  it('on profiles prefers the Dynamics contact id over externalId', () => {
    expect(matchKeyFor(dynamicsContact, 'contact', asCampaignDescribesIt(campaignProfile)).target).toBe('cusDynamicsContactId')
  })

  it('keeps a writable identification key the connection names', () => {
    expect(matchKeyFor(dynamicsVehicle, 'new_vehicle', campaignVehicle).target).toBe('externalId')
    const named = asCampaignDescribesIt(campaignProfile)
    const withKey = { ...named, fields: named.fields.map((f) => (f.name === 'email' ? { ...f, isKey: true } : f)) }
    expect(matchKeyFor(dynamicsContact, 'contact', withKey).target).toBe('email')
  })

  it('without a source schema, names the id after the table', () => {
    expect(matchKeyFor(undefined, 'new_thing', undefined)).toEqual({ source: 'new_thingid', target: 'externalId' })
  })

  describe("picks, among the target's fields, the one a consultant would", () => {
    const resource = (...fields: Table['fields']): Table => ({
      system: 'campaign',
      name: 'cusThing',
      displayName: 'Thing',
      primaryId: 'PKey',
      keys: [],
      changeTracking: false,
      fields
    })
    const key = (name: string, extra = {}) => field(name, name, 'string', { isKey: true, ...extra })
    const text = (name: string, extra = {}) => field(name, name, 'string', extra)
    const cases: Array<[string, Table, string]> = [
      ['a key named for the CRM before other keys', resource(key('email'), key('crmContactId')), 'crmContactId'],
      ['a key ending in "id" before one that only contains it', resource(key('identity'), key('loyaltyId')), 'loyaltyId'],
      ['the first key when none is named for an id', resource(key('email'), key('phone')), 'email'],
      ['never a read-only key', resource(key('crmContactId', { readOnly: true }), text('externalId')), 'externalId'],
      ['never a key that cannot be written on create', resource(key('dynamicsId', { validForCreate: false }), key('email')), 'email'],
      [
        'without a usable key, the text field named for the Dynamics id',
        resource(text('externalId'), text('dynamicsContactId')),
        'dynamicsContactId'
      ],
      [
        'not a text field of another type',
        resource(field('dynamicsId', 'dynamicsId', 'integer'), text('externalSystemId')),
        'externalSystemId'
      ],
      ['not a read-only text field', resource(text('cusDynamicsId', { readOnly: true }), text('externalCrmId')), 'externalCrmId'],
      ['not a field that only ends with the id of something else', resource(text('parentCrmId'), text('externalId')), 'externalId'],
      ['not a field that only starts like one', resource(text('crmIdNumber'), text('externalIdentity')), 'externalId']
    ]
    it.each(cases)('%s', (_what, target, expected) => {
      expect(matchKeyFor(dynamicsContact, 'contact', target)).toEqual({ source: 'contactid', target: expected })
    })
  })
})
