import type { ColumnDef, LookupValue, Row } from '../schema/model'
import { isLookup, webName, type Catalog, type TableIndex } from '../tables/catalog'

/**
 * Turns a stored row into Web API JSON: `@odata.etag` first, lookups as `_x_value`, and
 * annotations only when the client asked for them — each placed before its property,
 * as in the documented examples (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns).
 */
export const formattedValue = 'OData.Community.Display.V1.FormattedValue'
export const navigationAnnotation = 'Microsoft.Dynamics.CRM.associatednavigationproperty'
export const logicalNameAnnotation = 'Microsoft.Dynamics.CRM.lookuplogicalname'

export interface SerializeContext {
  catalog: Catalog
  wants(annotation: string): boolean
  resolve(table: string, id: string): Row | undefined
}

export interface ExpandPlan {
  navigation: string
  column: ColumnDef
  target: string
  select: ColumnDef[] | null
}

export function etagOf(row: Row): string {
  return `W/"${row.versionnumber}"`
}

/** $select plus the columns Dataverse adds on its own (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/select-columns). */
export function withImpliedColumns(table: TableIndex, selected: ColumnDef[]): ColumnDef[] {
  const names = new Set(selected.map((c) => c.logicalName))
  const result = [...selected]
  const add = (name: string) => {
    const column = table.columns.get(name)
    if (column && !names.has(name)) {
      names.add(name)
      result.push(column)
    }
  }
  for (const column of selected) {
    if (column.type === 'Money') add('transactioncurrencyid')
    const address = /^(address\d)_/.exec(column.logicalName)
    if (address) add(`${address[1]}_composite`)
  }
  add(table.def.primaryId)
  return result
}

export function readableColumns(table: TableIndex): ColumnDef[] {
  return table.def.columns.filter((c) => c.validForRead)
}

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 5 })

function formatDateTime(iso: string, dateOnly: boolean): string {
  const d = new Date(dateOnly ? `${iso.slice(0, 10)}T00:00:00Z` : iso)
  const date = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`
  if (dateOnly) return date
  const h = d.getUTCHours()
  const minutes = String(d.getUTCMinutes()).padStart(2, '0')
  return `${date} ${h % 12 === 0 ? 12 : h % 12}:${minutes} ${h < 12 ? 'AM' : 'PM'}`
}

function formatted(column: ColumnDef, value: unknown, ctx: SerializeContext): string | undefined {
  if (value === null || value === undefined) return undefined
  switch (column.type) {
    case 'Picklist':
    case 'State':
    case 'Status':
      return column.options?.find((o) => o.value === value)?.label ?? String(value)
    case 'Boolean':
      return value ? column.trueLabel : column.falseLabel
    case 'Money':
      return money.format(Number(value))
    case 'Integer':
    case 'Double':
    case 'Decimal':
      return number.format(Number(value))
    case 'DateTime':
      return formatDateTime(String(value), column.dateBehavior === 'DateOnly')
    case 'Lookup':
    case 'Customer':
    case 'Owner': {
      const lookup = value as LookupValue
      const target = ctx.catalog.byLogicalName.get(lookup.table)
      const row = ctx.resolve(lookup.table, lookup.id)
      const name = target && row ? row[target.def.primaryName] : undefined
      return typeof name === 'string' ? name : undefined
    }
    default:
      return undefined
  }
}

/** Per column list: output order (primary key last) and JSON names, worked out once per page, not per row. */
interface ColumnPlan {
  column: ColumnDef
  logicalName: string
  name: string
  lookup: boolean
}
const columnPlans = new WeakMap<ColumnDef[], Map<string, ColumnPlan[]>>()

function planColumns(table: TableIndex, columns: ColumnDef[]): ColumnPlan[] {
  let byTable = columnPlans.get(columns)
  if (!byTable) columnPlans.set(columns, (byTable = new Map()))
  const primary = table.def.primaryId
  let plan = byTable.get(primary)
  if (!plan) {
    const ordered = [...columns.filter((c) => c.logicalName !== primary), table.columns.get(primary)!]
    plan = ordered.map((column) => ({ column, logicalName: column.logicalName, name: webName(column), lookup: isLookup(column) }))
    byTable.set(primary, plan)
  }
  return plan
}

/** Which annotations a request wants, asked once per request rather than per value. */
const wantedAnnotations = new WeakMap<SerializeContext, { formatted: boolean; navigation: boolean; logicalName: boolean }>()

function wanted(ctx: SerializeContext): { formatted: boolean; navigation: boolean; logicalName: boolean } {
  let flags = wantedAnnotations.get(ctx)
  if (!flags) {
    flags = {
      formatted: ctx.wants(formattedValue),
      navigation: ctx.wants(navigationAnnotation),
      logicalName: ctx.wants(logicalNameAnnotation)
    }
    wantedAnnotations.set(ctx, flags)
  }
  return flags
}

export function serializeRow(
  table: TableIndex,
  row: Row,
  columns: ColumnDef[],
  ctx: SerializeContext,
  expand: ExpandPlan[] = []
): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': etagOf(row) }
  const wants = wanted(ctx)
  for (const { column, logicalName, name, lookup: isLookupColumn } of planColumns(table, columns)) {
    const value = row[logicalName] ?? null
    if (wants.formatted) {
      const text = formatted(column, value, ctx)
      if (text !== undefined) out[`${name}@${formattedValue}`] = text
    }
    if (isLookupColumn) {
      const lookup = value as LookupValue | null
      if (lookup) {
        if (wants.navigation) {
          out[`${name}@${navigationAnnotation}`] = column.navigation?.[lookup.table] ?? column.logicalName
        }
        if (wants.logicalName) out[`${name}@${logicalNameAnnotation}`] = lookup.table
      }
      out[name] = lookup ? lookup.id : null
    } else {
      out[name] = value
    }
  }
  for (const plan of expand) {
    const lookup = row[plan.column.logicalName] as LookupValue | null | undefined
    const owner = plan.column.type === 'Owner'
    if (!lookup || (!owner && lookup.table !== plan.target)) {
      out[plan.navigation] = null
      continue
    }
    const targetIndex = ctx.catalog.byLogicalName.get(lookup.table)
    const target = targetIndex ? ctx.resolve(lookup.table, lookup.id) : undefined
    if (!targetIndex || !target) {
      out[plan.navigation] = null
      continue
    }
    const select = plan.select
      ? withImpliedColumns(
          targetIndex,
          plan.select.filter((c) => targetIndex.columns.has(c.logicalName))
        )
      : readableColumns(targetIndex)
    out[plan.navigation] = serializeRow(targetIndex, target, select, ctx)
  }
  return out
}
