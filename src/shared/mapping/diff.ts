import type { TargetRecord } from './compile'

/**
 * What counts as a change to a target record: the one rule the preview's dry run, the
 * runner's writes and the CLI's plan all use, so the plan shown is the plan run.
 *
 * - Fields are compared flattened to dotted names (`{ location: { city } }` → `location.city`);
 *   arrays are values, not nested records.
 * - Empty is empty: null, a missing field and "" are the same value (Campaign returns "" where
 *   Dynamics has null), so clearing a field that is already blank is no change.
 * - Otherwise values compare exactly: `5` and `"5"`, `"Paris"` and `"paris"`, two spellings of
 *   the same instant are different values. The transform steps produce the target's own form
 *   (dates as ISO strings, picklists as their codes), so an exact comparison is what the
 *   target will store.
 * - Arrays and objects compare by their JSON: the same items in another order are a change.
 * - Only fields the mapping computes count; fields of the existing record the mapping does
 *   not write are left alone.
 * - A field mapped with `applyUpdates: false` (create-only) that differs is not a change: it is
 *   listed in `createOnlySkipped` so the preview can say why it was left.
 */

export interface FieldChange {
  field: string
  old: unknown
  new: unknown
}

export interface RecordDiff {
  changes: FieldChange[]
  /** Fields that differ but are written only on create (apply updates off). */
  createOnlySkipped: string[]
}

/** Flattens nested target records to dotted names: `{ location: { city } }` → `location.city`. */
export function flattenRecord(
  record: Readonly<Record<string, unknown>>,
  prefix = '',
  out: Record<string, unknown> = {}
): Record<string, unknown> {
  for (const [key, value] of Object.entries(record)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flattenRecord(value as Record<string, unknown>, name, out)
    else out[name] = value
  }
  return out
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === ''
}

/** Whether a target field holding `a` would hold the same value after writing `b`. */
export function sameValue(a: unknown, b: unknown): boolean {
  const emptyA = isEmpty(a)
  const emptyB = isEmpty(b)
  // Stryker disable next-line LogicalOperator: with one side empty, the comparisons below say "different" too (only NaN and Infinity share null's JSON; number fields refuse them)
  if (emptyA || emptyB) return emptyA && emptyB
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,StringLiteral: JSON text is one-to-one on text, finite numbers and yes/no, so comparing those by JSON or by === is the same; only two lists or objects need JSON
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

/** The computed record against the existing one: the fields an update would change. */
export function diffRecord(
  computed: TargetRecord,
  existing: Readonly<Record<string, unknown>>,
  createOnly: ReadonlySet<string>
): RecordDiff {
  const next = flattenRecord(computed)
  const old = flattenRecord(existing)
  const changes: FieldChange[] = []
  const createOnlySkipped: string[] = []
  for (const [field, value] of Object.entries(next)) {
    if (sameValue(old[field], value)) continue
    if (createOnly.has(field)) createOnlySkipped.push(field)
    else changes.push({ field, old: old[field] ?? null, new: value })
  }
  return { changes, createOnlySkipped }
}

/** Sets a dotted field in a nested record (`location.city` → `{ location: { city } }`). */
export function setPath(record: TargetRecord, field: string, value: unknown): void {
  const parts = field.split('.')
  let node = record
  for (let i = 0; i < parts.length - 1; i++) {
    // Own properties only: `__proto__` read as a property would be Object.prototype.
    const next = Object.hasOwn(node, parts[i]) ? node[parts[i]] : undefined
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const child: TargetRecord = {}
      define(node, parts[i], child)
      node = child
    } else node = next as TargetRecord
  }
  define(node, parts[parts.length - 1], value)
}

function define(node: TargetRecord, key: string, value: unknown): void {
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: on a plain record defineProperty with all flags true is an assignment, and each key is defined once per record
  if (key === '__proto__') Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true })
  else node[key] = value
}

/** The computed record without the create-only fields (what an update sends when it sends the whole record). */
export function withoutFields(record: TargetRecord, fields: ReadonlySet<string>): TargetRecord {
  // Stryker disable next-line ConditionalExpression: a shortcut; rebuilding the record without no field gives the same fields
  if (fields.size === 0) return record
  const out: TargetRecord = {}
  for (const [field, value] of Object.entries(flattenRecord(record))) if (!fields.has(field)) setPath(out, field, value)
  return out
}

/** Only the changed fields, nested (what an update sends as a patch). */
export function patchOf(changes: readonly FieldChange[]): TargetRecord {
  const out: TargetRecord = {}
  for (const change of changes) setPath(out, change.field, change.new)
  return out
}
