import type { Table } from '../../schema/model'
import type { Condition, Filter } from '../filter'
import type { Scalar } from '../steps'
import { parseIsoDate } from '../transforms/dates'
import { describeFilter } from './describe'
import { guidPattern } from '../../schema/model'
import { resolveField, type Kind, type ResolvedField } from './kinds'

/**
 * Splits a filter into what Dataverse evaluates (`$filter`) and what is evaluated here.
 * The OData text is exact under both readings of empty values — OData's (`null ne 1` is
 * true) and SQL's (a comparison with null is unknown, and `not unknown` is unknown) —
 * because negations are pushed down to the conditions and each one spells out its empty
 * case (`(x ne 1 or x eq null)`). What cannot be said exactly stays local:
 *   - text ordering (gt/lt on text: the server's collation decides), boolean ordering;
 *   - contains/startswith/endswith with %, _ or [ in the value (Dataverse reads them as
 *     wildcards), or with an empty value;
 *   - negated lastXDays; paths into related records; fields the schema does not know;
 *   - conditions whose value does not fit the field's type.
 * The returned text is the raw `$filter` value: the caller URL-encodes it (a `+` must go
 * as %2B).
 */

export interface FilterTranslation {
  /** The `$filter` text for Dataverse, or undefined when nothing can be pushed down. */
  odata: string | undefined
  /** What the engine still evaluates on each record, or undefined when Dataverse does it all. */
  local: Filter | undefined
  /** One line per top-level condition: where it is evaluated, and why. */
  explanation: string[]
}

export interface TranslateOptions {
  table?: Table
}

type Out = { text: string } | { always: boolean } | { why: string }
const TRUE: Out = { always: true }
const FALSE: Out = { always: false }

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

export function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

/** Rows whose column holds one of these texts (ids, keys): Dataverse's `In` query function, each value quoted. */
export function inList(column: string, values: readonly string[]): string {
  return `Microsoft.Dynamics.CRM.In(PropertyName=${quote(column)},PropertyValues=[${values.map(quote).join(',')}])`
}

/**
 * `inList` split so that no query's `$filter` is too long for a GET URL: each text, URL-encoded,
 * holds at most `budget` characters (`MAX_PUSHED_FILTER` by default, the bound of every `$filter`
 * the app builds). Every value is in exactly one text, in order; none when there are no values.
 */
export function inLists(column: string, values: readonly string[], budget = MAX_PUSHED_FILTER): string[] {
  const fixed = wireLength(inList(column, []))
  return chunkByLength(values, { term: quote, separator: ',', fixed, budget }).map((chunk) => inList(column, chunk))
}

