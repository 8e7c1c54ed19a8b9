// What each target field accepts before any write (src/shared/schema/target-rules.ts; sources in
// docs/validation.md, "Target rules"): a value the service would refuse fails in the plan with
// the field and what to do, a value it would store passes unchanged, and an empty value is
// written as null or refused when the field is required.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decidedByTarget, fieldLabel, fieldRule, lengthIn, type Field, type FieldRule, type Table } from '../../src/shared/schema'

const field = (over: Partial<Field> = {}): Field => ({
  name: 'lastName',
  displayName: 'Last name',
  type: 'string',
  required: 'none',
  readOnly: false,
  validForCreate: true,
  validForUpdate: true,
  ...over
})
const rule = (over: Partial<Field>, system: 'campaign' | 'dynamics' = 'campaign'): FieldRule => {
  const r = fieldRule(field(over), system)
  expect(r).toBeDefined()
  return r!
}
const accepted = (value: unknown) => ({ ok: true, value })
// Each refusal carries one of the target rules' reason codes (src/shared/mapping/failure-reasons.ts),
// so the errors view can filter by it.
const ruleCodes =
  /^(requiredMissing|tooLong|badCharacter|wrongType|notInList|emailRefused|notWholeNumber|dateRefused|notANumber|notTrueOrFalse|notADate)$/
const refused = (pattern: RegExp) => ({ ok: false, reason: expect.stringMatching(pattern), code: expect.stringMatching(ruleCodes) })

