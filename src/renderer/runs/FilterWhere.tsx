import { Caption1 } from '@fluentui/react-components'
import { useMemo } from 'react'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { filterPlacement } from '../../shared/mapping/filter-placement'
import type { Client } from '../api/client'
import { useTable } from '../state/schema-store'

/**
 * Where a records flow's filter runs in a sync (Dataverse or here) and why — the same rule
 * the run follows (shared/mapping/filter-placement.ts). Shown in the Run dialog and the preview.
 */
export function FilterWhere({
  client,
  document,
  flow,
  compact = false
}: {
  client: Client
  document: MappingDocument
  flow: Flow | undefined
  /** One line, the reason in short and the whole of it on hover (the preview, whose rows need the height). */
  compact?: boolean
}) {
  const records = flow?.kind === 'records' ? flow : undefined
  const loaded = useTable(client, 'dynamics', records ? (document.connections?.dynamics ?? 'Sandbox') : undefined, records?.source.table)
  const table = loaded?.status === 'ready' ? loaded.value : undefined
  const placement = useMemo(
    () =>
      records
        ? filterPlacement(records.filter, { table, deleteWhenFilteredOut: records.deletes?.deleteWhenFilteredOut ?? false })
        : undefined,
    [records, table]
  )
  if (!records || !placement || !records.filter || !table) return null
  const here = placement.conditions.filter((c) => c.where === 'here').length
  const text = placement.allHere
    ? `In a sync, the filter runs here: ${placement.allHere}.`
    : `In a sync, Dataverse is sent $filter=${placement.odata ?? '(nothing)'}${here ? `; ${here} condition${here === 1 ? '' : 's'} checked here` : '; nothing is checked here'}.`
  // Every condition's reason is the same when the whole filter runs here (filter-placement.ts).
  const short = placement.allHere ? `In a sync, every record is read and the filter runs here (${placement.conditions[0]?.why}).` : text
  return (
    <Caption1
      className={compact ? 'ssp-quiet ssp-filter-where--compact' : 'ssp-quiet'}
      data-testid="filter-where"
      data-flow={records.id}
      {...(compact ? { title: text } : {})}
    >
      {compact ? short : text}
    </Caption1>
  )
}
