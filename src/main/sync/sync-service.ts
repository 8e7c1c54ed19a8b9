import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { orderFlows } from '../../shared/mapping/flow-order'
import type { CampaignConnector } from '../connectors/campaign/connector'
import type { DynamicsConnector } from '../connectors/dynamics/connector'
import { buildFlow, connectionNames, type FlowParts } from './flows'
import { ExpressionSandbox } from '../expressions/expression-sandbox'
import type { ExpressionEvaluator } from '../../shared/mapping/transforms/runtime'
import { assertFitsSchemas } from './schema-check'
import { shardLabel, type Shard } from '../../shared/shard'
import { RunHistory, type RecordError, type RunConflict } from './history'
import { isRunId, SyncJournal, type RunSummary } from './journal'
import { ServiceError } from '../errors'
import type { RunCounts } from './journal-format'
import { zeroCounts } from './journal-format'
import { wroteAny } from '../../shared/run-counts'
import { isAbortError, PARENT_MISSING, SyncFatalError, type Clock, type SinkLimits } from './ports'
import type { RunProgress } from './progress'
import { contentHash, mappingHash, startRun, type DeleteGuardReport, type PlanEntry, type RecordOutcome, type RunResult } from './runner'
import { PlannedWrites } from './planned-writes'
import { OrphanWatch } from './orphaned-rows'
import type { LockWait } from '../files/file-lock'

/**
 * The app-facing sync service: runs the flows of a mapping document against the connected
 * systems, parents before children, each through the runner with one journal; plans (dry
 * runs), history, error export and "retry failed records". The Electron app, browser mode
 * and the CLI all drive syncs through this class.
 */

export interface SyncConnections {
  dynamics(name: string): Promise<DynamicsConnector>
  campaign(name: string): Promise<CampaignConnector>
  /** The service a connection reaches (see ConnectionService.identity); default: the connector's URL. */
  identity?(name: string, system: 'dynamics' | 'campaign'): string
}

export interface SyncServiceOptions {
  connections: SyncConnections
  /** The journal folder (`<user data>/sync`). */
  journalFolder: string
  /** Where Campaign's delivery/tracking log exports land (events flows read them when set; else per-profile history). */
  eventsFolder?: string
  /** Dataverse page size (default 1000; at most 5000). */
  pageSize?: number
  /** Sink batch size and concurrency (defaults per sink). */
  limits?: Partial<SinkLimits>
  /** Wait before an orphan retry pass (default 1000 ms). */
  retryDelayMs?: number
  /** Called after every write call of every sink, before its outcomes are journaled (the CLI saves the sandbox snapshot). */
  afterWrite?: () => Promise<void>
  clock?: Clock
  /** Progress events per second at most (default 4). */
  progressIntervalMs?: number
  /**
   * One shard of a sharded run (`--shard i/n`, docs/scale.md): only the records whose match
   * key hashes to it (src/shared/shard.ts). The shard is part of the journal identity, so a
   * shard's position, resumable run and managed count are its own. Give each shard its own
   * journal folder too (the CLI does): a journal is one process's.
   */
  shard?: Shard
  /** Opt-out flows: how far before a run's start the next run looks for changed profiles (default 5 minutes). */
  optOutLookbackMs?: number
  /**
   * The newest finished runs kept whole in the journal (default 20): after each sync, older ones
   * are compacted (`SyncJournal.compact`), so the folder does not grow with every run's records.
   */
  keepDetailedRuns?: number
}

export interface SyncRequest {
  /** Only these flows (default: every enabled flow). Parents they link to are not added: run them first. */
  flowIds?: string[]
  /** Plan only: counts and per-record changes, no write. */
  dryRun?: boolean
  /** Replay everything, ignoring the stored incremental positions. */
  full?: boolean
  /** Continue a flow's interrupted/canceled/failed last run when there is one (default true). */
  resume?: boolean
  signal?: AbortSignal
  onProgress?: (event: SyncEvent) => void
  /** Dry run: planned changes kept per flow (default 1000). */
  planLimit?: number
  /** Dry run: every planned change as it is decided. */
  onPlan?: (flowId: string, entry: PlanEntry) => void
  /** A label for the history (file revision, commit). */
  mappingVersion?: string
  /**
   * Deletes a person confirmed (the delete guard): one number for every flow (the CLI's
   * `--allow-deletes N`), or per flow id (the app's confirmation).
   */
  allowDeletes?: number | Record<string, number>
  /** A real run: every record's final outcome, in the plan's words (the dry run's is onPlan). */
  onRecord?: (flowId: string, outcome: RecordOutcome) => void
}

