import type { Filter } from '../../../shared/mapping/filter'
import type { RecordsFlow } from '../../../shared/mapping/document'
import { findField, type Table } from '../../../shared/schema'
import { expressionFields } from '../../../shared/mapping/transforms/expression'

/**
 * The columns a records flow reads from Dataverse (`$select`): the mapped sources, the match
 * column, the filter's fields, the links' lookups and `modifiedon` (the watermark). A
 * contact has 160 columns; reading the dozen a flow uses makes pages many times smaller.
 * An expression adds the names it reads; undefined = every column (an expression that reads
 * the whole record, `$keys($)` or a wildcard).
 */
export function selectColumns(
  flow: Pick<RecordsFlow, 'fields' | 'match' | 'filter' | 'links'>,
  table: Table,
  extra: readonly string[] = []
): string[] | undefined {
  const names = new Set<string>()
  const add = (name: string | undefined) => {
    if (!name) return
    // Formatted-value annotations and dotted paths (lookup/name) come with their column.
    const base = name.split('@')[0].split('/')[0].split('.')[0]
    const field = findField(table, base)
    if (!field) return
    names.add(field.type === 'lookup' ? `_${field.name}_value` : field.name)
  }
  for (const mapping of flow.fields) for (const from of mapping.from ?? []) add(from)
  for (const step of flow.fields.flatMap((f) => f.steps ?? [])) {
    if (step.fn === 'expression') {
      const read = expressionFields(step.expr)
      if (!read) return undefined
      for (const name of read) add(name)
      continue
    }
    const fields = (step as { fields?: unknown; field?: unknown }).fields ?? (step as { field?: unknown }).field
    if (typeof fields === 'string') add(fields)
    else if (Array.isArray(fields)) for (const f of fields) if (typeof f === 'string') add(f)
  }
  add(flow.match.source)
  for (const link of flow.links ?? []) add(link.source)
  for (const name of filterFields(flow.filter)) add(name)
  for (const name of extra) add(name)
  if (table.primaryId) add(table.primaryId)
  add('modifiedon')
  return [...names]
}

export function filterFields(filter: Filter | undefined): string[] {
  if (!filter) return []
  if ('all' in filter) return filter.all.flatMap(filterFields)
  if ('any' in filter) return filter.any.flatMap(filterFields)
  if ('not' in filter) return filterFields(filter.not)
  return [filter.field]
}
