import type { Filter } from './filter'
import { translateFilter } from './filters'
import type { Table } from '../schema/model'

/**
 * Where each condition of a records flow's filter runs in a sync — sent to Dataverse in
 * `$filter`, or checked here record by record — and why. It follows the run's own rules
 * (src/main/sync/flows/records-flow.ts reads it too), so the filter node, the preview and the Run dialog
 * promise what the run does:
 *  - a table with change tracking is read with `Prefer: odata.track-changes`, which Dataverse
 *    does not combine with `$filter` ("$filter, $orderby, $expand and $top are not supported",
 *    https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems):
 *    every condition runs here, and every changed record is read;
 *  - "delete when filtered out" needs the records that left the filter: nothing is sent;
 *  - otherwise the conditions Dataverse can evaluate go in `$filter`; the rest run here.
 */
export interface FilterPlacement {
  /** What a sync sends as `$filter` (undefined: every record is read). */
  odata?: string
  conditions: Array<{ text: string; where: 'service' | 'here'; why: string }>
  /** When the whole filter runs here because of how the table is read. */
  allHere?: string
}

export const CHANGE_TRACKING_FILTER_DOC =
  'https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems'

export function filterPlacement(filter: Filter | undefined, context: { table?: Table; deleteWhenFilteredOut?: boolean }): FilterPlacement {
  const translation = translateFilter(filter, { table: context.table })
  if (!filter) return { conditions: [] }
  const allHere = context.table?.changeTracking
    ? `${context.table.name} is read with change tracking, and Dataverse does not accept $filter on a change-tracking request (${CHANGE_TRACKING_FILTER_DOC}): every record is read and the filter runs here`
    : context.deleteWhenFilteredOut
      ? '"delete when filtered out" is on: the records that leave the filter must be read to be deleted, so every record is read and the filter runs here'
      : undefined
  const conditions = translation.explanation.map((line) => {
    const [text, rest = ''] = line.split(' → ')
    if (allHere)
      return {
        text,
        where: 'here' as const,
        why: allHere.startsWith('"') ? 'delete when filtered out is on' : 'change tracking cannot be combined with $filter'
      }
    if (rest.startsWith('Dataverse: ')) return { text, where: 'service' as const, why: `sent as ${rest.slice('Dataverse: '.length)}` }
    return { text, where: 'here' as const, why: rest.replace(/^evaluated here: /, '') }
  })
  return { ...(allHere ? { allHere } : translation.odata ? { odata: translation.odata } : {}), conditions }
}