/** Characters a text takes in a query string as sent: URL-encoded, and `'` as `%27` (fetch encodes it in a query). */
function wireLength(text: string): number {
  return encodeURIComponent(text).replace(/'/g, '%27').length
}

/**
 * Items in runs whose filter text — `fixed` URL-encoded characters, then each item's `term`
 * joined by `separator` — stays within `budget` URL-encoded characters, and at most `maxItems`
 * items a run. Every item lands in exactly one run, in order; an item too long for any run is
 * sent on its own (the service then says what it makes of it).
 */
export function chunkByLength<T>(
  items: readonly T[],
  options: { term: (item: T) => string; separator: string; fixed?: number; budget?: number; maxItems?: number }
): T[][] {
  const budget = options.budget ?? MAX_PUSHED_FILTER
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY
  const separatorCost = wireLength(options.separator)
  const runs: T[][] = []
  let run: T[] = []
  let used = options.fixed ?? 0
  for (const item of items) {
    const cost = wireLength(options.term(item))
    if (run.length && (run.length >= maxItems || used + separatorCost + cost > budget)) {
      runs.push(run)
      run = []
      used = options.fixed ?? 0
    }
    used += (run.length ? separatorCost : 0) + cost
    run.push(item)
  }
  if (run.length) runs.push(run)
  return runs
}

/**
 * A match key (always text in the journal) as a value of its column, for `inList`: a number
 * column's key as the number's text, a GUID column's lower-cased, text as it is. Undefined when
 * no value of the column could be that key (`"0 or x ne 0"` for a number, a non-GUID for an
 * id): such a key matches no row, and it must never reach a query as OData syntax.
 */
export function keyValue(key: string, kind: Kind): string | undefined {
  if (kind === 'string' || kind === 'unknown') return key
  const value: Scalar = kind === 'number' ? (/^\s*$/.test(key) ? Number.NaN : Number(key)) : key
  const lit = literal(value, kind)
  return 'text' in lit ? lit.text : undefined
}

/** An OData literal for a value of a kind, or a reason it has none. */
function literal(value: Scalar, kind: Kind): { text: string } | { why: string } {
  // null never gets here: every operator says its empty case itself (`x eq null`).
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? { text: quote(value) } : { why: `${JSON.stringify(value)} is not text` }
    case 'number':
      if (!Number.isFinite(value)) return { why: `${JSON.stringify(value)} is not a number` }
      // String() writes very large and very small numbers with an exponent (1e+21), which Dataverse's integer and decimal literals do not take.
      return String(value).includes('e') ? { why: 'the number needs an exponent' } : { text: String(value) }
    case 'boolean':
      return typeof value === 'boolean' ? { text: String(value) } : { why: `${JSON.stringify(value)} is not true or false` }
    case 'guid': {
      // Only a GUID's own text matches the pattern (a number or true/false never does); written unquoted, so nothing else may pass.
      const text = String(value)
      return guidPattern.test(text) ? { text: text.toLowerCase() } : { why: `${JSON.stringify(value)} is not a GUID` }
    }
    case 'datetime': {
      const parsed = typeof value === 'string' ? parseIsoDate(value) : undefined
      return parsed && !parsed.dateOnly
        ? { text: new Date(parsed.ms).toISOString() }
        : { why: `${JSON.stringify(value)} is not an ISO date-time` }
    }
    case 'dateonly': {
      const parsed = typeof value === 'string' ? parseIsoDate(value) : undefined
      // Trimmed: the parser reads " 2024-01-01 " as a day, and spaces are not part of an OData date literal.
      return parsed?.dateOnly ? { text: (value as string).trim() } : { why: `${JSON.stringify(value)} is not a date (YYYY-MM-DD)` }
    }
    default:
      return { why: "the field's type is not known" }
  }
}

