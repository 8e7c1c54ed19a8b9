import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Filter } from '../../src/shared/mapping/filter'
import { compileFilter, translateFilter } from '../../src/shared/mapping/filters'
import type { Table } from '../../src/shared/schema/model'
import { dynamicsContact } from '../support/schema-examples'
import { plainField as f } from '../support/schema-examples'

const NOW = Date.parse('2024-06-15T12:00:00Z')
const now = () => NOW
const DAY = 86_400_000

const table: Table = {
  system: 'dynamics',
  name: 'thing',
  displayName: 'Thing',
  keys: [],
  changeTracking: true,
  fields: [
    f('name', 'string'),
    f('age', 'integer'),
    f('score', 'decimal'),
    f('active', 'boolean'),
    f('created', 'datetime'),
    f('birth', 'dateonly'),
    f('ownerid', 'uniqueidentifier'),
    f('code', 'picklist')
  ]
}
const kinds: Record<string, string> = {
  name: 'string',
  age: 'number',
  score: 'number',
  code: 'number',
  active: 'boolean',
  created: 'datetime',
  birth: 'dateonly',
  ownerid: 'guid'
}

// ---- a small, independent evaluator of the OData text, under two readings of null ----
type Tri = boolean | null // null = unknown (SQL reading)
type Lit = { t: 'lit'; v: string | number | boolean | null; raw: string; quoted: boolean }
type Tok = { k: 'id' | 'str' | 'num' | 'op' | 'punc'; v: string }

function tokenize(text: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === ' ') {
      i++
      continue
    }
    if (c === "'") {
      let s = ''
      i++
      for (;;) {
        if (text[i] === "'" && text[i + 1] === "'") {
          s += "'"
          i += 2
        } else if (text[i] === "'") {
          i++
          break
        } else s += text[i++]
      }
      out.push({ k: 'str', v: s })
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1)
      out.push({ k: 'str', v: text.slice(i + 1, end) })
      i = end + 1
    } else if ('(),[]='.includes(c)) {
      out.push({ k: 'punc', v: c })
      i++
    } else {
      const m = /^[A-Za-z0-9_.:+-]+/.exec(text.slice(i))!
      out.push({ k: /^-?\d/.test(m[0]) ? 'num' : 'id', v: m[0] })
      i += m[0].length
    }
  }
  return out
}

const fold = (s: string) => s.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '')
function norm(value: unknown, kind: string): string | number | boolean | null | undefined {
  if (value === null || value === undefined) return null
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? fold(value) : undefined
    case 'number':
      return typeof value === 'number'
        ? value
        : typeof value === 'string' && value !== '' && !isNaN(Number(value))
          ? Number(value)
          : undefined
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 'true' ? true : value === 'false' ? false : undefined
    case 'guid':
      return typeof value === 'string' ? value.toLowerCase() : undefined
    case 'datetime': {
      const t = Date.parse(String(value))
      return isNaN(t) ? undefined : t
    }
    case 'dateonly': {
      const t = Date.parse(String(value).slice(0, 10))
      return isNaN(t) ? undefined : t
    }
  }
  return undefined
}

