import type { Flow, RecordsFlow } from '../../../shared/mapping/document'
import { compileFlow, type SourceRecord } from '../../../shared/mapping/engine'
import { filterPlacement } from '../../../shared/mapping/filter-placement'
import { checkLinks } from '../../../shared/mapping/links'
import { deletionsNamedBy, isUniqueField } from '../../../shared/schema/model'
import type { CampaignConnector } from '../../connectors/campaign/connector'
import type { DynamicsConnector } from '../../connectors/dynamics/connector'
import type { ExpressionEvaluator } from '../../../shared/mapping/transforms/runtime'
import { decidedByTarget } from '../../../shared/schema'
import type { RecordTransform, SourceId } from '../runner'
import type { SinkLimits } from '../ports'
import { CampaignSink, type CampaignLink, type CampaignSinkOptions } from './campaign-sink'
import { linkedResources, type CascadeChild } from './parent-delete-cascade'
import { selectColumns } from './columns'
import { DynamicsRecordSource } from './dynamics-source'
import { SourceKeyFiles, type KeysFolder } from '../source-keys'
import type { PlannedParent, PlannedWrites } from '../planned-writes'

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
  /** The table's primary id: names a record without a match key, tells two records with one key apart. */
  sourceId?: SourceId
  /** After the run: what its deletes took with them in Campaign (a profile's linked rows), and deletions it could not apply, in words. */
  summary: (dryRun: boolean) => string[]
  /** A run of it completed (not a dry run): what the source keeps for the next runs is trimmed (or advice to, in words). */
  completed?: () => Promise<string | undefined>
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
  /** Dry run: what the flows before this one plan (a child's parents kept or deleted, its rows deleted with them). */
  planned?: PlannedWrites
  expressions?: ExpressionEvaluator
  /** The flow's index in its document, for problem paths. */
  flowIndex?: number
  /** How the sink reads the target whole (tests make the pages small). */
  bulkLookups?: Pick<CampaignSinkOptions, 'indexPageSize' | 'maxIndex'>
  /** The document's records flows: those linking to this one are its children (what its deletes take with them). */
  documentFlows?: readonly Flow[]
  /**
   * The run's journal folder and the services it runs against: a flow matched on an alternate
   * key keeps there the key each row had, to apply the deletions Dynamics names by id alone.
   */
  keysFolder?: KeysFolder
}

