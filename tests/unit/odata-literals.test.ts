// What reaches Dataverse's $filter is only ever a literal of the column's own type. A value that
// does not fit (a non-GUID for a lookup, text for a number…) stays in the local filter with the
// reason, so no user text can be written unquoted into the query (OData literal forms:
// https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows).
import { describe, expect, it } from 'vitest'
import type { Condition } from '../../src/shared/mapping/filter'
import { inList, translateFilter } from '../../src/shared/mapping/filters'
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
    column('score', 'decimal'),
    column('active', 'boolean'),
    column('created', 'datetime'),
    column('birth', 'dateonly'),
    column('ownerid', 'uniqueidentifier')
  ]
}

/** The $filter text for one condition, or the reason it stays local. */
function translate(condition: Condition): { odata?: string; why?: string } {
  const result = translateFilter(condition, { table })
  if (result.odata !== undefined) {
    expect(result.local).toBeUndefined()
    return { odata: result.odata }
  }
  expect(result.local).toEqual(condition)
  return { why: result.explanation.join(' ') }
}

const injection = "x' or statecode eq 0 or name eq 'y"
const GUID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301'

describe('OData literals by column type', () => {
  it('a uniqueidentifier takes only a GUID, lower-cased and unquoted', () => {
    expect(translate({ field: 'ownerid', op: 'eq', value: GUID })).toEqual({ odata: `ownerid eq ${GUID.toLowerCase()}` })
    for (const value of ['not-a-guid', injection, `${GUID} or 1 eq 1`, `{${GUID}}`, '']) {
      const out = translate({ field: 'ownerid', op: 'eq', value })
      expect(out.odata).toBeUndefined()
      expect(out.why).toContain('is not a GUID')
    }
    expect(translate({ field: 'ownerid', op: 'eq', value: 42 }).why).toContain('is not a GUID')
    expect(translate({ field: 'ownerid', op: 'in', values: [GUID, 'nope'] }).odata).toBeUndefined()
  })

  it('text is always quoted, with apostrophes doubled', () => {
    expect(translate({ field: 'name', op: 'eq', value: "O'Brien" })).toEqual({ odata: "name eq 'O''Brien'" })
    expect(translate({ field: 'name', op: 'eq', value: injection })).toEqual({ odata: "name eq 'x'' or statecode eq 0 or name eq ''y'" })
    expect(translate({ field: 'name', op: 'startsWith', value: "d'Ar" })).toEqual({ odata: "startswith(name,'d''Ar')" })
    expect(translate({ field: 'name', op: 'eq', value: 12 }).why).toContain('is not text')
  })

  it('a number column takes only a finite number written without an exponent', () => {
    expect(translate({ field: 'age', op: 'eq', value: -5 })).toEqual({ odata: 'age eq -5' })
    expect(translate({ field: 'score', op: 'gt', value: 0.25 })).toEqual({ odata: 'score gt 0.25' })
    expect(translate({ field: 'age', op: 'eq', value: '5 or 1 eq 1' }).why).toContain('is not a number')
    expect(translate({ field: 'age', op: 'eq', value: 1e21 }).why).toContain('exponent')
    expect(translate({ field: 'score', op: 'lt', value: 1e-7 }).why).toContain('exponent')
    expect(translate({ field: 'age', op: 'eq', value: true }).why).toContain('is not a number')
    expect(translate({ field: 'age', op: 'eq', value: Number.POSITIVE_INFINITY }).why).toContain('is not a number')
    expect(translate({ field: 'age', op: 'eq', value: Number.NaN }).why).toContain('is not a number')
  })

  it('a boolean column takes only true or false', () => {
    expect(translate({ field: 'active', op: 'eq', value: true })).toEqual({ odata: 'active eq true' })
    expect(translate({ field: 'active', op: 'eq', value: false })).toEqual({ odata: 'active eq false' })
    for (const value of ['true', 1, 0, 'false or 1 eq 1'])
      expect(translate({ field: 'active', op: 'eq', value }).why).toContain('is not true or false')
  })

  it('dates are normalised to UTC; a date-only column takes YYYY-MM-DD and nothing else', () => {
    expect(translate({ field: 'created', op: 'ge', value: '2024-01-01T10:00:00+02:00' })).toEqual({
      odata: 'created ge 2024-01-01T08:00:00.000Z'
    })
    expect(translate({ field: 'created', op: 'ge', value: '2024-01-01' }).why).toContain('is not an ISO date-time')
    // A date-time without an offset is read as UTC, here and by the local filter alike (docs/filters.md).
    expect(translate({ field: 'created', op: 'ge', value: '2024-01-01T10:00:00' })).toEqual({
      odata: 'created ge 2024-01-01T10:00:00.000Z'
    })
    expect(translate({ field: 'created', op: 'ge', value: "2024-01-01T10:00:00Z' or 1 eq 1" }).why).toContain('is not an ISO date-time')
    expect(translate({ field: 'birth', op: 'eq', value: '1990-02-03' })).toEqual({ odata: 'birth eq 1990-02-03' })
    expect(translate({ field: 'birth', op: 'eq', value: '1990-02-03T00:00:00Z' }).why).toContain('is not a date (YYYY-MM-DD)')
    expect(translate({ field: 'birth', op: 'eq', value: "1990-02-03' or 1 eq 1" }).why).toContain('is not a date (YYYY-MM-DD)')
    // A value of another type is refused with the reason, not a crash.
    expect(translate({ field: 'created', op: 'eq', value: 1704067200000 }).why).toContain('is not an ISO date-time')
    expect(translate({ field: 'birth', op: 'eq', value: true }).why).toContain('is not a date (YYYY-MM-DD)')
  })

  it('null is the null literal, never a quoted text', () => {
    expect(translate({ field: 'ownerid', op: 'eq', value: null })).toEqual({ odata: 'ownerid eq null' })
    expect(translate({ field: 'name', op: 'ne', value: null })).toEqual({ odata: 'name ne null' })
  })

  it('list values go into PropertyValues double-quoted, and values that cannot be quoted there fall back to eq literals', () => {
    expect(translate({ field: 'name', op: 'in', values: ['a', "b'c"] })).toEqual({
      odata: `Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=["a","b'c"])`
    })
    expect(translate({ field: 'name', op: 'in', values: ['a"b', 'c\\d'] })).toEqual({ odata: `name eq 'a"b' or name eq 'c\\d'` })
    expect(translate({ field: 'age', op: 'in', values: [1, 2] })).toEqual({
      odata: `Microsoft.Dynamics.CRM.In(PropertyName='age',PropertyValues=["1","2"])`
    })
    expect(translate({ field: 'age', op: 'in', values: [1, 'two'] }).why).toContain('is not a number')
    expect(translate({ field: 'age', op: 'between', from: 1, to: 'x' }).why).toContain("a bound does not fit the field's type")
  })

  it('wildcard characters in text functions stay local rather than widen the match', () => {
    for (const value of ['50%', 'a_b', '[x]']) expect(translate({ field: 'name', op: 'contains', value }).why).toContain('wildcards')
  })
})

describe('inList: rows whose column is one of these ids or keys', () => {
  it("quotes the column and every value, a value's quote doubled", () => {
    expect(inList('contactid', ['a1', "o'brien"])).toBe(
      "Microsoft.Dynamics.CRM.In(PropertyName='contactid',PropertyValues=['a1','o''brien'])"
    )
  })
})
