import { describe, expect, it } from 'vitest'
import { compileFlow } from '../../src/shared/mapping/compile'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { validateMapping } from '../../src/shared/mapping/engine'
import { campaignEmailPattern, catalogOf, decidedByTarget, fieldRule, lengthIn, type Field } from '../../src/shared/schema'
import { campaignProfile, dynamicsContact, exampleTables } from '../support/schema-examples'

const text = (over: Partial<Field> = {}): Field => ({
  name: 'email',
  displayName: 'Email',
  type: 'email',
  maxLength: 128,
  required: 'none',
  readOnly: false,
  validForCreate: true,
  validForUpdate: true,
  ...over
})

describe('target rules (Campaign)', () => {
  const email = fieldRule(text(), 'campaign')!
  it('refuses what the email check refuses, with the field and the reason', () => {
    for (const bad of ['amelie.ozturk@', 'nuria.thomas at contoso.com', '@contoso.com', 'a@b', 'a b@c.com', 'a@@b.com']) {
      const verdict = email(bad)
      expect(verdict.ok, bad).toBe(false)
      if (!verdict.ok) expect(verdict.reason).toMatch(/"Email" \(email\).*|XTK-170001/)
    }
    expect(email('anna.berg@contoso.com')).toEqual({ ok: true, value: 'anna.berg@contoso.com' })
    expect(email('  émile@exämple.fr ')).toEqual({ ok: true, value: 'émile@exämple.fr' })
  })
  it('writes an empty or spaces-only email as null, never as ""; fails it when the field is required', () => {
    expect(email('')).toEqual({ ok: true, value: null })
    expect(email('   ')).toEqual({ ok: true, value: null })
    expect(email(null)).toEqual({ ok: true, value: null })
    const required = fieldRule(text({ required: 'required' }), 'campaign')!
    expect(required('  ')).toMatchObject({ ok: false, reason: expect.stringMatching(/required in Campaign/) })
  })
  it('counts lengths in characters as Campaign does (UTF-16 units for Dataverse)', () => {
    const name = fieldRule(text({ name: 'firstName', displayName: 'First name', type: 'string', maxLength: 3 }), 'campaign')!
    expect(lengthIn('campaign', '😀😀😀')).toBe(3)
    expect(lengthIn('dynamics', '😀😀😀')).toBe(6)
    expect(name('😀😀😀').ok).toBe(true)
    expect(name('abcd')).toMatchObject({ ok: false, reason: expect.stringMatching(/4 characters and "First name" \(firstName\) holds 3/) })
  })
  it('refuses NUL and lone surrogates, which cannot be stored or sent', () => {
    const name = fieldRule(text({ name: 'lastName', displayName: 'Last name', type: 'string', maxLength: 50 }), 'campaign')!
    expect(name('Ber\u0000g')).toMatchObject({ ok: false, reason: expect.stringMatching(/NUL/) })
    expect(name('Ber\ud800g')).toMatchObject({ ok: false, reason: expect.stringMatching(/surrogate/) })
    expect(name('Ber\udc00')).toMatchObject({ ok: false, reason: expect.stringMatching(/surrogate/) })
    expect(name('Łódź 😀')).toEqual({ ok: true, value: 'Łódź 😀' })
  })
  it('checks enumerations, numbers, booleans and dates', () => {
    const gender = fieldRule(
      {
        ...text({ name: 'gender', displayName: 'Gender', type: 'enumeration' }),
        options: [
          { value: 'unknown', label: 'Unspecified' },
          { value: 'male', label: 'Male' }
        ]
      },
      'campaign'
    )!
    expect(gender('male').ok).toBe(true)
    expect(gender('other')).toMatchObject({ ok: false, reason: expect.stringMatching(/not a value of "Gender"/) })
    expect(gender(null).ok).toBe(false)
    const year = fieldRule(text({ name: 'modelYear', displayName: 'Model year', type: 'integer' }), 'campaign')!
    expect(year(2020).ok).toBe(true)
    expect(year(2020.5).ok).toBe(false)
    expect(year('abc').ok).toBe(false)
    const flag = fieldRule(text({ name: 'isExternal', displayName: 'External', type: 'boolean' }), 'campaign')!
    expect(flag('yes').ok).toBe(false)
    const birth = fieldRule(text({ name: 'birthDate', displayName: 'Date of birth', type: 'dateonly' }), 'campaign')!
    expect(birth('1985-08-17').ok).toBe(true)
    expect(birth('2023-02-29').ok).toBe(false)
    expect(birth('2024-02-29').ok).toBe(true)
    expect(birth('+010000-01-01').ok).toBe(false)
    expect(birth('17/08/1985').ok).toBe(false)
  })
  it('is the same pattern the plan documents', () => {
    expect(campaignEmailPattern.test('x@y.z')).toBe(true)
  })
  it('says what only the service decides', () => {
    const notes = decidedByTarget(
      {
        system: 'campaign',
        name: 'cusVehicle',
        displayName: 'Vehicles',
        fields: [text({ name: 'vin', displayName: 'VIN', type: 'string', isKey: true })],
        keys: [],
        changeTracking: false
      },
      ['vin']
    )
    expect(notes.join('\n')).toMatch(/uniqueness of "VIN" \(vin\) is decided by Campaign/)
  })
})