/** A value inside a Dataverse function's PropertyValues list: always a quoted string. */
function listItem(value: Scalar, kind: Kind): string | undefined {
  const lit = literal(value, kind)
  if (!('text' in lit)) return undefined
  const raw = kind === 'string' ? (value as string) : lit.text
  // Apostrophes are fine inside double quotes; double quotes and backslashes have no documented escape.
  return /["\\]/.test(raw) ? undefined : `"${raw}"`
}

const or = (...parts: string[]) => `(${parts.join(' or ')})`

function condition(c: Condition, negated: boolean, options: TranslateOptions): Out {
  const values: Array<Scalar | undefined> = 'value' in c ? [c.value] : 'values' in c ? c.values : 'from' in c ? [c.from, c.to] : []
  const field: ResolvedField = resolveField(c.field, values, options.table)
  if (!identifier.test(field.key)) return { why: `"${c.field}" is a path into a related record` }
  if (options.table && !field.field) return { why: `"${c.field}" is not a column of ${options.table.name}` }
  const f = field.key
  const kind = field.kind
  const isNull = `${f} eq null`
  const notNull = `${f} ne null`

  switch (c.op) {
    case 'null':
      return { text: negated ? notNull : isNull }
    case 'notNull':
      return { text: negated ? isNull : notNull }
    case 'eq':
    case 'ne': {
      if (c.value === null) return { text: (c.op === 'eq') !== negated ? isNull : notNull }
      const lit = literal(c.value, kind)
      if (!('text' in lit)) return lit
      const equal = (c.op === 'eq') !== negated
      return { text: equal ? `${f} eq ${lit.text}` : or(`${f} ne ${lit.text}`, isNull) }
    }
    case 'gt':
    case 'ge':
    case 'lt':
    case 'le': {
      if (kind === 'string') return { why: "text ordering follows the server's collation" }
      if (kind === 'boolean' || kind === 'guid') return { why: `${kind} values have no order` }
      if (c.value === null) return negated ? TRUE : FALSE
      const lit = literal(c.value, kind)
      if (!('text' in lit)) return lit
      if (!negated) return { text: `${f} ${c.op} ${lit.text}` }
      const flipped = { gt: 'le', ge: 'lt', lt: 'ge', le: 'gt' }[c.op]
      return { text: or(`${f} ${flipped} ${lit.text}`, isNull) }
    }
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      if (kind !== 'string') return { why: `${c.op} works on text, and "${c.field}" is not text` }
      if (typeof c.value !== 'string' || c.value === '') return { why: 'the value is empty or not text' }
      if (/[%_[\]]/.test(c.value)) return { why: 'Dataverse reads %, _ and [ ] as wildcards' }
      const call = `${c.op.toLowerCase()}(${f},${quote(c.value)})`
      return { text: negated ? or(`not ${call}`, isNull) : call }
    }
    case 'in':
    case 'notIn': {
      const nonNull = c.values.filter((v): v is Exclude<Scalar, null> => v !== null)
      const hasNull = nonNull.length !== c.values.length
      const inside = (c.op === 'in') !== negated
      if (nonNull.length === 0) return { text: inside ? isNull : notNull }
      const items = nonNull.map((v) => listItem(v, kind))
      let setText: string
      if (kind !== 'boolean' && items.every((i): i is string => i !== undefined)) {
        const fn = inside ? 'In' : 'NotIn'
        setText = `Microsoft.Dynamics.CRM.${fn}(PropertyName=${quote(f)},PropertyValues=[${items.join(',')}])`
      } else {
        const lits = nonNull.map((v) => literal(v, kind))
        const bad = lits.find((l) => !('text' in l))
        if (bad) return bad as { why: string }
        const texts = lits.map((l) => (l as { text: string }).text)
        setText = inside ? or(...texts.map((t) => `${f} eq ${t}`)) : `(${texts.map((t) => `${f} ne ${t}`).join(' and ')})`
      }
      if (inside) return { text: hasNull ? or(setText, isNull) : setText }
      // Outside the set: say the empty case, which both readings of null otherwise disagree on.
      return { text: hasNull ? `(${setText} and ${notNull})` : or(setText, isNull) }
    }
    case 'between': {
      if (kind !== 'number' && kind !== 'datetime' && kind !== 'dateonly')
        return { why: `between works on numbers and dates, and "${c.field}" is ${kind}` }
      if (c.from === null || c.to === null) return negated ? TRUE : FALSE
      const from = listItem(c.from, kind)
      const to = listItem(c.to, kind)
      if (!from || !to) return { why: "a bound does not fit the field's type" }
      const call = `Microsoft.Dynamics.CRM.${negated ? 'NotBetween' : 'Between'}(PropertyName=${quote(f)},PropertyValues=[${from},${to}])`
      return { text: negated ? or(call, isNull) : call }
    }
    case 'lastXDays': {
      if (kind !== 'datetime' && kind !== 'dateonly') return { why: `lastXDays works on dates, and "${c.field}" is ${kind}` }
      if (negated) return { why: 'the opposite of lastXDays has no exact Dataverse function' }
      return { text: `Microsoft.Dynamics.CRM.LastXDays(PropertyName=${quote(f)},PropertyValue=${c.days})` }
    }
  }
}

