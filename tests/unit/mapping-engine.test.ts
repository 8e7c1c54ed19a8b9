import { describe, expect, it } from 'vitest'
import { contactsToProfiles } from '../support/flow-examples'
import { compileFlow } from '../../src/shared/mapping/compile'
import { DOCUMENT_FORMAT, type MappingDocument, type RecordsFlow } from '../../src/shared/mapping/document'
import { dryRunDiff, previewRecords, traceRecord } from '../../src/shared/mapping/preview'
import { validateFlow, validateMapping } from '../../src/shared/mapping/validate-flow'
import { catalogOf } from '../../src/shared/schema/model'
import { campaignProfile, campaignVehicle, dynamicsContact, dynamicsVehicle, exampleTables } from '../support/schema-examples'

const catalog = catalogOf(exampleTables)
const ID1 = '6f1b2a3c-0000-4000-8000-000000000001'
const ID2 = '6f1b2a3c-0000-4000-8000-000000000002'

const contacts = (patch: Partial<RecordsFlow> = {}): RecordsFlow =>
  contactsToProfiles({
    filter: {
      all: [
        { field: 'statecode', op: 'eq', value: 0 },
        { field: 'emailaddress1', op: 'notNull' }
      ]
    },
    fields: [
      { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'email' }] },
      { target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate' }] },
      { target: 'lastName', from: ['lastname'], applyUpdates: false },
      { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }] },
      { target: 'birthDate', from: ['birthdate'], steps: [{ fn: 'formatDate', format: 'date' }] },
      { target: 'blackListEmail', from: ['donotbulkemail'] },
      { target: 'location.city', from: ['address1_city'], steps: [{ fn: 'truncate' }] }
    ],
    ...patch
  })
const doc = (...flows: MappingDocument['flows']): MappingDocument => ({ format: DOCUMENT_FORMAT, name: 'test', flows })
const problemsOf = (flow: RecordsFlow) => validateFlow(doc(flow), 0, catalog)

const anna = {
  contactid: ID1,
  firstname: 'Anna',
  lastname: 'Müller',
  emailaddress1: ' Anna@Example.COM ',
  gendercode: 2,
  birthdate: '1980-10-24',
  donotbulkemail: true,
  address1_city: 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch',
  statecode: 0
}

// Every execution test runs twice: through the generated per-record function (main, CLI) and
// through the closures (the renderer, whose CSP forbids code generation). Same expectations.
const modes = [
  { codegen: 'auto', label: 'generated code' },
  { codegen: 'never', label: 'closures' }
] as const

