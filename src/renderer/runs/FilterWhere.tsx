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
export function FilterWhere({ client, document, flow }: { client: Client; document: MappingDocument; flow: Flow | undefined }) {
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
  return (
    <Caption1 className="ssp-quiet" data-testid="filter-where" data-flow={records.id}>
      {placement.allHere
        ? `In a sync, the filter runs here: ${placement.allHere}.`
        : `In a sync, Dataverse is sent $filter=${placement.odata ?? '(nothing)'}${here ? `; ${here} condition${here === 1 ? '' : 's'} checked here` : '; nothing is checked here'}.`}
    </Caption1>
  )
}