function combine(parts: Out[], conjunction: boolean): Out {
  const texts: string[] = []
  for (const part of parts) {
    if ('why' in part) return part
    if ('always' in part) {
      if (part.always !== conjunction) return part // false in an "and", true in an "or"
      continue
    }
    texts.push(part.text)
  }
  if (texts.length === 0) return conjunction ? TRUE : FALSE
  if (texts.length === 1) return { text: texts[0] }
  return { text: `(${texts.join(conjunction ? ' and ' : ' or ')})` }
}

/** The whole node in OData, with negation pushed down (De Morgan), or why it cannot be. */
function translate(filter: Filter, negated: boolean, options: TranslateOptions): Out {
  if ('not' in filter) return translate(filter.not, !negated, options)
  if ('all' in filter)
    return combine(
      filter.all.map((f) => translate(f, negated, options)),
      !negated
    )
  if ('any' in filter)
    return combine(
      filter.any.map((f) => translate(f, negated, options)),
      negated
    )
  return condition(filter, negated, options)
}

/** The top-level conjuncts: nested `all`s flattened, `not any` turned into `all not`. */
function conjuncts(filter: Filter): Filter[] {
  if ('all' in filter) return filter.all.flatMap(conjuncts)
  if ('not' in filter && 'any' in filter.not) return filter.not.any.flatMap((f) => conjuncts({ not: f }))
  if ('not' in filter && 'not' in filter.not) return conjuncts(filter.not.not)
  return [filter]
}

/**
 * The outer brackets of a single pushed part, which no longer group anything. A text that starts
 * with "(" is always one group wrapped here (`or()`, `combine`, a not-in with its empty case);
 * a bare condition starts with a name or a function. The pushdown property test
 * (tests/unit/filter-pushdown.test.ts) parses every text, so a change that broke this would fail it.
 */
const stripParens = (text: string) => (text.startsWith('(') ? text.slice(1, -1) : text)

/**
 * URL-encoded characters of `$filter` sent to Dataverse: half of its GET URL limit (32,768
 * characters, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#maximum-url-length,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview;
 * a longer URL is answered 414), leaving room for the table, `$select`, the watermark and paging.
 * The same bound splits the id lists the app reads by (`inLists`, `chunkByLength`): a 500-profile
 * page of opt-outs is two queries of about 16 KB, not one of 22 KB near the limit.
 */
export const MAX_PUSHED_FILTER = 16_000

export function translateFilter(filter: Filter | undefined, options: TranslateOptions = {}): FilterTranslation {
  if (!filter) return { odata: undefined, local: undefined, explanation: ['no filter: every record is read'] }
  const pushed: string[] = []
  const local: Filter[] = []
  const explanation: string[] = []
  let budget = MAX_PUSHED_FILTER
  for (const part of conjuncts(filter)) {
    const out = translate(part, false, options)
    const words = describeFilter(part)
    // A conjunct that does not fit is checked here instead: "all" keeps the same records either way.
    const cost = 'text' in out ? encodeURIComponent(` and ${out.text}`).length : 0
    if ('text' in out && cost > budget) {
      local.push(part)
      explanation.push(`${words} → evaluated here: too long for a Dataverse request (its URL holds at most 32,768 characters)`)
    } else if ('text' in out) {
      budget -= cost
      pushed.push(out.text)
      explanation.push(`${words} → Dataverse: ${out.text}`)
    } else if ('always' in out && out.always) {
      explanation.push(`${words} → always true, dropped`)
    } else {
      local.push(part)
      explanation.push(`${words} → evaluated here: ${'why' in out ? out.why : 'it can never hold'}`)
    }
  }
  const odata = pushed.length === 0 ? undefined : pushed.length === 1 ? stripParens(pushed[0]) : pushed.join(' and ')
  return { odata, local: local.length === 0 ? undefined : local.length === 1 ? local[0] : { all: local }, explanation }
}