describe.each(modes)('compiled execution ($label)', ({ codegen }) => {
  const compiled = compileFlow(contacts(), { source: dynamicsContact, target: campaignProfile, codegen })
  it('runs on the path asked for', () => {
    expect(compiled.codegen).toBe(codegen === 'auto')
  })
  it('maps a record to a nested target, adds the key and reports create-only fields', () => {
    const r = compiled.runSync(anna)
    expect(r).toEqual({
      kind: 'ok',
      key: ID1,
      target: {
        email: 'Anna@example.com',
        firstName: 'Anna',
        lastName: 'Müller',
        gender: 'female',
        birthDate: '1980-10-24',
        blackListEmail: true,
        location: { city: 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysilio' },
        cusDynamicsContactId: ID1
      },
      warnings: [{ field: 'location.city', step: 0, message: 'cut from 58 to 50 characters' }],
      createOnly: ['lastName']
    })
  })
  it('skips filtered records, and a bad record never stops the others', async () => {
    const results = await compiled.runAll([
      anna,
      { ...anna, contactid: ID2, statecode: 1 },
      { ...anna, emailaddress1: 'not an email' },
      { ...anna, contactid: null },
      { ...anna, contactid: ID2, lastname: 'x'.repeat(60) }
    ])
    expect(results.map((r) => r.kind)).toEqual(['ok', 'skipped', 'error', 'error', 'error'])
    expect(results[1]).toMatchObject({ reason: 'filtered out: statecode eq 0 and emailaddress1 contains data' })
    expect(results[2]).toMatchObject({ kind: 'error', key: ID1, field: 'email', step: 0, input: 'not an email' })
    expect(results[3]).toMatchObject({ field: 'cusDynamicsContactId', reason: expect.stringMatching(/no "contactid"/) })
    expect(results[4]).toMatchObject({
      field: 'lastName',
      step: undefined,
      reason: expect.stringMatching(/60 characters and "Last name" \(lastName\) holds 50.*truncate/)
    })
  })
  it('refuses values outside a target enumeration', () => {
    const c = compileFlow(contacts({ fields: [{ target: 'gender', from: ['gendercode'] }] }), {
      source: dynamicsContact,
      target: campaignProfile,
      codegen
    })
    const r = c.runSync(anna)
    expect(r).toMatchObject({ kind: 'error', field: 'gender', reason: expect.stringMatching(/not a value of "Gender" \(gender\)/) })
  })
  it('with filter "remainder" evaluates only what Dataverse cannot', () => {
    const flow = contacts({
      filter: {
        all: [
          { field: 'statecode', op: 'eq', value: 0 },
          { field: 'fullname', op: 'contains', value: '100%' }
        ]
      }
    })
    const c = compileFlow(flow, { source: dynamicsContact, target: campaignProfile, filter: 'remainder', codegen })
    expect(c.pushdown.odata).toBe('statecode eq 0')
    expect(c.runSync({ ...anna, statecode: 1, fullname: 'a 100% b' }).kind).toBe('ok')
    expect(c.runSync({ ...anna, fullname: 'other' }).kind).toBe('skipped')
  })
  it('handles unicode and empty values', () => {
    const r = compiled.runSync({ ...anna, firstname: '', lastname: '王小明', birthdate: null, address1_city: null })
    expect(r.kind === 'ok' && r.target).toMatchObject({ firstName: '', lastName: '王小明', birthDate: null, location: { city: null } })
  })
})

describe('validation', () => {
  it('a good flow has no problems', () => {
    expect(problemsOf(contacts())).toEqual([])
  })
  it('unknown fields, with did-you-mean and paths', () => {
    const problems = problemsOf(contacts({ fields: [{ target: 'emial', from: ['emailadress1'] }] }))
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields', 0, 'from', 0],
      message: expect.stringMatching(/did you mean "[^"]*" \(emailaddress1\)|did you mean "emailaddress1"/)
    })
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields', 0, 'target'],
      message: expect.stringMatching(/did you mean "Email" \(email\)/)
    })
  })
  it('a picklist feeding an enumeration without a value map, with the value map that fixes it', () => {
    const problems = problemsOf(contacts({ fields: [{ target: 'gender', from: ['gendercode'] }] }))
    const p = problems.find((x) => x.path.join('.') === 'flows.0.fields.0')
    expect(p?.severity).toBe('error')
    expect(p?.message).toMatch(/without a value map/)
    expect(p?.message).toContain('{"fn":"valueMap","map":{"1":"male","2":"female"},"otherwise":"unknown"}')
  })
  it('value map outputs outside the enumeration point at the step', () => {
    const problems = problemsOf(
      contacts({
        fields: [{ target: 'gender', from: ['gendercode'], steps: [{ fn: 'trim' }, { fn: 'valueMap', map: { '1': 'M', '2': 'female' } }] }]
      })
    )
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields', 0, 'steps', 1],
      message: expect.stringMatching(/"M" is not a value of "Gender" \(gender\)/)
    })
  })
  it('type mismatches name the step that fixes them', () => {
    const problems = problemsOf(
      contacts({
        fields: [
          { target: 'birthDate', from: ['createdon'], applyUpdates: true },
          { target: 'blackListEmail', from: ['firstname'] },
          { target: 'age', from: ['numberofchildren'] }
        ]
      })
    )
    expect(problems.find((p) => p.path.join('.') === 'flows.0.fields.0')?.message).toMatch(/"formatDate" with format "date"/)
    expect(problems.find((p) => p.path.join('.') === 'flows.0.fields.1')?.message).toMatch(/"toBoolean"/)
    expect(problems.find((p) => p.path.join('.') === 'flows.0.fields.2.target')?.message).toMatch(/read-only/)
  })
  it('length overflow risk, unless truncated', () => {
    const problems = problemsOf(contacts({ fields: [{ target: 'firstName', from: ['firstname'], steps: [{ fn: 'trim' }] }] }))
    expect(problems).toContainEqual({
      severity: 'warning',
      path: ['flows', 0, 'fields', 0, 'steps', 0],
      message: expect.stringMatching(/50 characters and "firstName" holds 30.*truncate/)
    })
  })
  it('match key: unknown, not unique, not an identification key', () => {
    expect(problemsOf(contacts({ match: { source: 'lastname', target: 'cusDynamicsContactId' } }))).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'match', 'source'],
      message: expect.stringMatching(/not unique.*"contactid"/)
    })
    // Campaign's metadata cannot say whether a field is an identification key: a warning asking to confirm it.
    expect(problemsOf(contacts({ match: { source: 'contactid', target: 'email' } }))).toContainEqual({
      severity: 'warning',
      path: ['flows', 0, 'match', 'target'],
      message: expect.stringMatching(/not known to be an identification key.*confirm it.*byEmail/)
    })
    // Confirmed by the user (Inspector or the file): no problem on the match target.
    expect(
      problemsOf(contacts({ match: { source: 'contactid', target: 'email', identificationKey: true } })).filter(
        (p) => p.path.join('.') === 'flows.0.match.target'
      )
    ).toEqual([])
    expect(
      problemsOf(contacts({ match: { source: 'contactid', target: 'cusCrmId' } })).some((p) => p.path.join('.') === 'flows.0.match.target')
    ).toBe(true)
  })
  it('required target fields left unmapped', () => {
    const events = doc({
      id: 'vehicles',
      kind: 'records',
      source: { system: 'dynamics', table: 'new_vehicle' },
      target: { system: 'campaign', resource: 'cusVehicle' },
      match: { source: 'new_vehicleid', target: 'externalId' },
      fields: []
    })
    const required = {
      ...campaignVehicle,
      fields: campaignVehicle.fields.map((f) => (f.name === 'VIN' ? { ...f, required: 'required' as const } : f))
    }
    const problems = validateFlow(events, 0, catalogOf([dynamicsVehicle, required]))
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields'],
      message: expect.stringMatching(/"VIN" is required/)
    })
  })
  it('several sources without a combining step', () => {
    const problems = problemsOf(contacts({ fields: [{ target: 'lastName', from: ['firstname', 'lastname'] }] }))
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields', 0, 'from'],
      message: expect.stringMatching(/"join" or "coalesce"/)
    })
  })
  it('filters: unknown fields, operators and values that do not fit the type', () => {
    const problems = problemsOf(
      contacts({
        filter: {
          any: [
            { field: 'statcode', op: 'eq', value: 0 },
            { field: 'statecode', op: 'contains', value: 'a' },
            { field: 'birthdate', op: 'gt', value: 'yesterday' }
          ]
        }
      })
    )
    expect(problems.map((p) => p.path.join('.'))).toEqual([
      'flows.0.filter.any.0.field',
      'flows.0.filter.any.1.op',
      'flows.0.filter.any.2.value'
    ])
  })
  it('step configuration problems come from compiling (a pattern the linear-time engine cannot run)', () => {
    const problems = problemsOf(
      contacts({
        fields: [
          {
            target: 'firstName',
            from: ['firstname'],
            steps: [{ fn: 'replace', pattern: '(a+)(?=b)', replacement: '' }, { fn: 'truncate' }]
          }
        ]
      })
    )
    expect(problems).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'fields', 0, 'steps', 0, 'pattern'],
      message: expect.stringMatching(/look-ahead/)
    })
  })
  it("Adobe's limits: columns per custom resource, link depth, 1:1 tables", () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ target: `cusField${i}`, from: ['new_name'] }))
    const wide: RecordsFlow = {
      id: 'v',
      kind: 'records',
      source: { system: 'dynamics', table: 'new_vehicle' },
      target: { system: 'campaign', resource: 'cusVehicle' },
      match: { source: 'new_vehicleid', target: 'externalId' },
      fields: many
    }
    expect(validateFlow(doc(wide), 0, catalogOf([])).some((p) => /at most 50 per custom resource/.test(p.message))).toBe(true)
    const chain = (id: string, parent?: string): RecordsFlow => ({
      ...wide,
      id,
      fields: [],
      ...(parent ? { links: [{ target: 'vehicleOwner', source: 'new_contactsvehicleid', parentFlow: parent }] } : {})
    })
    const deep = doc(chain('a'), chain('b', 'a'), chain('c', 'b'), chain('d', 'c'))
    expect(validateFlow(deep, 3, catalog).some((p) => /3 levels deep/.test(p.message))).toBe(true)
    expect(validateFlow(deep, 2, catalog).some((p) => /levels deep/.test(p.message))).toBe(false)
    const twice = validateMapping(doc(contacts(), { ...contacts(), id: 'again' }), catalog)
    expect(twice).toContainEqual({
      severity: 'warning',
      path: ['flows', 1, 'source', 'table'],
      message: expect.stringMatching(/already synced/)
    })
  })
  it('unknown tables, and tables whose schema is not loaded', () => {
    expect(problemsOf(contacts({ source: { system: 'dynamics', table: 'contacts' } }))).toContainEqual({
      severity: 'error',
      path: ['flows', 0, 'source', 'table'],
      message: expect.stringMatching(/did you mean "contact"/)
    })
    expect(validateFlow(doc(contacts()), 0, { find: () => undefined })[0]).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/not loaded/)
    })
  })
})

