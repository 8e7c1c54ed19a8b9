// How a filter condition compares a record's value: by the column's type when the schema is
// known, else guessed from the condition's value. The local filter, the preview and the OData
// translation all read these rules, so a wrong kind is a filter that keeps the wrong records
// (text "10" ordered before "9", an id that differs only in case treated as another record).
import { describe, expect, it } from 'vitest'
import { comparable, kindOfType, kindOfValue, resolveField } from '../../src/shared/mapping/filters'
import { reader } from '../../src/shared/mapping/filters/kinds'
import type { FieldType } from '../../src/shared/schema/model'
import { dynamicsContact } from '../support/schema-examples'

const GUID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'

describe('the kind of a column', () => {
  it('by its type: text, numbers (option sets by value), true/false, instants, days, ids', () => {
    const kinds = (types: FieldType[]) => types.map(kindOfType)
    expect(kinds(['string', 'memo', 'email', 'phone', 'url', 'enumeration', 'multipicklist'])).toEqual(Array(7).fill('string'))
    expect(kinds(['integer', 'bigint', 'double', 'decimal', 'money', 'picklist'])).toEqual(Array(6).fill('number'))
    expect(kindOfType('boolean')).toBe('boolean')
    expect(kindOfType('datetime')).toBe('datetime')
    expect(kindOfType('dateonly')).toBe('dateonly')
    expect(kinds(['uniqueidentifier', 'lookup'])).toEqual(['guid', 'guid'])
    expect(kinds(['link', 'collection', 'unknown'])).toEqual(['unknown', 'unknown', 'unknown'])
  })

  it('without a schema, by the value the condition gives', () => {
    expect(kindOfValue(42)).toBe('number')
    expect(kindOfValue(false)).toBe('boolean')
    expect(kindOfValue(GUID)).toBe('guid')
    expect(kindOfValue(GUID.toLowerCase())).toBe('guid')
    expect(kindOfValue(`${GUID}x`)).toBe('string')
    expect(kindOfValue('2024-01-01T10:00Z')).toBe('datetime')
    expect(kindOfValue('2024-01-01T10:00:00.5+02:00')).toBe('datetime')
    expect(kindOfValue('2024-01-01T10:00:00Z trailing')).toBe('string')
    expect(kindOfValue('2024-01-01')).toBe('dateonly')
    expect(kindOfValue(' 2024-01-01')).toBe('string')
    expect(kindOfValue('2024-01-01 or later')).toBe('string')
    expect(kindOfValue('Berlin')).toBe('string')
    expect(kindOfValue(null)).toBe('unknown')
    expect(kindOfValue(undefined)).toBe('unknown')
  })

  it("a known column is read under its read name (a lookup's _x_value) with its type's kind", () => {
    expect(resolveField('parentcustomerid', ['x'], dynamicsContact)).toMatchObject({
      key: '_parentcustomerid_value',
      kind: 'guid',
      typed: true
    })
    expect(resolveField('firstname', [3], dynamicsContact)).toMatchObject({ key: 'firstname', kind: 'string', typed: true })
    // Not in the table, or no table: the first non-empty value decides.
    expect(resolveField('extra', [null, undefined, 7, 'x'], dynamicsContact)).toEqual({ key: 'extra', kind: 'number', typed: false })
    expect(resolveField('extra', [undefined, '2024-01-01'])).toEqual({ key: 'extra', kind: 'dateonly', typed: false })
    expect(resolveField('extra', [null])).toEqual({ key: 'extra', kind: 'unknown', typed: false })
  })
})

describe('a value in comparable form', () => {
  it('numbers: numbers and numeric text; blank text, NaN and infinities are unreadable', () => {
    expect(comparable(12.5, 'number')).toBe(12.5)
    expect(comparable(' 12 ', 'number')).toBe(12)
    expect(comparable('1e3', 'number')).toBe(1000)
    for (const value of ['', '  ', 'twelve', 'Infinity', Number.NaN, true, {}])
      expect(comparable(value, 'number'), String(value)).toBeUndefined()
    expect(comparable(Number.POSITIVE_INFINITY, 'number')).toBe(Number.POSITIVE_INFINITY)
  })

  it('empty is null whatever the kind', () => {
    for (const kind of ['string', 'number', 'boolean', 'datetime', 'dateonly', 'guid', 'unknown'] as const) {
      expect(comparable(null, kind)).toBeNull()
      expect(comparable(undefined, kind)).toBeNull()
    }
  })

  it('true/false only as booleans, never as text', () => {
    expect(comparable(true, 'boolean')).toBe(true)
    expect(comparable(false, 'boolean')).toBe(false)
    expect(comparable('true', 'boolean')).toBeUndefined()
    expect(comparable(1, 'boolean')).toBeUndefined()
  })

  it('instants to epoch milliseconds; days to their midnight UTC, years before 100 as written', () => {
    expect(comparable('2024-01-01T10:00:00+02:00', 'datetime')).toBe(Date.parse('2024-01-01T08:00:00Z'))
    expect(comparable('2024-01-01', 'datetime')).toBe(Date.parse('2024-01-01T00:00:00Z'))
    expect(comparable('2024-06-15T18:45:00Z', 'dateonly')).toBe(Date.parse('2024-06-15T00:00:00Z'))
    expect(comparable('0050-03-01', 'dateonly')).toBe(new Date(0).setUTCFullYear(50, 2, 1))
    expect(comparable('0050-03-01', 'dateonly')).toBeLessThan(Date.parse('1000-01-01T00:00:00Z'))
    for (const kind of ['datetime', 'dateonly'] as const) {
      expect(comparable('not a date', kind)).toBeUndefined()
      expect(comparable('2024-02-30', kind)).toBeUndefined()
      expect(comparable(1704067200000, kind)).toBeUndefined()
    }
  })

  it('ids compare without case; text without case or accents, numbers and booleans as their text', () => {
    expect(comparable(GUID, 'guid')).toBe(GUID.toLowerCase())
    expect(comparable(42, 'guid')).toBeUndefined()
    expect(comparable('Émilie ', 'string')).toBe('emilie')
    expect(comparable(42, 'string')).toBe('42')
    expect(comparable(false, 'string')).toBe('false')
    expect(comparable({ name: 'x' }, 'string')).toBeUndefined()
  })

  it('of an unknown kind: folded text, or the number or boolean itself', () => {
    expect(comparable('ÀBC', 'unknown')).toBe('abc')
    expect(comparable(5, 'unknown')).toBe(5)
    expect(comparable(true, 'unknown')).toBe(true)
    expect(comparable(['a'], 'unknown')).toBeUndefined()
  })
})

describe('reading a record', () => {
  it('a column, or a path into expanded lookups with / or .', () => {
    const record = { name: 'Contoso', parentcustomerid_account: { name: 'Fabrikam', address: { city: 'Lyon' } }, empty: null, text: 'abc' }
    expect(reader('name')(record)).toBe('Contoso')
    expect(reader('parentcustomerid_account/name')(record)).toBe('Fabrikam')
    expect(reader('parentcustomerid_account.address.city')(record)).toBe('Lyon')
    expect(reader('parentcustomerid_account/missing/city')(record)).toBeUndefined()
    expect(reader('empty/name')(record)).toBeUndefined()
    expect(reader('text/length')(record)).toBeUndefined()
    expect(reader('a.b')({ 'a.b': 1, a: { b: 2 } })).toBe(2)
  })
})