describe('text fields', () => {
  it('takes numbers and booleans as they are, and refuses lists and records with what to do', () => {
    const name = rule({})
    expect(name(42)).toEqual(accepted(42))
    expect(name(true)).toEqual(accepted(true))
    expect(name(['a'])).toEqual(refused(/^"Last name" \(lastName\) is text and the value is a list — convert it first$/))
    expect(name({ a: 1 })).toEqual(refused(/is text and the value is object — convert it first/))
  })

  it('Dynamics takes text only as a JSON string: a number or a yes/no is written as its text, a GUID column takes only a GUID', () => {
    // Dataverse answers 400 "Cannot convert the literal '5' to the expected type 'Edm.String'" to a number in a text column.
    const subject = rule({ name: 'subject', maxLength: 3 }, 'dynamics')
    expect(subject(42)).toEqual(accepted('42'))
    expect(rule({ name: 'subject' }, 'dynamics')(false)).toEqual(accepted('false'))
    expect(subject(1234)).toEqual(refused(/the value is 4 characters and .*subject.* holds 3/))
    const id = rule({ name: 'new_campaignid', type: 'uniqueidentifier' }, 'dynamics')
    expect(id('6B29FC40-CA47-1067-B31D-00DD010662DA')).toEqual(accepted('6B29FC40-CA47-1067-B31D-00DD010662DA'))
    for (const bad of ['not-a-guid', 42, '6b29fc40-ca47-1067-b31d-00dd010662d'])
      expect(id(bad), String(bad)).toEqual(refused(/is not a GUID .*new_campaignid.*Dynamics would refuse it/))
  })

  it('an empty text on Campaign is empty: refused when required, kept otherwise; Dynamics keeps it', () => {
    expect(rule({ required: 'required' })('')).toEqual(refused(/^"Last name" \(lastName\) is required in Campaign and the value is empty/))
    expect(rule({ required: 'required' })(null)).toEqual(refused(/is required in Campaign/))
    expect(rule({ required: 'required' }, 'dynamics')(undefined)).toEqual(refused(/is required in Dynamics/))
    expect(rule({})('')).toEqual(accepted(''))
    expect(rule({ required: 'required' }, 'dynamics')('')).toEqual(accepted(''))
    expect(rule({})(undefined)).toEqual(accepted(null))
    expect(rule({ required: 'required' })('Ada')).toEqual(accepted('Ada'))
  })

  it('counts the length as the service does, and accepts exactly the maximum', () => {
    expect(rule({ maxLength: 4 })('😀😀😀😀')).toEqual(accepted('😀😀😀😀'))
    expect(rule({ maxLength: 4 }, 'dynamics')('😀😀')).toEqual(accepted('😀😀'))
    expect(rule({ maxLength: 3 }, 'dynamics')('😀😀')).toEqual(refused(/^the value is 4 characters and "Last name" \(lastName\) holds 3/))
    expect(rule({ maxLength: 3 })(1234)).toEqual(refused(/the value is 4 characters/))
    // Half a pair counts as one character.
    expect(lengthIn('campaign', '\ud83d')).toBe(1)
    expect(lengthIn('campaign', 'a\ud83db')).toBe(3)
    expect(lengthIn('campaign', '\ude00\ude00')).toBe(2)
    // The first and the last pair of the surrogate ranges are one character each.
    expect(lengthIn('campaign', '\ud800\udc00\udbff\udfff')).toBe(2)
  })

  it('says where a NUL or a lone surrogate is (Campaign); Dynamics takes the text as sent', () => {
    const name = rule({})
    expect(name('ab\u0000')).toEqual(refused(/NUL character \(U\+0000\) at position 3/))
    expect(name('😀\udc00')).toEqual(refused(/lone UTF-16 surrogate at position 3/))
    expect(name('😀\ud83d')).toEqual(refused(/lone UTF-16 surrogate at position 3/))
    expect(name('\ud83dx')).toEqual(refused(/lone UTF-16 surrogate at position 1/))
    expect(name('😀')).toEqual(accepted('😀'))
    expect(name('\ud800\udc00\udbff\udfff')).toEqual(accepted('\ud800\udc00\udbff\udfff'))
    for (const lone of ['\ud800', '\udbff', '\udc00', '\udfff', '\udbffx'])
      expect(name(lone)).toEqual(refused(/lone UTF-16 surrogate at position 1/))
    expect(rule({}, 'dynamics')('ab\u0000')).toEqual(accepted('ab\u0000'))
  })

  it('finds the first NUL or lone surrogate and counts characters as a walk over the code units does, in any text', () => {
    // The rule and lengthIn use native scans; the walk below is what they must agree with.
    const firstBad = (text: string): { at: number; nul: boolean } | undefined => {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i)
        if (c === 0) return { at: i + 1, nul: true }
        if (c >= 0xd800 && c <= 0xdbff) {
          const next = text.charCodeAt(i + 1)
          if (next >= 0xdc00 && next <= 0xdfff) i++
          else return { at: i + 1, nul: false }
        } else if (c >= 0xdc00 && c <= 0xdfff) return { at: i + 1, nul: false }
      }
      return undefined
    }
    const units = ['a', 'Ａ', '\u0000', '\ud800', '\udbff', '\ud83d', '\udc00', '\udfff', '\ude00', '😀', '\ufeff']
    const name = rule({})
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...units), { maxLength: 12 }), (parts) => {
        const text = parts.join('')
        // Array.from walks code points, a lone surrogate being one: Campaign's count.
        expect(lengthIn('campaign', text)).toBe(Array.from(text).length)
        const bad = firstBad(text)
        if (!bad) expect(name(text)).toEqual(accepted(text))
        else
          expect(name(text)).toEqual(
            refused(new RegExp(`${bad.nul ? 'NUL character' : 'lone UTF-16 surrogate'}[^]* at position ${bad.at}(?!\\d)`))
          )
      }),
      { numRuns: 2000 }
    )
  })

  it('takes text above the surrogate range (full-width forms, private use, a BOM) as ordinary characters', () => {
    const name = rule({ maxLength: 5 })
    // Japanese names are often typed in full-width forms (U+FF00…): nothing broken about them.
    for (const text of ['ＴＯＫＹＯ', 'ﾄｳｷｮｳ', '\ue000x', '\ufeffab', 'ａ\ufffd']) expect(name(text), text).toEqual(accepted(text))
    expect(lengthIn('campaign', 'ＴＯＫＹＯ')).toBe(5)
    // A high surrogate is a pair only with a low one after it, not with any character above.
    expect(name('\ud83dＡ')).toEqual(refused(/lone UTF-16 surrogate at position 1/))
    expect(lengthIn('campaign', '\ud83dＡ')).toBe(2)
    expect(lengthIn('campaign', 'a\udc00')).toBe(2)
  })

  it('checks an email only for Campaign, trims it there, and keeps a non-text value unchanged', () => {
    const email = rule({ name: 'email', displayName: 'Email', type: 'email' })
    expect(email(' a@b.co ')).toEqual(accepted('a@b.co'))
    expect(email('a@b')).toEqual(refused(/^"a@b" is not an email address Campaign accepts \(XTK-170001/))
    expect(rule({ name: 'email', displayName: 'Email', type: 'email' }, 'dynamics')('not an email')).toEqual(accepted('not an email'))
    expect(rule({ type: 'uniqueidentifier', maxLength: 36 })('x'.repeat(37))).toEqual(refused(/37 characters/))
  })
})

