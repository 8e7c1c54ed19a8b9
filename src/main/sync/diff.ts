import { flattenRecord, type FieldChange, type TargetRecord } from '../../shared/mapping/engine'

/**
 * The engine's dry-run diff (`dryRunDiff` in shared/mapping/preview.ts) for one record
 * whose target is already computed: the runner compiles the flow once and diffs each
 * record against the looked-up target. Same rules: fields compared flattened to dotted
 * names, empty is empty (null, undefined and "" are equal: Campaign returns "" where
 * Dynamics has null), objects compared as JSON, create-only fields left out of updates.
 * tests/unit/sync-diff.test.ts checks it agrees with `dryRunDiff` on random records.
 */

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === ''
}

export function sameValue(a: unknown, b: unknown): boolean {
  const emptyA = isEmpty(a)
  const emptyB = isEmpty(b)
  if (emptyA || emptyB) return emptyA && emptyB
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b)
  return a === b
}

export interface RecordDiff {
  changes: FieldChange[]
  /** Fields that differ but are written only on create (apply updates off). */
  createOnlySkipped: string[]
}

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
    const next = node[parts[i]]
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const child: TargetRecord = {}
      define(node, parts[i], child)
      node = child
    } else node = next as TargetRecord
  }
  define(node, parts[parts.length - 1], value)
}

function define(node: TargetRecord, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true })
  else node[key] = value
}

/** The computed record without the create-only fields. */
export function withoutFields(record: TargetRecord, fields: ReadonlySet<string>): TargetRecord {
  if (fields.size === 0) return record
  const out: TargetRecord = {}
  for (const [field, value] of Object.entries(flattenRecord(record))) if (!fields.has(field)) setPath(out, field, value)
  return out
}

/** Only the changed fields, nested. */
export function patchOf(changes: readonly FieldChange[]): TargetRecord {
  const out: TargetRecord = {}
  for (const change of changes) setPath(out, change.field, change.new)
  return out
}