describe.each(modes)('preview ($label)', ({ codegen }) => {
  const flow = contacts()
  const options = { source: dynamicsContact, target: campaignProfile, codegen }
  it('rows with per-cell values, errors and warnings', async () => {
    const preview = await previewRecords(
      flow,
      [anna, { ...anna, contactid: ID2, emailaddress1: 'bad', gendercode: 7, statecode: 0 }, { ...anna, statecode: 1 }],
      options
    )
    expect(preview.columns).toEqual(['email', 'firstName', 'lastName', 'gender', 'birthDate', 'blackListEmail', 'location.city'])
    expect(preview.counts).toEqual({ ok: 1, error: 1, skipped: 1 })
    const bad = preview.rows[1]
    expect(bad.status).toBe('error')
    expect(bad.cells.email.error?.reason).toMatch(/not an email address/)
    expect(bad.cells.gender).toEqual({ value: 'unknown' })
    expect(bad.cells['location.city'].warnings?.[0].message).toBe('cut from 58 to 50 characters')
    expect(preview.rows[2]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/filtered out/) })
  })
  it('a trace holds the value after every step', async () => {
    const trace = await traceRecord(
      contacts({ fields: [{ target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }, { fn: 'email' }] }] }),
      anna,
      options
    )
    expect(trace.filter).toEqual({ passed: true, description: 'statecode eq 0 and emailaddress1 contains data' })
    expect(trace.fields[0]).toMatchObject({
      input: ' Anna@Example.COM ',
      steps: [
        { fn: 'trim', output: 'Anna@Example.COM' },
        { fn: 'lower', output: 'anna@example.com' },
        { fn: 'email', output: 'anna@example.com' }
      ],
      output: 'anna@example.com'
    })
  })
  it('dry run: create, update with old → new (create-only fields left out), unchanged, skipped, error', async () => {
    const existing = new Map<string, Record<string, unknown>>([
      [
        ID1,
        {
          email: 'old@example.com',
          firstName: 'Anna',
          lastName: 'Old',
          gender: 'female',
          birthDate: '1980-10-24',
          blackListEmail: true,
          location: { city: 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysilio' },
          cusDynamicsContactId: ID1
        }
      ],
      [
        ID2,
        {
          email: 'Anna@example.com',
          firstName: 'Anna',
          lastName: 'Müller',
          gender: 'female',
          birthDate: '1980-10-24',
          blackListEmail: true,
          location: { city: '' },
          cusDynamicsContactId: ID2
        }
      ]
    ])
    const ID3 = '6f1b2a3c-0000-4000-8000-000000000003'
    const run = await dryRunDiff(
      flow,
      [
        anna,
        { ...anna, contactid: ID2, address1_city: null },
        { ...anna, contactid: ID3 },
        { ...anna, statecode: 1 },
        { ...anna, birthdate: 'soon' }
      ],
      existing,
      options
    )
    expect(run.counts).toEqual({ create: 1, update: 1, unchanged: 1, skipped: 1, error: 1 })
    expect(run.entries[0]).toEqual({
      key: ID1,
      action: 'update',
      changes: [{ field: 'email', old: 'old@example.com', new: 'Anna@example.com' }],
      warnings: expect.any(Array),
      createOnlySkipped: ['lastName']
    })
    expect(run.entries[1]).toEqual({ key: ID2, action: 'unchanged' })
    expect(run.entries[2]).toMatchObject({ key: ID3, action: 'create' })
    expect(run.entries[4]).toMatchObject({ action: 'error', field: 'birthDate', step: 0 })
  })
})