function evalOData(text: string, record: Record<string, unknown>, sql: boolean): boolean {
  const toks = tokenize(text)
  let p = 0
  const peek = () => toks[p]
  const eat = (v?: string) => {
    const t = toks[p++]
    if (v !== undefined && t?.v !== v) throw new Error(`expected ${v} at ${p} in ${text}, got ${t?.v}`)
    return t
  }
  const and = (a: Tri, b: Tri): Tri => (a === false || b === false ? false : a === null || b === null ? null : true)
  const or = (a: Tri, b: Tri): Tri => (a === true || b === true ? true : a === null || b === null ? null : false)
  const not = (a: Tri): Tri => (a === null ? null : !a)
  const prop = (name: string) => ({ value: record[name], kind: kinds[name] })
  const literal = (): Lit => {
    const t = eat()
    if (t.k === 'str') return { t: 'lit', v: t.v, raw: t.v, quoted: true }
    if (t.v === 'null') return { t: 'lit', v: null, raw: 'null', quoted: false }
    if (t.v === 'true' || t.v === 'false') return { t: 'lit', v: t.v === 'true', raw: t.v, quoted: false }
    return { t: 'lit', v: t.v, raw: t.v, quoted: false }
  }
  const compare = (name: string, op: string, lit: Lit): Tri => {
    const { value, kind } = prop(name)
    if (lit.v === null) {
      const isNull = value === null || value === undefined
      return op === 'eq' ? isNull : op === 'ne' ? !isNull : sql ? null : false
    }
    const a = norm(value, kind)
    const b = norm(lit.v, kind)
    if (a === null) return op === 'ne' && !sql ? true : sql ? null : false
    if (a === undefined || b === undefined || b === null) throw new Error(`type mismatch in ${text}`)
    switch (op) {
      case 'eq':
        return a === b
      case 'ne':
        return a !== b
      case 'gt':
        return a > b
      case 'ge':
        return a >= b
      case 'lt':
        return a < b
      case 'le':
        return a <= b
    }
    throw new Error(op)
  }
  const args = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    eat('(')
    while (peek().v !== ')') {
      const key = eat().v
      eat('=')
      if (peek().v === '[') {
        eat('[')
        const list: string[] = []
        while (peek().v !== ']') {
          list.push(eat().v)
          if (peek().v === ',') eat(',')
        }
        eat(']')
        out[key] = list
      } else out[key] = eat().v
      if (peek().v === ',') eat(',')
    }
    eat(')')
    return out
  }
  const primary = (): Tri => {
    const t = peek()
    if (t.v === '(') {
      eat('(')
      const v = expr()
      eat(')')
      return v
    }
    if (t.v === 'not') {
      eat()
      return not(primary())
    }
    if (t.v === 'contains' || t.v === 'startswith' || t.v === 'endswith') {
      eat()
      eat('(')
      const name = eat().v
      eat(',')
      const needle = fold(eat().v)
      eat(')')
      const v = record[name]
      if (v === null || v === undefined) return sql ? null : false
      const hay = fold(String(v))
      return t.v === 'contains' ? hay.includes(needle) : t.v === 'startswith' ? hay.startsWith(needle) : hay.endsWith(needle)
    }
    if (t.v.startsWith('Microsoft.Dynamics.CRM.')) {
      const fn = eat().v.slice('Microsoft.Dynamics.CRM.'.length)
      const a = args()
      const name = a.PropertyName as string
      const { value, kind } = prop(name)
      const v = norm(value, kind)
      if (v === null) return sql ? null : false
      if (fn === 'In' || fn === 'NotIn') {
        const inside = (a.PropertyValues as string[]).some((x) => norm(x, kind) === v)
        return fn === 'In' ? inside : !inside
      }
      if (fn === 'Between' || fn === 'NotBetween') {
        const [lo, hi] = (a.PropertyValues as string[]).map((x) => norm(x, kind) as number)
        const inside = (v as number) >= lo && (v as number) <= hi
        return fn === 'Between' ? inside : !inside
      }
      if (fn === 'LastXDays') {
        const days = Number(a.PropertyValue)
        const start = NOW - (NOW % DAY) - days * DAY
        return (v as number) >= start && (v as number) <= NOW
      }
      throw new Error(fn)
    }
    const name = eat().v
    const op = eat().v
    return compare(name, op, literal())
  }
  const conj = (): Tri => {
    let v = primary()
    while (peek()?.v === 'and') {
      eat()
      v = and(v, primary())
    }
    return v
  }
  const expr = (): Tri => {
    let v = conj()
    while (peek()?.v === 'or') {
      eat()
      v = or(v, conj())
    }
    return v
  }
  const result = expr()
  if (p !== toks.length) throw new Error(`trailing tokens in ${text}`)
  return result === true
}

