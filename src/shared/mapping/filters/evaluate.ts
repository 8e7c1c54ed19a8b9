import type { Table } from '../../schema/model'
import type { Condition, Filter } from '../filter'
import type { Scalar } from '../steps'
import { comparable, reader, resolveField, type Kind } from './kinds'

/**
 * Local evaluation of a filter tree, compiled once into closures. Semantics (the OData
 * translation in odata.ts reproduces exactly these):
 *   - eq / ne / in / notIn treat empty (null) as a value: `x ne 1` holds when x is empty;
 *   - gt ge lt le, between, contains startsWith endsWith, lastXDays are false on empty;
 *   - text compares case- and accent-insensitively; dates compare as instants (date-times)
 *     or days (date-only columns); lookups and ids compare case-insensitively;
 *   - a value that cannot be read as the field's kind equals nothing and orders with nothing;
 *   - lastXDays: from midnight UTC `days` days ago up to now (Dataverse counts days in the
 *     user's time zone, so records within hours of that boundary may differ).
 */

export type SourceRecord = Readonly<Record<string, unknown>>
export type RecordTest = (record: SourceRecord) => boolean

export interface FilterOptions {
  /** The source table: gives each field its type (else guessed from the condition's value). */
  table?: Table
  /** The clock for lastXDays, in epoch ms. */
  now?: () => number
}

const DAY = 86_400_000

export function startOfUtcDay(ms: number): number {
  return ms - (((ms % DAY) + DAY) % DAY)
}

function compileCondition(condition: Condition, options: FilterOptions): RecordTest {
  const values: Array<Scalar | undefined> =
    'value' in condition
      ? [condition.value]
      : 'values' in condition
        ? condition.values
        : 'from' in condition
          ? [condition.from, condition.to]
          : []
  const resolved = resolveField(condition.field, values, options.table)
  const kind: Kind = resolved.kind
  const read = reader(resolved.key)
  const key = (record: SourceRecord) => comparable(read(record), kind)
  const lit = (value: Scalar) => comparable(value, kind)

  switch (condition.op) {
    case 'null':
      return (r) => {
        const v = read(r)
        return v === null || v === undefined
      }
    case 'notNull':
      return (r) => {
        const v = read(r)
        return v !== null && v !== undefined
      }
    case 'eq':
    case 'ne': {
      const want = lit(condition.value)
      const equal: RecordTest = want === null ? (r) => key(r) === null : want === undefined ? () => false : (r) => key(r) === want
      return condition.op === 'eq' ? equal : (r) => !equal(r)
    }
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      const want = lit(condition.value)
      // Nothing is greater or smaller than empty (JavaScript would order null as 0).
      if (want === null) return () => false
      // Stryker disable next-line ConditionalExpression: an unreadable value (undefined) compares false with every value all the same; said here rather than left to that
      if (want === undefined) return () => false
      const op = condition.op
      return (r) => {
        const v = key(r) as typeof want
        // An empty or unreadable record value (null, undefined) orders with nothing: `want` is neither, so its type differs.
        if (typeof v !== typeof want) return false
        return op === 'gt' ? v > want : op === 'ge' ? v >= want : op === 'lt' ? v < want : v <= want
      }
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      const want = comparable(condition.value, 'string')
      if (typeof want !== 'string') return () => false
      const op = condition.op
      return (r) => {
        const v = comparable(read(r), 'string')
        if (typeof v !== 'string') return false
        return op === 'contains' ? v.includes(want) : op === 'startsWith' ? v.startsWith(want) : v.endsWith(want)
      }
    }
    case 'in':
    case 'notIn': {
      const wanted: ReadonlySet<unknown> = new Set(condition.values.map(lit).filter((v) => v !== undefined))
      // The set holds no undefined, so a value that cannot be read is never inside.
      const inside: RecordTest = (r) => wanted.has(key(r))
      return condition.op === 'in' ? inside : (r) => !inside(r)
    }
    case 'between': {
      const from = lit(condition.from)
      const to = lit(condition.to)
      // An empty end keeps nothing (JavaScript would order null as 0).
      if (from === null || to === null) return () => false
      // Stryker disable next-line ConditionalExpression,LogicalOperator: an unreadable end (undefined) compares false with every value, so the range is empty all the same; said here rather than left to that
      if (from === undefined || to === undefined) return () => false
      // Both ends are now of the field's kind, so of one type; a record value of another type (empty, unreadable) is never in range.
      return (r) => {
        const v = key(r) as typeof from
        return typeof v === typeof from && v >= from && v <= to
      }
    }
    case 'lastXDays': {
      const days = condition.days
      const now = options.now ?? Date.now
      const dayKind: Kind = kind === 'dateonly' ? 'dateonly' : 'datetime'
      return (r) => {
        const v = comparable(read(r), dayKind)
        // Stryker disable next-line ConditionalExpression: null and undefined compare false with any instant after 1970 all the same
        if (typeof v !== 'number') return false
        const current = now()
        return v >= startOfUtcDay(current) - days * DAY && v <= current
      }
    }
  }
}

export function compileFilter(filter: Filter, options: FilterOptions = {}): RecordTest {
  if ('all' in filter) {
    const parts = filter.all.map((f) => compileFilter(f, options))
    // Stryker disable next-line ConditionalExpression: a shortcut; a group of one gives what its one part gives
    if (parts.length === 1) return parts[0]
    return (r) => {
      for (const part of parts) if (!part(r)) return false
      return true
    }
  }
  if ('any' in filter) {
    const parts = filter.any.map((f) => compileFilter(f, options))
    // Stryker disable next-line ConditionalExpression: a shortcut; a group of one gives what its one part gives
    if (parts.length === 1) return parts[0]
    return (r) => {
      for (const part of parts) if (part(r)) return true
      return false
    }
  }
  if ('not' in filter) {
    const inner = compileFilter(filter.not, options)
    return (r) => !inner(r)
  }
  return compileCondition(filter, options)
}

export function evaluateFilter(filter: Filter, record: SourceRecord, options: FilterOptions = {}): boolean {
  return compileFilter(filter, options)(record)
}
