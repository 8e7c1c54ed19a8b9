// What a filter sends to Dataverse as $filter, and what the plan says about each part (shown in
// the filter node, the preview and the Run dialog): as much as can be said exactly goes to the
// server (fewer records read), the rest is evaluated here with the reason. The agreement of the
// two halves with the local filter is proven in filter-pushdown.test.ts; this file pins down
// where each condition goes and the words the user reads.
import { describe, expect, it } from 'vitest'
import type { Filter } from '../../src/shared/mapping/filter'
import { translateFilter } from '../../src/shared/mapping/filters'
import type { Table } from '../../src/shared/schema/model'
import { plainField as column } from '../support/schema-examples'

const table: Table = {
  system: 'dynamics',
  name: 'thing',
  displayName: 'Thing',
  keys: [],
  changeTracking: true,
  fields: [
    column('name', 'string'),
    column('age', 'integer'),
    column('active', 'boolean'),
    column('created', 'datetime'),
    column('birth', 'dateonly'),
    column('ownerid', 'uniqueidentifier'),
    column('notes', 'unknown')
  ]
}
const GUID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'
const guid = GUID.toLowerCase()

const odata = (filter: Filter, t: Table | null = table) => translateFilter(filter, t ? { table: t } : {}).odata
/** The one line of explanation for a filter of one condition. */
const explain = (filter: Filter, t: Table | null = table) => {
  const result = translateFilter(filter, t ? { table: t } : {})
  expect(result.explanation).toHaveLength(1)
  return result.explanation[0]
}

