import type { EventsFlow, Flow, MappingDocument, RecordsFlow } from '../../../shared/mapping/document'
import type { RecordResult, SourceRecord } from '../../../shared/mapping/engine'
import type { ExpressionEvaluator } from '../../../shared/mapping/transforms/runtime'
import type { RecordTransform, DeleteOptions, RunEndStatus, SourceId } from '../runner'
import type { RecordConflict, RecordSource, SinkLimits, TargetSink } from '../ports'
import type { SyncConnections } from '../sync-service'
import type { PlannedWrites } from '../planned-writes'
import type { KeysFolder } from '../source-keys'
import { eventsFlowParts } from './events-flow'
import { optOutFlowParts } from './opt-out-flow'
import { recordsFlowParts } from './records-flow'

/**
 * The four flows as runner parts: which source, sink and per-record transform each kind of
 * flow runs with. One file per flow / port beside this one.
 */

export interface FlowParts {
  /** The flow as the runner sees it (an opt-out flow is given a records-shaped stand-in). */
  runnerFlow: RecordsFlow | EventsFlow
  source: RecordSource
  sink: TargetSink
  transform: RecordTransform
  keyOf?: (result: RecordResult, record: SourceRecord) => string | undefined
  sourceId?: SourceId
  deletes?: Partial<DeleteOptions>
  notes: string[]
  /**
   * Notes on what the run did, once it ended (an opt-out flow: how many conflicts were resolved
   * which way) — asked of every run, failed and canceled included: a run that stopped early may
   * have written (docs/sync.md, "Conflicts in a run and its history").
   */
  summary?: (dryRun: boolean, status: RunEndStatus) => string[]
  /**
   * Opt-out flows: the conflicts the run's journal holds once it ended (a resumed run's stopped
   * attempts' with its own), so that its summary counts what History lists; in a dry run of a
   * resume, those the stopped attempt settled, before the plan's own (docs/sync.md, "Conflicts in
   * a run and its history").
   */
  journaledConflicts?: (conflicts: readonly RecordConflict[], dryRun: boolean) => void
  /** A run of the flow completed (not a dry run): what the flow keeps for its next runs is trimmed (or advice to, in words). */
  completed?: () => Promise<string | undefined>
}

export interface BuildFlowOptions {
  document: MappingDocument
  flow: Flow
  connections: SyncConnections
  full: boolean
  pageSize?: number
  limits?: Partial<SinkLimits>
  afterWrite?: () => Promise<void>
  eventsFolder?: string
  signal?: AbortSignal
  /** Dry run: what the flows before this one plan (parents of later flows; rows their deletes take). */
  planned?: PlannedWrites
  /** A preview's sample, not a run: no incremental position is taken (the opt-out flow skips reading the contacts' change-tracking position). */
  sample?: boolean
  /** Opt-out flows: how far before a run's start the next run looks for changed profiles (default 5 minutes). */
  optOutLookbackMs?: number
  /** Where the flow's JSONata expressions run: main's worker with a budget (src/main/expressions). */
  expressions?: ExpressionEvaluator
  /** A records flow matched on an alternate key keeps its rows' keys beside the journal (records-flow.ts). */
  keysFolder?: KeysFolder
}

/** The connection names a document uses ("Sandbox" when it names none). */
export function connectionNames(document: MappingDocument): { dynamics: string; campaign: string } {
  return { dynamics: document.connections?.dynamics ?? 'Sandbox', campaign: document.connections?.campaign ?? 'Sandbox' }
}

export async function buildFlow(options: BuildFlowOptions): Promise<FlowParts> {
  const names = connectionNames(options.document)
  const [dynamics, campaign] = await Promise.all([
    options.connections.dynamics(names.dynamics),
    options.connections.campaign(names.campaign)
  ])
  const { flow } = options
  if (flow.kind === 'records') {
    const parts = await recordsFlowParts({
      ...options,
      flow,
      dynamics,
      campaign,
      flowIndex: options.document.flows.indexOf(flow),
      documentFlows: options.document.flows
    })
    return { runnerFlow: flow, ...parts }
  }
  if (flow.kind === 'events') return eventsFlowParts({ ...options, flow, dynamics, campaign })
  return optOutFlowParts({ ...options, flow, dynamics, campaign })
}

export { DynamicsRecordSource } from './dynamics-source'
export { CampaignSink } from './campaign-sink'
export { recordsFlowParts } from './records-flow'