/** Events for `run/progress`. */
export type SyncEvent =
  | {
      type: 'flowStarted'
      flowId: string
      flowIndex: number
      flowCount: number
      runId: string
      /** When this attempt started (a new run: its journal's start, which History shows). */
      startedAt: number
      resumed: boolean
      /** The run's mode; a resumed run: the mode it was started with. */
      mode: 'full' | 'incremental' | 'retry'
      dryRun: boolean
      /** A resumed run: what it continues. */
      resumes?: { startedAt: number; status: string; counts: RunCounts }
    }
  | { type: 'progress'; flowId: string; flowIndex: number; flowCount: number; progress: RunProgress }
  | { type: 'notice'; flowId: string; message: string }
  | { type: 'flowFinished'; flowId: string; flowIndex: number; flowCount: number; result: FlowResult }

export interface FlowResult {
  flowId: string
  kind: Flow['kind']
  status: 'completed' | 'failed' | 'canceled' | 'skipped'
  runId?: string
  dryRun: boolean
  counts: RunCounts
  durationMs: number
  error?: { code: string; message: string }
  /** Dry run: the planned changes (up to planLimit). */
  plan?: { entries: PlanEntry[]; truncated: boolean }
  /** What happened along the way: strategy, resumes, full resyncs after an expired position. */
  notices: string[]
  /** What the run did beyond its counts, in words (an opt-out flow both ways: how many conflicts were resolved which way). */
  summary?: string[]
  /** Earlier runs this flow's result continues (a resume) or replaces (a fallback to a full resync). */
  resumedFrom?: string
  fullResync?: boolean
  /** The run's mode (a resumed run: the mode it was started with). */
  mode?: 'full' | 'incremental' | 'retry'
  /** When the run held or planned deletes: the delete guard's verdict (a stopped run: `confirm` or `refused`). */
  deleteGuard?: DeleteGuardReport
  /** A sharded run: which shard, and the source records it read that belong to other shards (not in `counts`). */
  shard?: Shard & { otherShards: number }
}

export interface SyncResult {
  /** completed: every flow ran and no record failed; partial: some records failed; failed/canceled: a flow stopped. */
  status: 'completed' | 'partial' | 'failed' | 'canceled'
  flows: FlowResult[]
  durationMs: number
}

export class SyncService {
  private journalPromise: Promise<SyncJournal> | undefined
  private running = false
  /** The running sync's: a wait for the journal's lock, said as a notice of the flow at hand. */
  private lockWaits: ((wait: LockWait) => void) | undefined

  constructor(private readonly options: SyncServiceOptions) {}

  /** The journal, opened on first use; `signal` ends a wait for its lock while it opens (a canceled run). */
  journal(signal?: AbortSignal): Promise<SyncJournal> {
    const { clock, journalFolder } = this.options
    this.journalPromise ??= SyncJournal.open(journalFolder, {
      ...(clock ? { clock } : {}),
      onLockWait: (wait) => this.lockWaits?.(wait),
      ...(signal ? { signal } : {})
    }).catch((error: unknown) => {
      this.journalPromise = undefined // the next call opens it again
      throw error
    })
    return this.journalPromise
  }

  /** A dry run of every selected flow: the whole plan, not a single write. */
  plan(document: MappingDocument, request: Omit<SyncRequest, 'dryRun'> = {}): Promise<SyncResult> {
    return this.run(document, { ...request, dryRun: true })
  }

