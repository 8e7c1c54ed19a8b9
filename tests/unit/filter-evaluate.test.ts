import { describe, expect, it } from 'vitest'
import type { Filter } from '../../src/shared/mapping/filter'
import { compileFilter, evaluateFilter, startOfUtcDay } from '../../src/shared/mapping/filters'
import type { Table } from '../../src/shared/schema/model'
import { plainField as f } from '../support/schema-examples'

// Which source records a flow's filter keeps when it is evaluated locally (the part Dataverse
// cannot be sent, and the preview): the rules in src/shared/mapping/filters/evaluate.ts, one
// by one, with the records at their edges.

const NOW = Date.parse('2024-06-15T12:00:00Z')
const DAY = 86_400_000

const table: Table = {
  system: 'dynamics',
  name: 'thing',
  displayName: 'Thing',
  keys: [],
  changeTracking: true,
  fields: [f('name', 'string'), f('age', 'integer'), f('active', 'boolean'), f('created', 'datetime'), f('birth', 'dateonly')]
}

/** The records among `records` the filter keeps, by index. */
function kept(filter: Filter, records: Array<Record<string, unknown>>, now = NOW): number[] {
  const test = compileFilter(filter, { table, now: () => now })
  return records.flatMap((record, i) => (test(record) ? [i] : []))
}

const ages = [{ age: 29 }, { age: 30 }, { age: 31 }, { age: null }, {}, { age: 'thirty' }]

describe('comparisons', () => {
  it('gt, ge, lt and le keep the records on the right side of the value, never empty or unreadable ones', () => {
    expect(kept({ field: 'age', op: 'gt', value: 30 }, ages)).toEqual([2])
    expect(kept({ field: 'age', op: 'ge', value: 30 }, ages)).toEqual([1, 2])
    expect(kept({ field: 'age', op: 'lt', value: 30 }, ages)).toEqual([0])
    expect(kept({ field: 'age', op: 'le', value: 30 }, ages)).toEqual([0, 1])
    expect(kept({ field: 'age', op: 'ge', value: '30' }, [{ age: '30' }, { age: 30.5 }])).toEqual([0, 1])
  })

  it('a comparison never keeps an empty value, even where JavaScript would order null as 0', () => {
    expect(kept({ field: 'age', op: 'le', value: 40 }, ages)).toEqual([0, 1, 2])
    expect(kept({ field: 'age', op: 'ge', value: -1 }, ages)).toEqual([0, 1, 2])
  })

  it('a comparison with an empty or unreadable value keeps nothing', () => {
    expect(kept({ field: 'age', op: 'lt', value: null }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'ge', value: null }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'gt', value: 'old' }, ages)).toEqual([])
  })

  it('an untyped field compares values of the same kind only', () => {
    const test = (value: unknown) => evaluateFilter({ field: 'extra', op: 'gt', value: 'm' }, { extra: value })
    expect(test('Nadia')).toBe(true)
    expect(test('anna')).toBe(false)
    expect(test(null)).toBe(false)
  })

  it('an untyped field holding numbers as text compares them as numbers when the condition gives a number', () => {
    const records = [{ extra: '5' }, { extra: '12' }, { extra: 'five' }]
    expect(kept({ field: 'extra', op: 'eq', value: 5 }, records)).toEqual([0])
    expect(kept({ field: 'extra', op: 'in', values: [12, 5] }, records)).toEqual([0, 1])
    expect(kept({ field: 'extra', op: 'between', from: 4, to: 20 }, records)).toEqual([0, 1])
  })

  it('eq and ne treat empty as a value, and an unreadable value equals nothing', () => {
    expect(kept({ field: 'age', op: 'eq', value: 30 }, ages)).toEqual([1])
    expect(kept({ field: 'age', op: 'ne', value: 30 }, ages)).toEqual([0, 2, 3, 4, 5])
    expect(kept({ field: 'age', op: 'eq', value: null }, ages)).toEqual([3, 4])
    expect(kept({ field: 'age', op: 'ne', value: null }, ages)).toEqual([0, 1, 2, 5])
    expect(kept({ field: 'age', op: 'eq', value: 'thirty' }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'ne', value: 'thirty' }, ages)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('null and notNull look at the stored value as it is', () => {
    const records = [{ name: null }, {}, { name: '' }, { name: 'x' }]
    expect(kept({ field: 'name', op: 'null' }, records)).toEqual([0, 1])
    expect(kept({ field: 'name', op: 'notNull' }, records)).toEqual([2, 3])
  })

  it('between keeps both ends, and nothing when its ends are empty or of different kinds', () => {
    expect(kept({ field: 'age', op: 'between', from: 29, to: 30 }, ages)).toEqual([0, 1])
    expect(kept({ field: 'age', op: 'between', from: 30, to: 31 }, ages)).toEqual([1, 2])
    expect(kept({ field: 'age', op: 'between', from: 0, to: 100 }, ages)).toEqual([0, 1, 2])
    expect(kept({ field: 'age', op: 'between', from: -10, to: null }, [{ age: 0 }, { age: null }])).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: null, to: 10 }, [{ age: 0 }, { age: null }])).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: null, to: 31 }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: 29, to: null }, ages)).toEqual([])
    // Two empty ends are not "between empty and empty": no record is kept, the empty ones included.
    expect(kept({ field: 'age', op: 'between', from: null, to: null }, ages)).toEqual([])
    expect(kept({ field: 'extra', op: 'between', from: null, to: null }, [{ extra: null }, {}, { extra: 3 }])).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: 'young', to: 'old' }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: 29, to: 'old' }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'between', from: 'young', to: 31 }, ages)).toEqual([])
    const untyped = [{ extra: 5 }, { extra: 'b' }]
    expect(kept({ field: 'extra', op: 'between', from: 'a', to: 'c' }, untyped)).toEqual([1])
    expect(kept({ field: 'extra', op: 'between', from: 1, to: 'c' }, untyped)).toEqual([])
  })
})