// ---- generators ----
const pools: Record<string, unknown[]> = {
  name: ['anna', 'Anna', 'ÄNNA', 'bob', "o'brien", "O'Brien", '50%', 'a_b', 'x"y', ''],
  age: [-1, 0, 1, 5, 10],
  score: [0, 0.5, 2.25, 10],
  code: [1, 2, 3],
  active: [true, false],
  created: ['2024-06-15T11:00:00Z', '2024-06-14T00:00:00Z', '2024-06-10T08:30:00Z', '2023-01-01T00:00:00Z', '2024-06-16T00:00:00Z'],
  birth: ['1980-10-24', '2000-02-29', '2024-06-13'],
  ownerid: ['6f1b2a3c-0000-4000-8000-000000000001', '6F1B2A3C-0000-4000-8000-000000000002']
}
const fieldNames = Object.keys(pools)
const maybeNull = (name: string) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(pools[name] as never[])) }, { weight: 1, arbitrary: fc.constant(null) })
const recordArb = fc.record(Object.fromEntries(fieldNames.map((n) => [n, maybeNull(n)])) as Record<string, fc.Arbitrary<unknown>>)

const conditionArb: fc.Arbitrary<Filter> = fc.constantFrom(...fieldNames).chain((field) => {
  const v = maybeNull(field) as fc.Arbitrary<never>
  const ops: fc.Arbitrary<Filter>[] = [
    fc.record({ field: fc.constant(field), op: fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le'), value: v }) as fc.Arbitrary<Filter>,
    fc.record({ field: fc.constant(field), op: fc.constantFrom('null', 'notNull') }) as fc.Arbitrary<Filter>,
    fc.record({
      field: fc.constant(field),
      op: fc.constantFrom('in', 'notIn'),
      values: fc.array(v, { minLength: 1, maxLength: 3 })
    }) as fc.Arbitrary<Filter>,
    fc.record({ field: fc.constant(field), op: fc.constant('between'), from: v, to: v }) as fc.Arbitrary<Filter>
  ]
  if (field === 'name')
    ops.push(
      fc.record({
        field: fc.constant(field),
        op: fc.constantFrom('contains', 'startsWith', 'endsWith'),
        value: fc.constantFrom('an', 'NN', "'", '%', '', 'b', 'É')
      }) as fc.Arbitrary<Filter>
    )
  if (field === 'created' || field === 'birth')
    ops.push(
      fc.record({ field: fc.constant(field), op: fc.constant('lastXDays'), days: fc.integer({ min: 1, max: 10 }) }) as fc.Arbitrary<Filter>
    )
  return fc.oneof(...ops)
})

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    conditionArb,
    fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { maxLength: 3 }) }),
    fc.record({ not: tie('node') })
  ) as fc.Arbitrary<Filter>
})).node

describe('filter pushdown', () => {
  it.each([false, true])('OData pushdown + local remainder == local alone (SQL null semantics: %s)', (sql) => {
    fc.assert(
      fc.property(filterArb, fc.array(recordArb, { minLength: 1, maxLength: 8 }), (filter, records) => {
        const local = compileFilter(filter, { table, now })
        const t = translateFilter(filter, { table })
        const rest = t.local ? compileFilter(t.local, { table, now }) : () => true
        for (const record of records) {
          const pushed = t.odata === undefined ? true : evalOData(t.odata, record, sql)
          expect({ odata: t.odata, result: pushed && rest(record) }).toEqual({ odata: t.odata, result: local(record) })
        }
      }),
      // Fewer cases in the quick mutation check (vitest.mutation-unit.config.mts); every other run tries 1500.
      { numRuns: Number(process.env.FILTER_PROPERTY_RUNS) || 1500 }
    )
  })

  it('escapes quotes, types literals and uses the Dataverse functions', () => {
    const t = translateFilter(
      {
        all: [
          { field: 'lastname', op: 'eq', value: "O'Bryan" },
          { field: 'statecode', op: 'eq', value: 0 },
          { field: 'contactid', op: 'ne', value: '6F1B2A3C-0000-4000-8000-000000000001' },
          { field: 'birthdate', op: 'ge', value: '1980-01-01' },
          { field: 'modifiedon', op: 'lastXDays', days: 7 },
          { field: 'gendercode', op: 'in', values: [1, 2] },
          { field: 'emailaddress1', op: 'notNull' }
        ]
      },
      { table: dynamicsContact }
    )
    expect(t.odata).toBe(
      "lastname eq 'O''Bryan' and statecode eq 0 and (contactid ne 6f1b2a3c-0000-4000-8000-000000000001 or contactid eq null) and birthdate ge 1980-01-01" +
        " and Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=7)" +
        ' and Microsoft.Dynamics.CRM.In(PropertyName=\'gendercode\',PropertyValues=["1","2"]) and emailaddress1 ne null'
    )
    expect(t.local).toBeUndefined()
  })

  it('keeps what Dataverse cannot say exactly local, and explains why', () => {
    const t = translateFilter(
      {
        all: [
          { field: 'statecode', op: 'eq', value: 0 },
          { field: 'fullname', op: 'contains', value: '50%' },
          {
            any: [
              { field: 'jobtitle', op: 'gt', value: 'M' },
              { field: 'statecode', op: 'eq', value: 1 }
            ]
          },
          { field: 'parentcustomerid_account/name', op: 'eq', value: 'Contoso' }
        ]
      },
      { table: dynamicsContact }
    )
    expect(t.odata).toBe('statecode eq 0')
    expect(t.local).toEqual({
      all: [
        { field: 'fullname', op: 'contains', value: '50%' },
        {
          any: [
            { field: 'jobtitle', op: 'gt', value: 'M' },
            { field: 'statecode', op: 'eq', value: 1 }
          ]
        },
        { field: 'parentcustomerid_account/name', op: 'eq', value: 'Contoso' }
      ]
    })
    expect(t.explanation.join('\n')).toMatch(/wildcards/)
    expect(t.explanation.join('\n')).toMatch(/collation/)
    expect(t.explanation.join('\n')).toMatch(/related record/)
  })

  it('pushes negations down with the empty case spelled out', () => {
    expect(translateFilter({ not: { field: 'age', op: 'gt', value: 5 } }, { table }).odata).toBe('age le 5 or age eq null')
    expect(
      translateFilter(
        {
          not: {
            any: [
              { field: 'age', op: 'eq', value: 1 },
              { field: 'active', op: 'eq', value: true }
            ]
          }
        },
        { table }
      ).odata
    ).toBe('(age ne 1 or age eq null) and (active ne true or active eq null)')
    expect(translateFilter(undefined).odata).toBeUndefined()
  })
})