  async run(document: MappingDocument, request: SyncRequest = {}): Promise<SyncResult> {
    if (this.running) throw new ServiceError('A sync is already running — wait for it to finish or cancel it.')
    this.running = true
    try {
      return await this.runFlows(document, request, undefined)
    } finally {
      this.running = false
    }
  }

  /** Runs the failed records of an earlier run again (a new run of the same flow, only those keys). */
  async retryFailed(
    document: MappingDocument,
    runId: string,
    request: Omit<SyncRequest, 'flowIds' | 'full' | 'resume'> = {}
  ): Promise<SyncResult> {
    if (this.running) throw new ServiceError('A sync is already running — wait for it to finish or cancel it.')
    this.running = true
    try {
      const history = await this.knownRun(runId)
      const plan = await history.retryPlan(runId)
      if (!document.flows.some((f) => f.id === plan.flowId))
        throw new ServiceError(`Run ${runId} belongs to flow "${plan.flowId}", which this mapping does not have — open the mapping it ran.`)
      return await this.runFlows(
        document,
        { ...request, flowIds: [plan.flowId], resume: false },
        { runId, keys: plan.onlyKeys, withoutKey: plan.withoutKey }
      )
    } finally {
      this.running = false
    }
  }

  /** A run the journal knows, or an error that says so (a run id is also a file name: nothing else gets through). */
  private async knownRun(runId: string): Promise<RunHistory> {
    const history = new RunHistory(await this.journal())
    if (!isRunId(runId) || !(await history.list()).some((run) => run.runId === runId)) {
      throw new ServiceError(`There is no run "${runId}" in the history — it may have been compacted or deleted.`)
    }
    return history
  }

  /** One run of the history; an error that says so when there is none. */
  async summary(runId: string): Promise<RunSummary> {
    await this.knownRun(runId)
    return (await this.history()).find((run) => run.runId === runId)!
  }

  async history(filter: { flowId?: string } = {}): Promise<RunSummary[]> {
    return new RunHistory(await this.journal()).list(filter)
  }

  async errors(runId: string, options: { limit?: number; offset?: number } = {}): Promise<RecordError[]> {
    return (await this.knownRun(runId)).errors(runId, options)
  }

  async conflicts(runId: string, options: { limit?: number } = {}): Promise<{ conflicts: RunConflict[]; total: number }> {
    return (await this.knownRun(runId)).conflicts(runId, options)
  }

  async errorsCsv(runId: string, options: { spreadsheetSafe?: boolean } = {}): Promise<string> {
    return (await this.knownRun(runId)).errorsCsv(runId, options)
  }

  /** The services a document's flows reach, for the journal (undefined when a connection cannot be resolved: building the flow reports that). */
  private async identityOf(document: MappingDocument): Promise<string | undefined> {
    const names = connectionNames(document)
    const { connections } = this.options
    try {
      const dynamics =
        connections.identity?.(names.dynamics, 'dynamics') ?? `dynamics:${(await connections.dynamics(names.dynamics)).environmentUrl}`
      const campaign =
        connections.identity?.(names.campaign, 'campaign') ?? `campaign:${(await connections.campaign(names.campaign)).baseUrl}`
      const shard = this.options.shard
      return shard ? `${dynamics} → ${campaign} · shard ${shardLabel(shard)}` : `${dynamics} → ${campaign}`
    } catch {
      return undefined
    }
  }

  private async runFlows(
    document: MappingDocument,
    request: SyncRequest,
    retry: { runId: string; keys: string[]; withoutKey: number } | undefined
  ): Promise<SyncResult> {
    const started = Date.now()
    const selected = request.flowIds
      ? request.flowIds.map((id) => {
          const flow = document.flows.find((f) => f.id === id)
          if (!flow)
            throw new ServiceError(
              `There is no flow "${id}" in "${document.name}" (flows: ${document.flows.map((f) => f.id).join(', ') || 'none'})`
            )
          return flow
        })
      : document.flows.filter((f) => f.enabled !== false)
    // Before a record is read: a document that does not fit the connected schemas is refused.
    await assertFitsSchemas(
      document,
      this.options.connections,
      selected.map((f) => f.id),
      request.signal
    )
    const flows = orderFlows(selected)
    // Another process (the app, browser mode, another CLI run on this journal) holding the
    // journal's lock holds this run up to 30 s: said while it lasts, not a silent stall.
    let current = flows[0]?.id
    this.lockWaits = (wait) => {
      if (current) request.onProgress?.({ type: 'notice', flowId: current, message: lockWaitMessage(this.options.journalFolder, wait) })
    }
    try {
      return await this.runOrdered(document, request, retry, flows, started, (id) => (current = id))
    } finally {
      this.lockWaits = undefined
    }
  }