export async function recordsFlowParts(options: RecordsFlowOptions): Promise<RecordsFlowParts> {
  const { flow, dynamics, campaign, signal } = options
  const [schema, target] = await Promise.all([
    dynamics.tableSchema(flow.source.table, signal),
    campaign.getResource(flow.target.resource, signal)
  ])
  const table = schema.table
  const notes: string[] = []
  const tracking = table.changeTracking
  const deleteWhenFilteredOut = flow.deletes?.deleteWhenFilteredOut ?? false
  // One rule for what goes to Dataverse, shared with the filter node, the preview and the Run
  // dialog: change tracking refuses $filter; records leaving the filter must reach the runner.
  const pushdown = filterPlacement(flow.filter, { table, deleteWhenFilteredOut })
  const compiled = compileFlow(flow, {
    source: table,
    target,
    filter: pushdown.odata ? 'remainder' : 'full',
    expressions: options.expressions,
    flowIndex: options.flowIndex
  })
  const links = (flow.links ?? []).map((link) => {
    const field = target.fields.find((f) => f.name === link.target)
    return { link, campaign: { field: link.target, writable: !(field?.readOnly ?? false) } satisfies CampaignLink }
  })
  const mode = options.full ? 'full' : (flow.sync?.mode ?? 'incremental')
  const deletionsSeen = deletionsNamedBy(table, flow.match.source)
  // Dynamics names a deleted row by its id alone: a flow matched on another column deletes it by
  // the key it last read for the row, kept beside the journal (source-keys.ts).
  // The keys are kept with deletes off too, so that turning them on later finds the rows read
  // before; a flow that reads every row on every run (`sync.mode: full`) meets no deletion.
  const keysById =
    tracking && !deletionsSeen && table.primaryId && options.keysFolder && flow.sync?.mode !== 'full'
      ? {
          files: SourceKeyFiles.open(
            options.keysFolder.journalRoot,
            [flow.id, flow.source.table, flow.match.source, options.keysFolder.identity ?? ''],
            { write: !options.keysFolder.dryRun }
          ),
          keyOf: compiled.keyOf,
          resolve: flow.deletes?.applySourceDeletes === true,
          ...(options.keysFolder.shard ? { shard: options.keysFolder.shard } : {})
        }
      : undefined
  // Why deletions are not applied is said only to a flow that asks for them.
  const changes = !flow.deletes?.applySourceDeletes
    ? 'changes since the last run; deletions are not applied: "Apply Dynamics deletes" (deletes.applySourceDeletes) is off in this flow'
    : deletionsSeen
      ? 'changes and deletions since the last run'
      : keysById
        ? `changes and deletions since the last run; a deleted row is deleted by the ${flow.match.source} this flow last read for it (Dynamics names it by its ${table.primaryId} alone)`
        : `changes since the last run; deletions are not applied: Dynamics names a deleted row by its ${table.primaryId} alone, and the flow matches on ${flow.match.source}`
  notes.push(
    tracking
      ? `${flow.source.table}: change tracking (${mode === 'full' ? 'full read, then a new delta link' : changes})`
      : `${flow.source.table}: no change tracking — ${mode === 'full' ? 'full read' : 'modifiedon watermark (deletions are not seen)'}${pushdown.odata ? `; filter sent to Dataverse: ${pushdown.odata}` : ''}`
  )
  // What no rule of ours can see: the plan says who decides rather than promising success.
  for (const note of decidedByTarget(
    target,
    flow.fields.map((f) => f.target),
    flow.match.target
  ))
    notes.push(note)
  const source = new DynamicsRecordSource({
    connector: dynamics,
    table: flow.source.table,
    keyColumn: flow.match.source,
    kind: mode,
    select: selectColumns(flow, table),
    odataFilter: pushdown.odata,
    pageSize: options.pageSize,
    formattedValues: flow.sync?.picklists === 'labels',
    ...(keysById ? { keysById } : {})
  })
  const sink = new CampaignSink({
    connector: campaign,
    resource: flow.target.resource,
    keyField: flow.match.target,
    // Confirmed in the flow, or a key the schema knows (PKey, the connection's Dynamics-id key on the profile).
    keyInUrl: flow.match.identificationKey ?? isUniqueField(target, flow.match.target),
    links: links.map((l) => l.campaign),
    // Lookups paid in bulk (an empty target needs none; a synced one is read once, in pages): docs/sync.md "What a run costs".
    lookups: 'auto',
    indexFields: flow.fields.map((f) => f.target),
    ...options.bulkLookups,
    limits: options.limits,
    afterWrite: options.afterWrite,
    ...(options.planned ? { plannedParents: plannedParents(flow, options.planned), plannedGone: options.planned.goneOf(flow.id) } : {}),
    cascade: childrenOf(flow, options.documentFlows ?? []),
    discoverCascade: (signal) => linkedResources(campaign, flow.target.resource, signal)
  })
  const run = compiled.isAsync ? compiled.run : compiled.runSync
  // Each link's lookup becomes the parent's Dynamics id on the record (the sink resolves it); an empty one fails the record.
  const transform: RecordTransform =
    links.length === 0
      ? { createOnly: compiled.createOnly, run }
      : {
          createOnly: compiled.createOnly,
          run: (record: SourceRecord) => {
            const result = run(record)
            return result instanceof Promise ? result.then((r) => checkLinks(flow, record, r)) : checkLinks(flow, record, result)
          }
        }
  const primary = table.primaryId
  const sourceId: SourceId | undefined = primary
    ? { name: primary, of: (record) => (typeof record[primary] === 'string' ? record[primary] : undefined) }
    : undefined
  const summary = (dryRun: boolean): string[] => {
    const { unknown, taken } = source.unmatchedDeletions
    const lines = sink.cascadeSummary(dryRun)
    if (unknown)
      lines.push(
        `${unknown} row(s) deleted in Dynamics ${dryRun ? 'would not be' : 'were not'} deleted from Campaign: this flow had not read them by their ${flow.match.source} (deleted before its first read of them, or synced by a version of Sync Studio that kept no keys) — delete their ${flow.target.resource} records in Campaign if they are there; a run with --full (Full replay) reads every row's key again`
      )
    if (taken)
      lines.push(
        `${taken} row(s) deleted in Dynamics kept their Campaign record: another row has their ${flow.match.source} now, and the ${flow.target.resource} record is that row's`
      )
    return lines
  }
  return {
    source,
    sink,
    transform,
    notes,
    ...(sourceId ? { sourceId } : {}),
    summary,
    ...(keysById ? { completed: () => keysById.files.completed() } : {})
  }
}

/** The flows whose records link to this flow's records: Campaign may delete their rows with a parent (docs/sync.md, "Deleting a parent"). */
function childrenOf(flow: RecordsFlow, flows: readonly Flow[]): CascadeChild[] {
  const out: CascadeChild[] = []
  for (const child of flows) {
    if (child.kind !== 'records' || child.id === flow.id) continue
    for (const link of child.links ?? [])
      if (link.parentFlow === flow.id)
        out.push({ flowId: child.id, resource: child.target.resource, keyField: child.match.target, link: link.target })
  }
  return out
}

function plannedParents(flow: RecordsFlow, planned: PlannedWrites): NonNullable<CampaignSinkOptions['plannedParents']> {
  const out = new Map<string, PlannedParent & { flowId: string }>()
  for (const link of flow.links ?? []) {
    const parent = planned.parent(link.parentFlow)
    if (parent) out.set(link.target, { flowId: link.parentFlow, ...parent })
  }
  return out
}
