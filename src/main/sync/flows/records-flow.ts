import type { RecordsFlow } from '../../../shared/mapping/document'
import { compileFlow, translateFilter, type RecordResult, type SourceRecord } from '../../../shared/mapping/engine'
import { isUniqueField } from '../../../shared/schema/model'
import type { CampaignConnector } from '../../connectors/campaign/connector'
import type { DynamicsConnector } from '../../connectors/dynamics/connector'
import type { RecordTransform } from '../runner'
import type { SinkLimits } from '../ports'
import { CampaignSink, type CampaignLink } from './campaign-sink'
import { selectColumns } from './columns'
import { DynamicsRecordSource } from './dynamics-source'

/**
 * Jobs 1 and 2: a Dynamics table → a Campaign resource (contacts → profiles, custom tables
 * → custom resources). Builds the source, the sink and the per-record transform the runner
 * needs from the flow and the two connectors.
 */

export interface RecordsFlowParts {
  source: DynamicsRecordSource
  sink: CampaignSink
  transform: RecordTransform
  /** What the source asks Dataverse, for the run's notices. */
  notes: string[]
}

export interface RecordsFlowOptions {
  flow: RecordsFlow
  dynamics: DynamicsConnector
  campaign: CampaignConnector
  /** Replay everything (ignores the stored incremental position). */
  full: boolean
  pageSize?: number
  limits?: Partial<SinkLimits>
  afterWrite?: () => Promise<void>
  signal?: AbortSignal
}

export async function recordsFlowParts(options: RecordsFlowOptions): Promise<RecordsFlowParts> {
  const { flow, dynamics, campaign, signal } = options
  const [schema, target] = await Promise.all([dynamics.tableSchema(flow.source.table, signal), campaign.getResource(flow.target.resource, signal)])
  const table = schema.table
  const notes: string[] = []
  const tracking = table.changeTracking
  const deleteWhenFilteredOut = flow.deletes?.deleteWhenFilteredOut ?? false
  // Change tracking refuses $filter; records leaving the filter must reach the runner to be deleted.
  const pushdown = !tracking && !deleteWhenFilteredOut ? translateFilter(flow.filter, { table }) : undefined
  const compiled = compileFlow(flow, { source: table, target, filter: pushdown?.odata ? 'remainder' : 'full' })
  const links = (flow.links ?? []).map((link) => {
    const field = target.fields.find((f) => f.name === link.target)
    return { link, campaign: { field: link.target, writable: !(field?.readOnly ?? false) } satisfies CampaignLink }
  })
  const mode = options.full ? 'full' : (flow.sync?.mode ?? 'incremental')
  notes.push(
    tracking
      ? `${flow.source.table}: change tracking (${mode === 'full' ? 'full read, then a new delta link' : 'changes and deletions since the last run'})`
      : `${flow.source.table}: no change tracking — ${mode === 'full' ? 'full read' : 'modifiedon watermark (deletions are not seen)'}${pushdown?.odata ? `; filter sent to Dataverse: ${pushdown.odata}` : ''}`
  )
  const source = new DynamicsRecordSource({
    connector: dynamics,
    table: flow.source.table,
    keyColumn: flow.match.source,
    kind: mode,
    select: selectColumns(flow, table),
    odataFilter: pushdown?.odata,
    pageSize: options.pageSize,
    formattedValues: flow.sync?.picklists === 'labels'
  })
  const sink = new CampaignSink({
    connector: campaign,
    resource: flow.target.resource,
    keyField: flow.match.target,
    // Confirmed in the flow, or a key the schema knows (PKey, the connection's Dynamics-id key on the profile).
    keyInUrl: flow.match.identificationKey ?? isUniqueField(target, flow.match.target),
    links: links.map((l) => l.campaign),
    limits: options.limits,
    afterWrite: options.afterWrite
  })
  const run = compiled.isAsync ? compiled.run : compiled.runSync
  const transform: RecordTransform =
    links.length === 0
      ? { createOnly: compiled.createOnly, run }
      : {
          createOnly: compiled.createOnly,
          run: (record: SourceRecord) => {
            const withLinks = (result: RecordResult): RecordResult => {
              if (result.kind !== 'ok') return result
              for (const { link } of links) {
                const value = record[link.source]
                result.target[link.target] = value === undefined || value === '' ? null : value
              }
              return result
            }
            const result = run(record)
            return result instanceof Promise ? result.then(withLinks) : withLinks(result)
          }
        }
  return { source, sink, transform, notes }
}