describe('where each condition is evaluated, and why', () => {
  it('says what goes to Dataverse, what is dropped as always true, and what stays here', () => {
    expect(explain({ field: 'age', op: 'eq', value: 3 })).toBe('age eq 3 → Dataverse: age eq 3')
    expect(explain({ not: { field: 'age', op: 'gt', value: null } })).toBe('not age gt null → always true, dropped')
    expect(explain({ field: 'age', op: 'gt', value: null })).toBe('age gt null → evaluated here: it can never hold')
    expect(explain({ field: 'name', op: 'gt', value: 'M' })).toBe(
      `name gt "M" → evaluated here: text ordering follows the server's collation`
    )
    expect(translateFilter(undefined)).toEqual({ odata: undefined, local: undefined, explanation: ['no filter: every record is read'] })
  })

  it('keeps a field name that is not a plain column name out of the query', () => {
    for (const field of ['name or 1 eq 1', 'name/x', '1name', 'na-me', ' name'])
      expect(explain({ field, op: 'eq', value: 'x' }, null)).toMatch(/is a path into a related record$/)
    expect(odata({ field: 'name_2', op: 'eq', value: 'x' }, null)).toBe("name_2 eq 'x'")
    expect(odata({ field: 'N', op: 'eq', value: 'x' }, null)).toBe("N eq 'x'")
  })

  it('keeps a column the table does not have here', () => {
    expect(explain({ field: 'nickname', op: 'eq', value: 'x' })).toBe(
      'nickname eq "x" → evaluated here: "nickname" is not a column of thing'
    )
    expect(explain({ field: 'notes', op: 'eq', value: 'x' })).toMatch(/the field's type is not known$/)
    expect(explain({ field: 'notes', op: 'in', values: ['x'] })).toMatch(/the field's type is not known$/)
    // Empty needs no type: a list of only empty values is "is empty", as eq null is.
    expect(odata({ field: 'notes', op: 'in', values: [null] })).toBe('notes eq null')
    expect(odata({ field: 'notes', op: 'eq', value: null })).toBe('notes eq null')
  })

  it('without a schema, reads the type from the value', () => {
    expect(odata({ field: 'x', op: 'eq', value: GUID }, null)).toBe(`x eq ${guid}`)
    expect(odata({ field: 'x', op: 'eq', value: '2024-01-01T10:00:00Z' }, null)).toBe('x eq 2024-01-01T10:00:00.000Z')
    expect(odata({ field: 'x', op: 'eq', value: '2024-01-01' }, null)).toBe('x eq 2024-01-01')
    expect(odata({ field: 'x', op: 'eq', value: true }, null)).toBe('x eq true')
    expect(odata({ field: 'x', op: 'in', values: [null, 7] }, null)).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=["7"]) or x eq null`
    )
    expect(odata({ field: 'x', op: 'between', from: 1, to: 9 }, null)).toBe(
      `Microsoft.Dynamics.CRM.Between(PropertyName='x',PropertyValues=["1","9"])`
    )
    expect(odata({ field: 'x', op: 'between', from: null, to: 9 }, null)).toBeUndefined()
    // A value that says nothing of its type: the field's type is unknown.
    expect(explain({ field: 'x', op: 'lastXDays', days: 3 }, null)).toMatch(/lastXDays works on dates, and "x" is unknown$/)
  })
})

describe('empty values and negations', () => {
  it('is empty / is not empty, and their negations', () => {
    expect(odata({ field: 'age', op: 'null' })).toBe('age eq null')
    expect(odata({ field: 'age', op: 'notNull' })).toBe('age ne null')
    expect(odata({ not: { field: 'age', op: 'null' } })).toBe('age ne null')
    expect(odata({ not: { field: 'age', op: 'notNull' } })).toBe('age eq null')
    expect(odata({ not: { field: 'age', op: 'eq', value: null } })).toBe('age ne null')
    expect(odata({ not: { field: 'age', op: 'ne', value: null } })).toBe('age eq null')
    expect(odata({ field: 'age', op: 'ne', value: 3 })).toBe('age ne 3 or age eq null')
    expect(odata({ not: { field: 'age', op: 'ne', value: 3 } })).toBe('age eq 3')
    expect(odata({ not: { not: { field: 'age', op: 'eq', value: 3 } } })).toBe('age eq 3')
  })

  it('orders numbers and dates, and flips the comparison of a negation', () => {
    expect(odata({ field: 'age', op: 'ge', value: 3 })).toBe('age ge 3')
    expect(odata({ not: { field: 'age', op: 'gt', value: 3 } })).toBe('age le 3 or age eq null')
    expect(odata({ not: { field: 'age', op: 'ge', value: 3 } })).toBe('age lt 3 or age eq null')
    expect(odata({ not: { field: 'age', op: 'lt', value: 3 } })).toBe('age ge 3 or age eq null')
    expect(odata({ not: { field: 'age', op: 'le', value: 3 } })).toBe('age gt 3 or age eq null')
    expect(odata({ field: 'created', op: 'lt', value: '2024-01-01T00:00:00Z' })).toBe('created lt 2024-01-01T00:00:00.000Z')
    for (const field of ['active', 'ownerid'])
      expect(explain({ field, op: 'gt', value: field === 'active' ? true : GUID })).toMatch(/(boolean|guid) values have no order$/)
    expect(explain({ field: 'age', op: 'lt', value: 'x' })).toMatch(/"x" is not a number$/)
  })

  it('text functions, their negation, and what they cannot say', () => {
    expect(odata({ field: 'name', op: 'contains', value: 'an' })).toBe("contains(name,'an')")
    expect(odata({ field: 'name', op: 'endsWith', value: 'an' })).toBe("endswith(name,'an')")
    expect(odata({ not: { field: 'name', op: 'startsWith', value: 'an' } })).toBe("not startswith(name,'an') or name eq null")
    expect(explain({ field: 'age', op: 'contains', value: '1' })).toMatch(/contains works on text, and "age" is not text$/)
    expect(explain({ field: 'name', op: 'contains', value: '' })).toMatch(/the value is empty or not text$/)
    expect(explain({ field: 'name', op: 'contains', value: 5 as unknown as string })).toMatch(/the value is empty or not text$/)
  })
})

describe('lists, ranges and recent days', () => {
  it('in and not in, with the empty case said', () => {
    expect(odata({ field: 'age', op: 'in', values: [1, null] })).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='age',PropertyValues=["1"]) or age eq null`
    )
    expect(odata({ field: 'age', op: 'notIn', values: [1] })).toBe(
      `Microsoft.Dynamics.CRM.NotIn(PropertyName='age',PropertyValues=["1"]) or age eq null`
    )
    expect(odata({ field: 'age', op: 'notIn', values: [1, null] })).toBe(
      `Microsoft.Dynamics.CRM.NotIn(PropertyName='age',PropertyValues=["1"]) and age ne null`
    )
    expect(odata({ not: { field: 'age', op: 'notIn', values: [1] } })).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='age',PropertyValues=["1"])`
    )
    expect(odata({ field: 'age', op: 'in', values: [null] })).toBe('age eq null')
    expect(odata({ field: 'age', op: 'notIn', values: [null] })).toBe('age ne null')
  })

  it('true/false lists are written as comparisons; list values are the literals of the column', () => {
    expect(odata({ field: 'active', op: 'in', values: [true, false] })).toBe('active eq true or active eq false')
    expect(odata({ field: 'active', op: 'notIn', values: [true] })).toBe('(active ne true) or active eq null')
    expect(odata({ field: 'active', op: 'notIn', values: [true, false] })).toBe('(active ne true and active ne false) or active eq null')
    expect(odata({ field: 'ownerid', op: 'in', values: [GUID] })).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='ownerid',PropertyValues=["${guid}"])`
    )
    expect(odata({ field: 'created', op: 'in', values: ['2024-01-01T10:00:00+01:00'] })).toBe(
      `Microsoft.Dynamics.CRM.In(PropertyName='created',PropertyValues=["2024-01-01T09:00:00.000Z"])`
    )
  })

  it('between numbers and dates, negated, or with an empty bound', () => {
    expect(odata({ field: 'birth', op: 'between', from: ' 1990-01-01 ', to: '1999-12-31' })).toBe(
      `Microsoft.Dynamics.CRM.Between(PropertyName='birth',PropertyValues=["1990-01-01","1999-12-31"])`
    )
    expect(odata({ field: 'birth', op: 'eq', value: ' 1990-01-01' })).toBe('birth eq 1990-01-01')
    expect(odata({ not: { field: 'age', op: 'between', from: 1, to: 5 } })).toBe(
      `Microsoft.Dynamics.CRM.NotBetween(PropertyName='age',PropertyValues=["1","5"]) or age eq null`
    )
    expect(explain({ field: 'age', op: 'between', from: 1, to: null })).toMatch(/it can never hold$/)
    expect(explain({ not: { field: 'age', op: 'between', from: null, to: 5 } })).toMatch(/always true, dropped$/)
    expect(explain({ field: 'name', op: 'between', from: 'a', to: 'b' })).toMatch(
      /between works on numbers and dates, and "name" is string$/
    )
    expect(explain({ field: 'age', op: 'between', from: 'a', to: 5 })).toMatch(/a bound does not fit the field's type$/)
    expect(odata({ field: 'created', op: 'between', from: '2024-01-01T00:00:00Z', to: '2024-02-01T00:00:00Z' })).toMatch(/Between/)
  })

  it('last X days on dates only, and never negated', () => {
    expect(odata({ field: 'birth', op: 'lastXDays', days: 3 })).toBe(
      `Microsoft.Dynamics.CRM.LastXDays(PropertyName='birth',PropertyValue=3)`
    )
    expect(explain({ field: 'age', op: 'lastXDays', days: 3 })).toMatch(/lastXDays works on dates, and "age" is number$/)
    expect(explain({ not: { field: 'created', op: 'lastXDays', days: 3 } })).toMatch(
      /the opposite of lastXDays has no exact Dataverse function$/
    )
  })
})