describe('the rules run inside the compiled flow (preview, dry run and run share them)', () => {
  const flow: RecordsFlow = {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    fields: [{ target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }] }]
  }
  const target = {
    system: 'campaign' as const,
    name: 'profile',
    displayName: 'Profiles',
    fields: [
      text(),
      text({ name: 'cusDynamicsContactId', displayName: 'Dynamics contact ID', type: 'string', isKey: true, maxLength: 64 })
    ],
    keys: [{ name: 'cusDynamicsContactId', fields: ['cusDynamicsContactId'] }],
    changeTracking: false
  }
  for (const codegen of ['auto', 'never'] as const) {
    it(`fails a bad email and writes an empty one as null (${codegen})`, () => {
      const compiled = compileFlow(flow, { target, codegen })
      expect(compiled.runSync({ contactid: 'a', emailaddress1: 'amelie.ozturk@' })).toMatchObject({
        kind: 'error',
        field: 'email',
        step: undefined,
        reason: expect.stringMatching(/XTK-170001/)
      })
      expect(compiled.runSync({ contactid: 'b', emailaddress1: '   ' })).toMatchObject({ kind: 'ok', target: { email: null } })
    })
  }
})

describe('validation with picklists read as labels', () => {
  const doc = (map: Record<string, string>, picklists: 'values' | 'labels') =>
    ({
      format: 'sync-studio/mapping@1',
      name: 'x',
      flows: [
        {
          id: 'contacts',
          kind: 'records',
          source: { system: 'dynamics', table: 'contact' },
          target: { system: 'campaign', resource: 'profile' },
          match: { source: 'contactid', target: 'cusDynamicsContactId' },
          fields: [
            { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map, otherwise: 'unknown' }] },
            { target: 'lastName', from: ['gendercode'] }
          ],
          sync: { mode: 'incremental', picklists }
        }
      ]
    }) as unknown as MappingDocument
  it('accepts a label-keyed value map, and does not suggest optionLabel on a label', () => {
    const problems = validateMapping(doc({ Male: 'male', Female: 'female' }, 'labels'), catalogOf(exampleTables))
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(problems.map((p) => p.message).join('\n')).not.toMatch(/optionLabel/)
    const values = validateMapping(doc({ Male: 'male', Female: 'female' }, 'values'), catalogOf(exampleTables))
    expect(values.map((p) => p.message).join('\n')).toMatch(/optionLabel/)
  })
  it('reads the formatted value when compiled for labels', () => {
    const compiled = compileFlow(doc({ Male: 'male', Female: 'female' }, 'labels').flows[0] as RecordsFlow, {
      source: dynamicsContact,
      target: campaignProfile
    })
    const result = compiled.runSync({ contactid: 'k', gendercode: 2, 'gendercode@OData.Community.Display.V1.FormattedValue': 'Female' })
    expect(result).toMatchObject({ kind: 'ok', target: { gender: 'female', lastName: 'Female' } })
  })
})