  private async runOrdered(
    document: MappingDocument,
    request: SyncRequest,
    retry: { runId: string; keys: string[]; withoutKey: number } | undefined,
    flows: Flow[],
    started: number,
    onFlow: (flowId: string) => void
  ): Promise<SyncResult> {
    let journal: SyncJournal
    try {
      journal = await this.journal(request.signal)
    } catch (error) {
      if (!request.signal?.aborted) throw error
      // Canceled while another process held the journal: nothing was read or written.
      const canceled = flows.map((flow): FlowResult => ({
        flowId: flow.id,
        kind: flow.kind,
        status: 'canceled',
        dryRun: request.dryRun ?? false,
        counts: zeroCounts(),
        durationMs: 0,
        notices: ['canceled while waiting for the run journal: nothing was read or written']
      }))
      return { status: 'canceled', flows: canceled, durationMs: Date.now() - started }
    }
    const identity = await this.identityOf(document)
    const sync: SyncContext = {
      journal,
      identity,
      // A dry run plans children after their parents: what each parent flow plans (kept, deleted, rows deleted with them).
      ...(request.dryRun ? { planned: new PlannedWrites(flows) } : {}),
      // Rows a parent's delete took from Campaign wait for their parent; a child flow reads them again once it is back.
      orphans: new OrphanWatch(journal.root, identity ?? '', document.flows, request.dryRun ?? false)
    }
    const results: FlowResult[] = []
    let stopped: 'failed' | 'canceled' | undefined
    // A dry run whose flow the run would stop at (the delete guard) plans no flow after it, as the run runs none.
    let wouldStopAt: { flowId: string; refused: boolean } | undefined
    for (const [flowIndex, flow] of flows.entries()) {
      if (stopped || wouldStopAt) {
        results.push({
          flowId: flow.id,
          kind: flow.kind,
          status: 'skipped',
          dryRun: request.dryRun ?? false,
          counts: zeroCounts(),
          durationMs: 0,
          notices: [
            wouldStopAt
              ? wouldStopAt.refused
                ? `not planned: the run refuses the deletes of flow "${wouldStopAt.flowId}" (the delete guard: its filter matches nothing) and runs no flow after it`
                : `not planned: the run stops at flow "${wouldStopAt.flowId}" before its deletes until you confirm them (the delete guard), and runs no flow after it`
              : `not run: an earlier flow ${stopped === 'canceled' ? 'was canceled' : 'failed'}`
          ]
        })
        continue
      }
      onFlow(flow.id)
      // The flow's JSONata expressions run in a worker with a budget, ended with the flow.
      // Canceling ends the worker at once, even mid-evaluation; the run ends canceled.
      const expressions = new ExpressionSandbox()
      const cancel = () => void expressions.close()
      request.signal?.addEventListener('abort', cancel, { once: true })
      let result: FlowResult
      try {
        result = await this.runOne(document, flow, flowIndex, flows.length, request, sync, retry, expressions)
      } finally {
        request.signal?.removeEventListener('abort', cancel)
        await expressions.close()
      }
      results.push(result)
      request.onProgress?.({ type: 'flowFinished', flowId: flow.id, flowIndex, flowCount: flows.length, result })
      if (result.status === 'canceled' || result.status === 'failed') stopped = result.status
      else if (request.dryRun && result.deleteGuard && result.deleteGuard.verdict !== 'ok')
        wouldStopAt = { flowId: flow.id, refused: result.deleteGuard.verdict === 'refused' }
    }
    // Records with no answer from Dynamics (`unknown`) are not known to be synced: partial, as with failures.
    const status = stopped ?? (results.some((r) => r.counts.failed + r.counts.unknown > 0) ? 'partial' : 'completed')
    // Older runs shrink to what the history, the errors and retry read; live and resumable runs are left whole.
    // A failed rewrite leaves a run whole (the file is replaced atomically), and the next sync tries again:
    // the run's result stands, and the session says why the journal did not shrink.
    await journal.compact({ keepDetailed: this.options.keepDetailedRuns ?? 20 }).catch((error: unknown) => {
      const last = results.at(-1)
      if (!last) return
      const message = `The journal of older runs could not be compacted (${error instanceof Error ? error.message : String(error)}). Nothing is lost: those runs stay whole, and the next sync tries again.`
      last.notices.push(message)
      request.onProgress?.({ type: 'notice', flowId: last.flowId, message })
    })
    return { status, flows: results, durationMs: Date.now() - started }
  }

