import { describe, expect, it } from 'vitest'
import { contactsToProfiles, vehiclesToCusVehicle } from '../support/flow-examples'
import {
  DOCUMENT_FORMAT,
  type EventsFlow,
  type MappingDocument,
  type OptOutFlow,
  type RecordsFlow
} from '../../src/shared/mapping/document'
import { linkCycleProblems, validateFlow, validateMapping } from '../../src/shared/mapping/validate-flow'
import { formatProblem, type Problem } from '../../src/shared/problems'
import { catalogOf, type Field, type Table } from '../../src/shared/schema/model'
import { campaignProfile, campaignVehicle, dynamicsContact, dynamicsVehicle, exampleTables } from '../support/schema-examples'

/**
 * What `validate` (the inspector, the CLI, the run's pre-check) tells a consultant about a flow
 * before a record is read: every problem at its place, with its severity (an error blocks the
 * run) and a message that says what to do — and nothing said about what is fine.
 */

const catalog = catalogOf(exampleTables)
const doc = (...flows: MappingDocument['flows']): MappingDocument => ({ format: DOCUMENT_FORMAT, name: 'test', flows })
const lines = (problems: Problem[]) => problems.map((p) => `${p.severity} ${formatProblem(p)}`)

const contacts = (patch: Partial<RecordsFlow> = {}): RecordsFlow =>
  contactsToProfiles({ fields: [{ target: 'email', from: ['emailaddress1'] }], ...patch })
const vehicles = vehiclesToCusVehicle
/** Problems of one records flow against the example schemas (with compile, as the app runs it). */
const check = (flow: RecordsFlow, tables: readonly Table[] = exampleTables) => lines(validateFlow(doc(flow), 0, catalogOf(tables)))
const withFields = (fields: RecordsFlow['fields']) => check(contacts({ fields }))
const replaceField = (table: Table, name: string, patch: Partial<Field>): Table => ({
  ...table,
  fields: table.fields.map((f) => (f.name === name ? { ...f, ...patch } : f))
})