describe('enumerations', () => {
  const options = [
    { value: 'male', label: 'Male' },
    { value: 'female', label: 'Female' }
  ]
  it('takes a listed value, refuses another with the list, and says how to map it', () => {
    const gender = rule({ name: 'gender', displayName: 'Gender', type: 'enumeration', options })
    expect(gender('female')).toEqual(accepted('female'))
    expect(gender('other')).toEqual(
      refused(/^"other" is not a value of "Gender" \(gender\) \("male", "female"\) — map it with "valueMap"$/)
    )
  })

  it('an empty value on Campaign needs "" among the values; otherwise the plan says which values there are', () => {
    const gender = rule({ name: 'gender', displayName: 'Gender', type: 'enumeration', options })
    expect(gender('')).toEqual(refused(/^"Gender" \(gender\) is an enumeration and the value is empty — give it one of "male", "female"/))
    expect(gender(null)).toEqual(refused(/give it one of/))
    const withEmpty = rule({ type: 'enumeration', options: [...options, { value: '', label: '(none)' }] })
    expect(withEmpty('')).toEqual(accepted(null))
    expect(rule({ type: 'enumeration', options: [...options, { value: '', label: '(none)' }], required: 'required' })('')).toEqual(
      refused(/required in Campaign/)
    )
    expect(rule({ type: 'enumeration' })('')).toEqual(accepted(null))
    expect(rule({ type: 'enumeration', options: [] })('anything')).toEqual(accepted('anything'))
  })

  it('on Dynamics an empty value is written as given', () => {
    const code = rule({ type: 'enumeration', options }, 'dynamics')
    expect(code(null)).toEqual(accepted(null))
    expect(code('')).toEqual(accepted(''))
    expect(code('other')).toEqual(refused(/not a value of/))
  })
})