  private async runOne(
    document: MappingDocument,
    flow: Flow,
    flowIndex: number,
    flowCount: number,
    request: SyncRequest,
    { journal, identity, planned, orphans }: SyncContext,
    retry: { runId: string; keys: string[]; withoutKey: number } | undefined,
    expressions: ExpressionEvaluator
  ): Promise<FlowResult> {
    const notices: string[] = []
    const notice = (message: string) => {
      notices.push(message)
      request.onProgress?.({ type: 'notice', flowId: flow.id, message })
    }
    const dryRun = request.dryRun ?? false
    const base = { flowId: flow.id, kind: flow.kind, dryRun, notices }
    if (retry && retry.withoutKey > 0)
      notice(`${retry.withoutKey} failed record(s) had no key and cannot be retried by key — fix them in the source`)
    if (retry && retry.keys.length === 0) {
      notice(`run ${retry.runId} has no failed records to retry`)
      return { ...base, status: 'completed', counts: zeroCounts(), durationMs: 0 }
    }

    let full = request.full ?? false
    let resumeRunId: string | undefined
    let resumes: { startedAt: number; status: string; counts: RunCounts; mode: 'full' | 'incremental' | 'retry' } | undefined
    const hashes = { mappingHash: mappingHash(flow), contentHash: contentHash(flow) }
    // The real runs of the flow against these services, newest first: the newest is the one a
    // resume continues; the newest but retries (which read no more than their failed records), when
    // it stopped with another version of the mapping, the one whose writes a changed mapping must reach.
    const runs = retry ? [] : (await journal.list({ flowId: flow.id })).filter((run) => !run.dryRun && run.identity === identity)
    const last = runs[0]
    const lastWriter = runs.find((run) => !run.retryOf)
    // A dry run plans what the next run does: when that run resumes a stopped one, the plan starts where it stands (read only).
    if (last?.resumable && (request.resume ?? true)) {
      if (full && last.mode !== 'full') {
        // --full asks for a replay: continuing an incremental run would not be one.
        notice(`not resuming the ${last.mode} run ${last.runId}: a full run was asked for — starting one`)
      } else if (last.mappingHash !== hashes.mappingHash) {
        // Said before the flow is set up, so that what it then says of its reads is what the run does.
        notice(
          `not resuming run ${last.runId}: it was started with another version of flow "${flow.id}" — ${dryRun ? 'planned as a new run' : 'starting a new run'}`
        )
      } else {
        resumeRunId = last.runId
        resumes = { startedAt: last.startedAt, status: last.status, counts: last.counts, mode: last.mode }
        // A resumed run reads with the source it started with.
        full = last.mode === 'full'
      }
    }
    // A records flow's changed mapping (its filter, fields, match, links or deletes) applies to
    // every record only when every record is read: an incremental run would give it to those
    // changed since alone, and leave the rest as the old mapping wrote them (a narrowed filter's
    // deletes unmade). An events flow's is said, not replayed (that would write every event of
    // the history again); an opt-out flow's position is kept per direction and pairs already
    // (opt-out-flow.ts). docs/sync.md, "A changed mapping".
    // A run stopped after it wrote with another version of the mapping (then reverted, or changed
    // again) left records the last completed run's version did not write: they are read again too.
    const stoppedWithOther =
      lastWriter &&
      lastWriter.status !== 'completed' &&
      lastWriter.contentHash &&
      lastWriter.contentHash !== hashes.contentHash &&
      wroteAny(lastWriter.counts)
    const readAllForChangedMapping = async (): Promise<boolean> => {
      if (retry || flow.kind === 'optOut' || flow.sync?.mode === 'full') return false
      const state = await journal.flowState(flow.id, identity)
      if (!stoppedWithOther && (!state?.contentHash || state.contentHash === hashes.contentHash)) return false
      if (flow.kind === 'events') {
        notice(
          `the mapping of flow "${flow.id}" changed since its last run: new events get it; the activities already written keep the old one (a run with --full writes every event again)`
        )
        return false
      }
      notice(
        `the mapping of flow "${flow.id}" changed since its last run (its filter, fields, match, links or deletes): every record is read again, so that it applies to all of them, not only to those changed since`
      )
      return true
    }
    if (!resumeRunId && !full) full = await readAllForChangedMapping()
    // Rows a parent's delete took come back with their parent (orphaned-rows.ts): a parent flow's
    // creates say which parents are back (a retry's too); a child flow's run reads their rows back
    // (not a retry: it reads only its failed records), and those that failed on a parent gone again wait for it again.
    const orphanParent = flow.kind === 'records' ? await orphans.parent(flow.id) : undefined
    const orphanChild = flow.kind === 'records' && !retry ? await orphans.child(flow.id) : undefined
    const parentGoneAgain = new Set<string>()
    // Rows waiting for their parent that the run reads deleted from Dynamics wait for nothing now.
    const deletedWhileWaiting = new Set<string>()
    const allowDeletes = typeof request.allowDeletes === 'number' ? request.allowDeletes : request.allowDeletes?.[flow.id]
    let fullResync = false
    let earlierSummary: string[] = []
    let saidNotes: string | undefined
    for (let attempt = 0; attempt < 3; attempt++) {
      let parts: FlowParts
      try {
        parts = await buildFlow({
          document,
          flow,
          connections: this.options.connections,
          full,
          pageSize: this.options.pageSize,
          limits: this.options.limits,
          afterWrite: dryRun ? undefined : this.options.afterWrite,
          eventsFolder: this.options.eventsFolder,
          optOutLookbackMs: this.options.optOutLookbackMs,
          signal: request.signal,
          expressions,
          keysFolder: { journalRoot: journal.root, identity, dryRun, ...(this.options.shard ? { shard: this.options.shard } : {}) },
          ...(planned ? { planned } : {})
        })
      } catch (error) {
        if (request.signal?.aborted || isAbortError(error)) return { ...base, status: 'canceled', counts: zeroCounts(), durationMs: 0 }
        const message = error instanceof Error ? error.message : String(error)
        return {
          ...base,
          status: 'failed',
          counts: zeroCounts(),
          durationMs: 0,
          error: { code: error instanceof SyncFatalError ? error.code : 'setup', message }
        }
      }
      // What the flow says of its reads, again when an attempt reads otherwise (a refused resume
      // or an expired position reads every record): the last said is what the run does.
      if (parts.notes.join('\n') !== saidNotes) for (const note of parts.notes) notice(note)
      saidNotes = parts.notes.join('\n')
      const handle = (() => {
        try {
          return startRun({
            flow: parts.runnerFlow,
            source: parts.source,
            sink: parts.sink,
            transform: parts.transform,
            ...(parts.keyOf ? { keyOf: parts.keyOf } : {}),
            ...(parts.sourceId ? { sourceId: parts.sourceId } : {}),
            ...(parts.deletes ? { deletes: parts.deletes } : {}),
            ...hashes,
            journal,
            ...(identity ? { identity } : {}),
            ...(allowDeletes !== undefined ? { deleteGuard: { allow: allowDeletes } } : {}),
            ...(this.options.shard ? { shard: this.options.shard } : {}),
            dryRun,
            ...(full && !resumeRunId ? { cursor: undefined } : {}),
            ...(resumeRunId ? { resumeRunId } : {}),
            ...(retry ? { onlyKeys: retry.keys, retryOf: retry.runId } : {}),
            ...(request.mappingVersion ? { mappingVersion: request.mappingVersion } : {}),
            signal: request.signal,
            clock: this.options.clock,
            progressIntervalMs: this.options.progressIntervalMs,
            retryDelayMs: this.options.retryDelayMs,
            planLimit: request.planLimit,
            ...(orphanChild?.back.size ? { reread: [...orphanChild.back.keys()] } : {}),
            ...(orphanChild?.waiting.size
              ? {
                  onSourceDeleted: (keys: readonly string[]) => {
                    for (const key of keys) if (orphanChild.waiting.has(key)) deletedWhileWaiting.add(key)
                  }
                }
              : {}),
            ...(orphanParent && !dryRun ? { onCreated: (keys: readonly string[]) => orphanParent.created(keys) } : {}),
            ...(request.onPlan || planned?.isParent(flow.id) || (dryRun && orphanParent)
              ? {
                  onPlan: (entry: PlanEntry) => {
                    planned?.note(flow.id, entry)
                    // The dry run's parents back (in memory), for its child flows' plans.
                    if (entry.action === 'create' && entry.key !== undefined) void orphanParent?.created([entry.key])
                    request.onPlan?.(flow.id, entry)
                  }
                }
              : {}),
            ...(planned
              ? {
                  onPlannedCascade: (cascaded: ReadonlyArray<{ flowId: string; keys: readonly string[] }>) => {
                    for (const { flowId, keys } of cascaded) planned.noteGone(flowId, keys)
                  },
                  plannedGone: planned.goneOf(flow.id)
                }
              : {}),
            ...(request.onRecord || orphanChild?.back.size
              ? {
                  onRecord: (outcome: RecordOutcome) => {
                    if (outcome.action === 'error' && outcome.code === PARENT_MISSING && outcome.key !== undefined)
                      parentGoneAgain.add(outcome.key)
                    request.onRecord?.(flow.id, outcome)
                  }
                }
              : {}),
            onProgress: (progress) => request.onProgress?.({ type: 'progress', flowId: flow.id, flowIndex, flowCount, progress })
          })
        } catch (error) {
          return { runId: '', startedAt: 0, done: Promise.reject(error) }
        }
      })()
      let result: RunResult
      try {
        if (handle.runId) {
          request.onProgress?.({
            type: 'flowStarted',
            flowId: flow.id,
            flowIndex,
            flowCount,
            runId: handle.runId,
            startedAt: handle.startedAt,
            resumed: Boolean(resumeRunId),
            mode: retry ? 'retry' : resumeRunId && resumes ? resumes.mode : parts.source.kind,
            dryRun,
            ...(resumeRunId && resumes ? { resumes: { startedAt: resumes.startedAt, status: resumes.status, counts: resumes.counts } } : {})
          })
        }
        result = await handle.done
      } catch (error) {
        // The mapping is checked before (above): `mappingChanged` here is a run changed by another process meanwhile.
        if (resumeRunId && error instanceof SyncFatalError && (error.code === 'mappingChanged' || error.code === 'notResumable')) {
          notice(`not resuming run ${resumeRunId}: ${error.message}`)
          resumeRunId = undefined
          resumes = undefined
          full = (request.full ?? false) || (await readAllForChangedMapping())
          continue
        }
        if (request.signal?.aborted || isAbortError(error)) return { ...base, status: 'canceled', counts: zeroCounts(), durationMs: 0 }
        throw error
      }
      if (retry && result.notFound)
        notice(
          `${result.notFound} failed record(s) of run ${retry.runId} are no longer in ${flow.kind === 'events' ? 'the Campaign events read' : 'Dynamics'} under their key (deleted, or the key changed since): nothing to retry for them`
        )
      if (resumeRunId)
        notice(
          dryRun
            ? `planned as the run will do it: resuming the ${result.mode} run ${resumeRunId} from its last checkpoint (its counts so far included)`
            : `resumed the ${result.mode} run ${resumeRunId} from its last checkpoint`
        )
      // Trimming what the flow keeps for its next runs is housekeeping: a file another program holds (Windows) is said, not the run failed.
      if (result.status === 'completed' && !dryRun) {
        const advice = await parts.completed?.().catch((error: unknown) => {
          notice(
            `the keys kept for deletions could not be trimmed (${error instanceof Error ? error.message : String(error)}); the next full read trims them`
          )
          return undefined
        })
        if (advice) notice(advice)
      }
      // The rows read back are done once a run has read them all; a row whose parent was gone again waits for it again.
      if (result.status === 'completed' && (result.reread || deletedWhileWaiting.size))
        await orphanChild?.done(result.reread ?? [], parentGoneAgain, deletedWhileWaiting)
      // A resume's summary counts what History lists: the stopped attempts' conflicts with its own,
      // read from the run's journal (a run that was not resumed counted them all as it wrote them).
      if (parts.journaledConflicts && resumeRunId)
        parts.journaledConflicts((await new RunHistory(journal).conflicts(resumeRunId)).conflicts, dryRun)
      // A run that failed or was canceled may still have written (an opt-out cleared): its summary says what it did.
      const summary = [...earlierSummary, ...(parts.summary?.(dryRun, result.status) ?? [])]
      if (result.status === 'failed' && result.error?.code === 'cursorExpired' && attempt < 2) {
        // A dry run plans the full resync the run will do (its plan is the run's, docs/sync.md "Dry run = run"), read only.
        notice(
          dryRun
            ? `${result.error.message} — planned as the run will do it: a full resync of "${flow.id}" (records already in the target are found unchanged and not written again)`
            : `${result.error.message} — starting a full resync of "${flow.id}" (records already in the target are found unchanged and not written again)`
        )
        if (!dryRun) await journal.resetFlowState(flow.id, identity)
        // What the failed attempt wrote is said (the full resync's own summary only counts its
        // writes); an attempt that wrote nothing, or only planned, has nothing to say.
        earlierSummary = !dryRun && wroteAny(result.counts) ? summary : earlierSummary
        full = true
        fullResync = true
        resumeRunId = undefined
        continue
      }
      return {
        ...base,
        status: result.status,
        runId: result.runId,
        counts: result.counts,
        durationMs: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
        ...(result.plan ? { plan: result.plan } : {}),
        ...(resumeRunId ? { resumedFrom: resumeRunId } : {}),
        ...(fullResync ? { fullResync } : {}),
        mode: result.mode,
        ...(result.deleteGuard ? { deleteGuard: result.deleteGuard } : {}),
        ...(result.shard ? { shard: result.shard } : {}),
        ...(summary.length ? { summary } : {})
      }
    }
    return {
      ...base,
      status: 'failed',
      counts: zeroCounts(),
      durationMs: 0,
      error: { code: 'unexpected', message: 'gave up after repeated restarts' }
    }
  }
}

/** What one sync's flows share: its journal and identity, and what earlier flows planned or brought back. */
interface SyncContext {
  journal: SyncJournal
  identity: string | undefined
  /** A dry run: what earlier flows plan, for the flows after them. */
  planned?: PlannedWrites
  orphans: OrphanWatch
}

/** A wait for the journal's lock (files/file-lock.ts reports it after a second, then every five). */
export function lockWaitMessage(journalFolder: string, wait: LockWait): string {
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`
  return `waiting for the run journal ${journalFolder}: ${wait.holder ?? 'another process'} holds its lock (the app, browser mode or another run on this journal) — waited ${seconds(wait.waitedMs)}, giving up in ${seconds(wait.givesUpInMs)}. Stopping the run now (Cancel, or Ctrl+C on the command line) is safe: it resumes from its last checkpoint.`
}
