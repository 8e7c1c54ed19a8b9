import { DataverseError, errors } from '../errors'
import type { ColumnDef, LookupValue, Row } from '../schema/model'
import type { Catalog, TableIndex } from '../tables/catalog'
import type { CompareOp, Expr, Literal, Operand } from './filter-ast'
import { comparable, compareValues, edmTypeOf, foldText, kindOf, type Kind } from './values'

/**
 * Compiles a parsed $filter against one table into a row predicate. Every property is
 * resolved before the first row is read, so a bad column fails the request with the
 * documented 400 instead of failing half-way through a scan.
 */
export interface FilterContext {
  catalog: Catalog
  table: TableIndex
  /** Reads another table's row for lookup paths like `parentcustomerid_account/name`. */
  resolve(table: string, id: string): Row | undefined
  now: number
  userId: string
}

type Comparable = string | number | boolean | null
type Getter = (row: Row) => Comparable
interface Resolved {
  get: Getter
  column: ColumnDef
}

const opKinds: Record<CompareOp, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual'
}

const literalEdm: Record<Literal['type'], string> = {
  string: 'Edm.String',
  int: 'Edm.Int32',
  decimal: 'Edm.Decimal',
  bool: 'Edm.Boolean',
  null: 'null',
  guid: 'Edm.Guid',
  datetime: 'Edm.DateTimeOffset',
  date: 'Edm.Date',
  enum: 'Edm.String',
  array: 'Collection'
}

export function compileFilter(expr: Expr, ctx: FilterContext): (row: Row) => boolean {
  switch (expr.k) {
    case 'and': {
      const l = compileFilter(expr.l, ctx)
      const r = compileFilter(expr.r, ctx)
      return (row) => l(row) && r(row)
    }
    case 'or': {
      const l = compileFilter(expr.l, ctx)
      const r = compileFilter(expr.r, ctx)
      return (row) => l(row) || r(row)
    }
    case 'not': {
      const e = compileFilter(expr.e, ctx)
      return (row) => !e(row)
    }
    case 'cmp':
      return compileComparison(expr.op, expr.l, expr.r, ctx)
    case 'fn':
      return compileStringFunction(expr.name, expr.args, ctx)
    case 'crm':
      return compileCrmFunction(expr.name, expr.params, ctx)
    case 'lambda':
      throw new DataverseError(501, '0x0', 'Lambda operators (any/all) are not supported by the Sync Studio sandbox.')
  }
}

export function resolveProperty(path: string[], ctx: FilterContext): Resolved {
  const { table } = ctx
  if (path.length === 1) {
    const column = table.properties.get(path[0])
    if (!column || !column.validForRead) throw errors.propertyNotFound(path[0], table.def.logicalName)
    return { column, get: (row) => comparable(column, row[column.logicalName]) }
  }
  if (path.length === 2) {
    const nav = table.navigation.get(path[0])
    if (!nav) throw errors.propertyNotFound(path[0], table.def.logicalName)
    const targetIndex = ctx.catalog.byLogicalName.get(nav.target)
    const column = targetIndex?.properties.get(path[1])
    if (!targetIndex || !column) throw errors.propertyNotFound(path[1], nav.target)
    const polymorphicOwner = nav.column.type === 'Owner'
    return {
      column,
      get: (row) => {
        const lookup = row[nav.column.logicalName] as LookupValue | null | undefined
        if (!lookup || (!polymorphicOwner && lookup.table !== nav.target)) return null
        const target = ctx.resolve(lookup.table, lookup.id)
        return target ? comparable(column, target[column.logicalName]) : null
      }
    }
  }
  throw new DataverseError(400, '0x0', `The property path '${path.join('/')}' is not supported.`)
}

/** Turns a literal into the comparable form for a column's kind, or fails like OData type checking does. */
function coerceLiteral(literal: Literal, column: ColumnDef, op: string): Comparable {
  if (literal.type === 'null') return null
  const kind = kindOf(column)
  const fail = () =>
    new DataverseError(
      400,
      '0x80060888',
      `A binary operator with incompatible types was detected. Found operand types '${edmTypeOf(column)}' and '${literalEdm[literal.type]}' for operator kind '${op}'.`
    )
  switch (kind) {
    case 'string':
      if (literal.type === 'string' || literal.type === 'enum') return foldText(literal.value)
      throw fail()
    case 'number':
      if (literal.type === 'int' || literal.type === 'decimal') return literal.value
      throw fail()
    case 'bool':
      if (literal.type === 'bool') return literal.value
      throw fail()
    case 'guid':
      if (literal.type === 'guid') return literal.value
      throw fail()
    case 'datetime':
      if (literal.type === 'datetime') return Date.parse(literal.value)
      if (literal.type === 'date') return Date.parse(`${literal.value}T00:00:00Z`)
      throw fail()
    case 'date':
      if (literal.type === 'date') return literal.value
      if (literal.type === 'datetime') return literal.value.slice(0, 10)
      throw fail()
  }
}