describe('numbers, booleans and dates (Campaign)', () => {
  it('takes numbers and numeric text; refuses other text with the step to add', () => {
    const decimal = rule({ type: 'decimal' })
    expect(decimal(2.5)).toEqual(accepted(2.5))
    expect(decimal('2.5')).toEqual(accepted('2.5'))
    expect(decimal('')).toEqual(accepted(null))
    expect(decimal('  ')).toEqual(refused(/^"Last name" \(lastName\) is a number and the value is " {2}" — add "parseNumber"$/))
    expect(decimal(Number.POSITIVE_INFINITY)).toEqual(refused(/is a number/))
    expect(decimal(true)).toEqual(refused(/is a number/))
  })

  it('whole-number fields refuse fractions', () => {
    for (const type of ['integer', 'bigint'] as const) {
      expect(rule({ type })('2.5')).toEqual(refused(/holds whole numbers and the value is 2.5 — round it first/))
      expect(rule({ type })(3)).toEqual(accepted(3))
    }
    expect(rule({ type: 'double' })(2.5)).toEqual(accepted(2.5))
  })

  it('booleans are true or false, an empty one is null unless required', () => {
    const flag = rule({ type: 'boolean' })
    expect(flag(false)).toEqual(accepted(false))
    expect(flag(null)).toEqual(accepted(null))
    expect(flag('true')).toEqual(refused(/is true\/false and the value is "true" — add "toBoolean"/))
    expect(rule({ type: 'boolean', required: 'required' })(undefined)).toEqual(refused(/required/))
  })

  it('dates: real calendar days in the forms Campaign reads', () => {
    const date = rule({ type: 'dateonly' })
    for (const ok of ['2024-02-29', '2000-02-29', '2024-12-31', ' 2024-01-01 ']) expect(date(ok), ok).toEqual(accepted(ok))
    for (const bad of [
      '1900-02-29',
      '2023-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-00',
      '2024-01-32',
      '20240101',
      '12024-01-01'
    ])
      expect(date(bad), bad).toEqual(
        refused(/is not a date \(YYYY-MM-DD, years 0000–9999\) for "Last name" \(lastName\) — add "formatDate"/)
      )
    expect(date(20240101)).toEqual(refused(/^20240101 is not a date/))
    expect(date('')).toEqual(accepted(null))
    const at = rule({ type: 'datetime' })
    for (const ok of [
      '2024-01-01 10:00:00.000Z',
      '2024-01-01T10:00:00Z',
      '2024-01-01T10:00',
      '2024-01-01T10:00:00.123456',
      '2024-01-01T10:00:00+02:00',
      '2024-01-01T10:00:00-0530',
      '2024-01-01'
    ])
      expect(at(ok), ok).toEqual(accepted(ok))
    for (const bad of ['2024-01-01T25:00:00Z', '2024-01-01T10:60:00Z', '2024-01-01 10', '2024-01-01T10:00:00.1234567Z', 'x2024-01-01'])
      expect(at(bad), bad).toEqual(refused(/is not a date-time Campaign reads/))
  })

  it('Dynamics takes a JSON number, true/false, a choice value and an ISO 8601 date: anything else is refused before the write', () => {
    const rule = (over: Partial<Field>) => fieldRule(field(over), 'dynamics')!
    const integer = rule({ type: 'integer' })
    expect(integer(5)).toEqual({ ok: true, value: 5 })
    expect(integer(null)).toEqual({ ok: true, value: null })
    expect(integer('5')).toMatchObject({ ok: false, code: 'notANumber' })
    expect(integer(1.5)).toMatchObject({ ok: false, code: 'notWholeNumber' })
    expect(integer(2 ** 31)).toMatchObject({ ok: false, code: 'notWholeNumber' })
    expect(rule({ type: 'money' })(1.5)).toEqual({ ok: true, value: 1.5 })
    const yesNo = rule({ type: 'boolean' })
    expect(yesNo(true)).toEqual({ ok: true, value: true })
    expect(yesNo('true')).toMatchObject({ ok: false, code: 'notTrueOrFalse' })
    const choice = rule({ type: 'picklist', options: [{ value: 1, label: 'One' }] })
    expect(choice(1)).toEqual({ ok: true, value: 1 })
    expect(choice(2)).toMatchObject({ ok: false, code: 'notInList' })
    expect(choice('1')).toMatchObject({ ok: false, code: 'notInList' })
    const date = rule({ type: 'datetime', name: 'new_senton' })
    for (const good of [
      '2026-12-06T10:00:00Z',
      '2026-12-06T10:00:00.123Z',
      '2026-12-06T10:00:00+01:00',
      '2026-12-06T10:00',
      '2024-02-29',
      '1753-01-01'
    ])
      expect(date(good), good).toEqual({ ok: true, value: good })
    // Before 1753 is outside a Dataverse DateTime (MC-CSDL 2.2.1.4).
    for (const bad of [
      'not a date',
      '2026-02-30T10:00:00Z',
      '2026-12-06 10:00:00Z',
      '2026-12-06T24:00:00Z',
      '2026-13-01',
      20261206,
      '',
      '1752-12-31T10:00:00Z',
      '0001-01-01'
    ])
      expect(date(bad), String(bad)).toEqual(refused(/is not a date and time .*new_senton.*Dynamics would refuse it/))
    for (const type of ['lookup', 'multipicklist'] as const) expect(fieldRule(field({ type }), 'dynamics')).toBeUndefined()
    for (const type of ['link', 'collection', 'lookup', 'unknown'] as const) expect(fieldRule(field({ type }), 'campaign')).toBeUndefined()
    // Campaign has no option sets of Dynamics' kind: a picklist there is left to Campaign, not read as a date.
    for (const type of ['picklist', 'multipicklist'] as const) expect(fieldRule(field({ type }), 'campaign')).toBeUndefined()
  })
})

describe('what only the target decides', () => {
  const table = (system: Table['system']): Table => ({
    system,
    name: 'thing',
    displayName: 'Things',
    keys: [],
    changeTracking: false,
    fields: [field({ name: 'code', displayName: 'Code', isKey: true }), field({ name: 'ref', displayName: 'ref', isKey: true }), field({})]
  })
  it("names each mapped key other than the match key, and Campaign's own rules", () => {
    expect(decidedByTarget(table('dynamics'), ['code', 'ref', 'lastName', 'missing'], 'code')).toEqual([
      'uniqueness of "ref" is decided by Dynamics (another record may already hold the value)'
    ])
    const campaign = decidedByTarget(table('campaign'), ['lastName'])
    expect(campaign).toHaveLength(1)
    expect(campaign[0]).toMatch(/decided by Campaign/)
  })

  it('labels a field by its display name and API name, or its name alone', () => {
    expect(fieldLabel({ name: 'email', displayName: 'Email' })).toBe('"Email" (email)')
    expect(fieldLabel({ name: 'email', displayName: 'email' })).toBe('"email"')
    expect(fieldLabel({ name: 'email', displayName: '' })).toBe('"email"')
  })
})