describe('field mappings', () => {
  it('a source field that does not exist, with the likely one', () => {
    expect(withFields([{ target: 'email', from: ['emailadress1'] }])).toEqual([
      'error flows[0].fields[0].from[0]: "emailadress1" is not a field of Dynamics "contact" — did you mean "Email" (emailaddress1)?'
    ])
    expect(withFields([{ target: 'email', from: ['emailaddress1', 'zzzzzzzz'], steps: [{ fn: 'coalesce' }] }])).toEqual([
      'error flows[0].fields[0].from[1]: "zzzzzzzz" is not a field of Dynamics "contact"'
    ])
  })

  it('a target field that does not exist, and nothing else said about that mapping', () => {
    expect(withFields([{ target: 'emial', from: ['firstname'], steps: [{ fn: 'trim' }] }])).toEqual([
      'error flows[0].fields[0].target: "emial" is not a field of Campaign "profile" — did you mean "Email" (email)?'
    ])
  })

  it('several sources need a step that makes one value of them', () => {
    const two = ['firstname', 'lastname']
    expect(withFields([{ target: 'lastName', from: two, steps: [{ fn: 'trim' }] }])).toEqual([
      'error flows[0].fields[0].from: 2 source fields feed "lastName", and a field takes one value — add a "join" or "coalesce" step, or keep one source'
    ])
    expect(withFields([{ target: 'lastName', from: two, steps: [{ fn: 'join', separator: ' ' }, { fn: 'truncate' }] }])).toEqual([])
    expect(withFields([{ target: 'lastName', from: two, steps: [{ fn: 'coalesce' }, { fn: 'truncate' }] }])).toEqual([])
    // A constant makes the value only when it comes first; later, it replaces one value among several.
    expect(withFields([{ target: 'lastName', from: two, steps: [{ fn: 'constant', value: 'x' }] }])).toEqual([])
    expect(withFields([{ target: 'lastName', from: two, steps: [{ fn: 'trim' }, { fn: 'constant', value: 'x' }] }])).toEqual([
      'error flows[0].fields[0].from: 2 source fields feed "lastName", and a field takes one value — add a "join" or "coalesce" step, or keep one source'
    ])
  })

  it('a read-only target is refused, and nothing else said about that mapping', () => {
    expect(withFields([{ target: 'age', from: ['gendercode'] }])).toEqual([
      'error flows[0].fields[0].target: "Age" (age) is read-only in Campaign (Campaign sets it) — map another field'
    ])
    // Neither creatable nor updatable is read-only too, whatever the flag says.
    const locked = replaceField(campaignProfile, 'firstName', { validForCreate: false, validForUpdate: false })
    expect(
      check(contacts({ fields: [{ target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate' }] }] }), [dynamicsContact, locked])
    ).toEqual(['error flows[0].fields[0].target: "First name" (firstName) is read-only in Campaign (Campaign sets it) — map another field'])
  })

  it('a field set only on create asks for "applyUpdates": false, unless it is the match key', () => {
    const createOnly = replaceField(campaignProfile, 'email', { validForUpdate: false })
    const tables = [dynamicsContact, createOnly]
    expect(check(contacts(), tables)).toEqual([
      'warning flows[0].fields[0].applyUpdates: "Email" (email) can be set only when a record is created — set "applyUpdates" to false'
    ])
    expect(check(contacts({ fields: [{ target: 'email', from: ['emailaddress1'], applyUpdates: false }] }), tables)).toEqual([])
    expect(check(contacts({ fields: [{ target: 'email', from: ['emailaddress1'], applyUpdates: true }] }), tables)).toHaveLength(1)
    const keyCreateOnly = replaceField(campaignProfile, 'cusDynamicsContactId', { validForUpdate: false })
    expect(
      check(contacts({ fields: [{ target: 'cusDynamicsContactId', from: ['contactid'] }] }), [dynamicsContact, keyCreateOnly])
    ).toEqual([])
  })

  it('a field that cannot be set on create is written on the next update only', () => {
    const updateOnly = replaceField(campaignProfile, 'email', { validForCreate: false })
    expect(check(contacts(), [dynamicsContact, updateOnly])).toEqual([
      'warning flows[0].fields[0].target: "email" cannot be set on create; new records get it only on their next update'
    ])
  })

  it('a type mismatch names the step that fixes it, at the last step', () => {
    expect(withFields([{ target: 'birthDate', from: ['lastusedincampaign'], steps: [{ fn: 'trim' }] }])).toEqual([
      'error flows[0].fields[0].steps[0]: "birthDate" is dateonly, the value is text — add "parseDate" (with its format) and "formatDate" with format "date" (suggested: {"fn":"parseDate"}, {"fn":"formatDate","format":"date"})'
    ])
    expect(withFields([{ target: 'firstName', from: ['numberofchildren'] }])).toEqual([
      'warning flows[0].fields[0]: a number is written into the text field "firstName" — add "formatNumber" to choose its form (suggested: {"fn":"formatNumber"})'
    ])
    // A warning with no step to suggest says so by saying nothing more.
    expect(withFields([{ target: 'cusJobTitle', from: ['firstname'] }])).toEqual([])
  })

  it('values too long for the target, unless cut', () => {
    expect(withFields([{ target: 'firstName', from: ['lastname'] }])).toEqual([
      'warning flows[0].fields[0]: values can be 50 characters and "firstName" holds 30; longer records will fail — add a "truncate" step to cut them (with a warning)'
    ])
    expect(withFields([{ target: 'firstName', from: ['lastname'], steps: [{ fn: 'truncate' }] }])).toEqual([])
    expect(withFields([{ target: 'firstName', from: ['lastname'], steps: [{ fn: 'truncate', length: 30 }] }])).toEqual([])
    // A cut longer than the field is no cut: it passed as one, "valid" over a preview where every long name failed.
    expect(withFields([{ target: 'firstName', from: ['lastname'], steps: [{ fn: 'truncate', length: 41 }] }])).toEqual([
      'warning flows[0].fields[0].steps[0]: the "truncate" step cuts at 41 characters and "firstName" holds 30; values longer than 30 will fail — truncate at 30'
    ])
    // A cut longer than the values is no risk (lastname holds 50, lastName 50); a default after a cut decides the length itself.
    expect(withFields([{ target: 'lastName', from: ['lastname'], steps: [{ fn: 'truncate', length: 100 }] }])).toEqual([])
    expect(
      withFields([
        {
          target: 'firstName',
          from: ['lastname'],
          steps: [
            { fn: 'truncate', length: 30 },
            { fn: 'default', value: 'x'.repeat(40) }
          ]
        }
      ])
    ).toEqual([
      'warning flows[0].fields[0].steps[1]: values can be 40 characters and "firstName" holds 30; longer records will fail — add a "truncate" step to cut them (with a warning)'
    ])
    // Exactly as long fits; no known length says nothing.
    expect(withFields([{ target: 'lastName', from: ['lastname'] }])).toEqual([])
    expect(withFields([{ target: 'firstName', steps: [{ fn: 'expression', expr: 'firstname & lastname' }] }])).toEqual([])
    // Only text fields have a length to overflow.
    const longGender = replaceField(campaignProfile, 'timeZone', { maxLength: 5 })
    expect(
      check(
        contacts({
          fields: [{ target: 'timeZone', from: ['firstname'], steps: [{ fn: 'valueMap', map: { a: 'none' }, keepUnmatched: false }] }]
        }),
        [dynamicsContact, longGender]
      )
    ).toEqual([])
  })
})

describe('value maps', () => {
  const gender = (map: Record<string, string>, extra: object = {}) =>
    withFields([{ target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map, ...extra }] }])

  it('keys that are not options of the source are named, with the options there are', () => {
    expect(gender({ '1': 'male', '2': 'female', '3': 'unknown' }, { otherwise: 'unknown' })).toEqual([
      'warning flows[0].fields[0].steps[0].map: "3" is not an option of "gendercode" (1 Male, 2 Female) — check the keys'
    ])
    expect(gender({ '1': 'male', '2': 'female', '3': 'unknown', Other: 'unknown' }, { otherwise: 'unknown' })).toEqual([
      'warning flows[0].fields[0].steps[0].map: "3", "Other" are not options of "gendercode" (1 Male, 2 Female) — check the keys'
    ])
    // Keys by label (any case, spaces around) and by value (spaces around) are options.
    expect(gender({ ' 1 ': 'male', FEMALE: 'female' }, { otherwise: 'unknown' })).toEqual([])
  })

  it('true and false are the options 1 and 0 of a yes/no column', () => {
    const optOut = (map: Record<string, boolean>) =>
      withFields([{ target: 'blackListEmail', from: ['donotbulkemail'], steps: [{ fn: 'valueMap', map }] }])
    expect(optOut({ true: true, false: false })).toEqual([])
    expect(optOut({ '1': true, '0': false })).toEqual([])
    expect(optOut({ yes: true })).toEqual([
      'warning flows[0].fields[0].steps[0].map: "yes" is not an option of "donotbulkemail" (1 Do Not Allow, 0 Allow) — check the keys'
    ])
  })

  it('options the map leaves out fail their records, unless "otherwise" or "keepUnmatched" says what to write', () => {
    expect(gender({ '1': 'male' })).toEqual([
      'warning flows[0].fields[0].steps[0].map: records with 2 "Female" will fail: no replacement — add it, or set "otherwise"'
    ])
    expect(
      withFields([{ target: 'cusJobTitle', from: ['familystatuscode'], steps: [{ fn: 'valueMap', map: { '1': 'single' } }] }])
    ).toEqual([
      'warning flows[0].fields[0].steps[0].map: records with 2 "Married", 3 "Divorced", 4 "Widowed" will fail: no replacement — add them, or set "otherwise"'
    ])
    expect(gender({ '1': 'male', female: 'female' })).toEqual([])
    expect(gender({ '1': 'male' }, { otherwise: 'unknown' })).toEqual([])
    expect(
      withFields([
        {
          target: 'cusJobTitle',
          from: ['familystatuscode'],
          steps: [{ fn: 'valueMap', map: { '1': 'single' }, keepUnmatched: true }, { fn: 'truncate' }]
        }
      ])
    ).toEqual([])
  })

  it('a yes/no column left half mapped is not reported (the compiled map says what an unmapped value does)', () => {
    expect(withFields([{ target: 'blackListEmail', from: ['donotbulkemail'], steps: [{ fn: 'valueMap', map: { true: true } }] }])).toEqual(
      []
    )
  })

  it('"otherwise" and "keepUnmatched" together: one of them is ignored', () => {
    expect(gender({ '1': 'male', '2': 'female' }, { otherwise: 'unknown', keepUnmatched: true })).toEqual([
      'warning flows[0].fields[0].steps[0].keepUnmatched: "otherwise" and "keepUnmatched" are both set; "otherwise" wins — remove one'
    ])
  })

  it('values written into an enumeration or choice must be its values, reported at the step that makes them', () => {
    expect(gender({ '1': 'M', '2': 'F' })).toEqual([
      'error flows[0].fields[0].steps[0]: "M", "F" are not values of "Gender" (gender) — use "unknown", "male", "female"'
    ])
    expect(gender({ '1': 'male', '2': 'F' })).toEqual([
      'error flows[0].fields[0].steps[0]: "F" is not a value of "Gender" (gender) — use "unknown", "male", "female"'
    ])
    expect(withFields([{ target: 'gender', steps: [{ fn: 'constant', value: null }] }])).toEqual([])
  })
})

describe('filters', () => {
  const filterProblems = (filter: RecordsFlow['filter']) => check(contacts({ filter }))

  it('an unknown field, except a path through a lookup', () => {
    expect(filterProblems({ field: 'statcode', op: 'eq', value: 0 })).toEqual([
      'error flows[0].filter.field: "statcode" is not a field of Dynamics "contact" — did you mean "Status" (statecode)?'
    ])
    expect(filterProblems({ field: 'parentcustomerid.name', op: 'eq', value: 'Contoso' })).toEqual([])
  })

  it('operators the field type has no meaning for', () => {
    expect(filterProblems({ field: 'numberofchildren', op: 'startsWith', value: '1' })).toEqual([
      'error flows[0].filter.op: startsWith compares text, and "numberofchildren" is integer — use eq, in or a range'
    ])
    expect(filterProblems({ field: 'donotemail', op: 'endsWith', value: 'e' })).toEqual([
      'error flows[0].filter.op: endsWith compares text, and "donotemail" is boolean — use eq, in or a range'
    ])
    for (const op of ['gt', 'ge', 'lt', 'le'] as const) {
      expect(filterProblems({ field: 'donotemail', op, value: true })).toEqual([
        `error flows[0].filter.op: "donotemail" is boolean and has no order — use eq or ne`
      ])
    }
    expect(filterProblems({ field: 'contactid', op: 'between', from: 'a', to: 'b' })[0]).toBe(
      'error flows[0].filter.op: "contactid" is uniqueidentifier and has no order — use eq or ne'
    )
    expect(filterProblems({ field: 'numberofchildren', op: 'lastXDays', days: 3 })).toEqual([
      'error flows[0].filter.op: lastXDays needs a date, and "numberofchildren" is integer'
    ])
    expect(filterProblems({ field: 'birthdate', op: 'lastXDays', days: 3 })).toEqual([])
    expect(filterProblems({ field: 'createdon', op: 'lastXDays', days: 3 })).toEqual([])
    expect(filterProblems({ field: 'firstname', op: 'contains', value: 'an' })).toEqual([])
    expect(filterProblems({ field: 'createdon', op: 'ge', value: '2024-01-31' })).toEqual([])
  })

  it('values that do not fit the field, each at its place, with how to write one', () => {
    expect(
      filterProblems({
        all: [
          { field: 'numberofchildren', op: 'eq', value: 'two' },
          { any: [{ field: 'donotemail', op: 'eq', value: 'yes' }] },
          { not: { field: 'birthdate', op: 'in', values: ['1980-10-24', '24/10/1980'] } },
          { field: 'createdon', op: 'between', from: 'monday', to: '2024-01-31T00:00:00Z' },
          { field: 'contactid', op: 'ne', value: 'anna' },
          { field: 'firstname', op: 'eq', value: 7 }
        ]
      })
    ).toEqual([
      'error flows[0].filter.all[0].value: "two" does not fit "numberofchildren" (integer) — write it as 42',
      'error flows[0].filter.all[1].any[0].value: "yes" does not fit "donotemail" (boolean) — write it as true',
      'error flows[0].filter.all[2].not.values[1]: "24/10/1980" does not fit "birthdate" (dateonly) — write it as "2024-01-31"',
      'error flows[0].filter.all[3].from: "monday" does not fit "createdon" (datetime) — write it as "2024-01-31T00:00:00Z"',
      'error flows[0].filter.all[4].value: "anna" does not fit "contactid" (uniqueidentifier) — write it as "00000000-0000-0000-0000-000000000000"',
      'error flows[0].filter.all[5].value: 7 does not fit "firstname" (string) — write it as "text"'
    ])
  })

  it('text fits a text field whatever it looks like; null fits anything; a date fits a date-time', () => {
    expect(
      filterProblems({
        all: [
          { field: 'firstname', op: 'in', values: ['42', 'true', '2024-01-31', null] },
          { field: 'numberofchildren', op: 'eq', value: null },
          { field: 'createdon', op: 'lt', value: '2024-01-31' },
          { field: 'firstname', op: 'contains', value: '42' }
        ]
      })
    ).toEqual([])
  })

  it('a number that is not one of the choice options is a warning with the options', () => {
    expect(filterProblems({ field: 'statecode', op: 'in', values: [0, 2] })).toEqual([
      'warning flows[0].filter.values[1]: 2 is not an option of "statecode" (0 Active, 1 Inactive)'
    ])
    expect(filterProblems({ field: 'numberofchildren', op: 'eq', value: 12 })).toEqual([])
  })
})

describe('the match key', () => {
  it('an unknown or non-unique source, an unknown target', () => {
    expect(check(contacts({ match: { source: 'contactidd', target: 'cusDynamicsContactIdd' } })).slice(0, 2)).toEqual([
      'error flows[0].match.source: "contactidd" is not a field of Dynamics "contact" — did you mean "Contact" (contactid)?',
      'error flows[0].match.target: "cusDynamicsContactIdd" is not a field of Campaign "profile" — did you mean "Dynamics contact ID" (cusDynamicsContactId)?'
    ])
    expect(check(contacts({ match: { source: 'emailaddress1', target: 'cusDynamicsContactId' } }))).toEqual([
      'error flows[0].match.source: "emailaddress1" is not unique in "contact" — match on "contactid" or an alternate key'
    ])
    const noPrimary = { ...dynamicsContact, primaryId: undefined }
    expect(check(contacts({ match: { source: 'emailaddress1', target: 'cusDynamicsContactId' } }), [noPrimary, campaignProfile])).toEqual([
      'error flows[0].match.source: "emailaddress1" is not unique in "contact" — match on "the primary id" or an alternate key'
    ])
  })

  it('source deletes are said not to be applied only where Dynamics keeps no trace of a deletion (no change tracking)', () => {
    const keyed = { ...dynamicsContact, keys: [...dynamicsContact.keys, { name: 'new_email', fields: ['emailaddress1'] }] }
    const deleting = contacts({
      match: { source: 'emailaddress1', target: 'cusDynamicsContactId' },
      deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false }
    })
    // Matched on an alternate key, a deleted row is deleted by the key the flow last read for it.
    expect(check(deleting, [keyed, campaignProfile])).toEqual([])
    const untracked = { ...keyed, changeTracking: false }
    expect(check(deleting, [untracked, campaignProfile])).toEqual([
      'warning flows[0].deletes.applySourceDeletes: records deleted in Dynamics are not deleted from Campaign: "contact" has no change tracking, and without it Dynamics keeps no trace of a deleted row — turn on "Track changes" for the table in Dynamics to apply them'
    ])
    expect(
      check({ ...deleting, deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true } }, [untracked, campaignProfile])
    ).toEqual([])
  })

  it('a source whose alternate key Dynamics lists with an index not built says so, and what to do', () => {
    const withKey = (indexStatus: string) => ({
      ...dynamicsContact,
      inactiveKeys: [{ name: 'new_contact_email', fields: ['emailaddress1'], indexStatus }]
    })
    const byEmail = contacts({ match: { source: 'emailaddress1', target: 'cusDynamicsContactId' } })
    expect(check(byEmail, [withKey('Failed'), campaignProfile])).toEqual([
      'error flows[0].match.source: "emailaddress1" is not unique in "contact": its alternate key "new_contact_email" is not active in Dynamics (index Failed, most often because the column holds duplicate values: remove them and reactivate the key; docs/validation.md) — match on "contactid" or an alternate key'
    ])
    expect(check(byEmail, [withKey('Pending'), campaignProfile])).toEqual([
      'error flows[0].match.source: "emailaddress1" is not unique in "contact": its alternate key "new_contact_email" is not active in Dynamics (index Pending: wait until it is Active; docs/validation.md) — match on "contactid" or an alternate key'
    ])
  })

  it('a target not known to be unique asks for confirmation, naming the filter records are found by', () => {
    expect(check(contacts({ match: { source: 'contactid', target: 'cusJobTitle' } }))).toEqual([
      `warning flows[0].match.target: "cusJobTitle" is not known to be an identification key of "profile" — Campaign's metadata does not say. If it is one (unique, set on create), confirm it (Inspector → Match key, or "identificationKey": true); until then records are looked up through the filter byJobTitle, which must exist`
    ])
    expect(check(contacts({ match: { source: 'contactid', target: 'cusJobTitle', identificationKey: false } }))).toHaveLength(1)
  })

  it('a read-only or non-text target cannot hold the Dynamics id', () => {
    const problems = check(contacts({ match: { source: 'contactid', target: 'PKey', identificationKey: true } }))
    expect(problems).toEqual(['error flows[0].match.target: "PKey" is read-only — the key must be written on create'])
    expect(check(contacts({ match: { source: 'contactid', target: 'isExternal', identificationKey: true } }))).toEqual([
      'warning flows[0].match.target: "isExternal" is boolean; a Dynamics id is text — use a text field'
    ])
    const untyped = replaceField(campaignProfile, 'cusDynamicsContactId', { type: 'unknown' })
    expect(check(contacts(), [dynamicsContact, untyped])).toEqual([])
  })

  it('a mapping that writes the key field with anything but the match source is flagged', () => {
    const message =
      'warning flows[0].fields[1]: "cusDynamicsContactId" is the match key and is set from "contactid"; this mapping writes something else — remove it'
    const keyField = (mapping: Partial<RecordsFlow['fields'][number]>) =>
      check(
        contacts({
          fields: [
            { target: 'email', from: ['emailaddress1'] },
            { target: 'cusDynamicsContactId', ...mapping }
          ]
        })
      )
    expect(keyField({ from: ['contactid'] })).toEqual([])
    expect(keyField({ from: ['contactid'], steps: [] })).toEqual([])
    expect(keyField({ from: ['emailaddress1'] })).toContain(message)
    expect(keyField({ from: ['contactid'], steps: [{ fn: 'lower' }] })).toContain(message)
    expect(keyField({ from: ['contactid', 'emailaddress1'], steps: [{ fn: 'coalesce' }] })).toContain(message)
    expect(keyField({ steps: [{ fn: 'constant', value: 'x' }] })).toContain(message)
  })
})

describe('required fields and links of the target', () => {
  const requiredVin = replaceField(campaignVehicle, 'VIN', { required: 'required' })

  it('a required field nothing maps to', () => {
    expect(check(vehicles(), [dynamicsVehicle, requiredVin])).toEqual([
      'error flows[0].fields: "VIN" is required in "cusVehicle" and nothing maps to it — add a mapping (a "constant" will do)'
    ])
    expect(check(vehicles({ fields: [{ target: 'VIN', from: ['new_vehicleidnum'] }] }), [dynamicsVehicle, requiredVin])).toEqual([])
  })

  it('not asked of the match key, read-only fields, fields set by Campaign on create, or links', () => {
    const required = (name: string, patch: Partial<Field> = {}) => replaceField(campaignVehicle, name, { required: 'required', ...patch })
    expect(check(vehicles(), [dynamicsVehicle, required('externalId')])).toEqual([])
    expect(check(vehicles(), [dynamicsVehicle, required('PKey')])).toEqual([])
    expect(check(vehicles(), [dynamicsVehicle, required('VIN', { validForCreate: false })])).toEqual([])
    expect(check(vehicles(), [dynamicsVehicle, replaceField(campaignVehicle, 'VIN', { required: 'recommended' })])).toEqual([])
    // A required link is asked for as a link, not as a field mapping.
    expect(check(vehicles(), [dynamicsVehicle, required('vehicleOwner')])).toEqual([
      'error flows[0].links: "Owner" (vehicleOwner) is a required link of "cusVehicle" and nothing sets it — drop the lookup "_new_contactsvehicleid_value" on it on the canvas to link each record to its parent flow'
    ])
  })

  it("a required link names the source's contact lookup to drop on it, or asks for one", () => {
    const ownerRequired = replaceField(campaignVehicle, 'vehicleOwner', { required: 'required' })
    const noContactLookup = replaceField(dynamicsVehicle, 'new_contactsvehicleid', { targets: ['account'] })
    expect(check(vehicles(), [noContactLookup, ownerRequired])).toEqual([
      `error flows[0].links: "Owner" (vehicleOwner) is a required link of "cusVehicle" and nothing sets it — drop the source's lookup or id field on it on the canvas to link each record to its parent flow`
    ])
    const unnamedLookup = replaceField(dynamicsVehicle, 'new_contactsvehicleid', { readName: undefined })
    expect(check(vehicles(), [unnamedLookup, ownerRequired])[0]).toMatch(/drop the lookup "new_contactsvehicleid" on it/)
    const twoFlows = doc(
      contacts(),
      vehicles({ links: [{ target: 'vehicleOwner', source: '_new_contactsvehicleid_value', parentFlow: 'contacts' }] })
    )
    expect(validateFlow(twoFlows, 1, catalogOf([...exampleTables, ownerRequired]))).toEqual([])
  })
})

describe('links to a parent flow', () => {
  const linked = (link: Partial<NonNullable<RecordsFlow['links']>[number]>, ...others: MappingDocument['flows']) =>
    lines(
      validateFlow(
        doc(
          vehicles({ links: [{ target: 'vehicleOwner', source: '_new_contactsvehicleid_value', parentFlow: 'contacts', ...link }] }),
          ...others
        ),
        0,
        catalog
      )
    )

  it('a good link says nothing', () => {
    expect(linked({}, contacts())).toEqual([])
  })

  it('unknown lookup, unknown link field, a field that is not a link', () => {
    expect(linked({ source: 'new_contactid' }, contacts())).toEqual([
      'error flows[0].links[0].source: "new_contactid" is not a field of Dynamics "new_vehicle"'
    ])
    expect(linked({ target: 'vehicleOwnr' }, contacts())).toEqual([
      'error flows[0].links[0].target: "vehicleOwnr" is not a field of Campaign "cusVehicle" — did you mean "Owner" (vehicleOwner)?'
    ])
    expect(linked({ target: 'VIN' }, contacts())).toEqual(['error flows[0].links[0].target: "VIN" is string, not a link'])
  })

  it('a parent flow that does not exist, is this flow, or is not a records flow', () => {
    expect(linked({ parentFlow: 'contact' }, contacts())).toEqual([
      'error flows[0].links[0].parentFlow: no flow has the id "contact" — did you mean "contacts"?'
    ])
    expect(linked({ parentFlow: 'profiles' }, contacts())).toEqual([
      'error flows[0].links[0].parentFlow: no flow has the id "profiles" — give the id of the flow that writes the parent records'
    ])
    expect(linked({ parentFlow: 'vehicles' })).toEqual([
      'error flows[0].links[0].parentFlow: a flow cannot be its own parent — link to the flow that writes the parent records'
    ])
    const events: EventsFlow = {
      id: 'opens',
      kind: 'events',
      source: { system: 'campaign', event: 'open' },
      target: { system: 'dynamics', table: 'contact' },
      contact: { profileKey: 'cusDynamicsContactId', regarding: 'parentcustomerid' },
      match: { target: 'description' },
      fields: []
    }
    expect(linked({ parentFlow: 'opens' }, events)).toEqual([
      'error flows[0].links[0].parentFlow: "opens" is an events flow; a parent must be a records flow'
    ])
    expect(linked({ parentFlow: 'optout' }, optOut())).toEqual([
      'error flows[0].links[0].parentFlow: "optout" is an opt-out flow; a parent must be a records flow'
    ])
  })
})

describe("Adobe's documented limits", () => {
  const columns = (n: number) => Array.from({ length: n }, (_, i) => ({ target: `cusField${i}`, from: ['new_name'] }))

  it('at most 50 columns per custom resource, the match key counted, a profile not limited', () => {
    const warning =
      'warning flows[0].fields: 51 columns: Adobe documents at most 50 per custom resource — split the resource or map fewer fields'
    const noSchema = (flow: RecordsFlow) => lines(validateFlow(doc(flow), 0, catalogOf([]), { compile: false }))
    expect(noSchema(vehicles({ fields: columns(50) }))).toContain(warning)
    expect(noSchema(vehicles({ fields: columns(49) }))).not.toContainEqual(expect.stringMatching(/columns: Adobe/))
    // Mapping the key again does not count it twice.
    expect(noSchema(vehicles({ fields: [...columns(49), { target: 'externalId', from: ['new_vehicleid'] }] }))).not.toContainEqual(
      expect.stringMatching(/columns: Adobe/)
    )
    // Custom is what the schema says; without one, the cus prefix.
    expect(noSchema(contacts({ target: { system: 'campaign', resource: 'customer' }, fields: columns(60) }))).not.toContainEqual(
      expect.stringMatching(/columns: Adobe/)
    )
    expect(noSchema(contacts({ target: { system: 'campaign', resource: 'cus1' }, fields: columns(60) }))).toContainEqual(
      expect.stringMatching(/^warning flows\[0\]\.fields: 61 columns: Adobe/)
    )
    const customProfile = { ...campaignProfile, custom: true }
    const wide = contacts({ fields: columns(60) })
    expect(lines(validateFlow(doc(wide), 0, catalogOf([dynamicsContact, customProfile]), { compile: false }))).toContainEqual(
      expect.stringMatching(/61 columns: Adobe/)
    )
    const notCustom = { ...campaignVehicle, custom: false }
    expect(
      lines(validateFlow(doc(vehicles({ fields: columns(60) })), 0, catalogOf([dynamicsVehicle, notCustom]), { compile: false }))
    ).not.toContainEqual(expect.stringMatching(/columns: Adobe/))
  })

  it('at most 5 linked columns per custom resource', () => {
    const link = (i: number) => ({ target: `cusLink${i}`, source: 'new_contactsvehicleid', parentFlow: 'contacts' })
    const flow = (n: number) => doc(vehicles({ links: Array.from({ length: n }, (_, i) => link(i)) }), contacts())
    const limit = (n: number) => lines(validateFlow(flow(n), 0, catalogOf([]))).filter((l) => /linked columns/.test(l))
    expect(limit(6)).toEqual([
      'warning flows[0].links: 6 links: Adobe documents at most 5 linked columns per custom resource, each with a performance cost'
    ])
    expect(limit(5)).toEqual([])
  })

  it('links at most two levels deep, a cycle not counted forever', () => {
    const chain = (id: string, parent?: string) =>
      vehicles({ id, ...(parent ? { links: [{ target: 'vehicleOwner', source: 'new_contactsvehicleid', parentFlow: parent }] } : {}) })
    const deep = doc(chain('a'), chain('b', 'a'), chain('c', 'b'), chain('d', 'c'))
    expect(lines(validateFlow(deep, 3, catalog))).toEqual([
      'warning flows[3].links: links go 3 levels deep; Adobe documents at most 2 (table1 → table2 → table3) — link to a nearer parent'
    ])
    expect(lines(validateFlow(deep, 2, catalog))).toEqual([])
    const loop = doc(chain('a', 'c'), chain('b', 'a'), chain('c', 'b'))
    expect(lines(validateFlow(loop, 0, catalog))).toEqual([
      'warning flows[0].links: links go 3 levels deep; Adobe documents at most 2 (table1 → table2 → table3) — link to a nearer parent'
    ])
  })
})

const optOut = (patch: Partial<OptOutFlow> = {}): OptOutFlow => ({
  id: 'optout',
  kind: 'optOut',
  direction: 'both',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  pairs: [{ dynamics: 'donotbulkemail', campaign: 'blackListEmail' }],
  ...patch
})

describe('opt-out flows', () => {
  const problems = (flow: OptOutFlow, tables: readonly Table[] = exampleTables) => lines(validateFlow(doc(flow), 0, catalogOf(tables)))

  it('pairs boolean fields that exist on both sides', () => {
    expect(problems(optOut())).toEqual([])
    expect(
      problems(
        optOut({
          pairs: [
            { dynamics: 'donotbulkemai', campaign: 'email' },
            { dynamics: 'firstname', campaign: 'blackListEmal' }
          ]
        })
      )
    ).toEqual([
      'error flows[0].pairs[0].dynamics: "donotbulkemai" is not a field of Dynamics "contact" — did you mean "Do not allow Bulk Emails" (donotbulkemail)?',
      'error flows[0].pairs[0].campaign: "email" is email; opt-outs pair boolean fields',
      'error flows[0].pairs[1].dynamics: "firstname" is string; opt-outs pair boolean fields',
      'error flows[0].pairs[1].campaign: "blackListEmal" is not a field of Campaign "profile" — did you mean "No longer contact by email" (blackListEmail)?'
    ])
  })

  it('with a table not loaded, checks the side it has', () => {
    expect(problems(optOut({ pairs: [{ dynamics: 'firstname', campaign: 'email' }] }), [dynamicsContact])).toEqual([
      'error flows[0].target.resource: Campaign has no resource "profile"',
      'error flows[0].pairs[0].dynamics: "firstname" is string; opt-outs pair boolean fields'
    ])
  })
})

describe('events flows', () => {
  const opens = (patch: Partial<EventsFlow> = {}): EventsFlow => ({
    id: 'opens',
    kind: 'events',
    source: { system: 'campaign', event: 'open' },
    target: { system: 'dynamics', table: 'contact' },
    contact: { profileKey: 'cusDynamicsContactId', regarding: 'parentcustomerid' },
    match: { target: 'description' },
    fields: [{ target: 'description', from: ['id'] }],
    ...patch
  })
  // The activity table stands in as `contact`, with the alternate key its events are written by.
  const keyed = (table: Table): Table => ({ ...table, keys: [...table.keys, { name: 'new_eventid', fields: ['description'] }] })
  const activityTables = exampleTables.map((t) => (t === dynamicsContact ? keyed(t) : t))
  const problems = (flow: EventsFlow, tables: readonly Table[] = activityTables) => lines(validateFlow(doc(flow), 0, catalogOf(tables)))

  it("checks the match and regarding columns against the activity table, and fields against the event's shape", () => {
    expect(problems(opens())).toEqual([])
    expect(
      problems(
        opens({
          match: { target: 'descripton' },
          contact: { profileKey: 'cusDynamicsContactId', regarding: 'regardingobjectid' },
          fields: [{ target: 'description', from: ['deliveryLabl'] }]
        })
      )
    ).toEqual([
      'error flows[0].match.target: "descripton" is not a field of Dynamics "contact" — did you mean "Description" (description)?',
      'error flows[0].contact.regarding: "regardingobjectid" is not a field of Dynamics "contact"',
      'error flows[0].fields[0].from[0]: "deliveryLabl" is not a field of Campaign "open" — did you mean "Delivery label" (deliveryLabel)?'
    ])
  })

  it('a regarding column named after a lookup of the table (its typed form) is accepted', () => {
    expect(problems(opens({ contact: { profileKey: 'cusDynamicsContactId', regarding: 'parentcustomerid_contact' } }))).toEqual([])
    expect(problems(opens({ contact: { profileKey: 'cusDynamicsContactId', regarding: 'firstname_contact' } }))).toEqual([
      'error flows[0].contact.regarding: "firstname_contact" is not a field of Dynamics "contact"'
    ])
  })

  it("a Campaign event's date is ISO already for Dynamics", () => {
    const activity = keyed(replaceField(dynamicsContact, 'lastusedincampaign', { validForCreate: true }))
    expect(problems(opens({ fields: [{ target: 'lastusedincampaign', from: ['date'] }] }), [activity])).toEqual([])
  })

  it('a match column that is no active alternate key is refused: every event is an upsert by it', () => {
    expect(problems(opens(), exampleTables)).toEqual([
      'error flows[0].match.target: each event is written to "contact" addressed by "description" (a replayed event updates its activity), and it is not an alternate key of "contact" — add one on it in Dynamics (docs/validation.md)'
    ])
    const pending: Table = { ...dynamicsContact, inactiveKeys: [{ name: 'new_eventid', fields: ['description'], indexStatus: 'Pending' }] }
    expect(problems(opens(), [pending, ...exampleTables.filter((t) => t !== dynamicsContact)])).toEqual([
      'error flows[0].match.target: each event is written to "contact" addressed by "description" (a replayed event updates its activity): its alternate key "new_eventid" is not active in Dynamics (index Pending: wait until it is Active; docs/validation.md)'
    ])
  })

  it('an activity table not loaded: a warning, and the fields are still checked against the event', () => {
    expect(problems(opens({ fields: [{ target: 'x', from: ['nope'] }] }), [])).toEqual([
      'error flows[0].target.table: Dynamics has no table "contact"',
      'error flows[0].fields[0].from[0]: "nope" is not a field of Campaign "open"'
    ])
  })
})

describe('tables not found', () => {
  it('an unknown table gets a did-you-mean; a catalog that cannot list its tables only warns', () => {
    expect(check(contacts({ target: { system: 'campaign', resource: 'profiles' } }))).toEqual([
      'error flows[0].target.resource: Campaign has no resource "profiles" — did you mean "profile"?'
    ])
    expect(lines(validateFlow(doc(contacts()), 0, { find: () => undefined }))).toEqual([
      'warning flows[0].source.table: the schema of Dynamics "contact" is not loaded — connect to check its fields',
      'warning flows[0].target.resource: the schema of Campaign "profile" is not loaded — connect to check its fields'
    ])
  })
})

describe('compiling the steps', () => {
  const badPattern = contacts({
    fields: [{ target: 'email', from: ['emailaddress1'], steps: [{ fn: 'replace', pattern: '(a+)(?=b)', replacement: '' }] }]
  })
  it('is part of validation unless turned off', () => {
    expect(validateFlow(doc(badPattern), 0, catalog).map((p) => formatProblem(p))).toEqual([
      expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.pattern: .*look-ahead/)
    ])
    expect(validateFlow(doc(badPattern), 0, catalog, { compile: true })).toHaveLength(1)
    expect(validateFlow(doc(badPattern), 0, catalog, { compile: false })).toEqual([])
  })
})

