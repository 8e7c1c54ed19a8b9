import { findField, guidPattern, type Field, type FieldType, type Table } from '../../schema/model'
import type { Scalar } from '../steps'
import { parseIsoDate } from '../transforms/dates'
import { fold } from '../transforms/runtime'

/**
 * How a condition compares: by the field's type when the schema is known, else guessed from
 * the condition's value. Both the local evaluator and the OData translation read this, so
 * they agree on what "equal" means.
 *
 * Text compares case- and accent-insensitively, as Dataverse does (its filters are case
 * insensitive, and the default collation is accent insensitive as well).
 */
export type Kind = 'string' | 'number' | 'boolean' | 'datetime' | 'dateonly' | 'guid' | 'unknown'

const dateOnlyPattern = /^\d{4}-\d{2}-\d{2}$/
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

export function kindOfType(type: FieldType): Kind {
  switch (type) {
    case 'string':
    case 'memo':
    case 'email':
    case 'phone':
    case 'url':
    case 'enumeration':
    case 'multipicklist':
      return 'string'
    case 'integer':
    case 'bigint':
    case 'double':
    case 'decimal':
    case 'money':
    case 'picklist':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'datetime':
      return 'datetime'
    case 'dateonly':
      return 'dateonly'
    case 'uniqueidentifier':
    case 'lookup':
      return 'guid'
    default:
      return 'unknown'
  }
}

export function kindOfValue(value: Scalar | undefined): Kind {
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'string') {
    if (guidPattern.test(value)) return 'guid'
    if (dateTimePattern.test(value)) return 'datetime'
    if (dateOnlyPattern.test(value)) return 'dateonly'
    return 'string'
  }
  return 'unknown'
}

export interface ResolvedField {
  /** The name in the record and in OData (a lookup's `_x_value`). */
  key: string
  field?: Field
  kind: Kind
  /** True when the kind came from the schema rather than a guess. */
  typed: boolean
}

export function resolveField(name: string, values: ReadonlyArray<Scalar | undefined>, table?: Table): ResolvedField {
  const field = table ? findField(table, name) : undefined
  if (field) return { key: field.readName ?? field.name, field, kind: kindOfType(field.type), typed: true }
  const sample = values.find((v) => v !== null && v !== undefined)
  return { key: name, kind: kindOfValue(sample), typed: false }
}

/**
 * A value in its comparable form: a number, folded text or a boolean; null for empty;
 * undefined when the value cannot be read as the kind (it then equals nothing).
 */
export function comparable(value: unknown, kind: Kind): string | number | boolean | null | undefined {
  if (value === null || value === undefined) return null
  switch (kind) {
    case 'number':
      if (typeof value === 'number') return Number.isNaN(value) ? undefined : value
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
      return undefined
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined
    case 'datetime':
    case 'dateonly': {
      if (typeof value !== 'string') return undefined
      const parsed = parseIsoDate(value)
      if (!parsed) return undefined
      if (kind === 'dateonly') {
        // Not Date.UTC: it reads years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
        const day = new Date(parsed.ms)
        return new Date(0).setUTCFullYear(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate())
      }
      return parsed.ms
    }
    case 'guid':
      return typeof value === 'string' ? value.toLowerCase() : undefined
    case 'string':
      return typeof value === 'string'
        ? fold(value)
        : typeof value === 'number' || typeof value === 'boolean'
          ? fold(String(value))
          : undefined
    default:
      if (typeof value === 'string') return fold(value)
      if (typeof value === 'number' || typeof value === 'boolean') return value
      return undefined
  }
}

/** Reads `a`, or a path into expanded lookups: `parentcustomerid_account/name` or `a.b`. */
export function reader(key: string): (record: Readonly<Record<string, unknown>>) => unknown {
  if (!/[./]/.test(key)) return (record) => record[key]
  const path = key.split(/[./]/)
  return (record) => {
    let node: unknown = record
    for (const segment of path) {
      if (node === null || typeof node !== 'object') return undefined
      node = (node as Record<string, unknown>)[segment]
    }
    return node
  }
}