describe('text matching', () => {
  const names = [{ name: 'Émilie Dupont' }, { name: 'dupont' }, { name: null }, { name: 42 }, { name: 'Nullington' }]
  it('contains, startsWith and endsWith ignore case and accents and skip empty values', () => {
    expect(kept({ field: 'name', op: 'contains', value: 'EMILIE' }, names)).toEqual([0])
    expect(kept({ field: 'name', op: 'contains', value: 'pon' }, names)).toEqual([0, 1])
    expect(kept({ field: 'name', op: 'startsWith', value: 'Dup' }, names)).toEqual([1])
    expect(kept({ field: 'name', op: 'endsWith', value: 'DUPONT' }, names)).toEqual([0, 1])
    expect(kept({ field: 'name', op: 'endsWith', value: '2' }, names)).toEqual([3])
    // An empty value to look for keeps nothing — not the names that contain "null".
    expect(kept({ field: 'name', op: 'contains', value: null }, names)).toEqual([])
    // A number to look for is looked for as text.
    expect(kept({ field: 'name', op: 'contains', value: 4 }, names)).toEqual([3])
  })
})

describe('lists', () => {
  it('in keeps the listed values, empty included when listed; notIn keeps the rest', () => {
    expect(kept({ field: 'age', op: 'in', values: [29, 31] }, ages)).toEqual([0, 2])
    expect(kept({ field: 'age', op: 'in', values: [30, null] }, ages)).toEqual([1, 3, 4])
    expect(kept({ field: 'age', op: 'in', values: ['30', '31'] }, ages)).toEqual([1, 2])
    expect(kept({ field: 'age', op: 'notIn', values: [29, 31] }, ages)).toEqual([1, 3, 4, 5])
    // A listed value that cannot be a number matches nothing, not the unreadable record.
    expect(kept({ field: 'age', op: 'in', values: ['thirty'] }, ages)).toEqual([])
    expect(kept({ field: 'age', op: 'notIn', values: ['thirty'] }, ages)).toEqual([0, 1, 2, 3, 4, 5])
  })
})

describe('dates', () => {
  it('lastXDays keeps from midnight UTC that many days ago up to now, not the future', () => {
    const records = [
      { created: '2024-06-13T23:59:59.999Z' },
      { created: '2024-06-14T00:00:00Z' },
      { created: '2024-06-15T12:00:00Z' },
      { created: '2024-06-15T12:00:01Z' },
      { created: null },
      { created: 'yesterday' }
    ]
    expect(kept({ field: 'created', op: 'lastXDays', days: 1 }, records)).toEqual([1, 2])
    expect(kept({ field: 'created', op: 'lastXDays', days: 2 }, records)).toEqual([0, 1, 2])
  })

  it('lastXDays on a date-only column counts whole days', () => {
    const records = [{ birth: '2024-06-13' }, { birth: '2024-06-14' }, { birth: '2024-06-15' }, { birth: '2024-06-16' }]
    expect(kept({ field: 'birth', op: 'lastXDays', days: 1 }, records)).toEqual([1, 2])
    expect(kept({ field: 'birth', op: 'lastXDays', days: 0 }, records)).toEqual([2])
    // A time on a date-only column does not matter: today is today, even later than now.
    expect(kept({ field: 'birth', op: 'lastXDays', days: 0 }, [{ birth: '2024-06-15T18:00:00Z' }])).toEqual([0])
  })

  it('a date-only column compares days, years before 100 included', () => {
    const records = [{ birth: '0050-03-01' }, { birth: '1950-03-01' }, { birth: '1980-10-24T23:30:00Z' }]
    expect(kept({ field: 'birth', op: 'lt', value: '1000-01-01' }, records)).toEqual([0])
    expect(kept({ field: 'birth', op: 'eq', value: '1950-03-01' }, records)).toEqual([1])
    expect(kept({ field: 'birth', op: 'eq', value: '1980-10-24' }, records)).toEqual([2])
  })

  it('a day starts at midnight UTC, before 1970 as after', () => {
    expect(startOfUtcDay(Date.parse('2024-06-15T12:00:00Z'))).toBe(Date.parse('2024-06-15T00:00:00Z'))
    expect(startOfUtcDay(Date.parse('1969-12-31T18:00:00Z'))).toBe(Date.parse('1969-12-31T00:00:00Z'))
    expect(startOfUtcDay(-DAY)).toBe(-DAY)
  })
})

describe('groups', () => {
  const adult: Filter = { field: 'age', op: 'ge', value: 18 }
  const active: Filter = { field: 'active', op: 'eq', value: true }
  const records = [
    { age: 20, active: true },
    { age: 20, active: false },
    { age: 10, active: true },
    { age: 10, active: false }
  ]
  it('all keeps records meeting every condition, any those meeting one, not the others', () => {
    expect(kept({ all: [adult, active] }, records)).toEqual([0])
    expect(kept({ any: [adult, active] }, records)).toEqual([0, 1, 2])
    expect(kept({ not: { any: [adult, active] } }, records)).toEqual([3])
    expect(kept({ all: [adult] }, records)).toEqual([0, 1])
    expect(kept({ any: [active] }, records)).toEqual([0, 2])
  })
})