function compileComparison(op: CompareOp, left: Operand, right: Operand, ctx: FilterContext): (row: Row) => boolean {
  let l: Getter
  let r: Getter
  if (left.k === 'prop' && right.k === 'prop') {
    const a = resolveProperty(left.path, ctx)
    const b = resolveProperty(right.path, ctx)
    if (kindOf(a.column) !== kindOf(b.column)) {
      throw new DataverseError(
        400,
        '0x80060888',
        `A binary operator with incompatible types was detected. Found operand types '${edmTypeOf(a.column)}' and '${edmTypeOf(b.column)}' for operator kind '${opKinds[op]}'.`
      )
    }
    l = a.get
    r = b.get
  } else if (left.k === 'prop' && right.k === 'lit') {
    const a = resolveProperty(left.path, ctx)
    const value = coerceLiteral(right.lit, a.column, opKinds[op])
    l = a.get
    r = () => value
  } else if (left.k === 'lit' && right.k === 'prop') {
    const b = resolveProperty(right.path, ctx)
    const value = coerceLiteral(left.lit, b.column, opKinds[op])
    l = () => value
    r = b.get
  } else {
    throw new DataverseError(400, '0x0', 'A comparison needs at least one property.')
  }
  return (row) => {
    const a = l(row)
    const b = r(row)
    if (op === 'eq') return a === b
    if (op === 'ne') return a !== b
    // Ordering against NULL is unknown in SQL, so the row does not match.
    if (a === null || b === null) return false
    const c = compareValues(a, b)
    return op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0
  }
}

/** LIKE semantics: Dataverse passes `%`, `_` and `[...]` through to SQL (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows). */
function likeToRegExp(pattern: string, anchorStart: boolean, anchorEnd: boolean): RegExp {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    if (ch === '%') source += '[\\s\\S]*'
    else if (ch === '_') source += '[\\s\\S]'
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end < 0) source += '\\['
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\')
        source += body.startsWith('^') ? `[^${body.slice(1)}]` : `[${body}]`
        i = end
      }
    } else source += ch.replace(/[.*+?^${}()|\\\]/]/g, '\\$&')
  }
  return new RegExp(`${anchorStart ? '^' : ''}${source}${anchorEnd ? '$' : ''}`, 'i')
}

function compileStringFunction(name: 'contains' | 'startswith' | 'endswith', args: Operand[], ctx: FilterContext): (row: Row) => boolean {
  const [target, pattern] = args
  if (target.k !== 'prop' || pattern.k !== 'lit' || pattern.lit.type !== 'string') {
    throw new DataverseError(400, '0x0', `The function '${name}' needs a property and a string literal.`)
  }
  const resolved = resolveProperty(target.path, ctx)
  if (kindOf(resolved.column) !== 'string') {
    throw new DataverseError(
      400,
      '0x0',
      `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${name}(Edm.String Nullable=true, Edm.String).`
    )
  }
  // Both sides folded (case and accents), as the collation compares them; `resolved.get` already folds.
  const regex = likeToRegExp(foldText(pattern.lit.value), name === 'startswith', name === 'endswith')
  return (row) => {
    const value = resolved.get(row)
    return typeof value === 'string' && regex.test(foldText(value))
  }
}

const day = 86_400_000
const hour = 3_600_000
function startOfDay(ms: number): number {
  return Math.floor(ms / day) * day
}
function addMonths(ms: number, months: number): number {
  const d = new Date(ms)
  d.setUTCMonth(d.getUTCMonth() + months)
  return d.getTime()
}

function literalOf(operand: Operand | undefined, fn: string, param: string): Literal {
  if (!operand || operand.k !== 'lit') {
    throw new DataverseError(400, '0x0', `The function 'Microsoft.Dynamics.CRM.${fn}' requires the parameter '${param}'.`)
  }
  return operand.lit
}

/** Parses a CRM-function value (often a string like "5" or '2023-01-01') into the column's kind. */
function coerceLoose(literal: Literal, kind: Kind): Comparable {
  if (literal.type === 'null') return null
  const text = String(literal.value)
  switch (kind) {
    case 'number':
      return Number(text)
    case 'bool':
      return text === 'true' || text === '1'
    case 'datetime':
      return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text)
    case 'date':
      return text.slice(0, 10)
    default:
      return foldText(text)
  }
}