describe('across flows', () => {
  it('a cycle of links is an error at each flow of it', () => {
    const link = (parentFlow: string) => [{ target: 'vehicleOwner', source: 'new_contactsvehicleid', parentFlow }]
    const document = doc(
      vehicles({ id: 'a', links: link('c') }),
      vehicles({ id: 'b', links: link('a') }),
      vehicles({ id: 'c', links: link('b') }),
      vehicles({ id: 'd', links: link('a') }),
      vehicles({ id: 'e', links: [...link('e'), ...link('ghost')] }),
      optOut()
    )
    expect(lines(linkCycleProblems(document))).toEqual([
      'error flows[0].links[0].parentFlow: the links form a cycle ("a" → "c" → "b" → "a"): no flow can run before its parent — remove one of the links',
      'error flows[1].links[0].parentFlow: the links form a cycle ("b" → "a" → "c" → "b"): no flow can run before its parent — remove one of the links',
      'error flows[2].links[0].parentFlow: the links form a cycle ("c" → "b" → "a" → "c"): no flow can run before its parent — remove one of the links'
    ])
  })

  it('finds a cycle through a branch, after a dead end', () => {
    const links = (...parents: string[]) =>
      parents.map((parentFlow) => ({ target: 'vehicleOwner', source: 'new_contactsvehicleid', parentFlow }))
    const document = doc(
      vehicles({ id: 'a', links: links('b') }),
      vehicles({ id: 'b', links: links('x', 'y') }),
      vehicles({ id: 'x', links: links('z') }),
      vehicles({ id: 'z' }),
      vehicles({ id: 'y', links: links('x', 'a') })
    )
    expect(lines(linkCycleProblems(document))[0]).toBe(
      'error flows[0].links[0].parentFlow: the links form a cycle ("a" → "b" → "y" → "a"): no flow can run before its parent — remove one of the links'
    )
    expect(
      linkCycleProblems(doc(vehicles({ id: 'a', links: links('b') }), vehicles({ id: 'b', links: links('x') }), vehicles({ id: 'x' })))
    ).toEqual([])
  })

  it('two flows from one table, or into one resource, are warned about', () => {
    const document = doc(
      contacts(),
      optOut(),
      contacts({ id: 'again' }),
      contacts({ id: 'third', target: { system: 'campaign', resource: 'cusVehicle' } })
    )
    expect(lines(validateMapping(document, catalog, { compile: false })).filter((l) => /already/.test(l))).toEqual([
      'warning flows[2].source.table: "contact" is already synced by flows[0]; Adobe maps each table once — make sure the two flows do not write the same records',
      'warning flows[2].target.resource: "profile" is already written by flows[0] — two flows writing one resource overwrite each other\'s fields',
      'warning flows[3].source.table: "contact" is already synced by flows[0]; Adobe maps each table once — make sure the two flows do not write the same records'
    ])
  })

  it('at most 20 custom resources', () => {
    const flows = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        vehicles({ id: `v${i}`, source: { system: 'dynamics', table: `new_t${i}` }, target: { system: 'campaign', resource: `cusR${i}` } })
      )
    const limit = (n: number) =>
      lines(validateMapping(doc(...flows(n), contacts()), catalogOf([]), { compile: false })).filter((l) => l.includes('custom entities'))
    expect(limit(21)).toEqual(['warning flows: 21 flows write custom resources; Adobe documents at most 20 custom entities'])
    expect(limit(20)).toEqual([])
  })

  it('validates every flow with the options given', () => {
    const document = doc(
      contacts({ fields: [{ target: 'emial', from: ['emailaddress1'] }] }),
      optOut({ pairs: [{ dynamics: 'x', campaign: 'blackListEmail' }] })
    )
    expect(lines(validateMapping(document, catalog)).map((l) => l.split(':')[0])).toEqual([
      'error flows[0].fields[0].target',
      'error flows[1].pairs[0].dynamics'
    ])
  })
})