describe('groups', () => {
  it('an "all" is split: each part goes where it can, and the query is the parts joined by and', () => {
    const result = translateFilter(
      {
        all: [
          { field: 'age', op: 'eq', value: 1 },
          {
            all: [
              { field: 'name', op: 'gt', value: 'a' },
              { field: 'active', op: 'eq', value: true }
            ]
          },
          {
            not: {
              any: [
                { field: 'age', op: 'eq', value: 2 },
                { field: 'name', op: 'lt', value: 'z' }
              ]
            }
          }
        ]
      },
      { table }
    )
    expect(result.odata).toBe('age eq 1 and active eq true and (age ne 2 or age eq null)')
    expect(result.local).toEqual({ all: [{ field: 'name', op: 'gt', value: 'a' }, { not: { field: 'name', op: 'lt', value: 'z' } }] })
    expect(result.explanation).toHaveLength(5)
  })

  it('a double negation is no negation: its parts are split like any other "all"', () => {
    const result = translateFilter(
      {
        not: {
          not: {
            all: [
              { field: 'age', op: 'eq', value: 1 },
              { field: 'name', op: 'gt', value: 'a' }
            ]
          }
        }
      },
      { table }
    )
    expect(result.odata).toBe('age eq 1')
    expect(result.local).toEqual({ field: 'name', op: 'gt', value: 'a' })
  })

  it('an "any" goes whole or not at all; a part that is always true makes it always true', () => {
    expect(
      odata({
        any: [
          { field: 'age', op: 'eq', value: 1 },
          { field: 'age', op: 'eq', value: 2 }
        ]
      })
    ).toBe('age eq 1 or age eq 2')
    const partly = translateFilter(
      {
        any: [
          { field: 'age', op: 'eq', value: 1 },
          { field: 'name', op: 'gt', value: 'a' }
        ]
      },
      { table }
    )
    expect(partly.odata).toBeUndefined()
    expect(partly.explanation[0]).toMatch(/collation$/)
    expect(explain({ any: [{ field: 'age', op: 'eq', value: 1 }, { not: { field: 'age', op: 'gt', value: null } }] })).toMatch(
      /always true, dropped$/
    )
    expect(
      odata({
        any: [
          { field: 'age', op: 'gt', value: null },
          { field: 'age', op: 'eq', value: 1 }
        ]
      })
    ).toBe('age eq 1')
    expect(explain({ any: [] })).toBe('(never) → evaluated here: it can never hold')
    expect(
      explain({
        not: {
          all: [
            { field: 'age', op: 'eq', value: 1 },
            { field: 'age', op: 'gt', value: null }
          ]
        }
      })
    ).toMatch(/always true, dropped$/)
    expect(odata({ all: [{ field: 'age', op: 'eq', value: 1 }, { any: [{ field: 'age', op: 'gt', value: null }] }] })).toBe('age eq 1')
    // A group left with one condition reads as that condition.
    expect(
      odata({
        all: [
          { field: 'name', op: 'eq', value: 'a' },
          {
            any: [
              { field: 'age', op: 'eq', value: 1 },
              { field: 'age', op: 'gt', value: null }
            ]
          }
        ]
      })
    ).toBe("name eq 'a' and age eq 1")
  })

  it('drops the outer brackets of a single part only when they enclose it all, quotes included', () => {
    expect(
      odata({
        any: [
          { field: 'name', op: 'eq', value: ')' },
          { field: 'name', op: 'eq', value: '(' }
        ]
      })
    ).toBe("name eq ')' or name eq '('")
    expect(
      odata({
        any: [
          {
            all: [
              { field: 'age', op: 'eq', value: 1 },
              { field: 'name', op: 'eq', value: 'a' }
            ]
          },
          {
            all: [
              { field: 'age', op: 'eq', value: 2 },
              { field: 'name', op: 'eq', value: 'b' }
            ]
          }
        ]
      })
    ).toBe("(age eq 1 and name eq 'a') or (age eq 2 and name eq 'b')")
    expect(
      odata({
        all: [
          { field: 'age', op: 'ne', value: 1 },
          { field: 'age', op: 'ne', value: 2 }
        ]
      })
    ).toBe('(age ne 1 or age eq null) and (age ne 2 or age eq null)')
    expect(
      odata({
        all: [
          { field: 'age', op: 'notIn', values: [1, null] },
          { field: 'age', op: 'in', values: [2, null] }
        ]
      })
    ).toBe(
      `(Microsoft.Dynamics.CRM.NotIn(PropertyName='age',PropertyValues=["1"]) and age ne null) and ` +
        `(Microsoft.Dynamics.CRM.In(PropertyName='age',PropertyValues=["2"]) or age eq null)`
    )
  })
})