describe('local filter evaluation', () => {
  const test = (filter: Filter, record: Record<string, unknown>) => compileFilter(filter, { table: dynamicsContact, now })(record)
  it('text is case- and accent-insensitive; empty values are values for eq/ne', () => {
    expect(test({ field: 'lastname', op: 'eq', value: 'muller' }, { lastname: 'MÜLLER' })).toBe(true)
    expect(test({ field: 'lastname', op: 'ne', value: 'x' }, { lastname: null })).toBe(true)
    expect(test({ field: 'lastname', op: 'contains', value: 'x' }, { lastname: null })).toBe(false)
    expect(test({ field: 'statecode', op: 'eq', value: null }, {})).toBe(true)
  })
  it('dates compare as instants and days; lastXDays counts from midnight UTC', () => {
    expect(test({ field: 'modifiedon', op: 'gt', value: '2024-06-15T10:00:00+02:00' }, { modifiedon: '2024-06-15T09:00:00Z' })).toBe(true)
    expect(test({ field: 'modifiedon', op: 'lastXDays', days: 1 }, { modifiedon: '2024-06-14T00:00:00Z' })).toBe(true)
    expect(test({ field: 'modifiedon', op: 'lastXDays', days: 1 }, { modifiedon: '2024-06-13T23:59:59Z' })).toBe(false)
    expect(test({ field: 'modifiedon', op: 'lastXDays', days: 1 }, { modifiedon: 'garbage' })).toBe(false)
    expect(test({ field: 'birthdate', op: 'between', from: '1980-01-01', to: '1980-12-31' }, { birthdate: '1980-10-24' })).toBe(true)
  })
  it('lookups filter on their _x_value column', () => {
    expect(
      test(
        { field: 'parentcustomerid', op: 'eq', value: '6F1B2A3C-0000-4000-8000-000000000001' },
        { _parentcustomerid_value: '6f1b2a3c-0000-4000-8000-000000000001' }
      )
    ).toBe(true)
    expect(
      translateFilter({ field: 'parentcustomerid', op: 'eq', value: '6F1B2A3C-0000-4000-8000-000000000001' }, { table: dynamicsContact })
        .odata
    ).toBe('_parentcustomerid_value eq 6f1b2a3c-0000-4000-8000-000000000001')
  })
})