function compileCrmFunction(name: string, params: Record<string, Operand>, ctx: FilterContext): (row: Row) => boolean {
  const nameLit = literalOf(params.PropertyName, name, 'PropertyName')
  if (nameLit.type !== 'string') throw new DataverseError(400, '0x0', `PropertyName must be a string in 'Microsoft.Dynamics.CRM.${name}'.`)
  const resolved = resolveProperty([nameLit.value], ctx)
  const kind = kindOf(resolved.column)
  const get = resolved.get
  const asTime = (v: Comparable): number | null =>
    v === null ? null : kind === 'date' ? Date.parse(`${String(v)}T00:00:00Z`) : typeof v === 'number' ? v : null
  const now = ctx.now
  const sod = startOfDay(now)
  const within =
    (from: number, to: number, inclusiveEnd = false) =>
    (row: Row) => {
      const t = asTime(get(row))
      return t !== null && t >= from && (inclusiveEnd ? t <= to : t < to)
    }
  const before = (limit: number) => (row: Row) => {
    const t = asTime(get(row))
    return t !== null && t < limit
  }
  const amount = () => {
    const lit = literalOf(params.PropertyValue, name, 'PropertyValue')
    const n = Number(lit.value)
    if (!Number.isFinite(n)) throw new DataverseError(400, '0x0', `PropertyValue of 'Microsoft.Dynamics.CRM.${name}' must be a number.`)
    return n
  }
  const values = () => {
    const lit = literalOf(params.PropertyValues, name, 'PropertyValues')
    if (lit.type !== 'array') throw new DataverseError(400, '0x0', `PropertyValues of 'Microsoft.Dynamics.CRM.${name}' must be an array.`)
    return lit.value.map((v) => coerceLoose(v, kind))
  }
  const dayOfParam = () => {
    const lit = literalOf(params.PropertyValue, name, 'PropertyValue')
    const t = Date.parse(/T/.test(String(lit.value)) ? String(lit.value) : `${String(lit.value).slice(0, 10)}T00:00:00Z`)
    if (Number.isNaN(t)) throw new DataverseError(400, '0x0', `PropertyValue of 'Microsoft.Dynamics.CRM.${name}' must be a date.`)
    return startOfDay(t)
  }
  switch (name) {
    case 'In':
    case 'NotIn': {
      const set = new Set(values())
      const negate = name === 'NotIn'
      return (row) => {
        const v = get(row)
        return v !== null && set.has(v) !== negate
      }
    }
    case 'Between':
    case 'NotBetween': {
      const [low, high] = values()
      if (low === undefined || high === undefined)
        throw new DataverseError(400, '0x0', `'Microsoft.Dynamics.CRM.${name}' needs two PropertyValues.`)
      const negate = name === 'NotBetween'
      return (row) => {
        const v = get(row)
        if (v === null) return false
        const inside = compareValues(v, low) >= 0 && compareValues(v, high) <= 0
        return inside !== negate
      }
    }
    case 'LastXHours':
      return within(now - amount() * hour, now, true)
    case 'LastXDays':
      return within(sod - amount() * day, now, true)
    case 'LastXWeeks':
      return within(sod - amount() * 7 * day, now, true)
    case 'LastXMonths':
      return within(addMonths(sod, -amount()), now, true)
    case 'LastXYears':
      return within(addMonths(sod, -12 * amount()), now, true)
    case 'NextXHours':
      return within(now, now + amount() * hour, true)
    case 'NextXDays':
      return within(now, sod + (amount() + 1) * day)
    case 'NextXWeeks':
      return within(now, sod + (amount() * 7 + 1) * day)
    case 'NextXMonths':
      return within(now, addMonths(sod + day, amount()))
    case 'OlderThanXMinutes':
      return before(now - amount() * 60_000)
    case 'OlderThanXHours':
      return before(now - amount() * hour)
    case 'OlderThanXDays':
      return before(now - amount() * day)
    case 'OlderThanXWeeks':
      return before(now - amount() * 7 * day)
    case 'OlderThanXMonths':
      return before(addMonths(now, -amount()))
    case 'OlderThanXYears':
      return before(addMonths(now, -12 * amount()))
    case 'On': {
      const d = dayOfParam()
      return within(d, d + day)
    }
    case 'OnOrAfter': {
      const d = dayOfParam()
      return within(d, Number.MAX_SAFE_INTEGER)
    }
    case 'OnOrBefore': {
      const d = dayOfParam()
      return within(Number.MIN_SAFE_INTEGER, d + day)
    }
    case 'Today':
      return within(sod, sod + day)
    case 'Yesterday':
      return within(sod - day, sod)
    case 'Tomorrow':
      return within(sod + day, sod + 2 * day)
    case 'Last7Days':
      return within(sod - 7 * day, now, true)
    case 'Next7Days':
      return within(now, sod + 8 * day)
    case 'ThisMonth': {
      const d = new Date(sod)
      const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
      return within(from, addMonths(from, 1))
    }
    case 'LastMonth': {
      const d = new Date(sod)
      const to = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
      return within(addMonths(to, -1), to)
    }
    case 'ThisYear': {
      const y = new Date(sod).getUTCFullYear()
      return within(Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1))
    }
    case 'LastYear': {
      const y = new Date(sod).getUTCFullYear()
      return within(Date.UTC(y - 1, 0, 1), Date.UTC(y, 0, 1))
    }
    case 'EqualUserId':
    case 'NotEqualUserId': {
      const user = ctx.userId.toLowerCase()
      const negate = name === 'NotEqualUserId'
      return (row) => {
        const v = get(row)
        return v !== null && (v === user) !== negate
      }
    }
    default:
      throw new DataverseError(
        400,
        '0x0',
        `An unknown function with name 'Microsoft.Dynamics.CRM.${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`
      )
  }
}
