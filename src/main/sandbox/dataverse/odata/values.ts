import type { ColumnDef, LookupValue, Row } from '../schema/model'
import { isLookup } from '../tables/catalog'

/** How a column's values compare: the simulator's stand-in for the SQL type underneath. */
export type Kind = 'string' | 'number' | 'bool' | 'guid' | 'datetime' | 'date'

export function kindOf(column: ColumnDef): Kind {
  if (isLookup(column) || column.type === 'Uniqueidentifier') return 'guid'
  switch (column.type) {
    case 'String':
    case 'Memo':
    case 'EntityName':
      return 'string'
    case 'Boolean':
      return 'bool'
    case 'DateTime':
      return column.dateBehavior === 'DateOnly' ? 'date' : 'datetime'
    default:
      return 'number'
  }
}

/** The Edm type the CSDL declares for a column (used in messages and $metadata). */
export function edmTypeOf(column: ColumnDef): string {
  if (isLookup(column) || column.type === 'Uniqueidentifier') return 'Edm.Guid'
  switch (column.type) {
    case 'String':
    case 'Memo':
    case 'EntityName':
      return 'Edm.String'
    case 'Boolean':
      return 'Edm.Boolean'
    case 'DateTime':
      return column.dateBehavior === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset'
    case 'BigInt':
      return 'Edm.Int64'
    case 'Double':
      return 'Edm.Double'
    case 'Decimal':
    case 'Money':
      return 'Edm.Decimal'
    default:
      return 'Edm.Int32'
  }
}

/**
 * Text as a `_CI_AI` collation compares it: case- and accent-insensitive ("Cafe" = "café").
 * That is the collation of Dataverse environments created in English (1033) and most other
 * languages (https://learn.microsoft.com/power-platform/admin/language-collations), and what
 * our local filter evaluation does (docs/filters.md), so pushdown and local agree.
 */
export function foldText(text: string): string {
  // NFC again afterwards so scripts that NFD splits without marks (Hangul) keep their code points.
  return text.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase()
}

/** A row value turned into something `<` and `===` order correctly. Strings compare by {@link foldText}. */
export function comparable(column: ColumnDef, value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null
  if (isLookup(column)) return (value as LookupValue).id.toLowerCase()
  switch (kindOf(column)) {
    case 'string':
      return foldText(String(value))
    case 'guid':
      return String(value).toLowerCase()
    case 'datetime':
      return Date.parse(String(value))
    case 'date':
      return String(value).slice(0, 10)
    case 'bool':
      return Boolean(value)
    default:
      return Number(value)
  }
}

export function rawValue(column: ColumnDef, row: Row): unknown {
  return row[column.logicalName]
}

export function compareValues(a: string | number | boolean | null, b: string | number | boolean | null): number {
  // SQL Server sorts NULL first in ascending order.
  if (a === null) return b === null ? 0 : -1
  if (b === null) return 1
  if (a < b) return -1
  if (a > b) return 1
  return 0
}
