import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import {
  compileFlow,
  diffRecord,
  errorEntry,
  flattenRecord,
  patchOf,
  withoutFields,
  type CompileOptions,
  type CompiledFlow,
  type DiffEntry,
  type RecordResult,
  type SourceRecord,
  type TargetRecord
} from '../../shared/mapping/engine'
import type { EventsFlow, RecordsFlow } from '../../shared/mapping/document'
import { inShard, type Shard } from '../../shared/shard'
import { OUTCOME_UNKNOWN } from '../../shared/run-counts'
import { sharedKeyReason } from '../../shared/mapping/failure-reasons'
import { ExpressionStopped } from '../../shared/mapping/transforms/runtime'
import { addCounts, isListedError, journalValue, zeroCounts, type OutcomeItem, type RunCounts, type RunMode } from './journal-format'
import { newRunId, type DeferredRecord, type RunJournal, type SyncJournal } from './journal'
import { failureLines } from './journal-compaction'
import type { Failure } from './journal-failures'
import { noteLastFailure } from './journal-recovery'
import { ProgressMeter, type RunPhase, type RunProgress } from './progress'
import { noteOrphans } from './orphaned-rows'
import { changedFields, goneKeys, noteGone, payloadDigests, SentPayloadFile, withoutKeys, type SentPayloads } from './sent-payloads'
import {
  abortError,
  isAbortError,
  type CascadeCount,
  PARENT_MISSING,
  SyncFatalError,
  systemClock,
  type Clock,
  type Json,
  type RecordSource,
  type SourceCursor,
  type SourcePage,
  type TargetSink,
  type WriteOp,
  type WriteOutcome
} from './ports'

/**
 * The sync runner: source pages → the compiled flow → unchanged records skipped against
 * the target → batches written with the sink's concurrency → outcomes journaled → a
 * checkpoint per page. One page is in memory at a time; nothing holds a whole table.
 *
 * Exactly-once, by construction:
 *  - a batch's outcomes are journaled after the sink returns them; a checkpoint (the page's
 *    cursor and the counts) only after every batch of its page is journaled;
 *  - a resume starts at the last checkpoint and skips the records journaled after it;
 *  - a record written but not yet journaled when the process died is found by the resumed
 *    run's lookup, equal to its computed target, and counted unchanged — not written again.
 * So a resumed run loses no record, and writes none twice as long as the sink's `lookup`
 * reflects its writes and `write` is idempotent by key (ports.ts).
 */

/** The flow's per-record function: the compiled mapping (default), or one a flow builds itself (opt-outs). */
export interface RecordTransform {
  /** Target fields written only on create (apply updates off). */
  createOnly: readonly string[]
  run(record: SourceRecord): RecordResult | Promise<RecordResult>
}

export interface DeleteOptions {
  /** Delete the target record when the source reports its record deleted. */
  applySourceDeletes: boolean
  /** Delete the target record when its source record no longer passes the filter. */
  deleteWhenFilteredOut: boolean
}

export type PlanEntry = DiffEntry | { key: string; action: 'delete'; reason: string }

/**
 * The delete guard: a run that would delete more than `maxShare` of the records the flow
 * manages, or more than `maxCount`, stops before its first delete (deletes are held until the
 * source is read, then counted). `allow` is the count a person confirmed.
 */
export interface DeleteGuardOptions {
  /** Deletes confirmed (the app's dialog, the CLI's `--allow-deletes N`): at most this many go ahead. */
  allow?: number
  /** Default 0.1 (10 %). */
  maxShare?: number
  /** Default 100. */
  maxCount?: number
}

export interface DeleteGuardReport {
  /** Deletes the run holds (or a dry run plans). */
  deletes: number
  /** The records the flow manages: its last completed runs' count, or what this run read, whichever is more. */
  managed: number
  /** ok: under the guard (or confirmed); confirm: stopped until a person confirms the count; refused: no confirmation helps. */
  verdict: 'ok' | 'confirm' | 'refused'
  reason: string
  /**
   * The rows the target would delete with them (a profile's custom-resource rows), per resource:
   * counted by the guard as deletes of their own — more than `maxCount`, or than `maxShare` of the
   * rows their flow manages, needs the same confirmation.
   */
  cascaded?: Array<CascadeCount & { managed?: number }>
  /** `confirm`: each limit the deletes went over, in words (the Run dialog lists them). */
  over?: string[]
}

export const DELETE_HELD = 'deleteHeld'
/** Writes in flight finish even when the run is canceled (their outcome is journaled, so summary, journal and target agree). */
const NEVER_ABORTED = new AbortController().signal
/** A dry run's planned target records kept for records read again later in the run (`plannedTargets`). */
const PLANNED_TARGETS_KEPT = 50_000

/** One record's final outcome in a real run, in the plan's words. */
export interface RecordOutcome {
  key: string | undefined
  action: 'create' | 'update' | 'unchanged' | 'skipped' | 'delete' | 'error'
  reason?: string
  /** An error: the target field it is about, when known. */
  field?: string
  /** An error: what failed (src/shared/mapping/failure-reasons.ts), as the plan's entry for the record says. */
  code?: string
}

/** A source record's id and the column it is in (`contactid`), for messages. */
export interface SourceId {
  name: string
  of(record: SourceRecord): string | undefined
}

export interface RunOptions {
  flow: RecordsFlow | EventsFlow
  source: RecordSource
  sink: TargetSink
  journal: SyncJournal
  /**
   * For `compileFlow`: schema tables and, when the source applies `pushdown.odata`,
   * `filter: 'remainder'`. With deleteWhenFilteredOut on, the source must not push the
   * filter down: records that left the filter have to reach the runner to be deleted.
   */
  compile?: CompileOptions
  /** Replaces `compileFlow(flow)`. */
  transform?: RecordTransform
  /** The mapping's version label for the history (file revision, commit). */
  mappingVersion?: string
  /** Default: `mappingHash(flow)`. */
  mappingHash?: string
  /** Default: `contentHash(flow)` (the service gives the document's flow's: the runner's may be built from it). */
  contentHash?: string
  /** Plan only: counts and per-record changes, not a single write. */
  dryRun?: boolean
  /** Default: the flow's `deletes`, else both off. */
  deletes?: Partial<DeleteOptions>
  /**
   * Where the source starts. Default: an incremental source starts at the flow's last
   * completed run's cursor (`journal.flowState`), a full source at the beginning.
   */
  cursor?: SourceCursor
  /** "Retry failed records": only these match keys (read with `source.byKeys` when it has it). */
  onlyKeys?: readonly string[]
  retryOf?: string
  /** Continue this stopped run (failed, canceled, interrupted) from its last checkpoint. */
  resumeRunId?: string
  runId?: string
  signal?: AbortSignal
  clock?: Clock
  onProgress?: (progress: RunProgress) => void
  /** Default 250 ms: four events a second at most. */
  progressIntervalMs?: number
  /**
   * An incremental run: source keys read (with `source.byKeys`) after the changes — rows whose
   * parent is back after a delete took them (src/main/sync/orphaned-rows.ts), but those the
   * changes had. Kept in the run's journal, so a resume reads the rest of them.
   */
  reread?: readonly string[]
  /** The source keys each page reports deleted (a row waiting for its parent that is gone from Dynamics: orphaned-rows.ts). */
  onSourceDeleted?: (keys: readonly string[]) => void
  /** A real run: the keys each batch created, once its outcomes are journaled (a parent back: orphaned-rows.ts). */
  onCreated?: (keys: readonly string[]) => Promise<void>
  /** Every planned change of a dry run, as it is decided (streams; memory stays bounded). */
  onPlan?: (entry: PlanEntry) => void
  /** Dry run: the other flows' records a planned delete would take with it (a profile's linked rows), for those flows' plans. */
  onPlannedCascade?: (cascaded: ReadonlyArray<{ flowId: string; keys: readonly string[] }>) => void
  /** Dry run: this flow's records an earlier flow's planned deletes would take from the target: not in sync when the run gets here. */
  plannedGone?: ReadonlySet<string>
  /** A real run: each record's final outcome, as it is decided (the dry run's counterpart of onPlan; the agreement check reads both). */
  onRecord?: (outcome: RecordOutcome) => void
  /** Plan entries kept in the result. Default 1000. */
  planLimit?: number
  /** Later passes over deferred records (orphans). Default 2. */
  retryPasses?: number
  /** Wait before each retry pass, for a parent flow running alongside. Default 1000 ms. */
  retryDelayMs?: number
  /** Deferred records held for the retry passes; beyond, they fail at once. Default 10 000. */
  maxDeferred?: number
  /**
   * Adobe's "apply updates" off still writes the field "when data is initially loaded (or
   * replayed)". Off by default: create-only fields are written only on create.
   */
  writeCreateOnlyOnReplay?: boolean
  /** The match key of a computed record. Default: the engine's key; for an events flow, the target's `match.target`. */
  keyOf?: (result: RecordResult, record: SourceRecord) => string | undefined
  /**
   * The source record's own id (a Dataverse table's primary id column): how a record without a
   * match key is named in its error, and how two records with one match key in a page are told
   * apart from two reads of one record.
   */
  sourceId?: SourceId
  /** The services the run reaches (`StartEntry.identity`): the flow's position and managed count are read for this identity. */
  identity?: string
  deleteGuard?: DeleteGuardOptions
  /**
   * A sharded run (`--shard i/n`, src/shared/shard.ts): only records whose match key hashes
   * to this shard are work — the rest (records, deletions, records that left the filter) are
   * not counted, not looked up, never written or deleted: another shard owns them.
   */
  shard?: Shard
  /**
   * What a records flow last sent per key (`sent-payloads.ts`), when the sink takes updates by
   * key (`sink.updatesByKey`). Default: the file in the journal folder for this flow, identity
   * and mapping version. `false`: none (every record is looked up).
   */
  sentPayloads?: SentPayloads | false
}

export type RunEndStatus = 'completed' | 'failed' | 'canceled'

export interface RunResult {
  runId: string
  flowId: string
  status: RunEndStatus
  dryRun: boolean
  counts: RunCounts
  durationMs: number
  /** The last committed position (a resume continues from here). */
  cursor: SourceCursor | undefined
  /** Completed runs: where the next incremental run starts. */
  nextCursor?: SourceCursor
  error?: { code: string; message: string }
  /** Dry run: the planned changes (up to `planLimit`, and up to `planLimit` deletes; `truncated` if more). */
  plan?: { entries: PlanEntry[]; truncated: boolean }
  /** The keys the run read back after its changes (`RunOptions.reread`, or the resumed run's). */
  reread?: string[]
  /** A completed retry: the failed records the source no longer has under their key (deleted, or the key changed). */
  notFound?: number
  /** The mode of the run (a resumed run: the mode it was started with). */
  mode: RunMode
  /** A resumed run: when the run it continues was started. */
  resumed?: { startedAt: number }
  /** When the run held or planned deletes: the guard's verdict. */
  deleteGuard?: DeleteGuardReport
  /** A sharded run: which shard, and the source records read that belong to other shards (not in `counts`). */
  shard?: Shard & { otherShards: number }
}

export interface RunHandle {
  readonly runId: string
  /** When this run (or this attempt of a resumed one) started: its journal's start entry says the same. */
  readonly startedAt: number
  readonly paused: boolean
  /** Stops starting batches (the ones in flight finish and are journaled). */
  pause(): void
  resume(): void
  /** Same as aborting `signal`. */
  cancel(): void
  readonly done: Promise<RunResult>
}

/** sha256 of the flow's canonical JSON (keys sorted), without its display name and switch. */
export function mappingHash(flow: RecordsFlow | EventsFlow | object): string {
  const { name: _name, enabled: _enabled, ...rest } = flow as Record<string, unknown>
  return createHash('sha256').update(canonical(rest)).digest('hex')
}

/**
 * sha256 of what decides what the flow writes for a record that did not change in the source:
 * its filter, fields and steps (in any order, without their notes), match columns, links,
 * "delete when filtered out" and how option sets are read — not its name, switch, run mode, the
 * confirmed identification key or source deletes, which change how or when it writes, not what.
 * An incremental run after a change of it reads every record again (sync-service.ts): only the
 * changed ones would get the new mapping.
 */
export function contentHash(flow: RecordsFlow | EventsFlow | object): string {
  const { sync, fields, match, deletes, ...rest } = flow as {
    sync?: { picklists?: string }
    fields?: Array<Record<string, unknown>>
    match?: { source?: string; target: string }
    deletes?: { deleteWhenFilteredOut?: boolean }
  }
  return mappingHash({
    ...rest,
    ...(match ? { match: { source: match.source, target: match.target } } : {}),
    ...(deletes?.deleteWhenFilteredOut ? { deleteWhenFilteredOut: true } : {}),
    ...(fields
      ? { fields: fields.map(({ note: _note, ...field }) => field).sort((a, b) => String(a.target).localeCompare(String(b.target))) }
      : {}),
    ...(sync?.picklists ? { picklists: sync.picklists } : {})
  })
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
}

class Gate {
  private waiting: Array<() => void> = []
  paused = false
  constructor(private readonly onChange: () => void) {}
  pause(): void {
    if (this.paused) return
    this.paused = true
    this.onChange()
  }
  resume(): void {
    if (!this.paused) return
    this.paused = false
    for (const wake of this.waiting.splice(0)) wake()
    this.onChange()
  }
  async pass(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError()
    if (!this.paused) return
    await new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done)
        resolve()
      }
      this.waiting.push(done)
      signal.addEventListener('abort', done, { once: true })
    })
    if (signal.aborted) throw abortError()
  }
}

/** Runs `fn` over items with at most `limit` at once; on the first failure starts no more, waits for the rest, rethrows it. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed: { error: unknown } | undefined
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]
      try {
        await fn(item)
      } catch (error) {
        failed ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failed) throw failed.error
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  const n = Math.max(1, Math.floor(size) || 1)
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n))
  return out
}

type Work =
  | { kind: 'upsert'; key: string; target: TargetRecord; warnings: Extract<RecordResult, { kind: 'ok' }>['warnings'] }
  | { kind: 'filtered'; key: string; reason: string }
  | { kind: 'tombstone'; key: string }

function transformOf(compiled: CompiledFlow): RecordTransform {
  // Synchronous flows skip a promise per record.
  return { createOnly: compiled.createOnly, run: compiled.isAsync ? compiled.run : compiled.runSync }
}

export function startRun(options: RunOptions): RunHandle {
  const clock = options.clock ?? systemClock
  const controller = new AbortController()
  // Every request in flight listens to the run's signal: hundreds at once are expected.
  setMaxListeners(0, controller.signal)
  // The caller's signal (the CLI's Ctrl+C, a session's cancel) outlives the run: its listener
  // goes when the run ends, so runs one after another leave none behind.
  const outer = options.signal
  const onOuterAbort = () => controller.abort()
  if (outer) {
    if (outer.aborted) controller.abort()
    else outer.addEventListener('abort', onOuterAbort, { once: true })
  }
  // A dry run that plans a resume has a journal of its own: the stopped run stays as it is.
  const runId = (options.dryRun ? undefined : options.resumeRunId) ?? options.runId ?? newRunId(options.flow.id, clock.now())
  let meter: ProgressMeter | undefined
  const gate = new Gate(() => meter?.flush())
  const runner = new Runner(options, runId, clock, controller.signal, gate, (m) => (meter = m))
  const done = runner.execute().finally(() => outer?.removeEventListener('abort', onOuterAbort))
  return {
    runId,
    startedAt: runner.startedAt,
    get paused() {
      return gate.paused
    },
    pause: () => gate.pause(),
    resume: () => gate.resume(),
    cancel: () => controller.abort(),
    done
  }
}

export function runFlow(options: RunOptions): Promise<RunResult> {
  return startRun(options).done
}

class Runner {
  private readonly flow: RecordsFlow | EventsFlow
  private readonly dryRun: boolean
  private readonly deletes: DeleteOptions
  private only: Set<string> | undefined
  private committed = zeroCounts()
  /** Counts of the current page not journaled yet (skips, unchanged, planned changes); they commit with the checkpoint. */
  private pageCounts = zeroCounts()
  /** Records read and not yet decided, for progress only. */
  private undecided = 0
  private done = new Map<string, string>()
  private deferred = new Map<string, DeferredRecord>()
  /**
   * Keys whose last outcome in this run is `failed` or `unknown`, with that count. A record read
   * again later in the run (an event in two overlapping log exports, a record changed while the
   * source was read) supersedes its earlier failure, so "N failed" and "N unknown" count records,
   * as the errors list does.
   */
  private failedKeys = new Map<string, 'failed' | 'unknown'>()
  private cursor: SourceCursor | undefined
  private page = 0
  private pass = 0
  private total: number | undefined
  private phase: RunPhase = 'starting'
  /** Records of the current page decided without a journal line: journaled only if the run stops mid-page. */
  private pageDecided: OutcomeItem[] = []
  private managedBefore: number | undefined
  /**
   * A retry run: the keys it has read (the stopped attempt's journaled ones included). A failed
   * record the source no longer has under its key is not returned by its read by key, and not
   * reported deleted when the key is not the table's id: the result says how many
   * (`RunResult.notFound`), never left out unsaid.
   */
  private retried: Set<string> | undefined
  /** Keys read back after the changes (`RunOptions.reread`). */
  private reread: readonly string[] = []
  /** The rows the target would delete with the held deletes (counted before the guard). */
  private cascaded: DeleteGuardReport['cascaded']
  private guardReport: DeleteGuardReport | undefined
  /** A sharded run: records of other shards read before the last checkpoint, and in the current page. */
  private otherShards = 0
  private pageOtherShards = 0
  /** Set when the run ends: what the last progress event and the result say. */
  private finalCounts: RunCounts | undefined
  private plan: PlanEntry[] = []
  private planTruncated = false
  /** Entries in `plan` by kind: deletes and unchanged records are listed beside the first `planLimit` changes, not after them. */
  private readonly listed = { changes: 0, deletes: 0, unchanged: 0 }
  private journalRun!: RunJournal
  private meter!: ProgressMeter
  private transform!: RecordTransform
  private createOnly!: Set<string>
  private mode!: RunMode
  private resumedFrom: { startedAt: number } | undefined
  private writeCreateOnly = false
  /** What was last sent per key (records flows whose sink updates by key); undefined: look every record up. */
  private sent: SentPayloads | undefined
  /** An incremental run (or its dry run) decides records against `sent` first. */
  private compareSent = false
  /** The payload digests of the writes in flight, recorded in `sent` once the sink confirms them. */
  private readonly digests = new Map<string, string>()
  /**
   * A dry run: the target records its planned writes would leave, by key (flattened). A record
   * read again later in the same run (an event in two overlapping log exports, a record changed
   * while the source was read) is then compared with what the run will have written, as the
   * run's lookup does, not planned as a second create. Bounded: the oldest are forgotten first.
   */
  private readonly plannedTargets = new Map<string, TargetRecord>()

  /** One time for the run's start: its journal, its progress and what the app shows as started. */
  readonly startedAt: number

  constructor(
    private readonly options: RunOptions,
    private readonly runId: string,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly gate: Gate,
    exposeMeter: (meter: ProgressMeter) => void
  ) {
    this.startedAt = clock.now()
    this.flow = options.flow
    this.dryRun = options.dryRun ?? false
    const flowDeletes = this.flow.kind === 'records' ? this.flow.deletes : undefined
    this.deletes = {
      applySourceDeletes: options.deletes?.applySourceDeletes ?? flowDeletes?.applySourceDeletes ?? false,
      deleteWhenFilteredOut: options.deletes?.deleteWhenFilteredOut ?? flowDeletes?.deleteWhenFilteredOut ?? false
    }
    this.only = options.onlyKeys ? new Set(options.onlyKeys) : undefined
    this.meter = new ProgressMeter(clock, options.progressIntervalMs ?? 250, options.onProgress, () => this.snapshot(), this.startedAt)
    exposeMeter(this.meter)
  }

  /**
   * Records flows whose sink updates by key keep a digest of each payload sent. An incremental
   * run reads them (skip what was sent already, send the rest by key); a full run only writes
   * them: it decides against the target's own values. A retry run uses none.
   */
  private async openSent(): Promise<void> {
    const { options, flow } = this
    if (flow.kind !== 'records' || !options.sink.updatesByKey || options.sentPayloads === false || this.mode === 'retry') return
    this.compareSent = this.mode === 'incremental'
    // What shapes the payload and where it goes (not the mode, filter or deletes): another mapping of it starts with no digest.
    const payload = mappingHash({ id: flow.id, target: flow.target, match: flow.match, fields: flow.fields, links: flow.links ?? [] })
    this.sent =
      options.sentPayloads ||
      (await SentPayloadFile.open(options.journal.root, [payload, options.identity ?? ''].join('\u0000'), { load: this.compareSent }))
    // Records the target deleted with another flow's record (a profile's custom-resource rows):
    // no longer in sync. The run forgets them (then looks them up); its dry run only hides them,
    // and those an earlier flow of the same dry run plans to take with its deletes.
    const gone = await goneKeys(options.journal.root, flow.id, options.identity ?? '')
    if (this.dryRun) {
      const hidden = options.plannedGone?.size ? new Set([...gone.keys, ...options.plannedGone]) : gone.keys
      if (hidden.size) this.sent = withoutKeys(this.sent, hidden)
      return
    }
    if (gone.keys.size === 0) return
    for (const key of gone.keys) this.sent.forget(key)
    await this.sent.flush()
    await gone.consume()
  }

  /** The payload an update sends (create-only fields left out), as `sent` digests it. */
  private updatePayload(target: TargetRecord): TargetRecord {
    return this.writeCreateOnly ? target : withoutFields(target, this.createOnly)
  }

  /** The target holds this record's payload (written, or read back equal): remember its digests. */
  private sentConfirmed(key: string): void {
    const digests = this.digests.get(key)
    if (digests === undefined || !this.sent) return
    this.digests.delete(key)
    this.sent.record(key, digests)
  }

  private liveCounts(): RunCounts {
    const counts = addCounts({ ...this.committed }, this.pageCounts)
    counts.read += this.undecided
    counts.pending += this.undecided
    return counts
  }

  private snapshot(): Omit<RunProgress, 'ratePerSecond' | 'etaMs' | 'elapsedMs' | 'finished'> {
    const counts = this.finalCounts ? { ...this.finalCounts } : this.liveCounts()
    return {
      runId: this.runId,
      flowId: this.flow.id,
      phase: this.gate.paused ? 'paused' : this.phase,
      dryRun: this.dryRun,
      counts,
      ...(this.total !== undefined ? { total: this.total } : {}),
      pages: this.page
    }
  }

  private setPhase(phase: RunPhase): void {
    this.phase = phase
    this.meter.flush()
  }

  async execute(): Promise<RunResult> {
    const { options, flow } = this
    // Compiled once, before the first record: a mapping error stops the run before it starts.
    this.transform = options.transform ?? transformOf(compileFlow(flow, options.compile))
    const hash = options.mappingHash ?? mappingHash(flow)
    let priorMs = 0
    let startPass = 0
    let pagesDone = false
    if (options.resumeRunId) {
      // One read of the stopped run's journal: where it stands, its failed records (each one's
      // last failure: a later read supersedes it), and (for a source that asks) the keys it journaled.
      const journaled = options.source.resumedAfter ? new Set<string>() : undefined
      const stoppedFailures = new Map<string, Failure>()
      // A retry: the keys its stopped attempt read (`RunResult.notFound` counts the others); any other run keeps none.
      let decided: Set<string> | undefined
      const recovery = await options.journal.recover(options.resumeRunId, (entry) => {
        if (entry.t === 'start' && entry.onlyKeys) decided = new Set()
        if (entry.t !== 'outcomes') return
        for (const item of entry.items) {
          noteLastFailure(stoppedFailures, item, () => ({ item, page: entry.page }))
          if (item.k !== undefined) {
            journaled?.add(item.k)
            decided?.add(item.k)
          }
        }
      })
      this.noteFailed([...stoppedFailures.values()].map(({ item }) => item))
      if (recovery.status === 'completed')
        throw new SyncFatalError('notResumable', `run ${options.resumeRunId} has completed — there is nothing to resume`)
      if (recovery.status === 'running') throw new SyncFatalError('notResumable', `run ${options.resumeRunId} is running`)
      if (recovery.start.mappingHash !== hash) {
        throw new SyncFatalError(
          'mappingChanged',
          `run ${options.resumeRunId} was started with another version of flow "${flow.id}" — start a new run instead of resuming this one`
        )
      }
      this.mode = recovery.start.mode
      this.committed = recovery.counts
      this.done = new Map(recovery.doneAfterCheckpoint)
      this.deferred = recovery.deferred
      this.cursor = recovery.checkpoint ? recovery.checkpoint.cursor : recovery.start.cursor
      this.page = recovery.checkpoint?.page ?? 0
      this.total = recovery.checkpoint?.total
      pagesDone = recovery.checkpoint?.phase === 'retry'
      startPass = recovery.checkpoint?.pass ?? 0
      this.otherShards = recovery.checkpoint?.otherShards ?? 0
      if (recovery.start.onlyKeys && !options.onlyKeys) this.only = new Set(recovery.start.onlyKeys)
      if (this.only) this.retried = decided ?? new Set()
      this.reread = recovery.start.reread ?? []
      this.resumedFrom = { startedAt: recovery.start.at }
      if (journaled) options.source.resumedAfter!(journaled)
      if (this.dryRun) {
        // The plan of a resume: where the stopped run stands (its counts, its records done, its
        // deferred writes) and what the rest would do, so the plan's counts are the ones the
        // resumed run will report (docs/sync.md, "Dry run = run"). Read only: the stopped run's
        // journal is not reopened, and it stays resumable.
        this.journalRun = await this.beginJournal(hash)
        // Its counts start from the stopped run's, failures included: its errors list starts
        // from the stopped run's too (`d: {}`, counted already), so "N failed" is the list's
        // length in the plan as in the run it plans — not only the failures the plan adds.
        for (const line of failureLines(stoppedFailures.values(), this.clock.now())) await this.journalRun.append(line)
      } else {
        this.journalRun = (await options.journal.reopen(options.resumeRunId, recovery)).run
        priorMs = recovery.durationMs
      }
    } else {
      this.mode = this.only ? 'retry' : options.source.kind
      if (this.only) this.retried = new Set()
      this.cursor =
        options.cursor !== undefined
          ? options.cursor
          : this.mode === 'incremental'
            ? (await options.journal.flowState(flow.id, options.identity))?.cursor
            : undefined
      // Only an incremental run from a stored position reads back: any other reads every record anyway.
      if (this.mode === 'incremental' && this.cursor !== undefined && options.source.byKeys) this.reread = options.reread ?? []
      this.journalRun = await this.beginJournal(hash)
    }
    this.managedBefore = (await options.journal.flowState(flow.id, options.identity))?.managed
    this.createOnly = new Set(this.transform.createOnly)
    this.writeCreateOnly = (options.writeCreateOnlyOnReplay ?? false) && this.mode === 'full'
    await this.openSent()

    const segmentStart = this.clock.now()
    let status: RunEndStatus = 'completed'
    let error: { code: string; message: string } | undefined
    try {
      if (!pagesDone) await this.readPages()
      await this.retryPasses(startPass)
    } catch (caught) {
      if (this.signal.aborted || isAbortError(caught)) status = 'canceled'
      else {
        status = 'failed'
        error =
          caught instanceof SyncFatalError
            ? { code: caught.code, message: caught.message }
            : caught instanceof ExpressionStopped
              ? { code: 'expressionStopped', message: `stopped: ${caught.message}` }
              : { code: 'unexpected', message: (caught as Error)?.message ?? String(caught) }
      }
    }
    const counts = status === 'completed' ? { ...this.committed } : await this.settleStoppedPage()
    this.finalCounts = counts
    this.undecided = 0
    this.pageCounts = zeroCounts()
    // A canceled or failed run's last progress says it stopped, not that it is done (the CLI printed "done — 430 pending").
    this.phase = status === 'completed' ? 'done' : 'stopped'
    if (this.dryRun && this.committed.deleted > 0) this.guardReport = this.guard(this.committed.deleted)
    const durationMs = priorMs + (this.clock.now() - segmentStart)
    await this.journalRun.end({
      t: 'end',
      at: this.clock.now(),
      status,
      counts,
      durationMs,
      ...(status === 'completed' && this.cursor !== undefined ? { cursor: this.cursor } : {}),
      ...(error ? { error } : {})
    })
    this.meter.flush()
    this.meter.stop()
    return {
      runId: this.runId,
      flowId: flow.id,
      status,
      dryRun: this.dryRun,
      counts,
      durationMs,
      cursor: this.cursor,
      ...(status === 'completed' ? { nextCursor: this.cursor } : {}),
      ...(error ? { error } : {}),
      ...(this.dryRun ? { plan: { entries: this.plan, truncated: this.planTruncated } } : {}),
      mode: this.mode,
      ...(this.resumedFrom ? { resumed: this.resumedFrom } : {}),
      ...(this.guardReport ? { deleteGuard: this.guardReport } : {}),
      ...(this.reread.length ? { reread: [...this.reread] } : {}),
      ...(this.retried && status === 'completed' ? { notFound: [...this.only!].filter((key) => !this.retried!.has(key)).length } : {}),
      ...(options.shard ? { shard: { ...options.shard, otherShards: this.otherShards + this.pageOtherShards } } : {})
    }
  }

  /** This run's own journal file, starting where the run starts (its mode, cursor and keys). */
  private beginJournal(mappingHash: string): Promise<RunJournal> {
    const { options } = this
    return options.journal.begin({
      runId: this.runId,
      flowId: this.flow.id,
      mappingHash,
      contentHash: options.contentHash ?? contentHash(this.flow),
      ...(options.mappingVersion ? { mappingVersion: options.mappingVersion } : {}),
      mode: this.mode,
      dryRun: this.dryRun,
      ...(this.cursor !== undefined ? { cursor: this.cursor } : {}),
      ...(options.retryOf ? { retryOf: options.retryOf } : {}),
      ...(this.only ? { onlyKeys: [...this.only] } : {}),
      ...(this.reread.length ? { reread: [...this.reread] } : {}),
      ...(options.identity ? { identity: options.identity } : {}),
      at: this.startedAt
    })
  }

  /**
   * The run stopped mid-page (canceled or failed), after the writes in flight finished: the
   * page's records decided without a journal line (unchanged, skipped) are journaled now, so
   * the resume does not decide them again and the counts never go backwards; what was read
   * and not finished is `pending` in the summary (the resume reads it again).
   */
  private async settleStoppedPage(): Promise<RunCounts> {
    const decided = { ...this.pageCounts }
    // Every record read so far, taken before the page's decided records move into `committed` (else they count twice: decided and pending).
    const read = this.liveCounts().read
    if (this.pageDecided.length) {
      try {
        await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: this.page + 1, items: this.pageDecided, d: decided })
        addCounts(this.committed, decided)
      } catch {
        // The journal cannot take it: the resume decides those records again (they stay pending here).
      }
    } else if (this.dryRun) addCounts(this.committed, decided)
    const counts = { ...this.committed }
    const pending = Math.max(0, read - counts.read)
    counts.read += pending
    counts.pending += pending
    return counts
  }

  /** Before the deletes: what the target would delete with them, and how many rows each such flow manages. */
  private async countCascade(keys: readonly string[]): Promise<void> {
    const counts = (await this.options.sink.countCascade?.(keys, this.signal)) ?? []
    this.cascaded = await Promise.all(
      counts
        .filter((c) => c.rows > 0 || c.unknown)
        .map(async (c) => {
          const managed = c.flowId ? (await this.options.journal.flowState(c.flowId, this.options.identity))?.managed : undefined
          return { ...c, ...(managed !== undefined ? { managed } : {}) }
        })
    )
  }

  /** The delete guard's verdict on `deletes` held (or planned) deletes, and on the rows the target would delete with them. */
  private guard(deletes: number): DeleteGuardReport {
    const options = this.options.deleteGuard ?? {}
    const maxShare = options.maxShare ?? 0.1
    const maxCount = options.maxCount ?? 100
    // From the counts, not a tally of this attempt: a resumed run's guard counts what the stopped attempt read too.
    const records = this.committed.read - this.committed.sourceDeletions
    const kept = records - this.committed.filteredOut
    // The target records the flow keeps in step: its last completed runs' count, or (first
    // runs) what this run keeps plus what it would delete — not the rows the filter drops.
    const managed = Math.max(this.managedBefore ?? 0, kept + deletes)
    const where = `flow "${this.flow.id}"`
    // The filter kept nothing of a whole table (a full run, or a flow's first run: it reads from the start).
    // A later incremental run reads only changes: all of them leaving the filter can be on purpose
    // (contacts deactivated together), so that asks for a confirmation below instead.
    const keptNone = this.deletes.deleteWhenFilteredOut && this.committed.filteredOut > 0 && kept <= 0
    if (keptNone && (this.mode === 'full' || (this.managedBefore === undefined && records >= 10))) {
      return {
        deletes,
        managed,
        verdict: 'refused',
        reason: `the filter of ${where} kept none of the ${records} records read, and "delete when filtered out" would delete ${deletes} target record(s) — a filter that matches nothing is almost always a mistake (a misspelt field or value). Nothing was deleted: fix the filter (preview it), or turn "delete when filtered out" off`
      }
    }
    const share = managed > 0 ? deletes / managed : 1
    const percent = `${Math.round(maxShare * 100)}%`
    // `over` for the message, `why` for the Run dialog's list: the same limits, in its sentence.
    const over: string[] = []
    const why: string[] = []
    if (deletes > maxCount) {
      over.push(`more than ${maxCount}`)
      why.push(`more than ${maxCount} deletes`)
    }
    if (share > maxShare) {
      over.push(`more than ${percent} of the ${managed} records it manages`)
      why.push(`more than ${percent} of the ${managed} records this flow manages`)
    }
    if (keptNone && records >= 10) {
      const keptNoneText = `the filter kept none of the ${records} changed records read (a misspelt field or value does that too; if they left the filter on purpose, confirm)`
      over.push(keptNoneText)
      why.push(keptNoneText)
    }
    // Rows the target deletes with them are deletes all the same (docs/sync.md, "Guarded deletes").
    const cascaded = this.cascaded ?? []
    const withThem: string[] = []
    for (const c of cascaded) {
      const whose = c.flowId ? `flow "${c.flowId}"` : 'no flow of this mapping'
      const limits: string[] = []
      if (c.rows > maxCount) limits.push(`more than ${maxCount}`)
      if (c.managed !== undefined && c.rows > maxShare * c.managed)
        limits.push(`more than ${percent} of the ${c.managed} rows ${whose} manages`)
      if (limits.length) {
        withThem.push(`${c.rows} ${c.resource} row(s) linked to them (${whose}) — ${limits.join(' and ')}`)
        why.push(`${c.resource} rows deleted with them: ${limits.join(' and ')}`)
      }
    }
    const report = { deletes, managed, ...(cascaded.length ? { cascaded } : {}) }
    if (over.length === 0 && withThem.length === 0) return { ...report, verdict: 'ok', reason: `${deletes} delete(s) are within the guard` }
    if (options.allow !== undefined && deletes <= options.allow)
      return { ...report, verdict: 'ok', reason: `${deletes} delete(s) confirmed (up to ${options.allow} allowed)` }
    const own = over.length ? ` — ${over.join(' and ')}` : ''
    const also = withThem.length ? `; the target would also delete ${withThem.join('; ')}` : ''
    return {
      ...report,
      over: why,
      verdict: 'confirm',
      reason: `this run would delete ${deletes} target record(s) of ${where}${own}${also}. Nothing was deleted. Check the filter and the delete settings; to go ahead, confirm the count (on the command line: --allow-deletes ${deletes})`
    }
  }

  /** Commits where the run stands: a resume starts from here (the page's cursor, or retry pass `pass`). */
  private async checkpoint(phase: 'pages' | 'retry', pass: number): Promise<void> {
    await this.journalRun.checkpoint({
      t: 'checkpoint',
      at: this.clock.now(),
      phase,
      page: this.page,
      pass,
      cursor: this.cursor,
      counts: { ...this.committed },
      ...(this.total !== undefined ? { total: this.total } : {}),
      ...(this.options.shard ? { otherShards: this.otherShards } : {})
    })
  }

  /**
   * The changes, then the rows read back (by key, 50 a page) but those the changes had: a row
   * read back is read once, at its latest. Every page carries where the run stands — in the
   * changes `{t:'changes', next, seen}`, among the rows read back `{t:'reread', at, next, seen}`
   * (`next` the changes' position, `at` of the keys, `seen` which of the keys the changes had, a
   * bit per key in base64: every checkpoint carries it, so 10,000 keys cost 1.7 kB a page, not
   * the keys themselves) — so a run stopped anywhere resumes there and still reads each row
   * once. The last page's position is the changes' again: the next run starts there.
   */
  private async *changesThenReread(): AsyncIterable<SourcePage> {
    const { source } = this.options
    const resumed = rereadCursor(this.cursor)
    const inChanges = changesCursor(this.cursor)
    let next: SourceCursor | null = resumed ? resumed.next : inChanges ? inChanges.next : (this.cursor ?? null)
    const position = new Map(this.reread.map((key, index) => [key, index]))
    const seen = seenFrom((resumed ?? inChanges)?.seen, this.reread.length)
    const wasSeen = (index: number) => (seen[index >> 3] & (1 << (index & 7))) !== 0
    let anySeen = seen.some((bits) => bits !== 0)
    const keyColumn = this.flow.kind === 'records' ? this.flow.match.source : undefined
    const where = (at: { t: 'changes' } | { t: 'reread'; at: number }): Json =>
      ({ ...at, next, ...(anySeen ? { seen: Buffer.from(seen).toString('base64') } : {}) }) as unknown as Json
    if (!resumed) {
      for await (const page of source.pages(next ?? undefined, this.signal)) {
        if (keyColumn)
          for (const key of [...page.records.map((r) => String(r[keyColumn])), ...(page.deleted ?? [])]) {
            const index = position.get(key)
            if (index === undefined) continue
            seen[index >> 3] |= 1 << (index & 7)
            anySeen = true
          }
        next = page.cursor
        yield { ...page, cursor: anySeen ? where({ t: 'changes' }) : next }
      }
    }
    for (let at = resumed ? resumed.at : 0; at < this.reread.length;) {
      const end = Math.min(at + 50, this.reread.length)
      const keys = this.reread.slice(at, end).filter((_key, i) => !wasSeen(at + i))
      at = end
      const records: SourceRecord[] = []
      const deleted: string[] = []
      if (keys.length)
        for await (const page of source.byKeys!(keys, undefined, this.signal)) {
          records.push(...page.records)
          deleted.push(...(page.deleted ?? []))
        }
      yield { records, ...(deleted.length ? { deleted } : {}), cursor: where({ t: 'reread', at }) }
    }
    yield { records: [], cursor: next }
  }

  private async readPages(): Promise<void> {
    const { source } = this.options
    const pages =
      this.only && source.byKeys
        ? source.byKeys([...this.only], this.cursor, this.signal)
        : this.reread.length
          ? this.changesThenReread()
          : source.pages(this.cursor, this.signal)
    this.setPhase('reading')
    for await (const page of pages) {
      this.page++
      if (page.deleted?.length) this.options.onSourceDeleted?.(page.deleted)
      // The source's total counts every shard's records: a shard's share is not known until read, so no percentage.
      if (page.total !== undefined && !this.options.shard) this.total = page.total
      this.pageOtherShards = 0
      await this.gate.pass(this.signal)
      this.phase = 'writing'
      await this.processPage(page)
      await this.sent?.flush()
      this.cursor = page.cursor
      addCounts(this.committed, this.pageCounts)
      this.pageCounts = zeroCounts()
      this.otherShards += this.pageOtherShards
      this.pageOtherShards = 0
      await this.checkpoint('pages', 0)
      page.processed?.()
      this.done.clear()
      this.pageDecided = []
      this.phase = 'reading'
      this.meter.tick()
      if (this.signal.aborted) throw abortError()
    }
    // The source is done: from here a resume goes straight to the retry passes.
    await this.checkpoint('retry', 0)
  }

  private keyOf(result: RecordResult, record: SourceRecord): string | undefined {
    if (this.options.keyOf) return this.options.keyOf(result, record)
    if (result.key !== undefined) return result.key
    if (this.flow.kind === 'events' && result.kind === 'ok') {
      const value = flattenRecord(result.target)[this.flow.match.target]
      return value === null || value === undefined || value === '' ? undefined : String(value)
    }
    return undefined
  }

  private planned(entry: PlanEntry): void {
    if (!this.dryRun) {
      this.options.onRecord?.({
        key: entry.key,
        action: entry.action,
        ...('reason' in entry ? { reason: entry.reason } : {}),
        ...('field' in entry && entry.field ? { field: entry.field } : {}),
        ...('code' in entry && entry.code ? { code: entry.code } : {})
      })
      return
    }
    this.options.onPlan?.(entry)
    // Deletes are planned last (held until the whole source is read, as the run holds them):
    // they get room of their own, so a long plan still lists the changes a consultant checks
    // first; so do the records found unchanged, or a plan whose first records are in step (an
    // opt-out flow's first pairs) listed no change at all. Up to `planLimit` of each: other
    // changes (creates, updates, skips, failures), deletes, unchanged.
    const limit = this.options.planLimit ?? 1000
    const room = entry.action === 'delete' ? 'deletes' : entry.action === 'unchanged' ? 'unchanged' : 'changes'
    if (this.listed[room] < limit) {
      this.plan.push(entry)
      this.listed[room]++
    } else this.planTruncated = true
  }

  private async processPage(page: SourcePage): Promise<void> {
    const pageNo = this.page
    const failures: OutcomeItem[] = []
    const failureDelta: Partial<RunCounts> = {}
    const bump = (name: keyof RunCounts) => (failureDelta[name] = (failureDelta[name] ?? 0) + 1)
    const work = new Map<string, Work>()
    const superseded: OutcomeItem[] = []
    const take = (id: string, key: string | undefined): boolean => {
      if (this.done.has(id)) return false // journaled by the attempt that crashed or was canceled
      if (this.only && (key === undefined || !this.only.has(key))) return false
      return true
    }
    const queue = (item: Work) => {
      this.undecided++
      work.set(item.key, item)
    }
    // Keys of this page whose earlier failure in the run this read supersedes, and their counts.
    const readAgain: OutcomeItem[] = []
    const readAgainFrom = { failed: 0, unknown: 0 }
    /**
     * The same record twice in one page: only its last read is decided (a failure, a skip or a
     * write), the earlier ones are skipped as superseded. (`dup` id: a stopped page's resume
     * does not count them twice.) Returns false for a read that is not the record's last.
     */
    const lastRead = (key: string | undefined, position: string, deletion: boolean): boolean => {
      if (key === undefined) return true
      const lastPosition = last.get(key)
      if (lastPosition !== position) {
        const dup = `#dup:${pageNo}:${position}`
        if (!this.done.has(dup)) {
          const other = sharesKey(position, lastPosition)
          if (other) {
            // Another record of the source with the same match key: both would become one target
            // record, so this one is not written — a failure to fix in the source, never a silent merge.
            const message = sharedKeyReason(key, other.name, other.later, other.mine)
            bump('read')
            bump('failed')
            failures.push({ id: dup, o: 'failed', stage: 'transform', code: 'duplicateKey', message, retryable: false })
            this.planned({ key, action: 'error', field: '', step: undefined, code: 'duplicateKey', reason: message, input: null })
            return false
          }
          this.pageCounts.read++
          this.pageCounts.skipped++
          // A deletion stays a deletion, never "kept by the filter".
          if (deletion) this.pageCounts.sourceDeletions++
          this.pageDecided.push({ id: dup, o: 'skipped' })
          this.planned({ key, action: 'skipped', reason: 'superseded by a later version of the record in the same page' })
        }
        return false
      }
      const earlier = this.failedKeys.get(key)
      if (earlier) {
        this.failedKeys.delete(key)
        readAgain.push({ k: key, o: 'superseded' })
        readAgainFrom[earlier]++
      }
      // A newer version of a deferred record replaces it, whatever this read does (a write, a
      // failure, a skip): the stale write must never land. Not only when it is written: a later
      // read that failed or was filtered out left the old write deferred, and the retry pass
      // landed it (a failed record in the target, "1 failed" with no error in the list).
      if (this.deferred.delete(key)) superseded.push({ k: key, o: 'superseded' })
      return true
    }

    const records = page.records
    const deleted = page.deleted ?? []
    const { shard } = this.options
    // Every record's result and key first: a key read again later in the page supersedes its earlier reads.
    const results: Array<{ result: RecordResult; key: string | undefined; sourceId: string | undefined }> = []
    const { sourceId } = this.options
    for (const record of records) {
      const pending = this.transform.run(record)
      const result = pending instanceof Promise ? await pending : pending
      results.push({ result, key: this.keyOf(result, record), sourceId: sourceId?.of(record) })
    }
    const last = new Map<string, string>()
    results.forEach(({ key }, index) => key !== undefined && last.set(key, String(index)))
    deleted.forEach((key, index) => last.set(key, `d${index}`))
    if (this.retried) for (const key of last.keys()) this.retried.add(key)
    /** " (Dynamics contactid …)": the record at this position named by its source id, for a record with no match key. */
    const named = (index: number): string => {
      const id = results[index]?.sourceId
      return sourceId && id ? ` (Dynamics ${sourceId.name} ${id})` : ''
    }
    /** Two records of the page at these positions are different source records (their ids differ): their ids. */
    const sharesKey = (position: string, lastPosition: string | undefined) => {
      const mine = results[Number(position)]?.sourceId
      const later = lastPosition === undefined || lastPosition.startsWith('d') ? undefined : results[Number(lastPosition)]?.sourceId
      return sourceId && mine && later && mine !== later ? { name: sourceId.name, later, mine } : undefined
    }
    for (let index = 0; index < results.length; index++) {
      const { result, key } = results[index]
      if (shard && !inShard(key, shard)) {
        this.pageOtherShards++
        continue
      }
      const id = key ?? `#${pageNo}:${index}`
      // A record filtered out is journaled (when a run stops mid-page) by its position: a later version of it may be in the page.
      const position = `#at:${pageNo}:${index}`
      if (this.done.has(position) || !take(id, key) || !lastRead(key, String(index), false)) continue
      if (result.kind === 'error' || (result.kind === 'ok' && key === undefined)) {
        const item: OutcomeItem =
          result.kind === 'error'
            ? {
                o: 'failed',
                stage: 'transform',
                code: result.code,
                // Without a key the errors list names the record by its position alone: its source id says which it is.
                message: key === undefined ? `${result.reason}${named(index)}` : result.reason,
                field: result.field,
                ...(result.step !== undefined ? { step: result.step } : {}),
                ...(result.stepName ? { stepName: result.stepName } : {}),
                input: journalValue(result.input),
                // The mapping or the target's rules refuse the value: only a change to the record or the mapping helps, not a retry.
                retryable: false
              }
            : {
                o: 'failed',
                stage: 'transform',
                code: 'noKey',
                message: `the computed record has no match key — it cannot be matched to a target record${named(index)}`,
                retryable: false
              }
        failures.push(key !== undefined ? { k: key, ...item } : { id, ...item })
        bump('read')
        bump('failed')
        // Named by the key the run journals it under (an event's id when its mapping failed), and without a key
        // by its source id, in the plan as in the run.
        if (result.kind === 'error') this.planned({ ...errorEntry(result), key, reason: item.message! })
        else
          this.planned({ key: undefined, action: 'error', field: '', step: undefined, code: 'noKey', reason: item.message!, input: null })
      } else if (result.kind === 'skipped') {
        const filtered = !result.notFiltered
        if (filtered && this.deletes.deleteWhenFilteredOut && key !== undefined) queue({ kind: 'filtered', key, reason: result.reason })
        else {
          this.pageCounts.read++
          this.pageCounts.skipped++
          // Only the flow's filter filters out: "N read (M kept by the filter)" counts nothing else.
          if (filtered) this.pageCounts.filteredOut++
          this.pageDecided.push({ id: position, o: 'skipped' })
          this.planned({ key, action: 'skipped', reason: result.reason })
        }
      } else queue({ kind: 'upsert', key: key!, target: result.target, warnings: result.warnings })
    }
    for (const [index, key] of deleted.entries()) {
      // A deletion not applied is journaled by its position: its key may also be a record of this page.
      const deletionId = `#del:${pageNo}:${index}`
      if (shard && !inShard(key, shard)) {
        this.pageOtherShards++
        continue
      }
      if (this.done.has(deletionId) || !take(key, key) || !lastRead(key, `d${index}`, true)) continue
      // Counted as a source deletion where it is decided, with its `read`, so a stopped page's resume never counts it twice.
      if (this.deletes.applySourceDeletes) queue({ kind: 'tombstone', key })
      else {
        this.pageCounts.read++
        this.pageCounts.skipped++
        this.pageCounts.sourceDeletions++
        this.pageDecided.push({ id: deletionId, o: 'skipped' })
        this.planned({ key, action: 'skipped', reason: 'deleted in the source; source deletes are not applied' })
      }
    }
    if (failures.length || superseded.length || readAgain.length) {
      // A superseded deferred write, or an earlier failure, becomes a skip of that earlier read:
      // the record is counted by what this read does (and the errors list shows its last failure).
      const d: Partial<RunCounts> = { ...failureDelta }
      const add = (name: keyof RunCounts, n: number) => n && (d[name] = (d[name] ?? 0) + n)
      add('deferred', -superseded.length)
      add('failed', -readAgainFrom.failed)
      add('unknown', -readAgainFrom.unknown)
      add('skipped', superseded.length + readAgain.length)
      const items = [...superseded, ...readAgain, ...failures]
      await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: pageNo, items, d })
      addCounts(this.committed, d)
      this.noteFailed(items)
    }
    this.meter.tick()
    if (work.size === 0) return

    // What was last sent decides first: the same payload → unchanged, no call; a changed one → an update by key, no lookup.
    const byKey = new Map<string, string[]>()
    if (this.sent) {
      for (const item of work.values()) {
        if (item.kind !== 'upsert') continue
        const payload = this.updatePayload(item.target)
        const digests = payloadDigests(payload)
        const before = this.compareSent ? this.sent.get(item.key) : undefined
        if (before !== digests && !this.dryRun) this.digests.set(item.key, digests)
        if (before === undefined) continue
        if (before === digests) {
          work.delete(item.key)
          this.decide('unchanged')
          this.pageDecided.push({ k: item.key, o: 'unchanged' })
          this.planned({ key: item.key, action: 'unchanged' })
          continue
        }
        const changed = changedFields(payload, before, digests)
        if (changed?.length) byKey.set(item.key, changed)
      }
    }
    // A dry run looks the changed ones up to show what they change (the run will send them whatever Campaign holds).
    const existing = await this.lookup([...work.keys()].filter((key) => this.dryRun || !byKey.has(key)))
    if (this.dryRun)
      for (const key of work.keys()) {
        const planned = this.plannedTargets.get(key)
        if (planned) existing.set(key, planned)
      }
    const ops: WriteOp[] = []
    // A dry run's planned writes wait for the sink's verdict (a missing parent fails there too).
    const intents = new Map<string, PlanEntry>()
    const deletes: Array<{ op: WriteOp; filtered: boolean; reason: string }> = []
    for (const item of work.values()) {
      const current = existing.get(item.key)
      const changed = byKey.get(item.key)
      // The fields changed since they were last sent go by key, whatever Campaign holds; the dry
      // run plans those same fields (Campaign's values before them): one edited in Campaign and
      // not in Dynamics stays as it is, in the plan as in the run. A record gone from Campaign is
      // created again from the whole record (the sink's answer to the update), planned so below.
      if (item.kind === 'upsert' && changed && (!this.dryRun || current)) {
        const record = this.updatePayload(item.target)
        const patch: TargetRecord = {}
        for (const name of changed) patch[name] = record[name] ?? null
        ops.push({ op: 'update', key: item.key, record, patch, byKey: true })
        if (this.dryRun) {
          // By the fields a person reads (`location.city`), as the full difference is planned: the patch's names are top-level.
          const before = flattenRecord(current!)
          const changes = Object.entries(flattenRecord(patch)).map(([field, value]) => ({ field, old: before[field] ?? null, new: value }))
          intents.set(item.key, { key: item.key, action: 'update', changes, warnings: item.warnings, createOnlySkipped: [] })
        }
        continue
      }
      if (item.kind === 'upsert') {
        if (!current) {
          ops.push({ op: 'create', key: item.key, record: item.target })
          if (this.dryRun) intents.set(item.key, { key: item.key, action: 'create', target: item.target, warnings: item.warnings })
          continue
        }
        const diff = diffRecord(item.target, current, this.writeCreateOnly ? new Set() : this.createOnly)
        if (diff.changes.length === 0) {
          // Read from the target and equal: what the next incremental run compares with.
          this.sentConfirmed(item.key)
          this.decide('unchanged')
          this.pageDecided.push({ k: item.key, o: 'unchanged' })
          this.planned({ key: item.key, action: 'unchanged' })
          continue
        }
        const record = this.writeCreateOnly ? item.target : withoutFields(item.target, this.createOnly)
        ops.push({ op: 'update', key: item.key, record, patch: patchOf(diff.changes) })
        if (this.dryRun)
          intents.set(item.key, {
            key: item.key,
            action: 'update',
            changes: diff.changes,
            warnings: item.warnings,
            createOnlySkipped: diff.createOnlySkipped
          })
      } else if (current) {
        const reason = item.kind === 'tombstone' ? 'deleted in the source' : `left the filter (${item.reason})`
        deletes.push({ op: { op: 'delete', key: item.key }, filtered: item.kind === 'filtered', reason })
        // Held, not decided: a later read of the record may supersede it. The run reports the
        // delete when it lands (writeAll), a dry run plans it at the end (retryPasses).
      } else {
        const outcome = item.kind === 'tombstone' ? 'unchanged' : 'skipped'
        this.decide(outcome)
        if (item.kind === 'filtered') this.pageCounts.filteredOut++
        else this.pageCounts.sourceDeletions++
        this.pageDecided.push({ k: item.key, o: outcome })
        this.planned(
          item.kind === 'tombstone' ? { key: item.key, action: 'unchanged' } : { key: item.key, action: 'skipped', reason: item.reason }
        )
      }
    }
    if (this.dryRun) {
      const verdicts = await this.planWrites(ops)
      // The target's refusals are journaled like the run's: the dry run's errors view and CSV list them with their codes.
      const refused: OutcomeItem[] = []
      for (const op of ops) {
        const verdict = verdicts.get(op.key)
        if (verdict?.outcome === 'failed') {
          refused.push({
            k: op.key,
            o: 'failed',
            stage: 'write',
            op: op.op,
            code: verdict.code,
            message: verdict.message,
            retryable: verdict.retryable,
            ...(verdict.field ? { field: verdict.field } : {}),
            ...(verdict.field && writtenValue(op, verdict.field) !== undefined ? { input: writtenValue(op, verdict.field) } : {})
          })
          this.planned({
            key: op.key,
            action: 'error',
            field: verdict.field ?? '',
            step: undefined,
            code: verdict.code,
            reason: verdict.message,
            input: null
          })
        } else {
          this.decide(op.op === 'create' ? 'created' : 'updated')
          this.planTarget(op, existing.get(op.key))
          this.planned(intents.get(op.key)!)
        }
      }
      // Held as the run holds them: a record read again later in the run supersedes its held
      // delete (lastRead), in the plan as in the run — the plan used to count it deleted.
      if (deletes.length) await this.holdDeletes(deletes, pageNo)
      if (refused.length) {
        const d: Partial<RunCounts> = { read: refused.length, failed: refused.length }
        await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: pageNo, items: refused, d })
        addCounts(this.committed, d)
        this.noteFailed(refused)
        this.undecided -= refused.length
      }
      return
    }
    if (deletes.length) await this.holdDeletes(deletes, pageNo)
    await this.writeAll(ops, pageNo, 0)
  }

  /** Dry run: remembers the target record a planned create or update leaves (`plannedTargets`). */
  private planTarget(op: WriteOp, current: TargetRecord | undefined): void {
    if (op.op === 'delete') return
    const after = op.op === 'create' ? flattenRecord(op.record) : { ...flattenRecord(current ?? {}), ...flattenRecord(op.patch) }
    this.plannedTargets.delete(op.key)
    this.plannedTargets.set(op.key, after as TargetRecord)
    if (this.plannedTargets.size > PLANNED_TARGETS_KEPT) this.plannedTargets.delete(this.plannedTargets.keys().next().value!)
  }

  /** Dry run: what the sink says each write would do, without writing (sinks without `plan` succeed). */
  private async planWrites(ops: readonly WriteOp[]): Promise<Map<string, WriteOutcome>> {
    const { sink } = this.options
    const verdicts = new Map<string, WriteOutcome>()
    if (!sink.plan || ops.length === 0) return verdicts
    await forEachLimit(chunks(ops, sink.limits.maxBatch), sink.limits.concurrency, async (batch) => {
      await this.gate.pass(this.signal)
      for (const outcome of await sink.plan!(batch, this.signal)) {
        verdicts.set(outcome.key, outcome)
        if (outcome.outcome === 'deleted' && outcome.cascaded?.length) this.options.onPlannedCascade?.(outcome.cascaded)
      }
    })
    return verdicts
  }

  /**
   * Deletes wait until the whole source is read: only then does the guard know how many there
   * are, and it can stop the run before the first one. They are journaled as deferred writes,
   * so a resume (after a crash, or after a person confirmed the count) still has them.
   */
  private async holdDeletes(deletes: ReadonlyArray<{ op: WriteOp; filtered: boolean; reason: string }>, pageNo: number): Promise<void> {
    const items: OutcomeItem[] = deletes.map((d) => ({
      k: d.op.key,
      o: 'deferred',
      op: 'delete',
      code: DELETE_HELD,
      message: d.reason,
      pending: d.op
    }))
    const filtered = deletes.filter((d) => d.filtered).length
    const tombstones = deletes.length - filtered
    const d: Partial<RunCounts> = {
      read: deletes.length,
      deferred: deletes.length,
      ...(filtered ? { filteredOut: filtered } : {}),
      ...(tombstones ? { sourceDeletions: tombstones } : {})
    }
    await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: pageNo, items, d })
    addCounts(this.committed, d)
    this.undecided -= deletes.length
    // The reason, as a resume reads it back from the journal (a dry run plans the delete with it).
    for (const del of deletes) this.deferred.set(del.op.key, { key: del.op.key, op: del.op, code: DELETE_HELD, message: del.reason })
    this.meter.tick()
  }

  /** Remembers the keys that failed: a later read of one in this run supersedes that failure. */
  private noteFailed(items: readonly OutcomeItem[]): void {
    for (const item of items) if (isListedError(item.o) && item.k !== undefined) this.failedKeys.set(item.k, item.o)
  }

  /** A record decided without a journal line: counted with the page's checkpoint. */
  private decide(name: keyof RunCounts): void {
    this.undecided--
    this.pageCounts.read++
    this.pageCounts[name]++
  }

  private async lookup(keys: string[]): Promise<Map<string, TargetRecord>> {
    const { sink } = this.options
    const found = new Map<string, TargetRecord>()
    const size = sink.limits.lookupBatch ?? sink.limits.maxBatch
    await forEachLimit(chunks(keys, size), sink.limits.concurrency, async (batch) => {
      await this.gate.pass(this.signal)
      const result = await sink.lookup(batch, this.signal)
      for (const [key, record] of result) found.set(key, record)
    })
    return found
  }

  /** Writes ops in batches; each batch's outcomes are journaled as soon as the sink returns them. */
  private async writeAll(ops: readonly WriteOp[], pageNo: number, pass: number, fromDeferred = pass > 0): Promise<void> {
    const { sink } = this.options
    const maxDeferred = this.options.maxDeferred ?? 10_000
    const lastPass = pass >= (this.options.retryPasses ?? 2)
    await forEachLimit(chunks(ops, sink.limits.maxBatch), sink.limits.concurrency, async (batch) => {
      await this.gate.pass(this.signal)
      // Not the run's signal: a cancel starts no new batch, and the ones in flight land and are journaled.
      const outcomes = await sink.write(batch, NEVER_ABORTED)
      const byKey = new Map<string, WriteOutcome>()
      for (const outcome of outcomes) byKey.set(outcome.key, outcome)
      const items: OutcomeItem[] = []
      const d: Partial<RunCounts> = {}
      const add = (name: keyof RunCounts, n = 1) => (d[name] = (d[name] ?? 0) + n)
      // Other flows' records the target deleted with these (noted for their next run, before the outcomes are journaled).
      // They wait for their parent (`outcome.key`) to come back: the flow's run after that reads them again (orphaned-rows.ts).
      const cascaded = new Map<string, Array<{ key: string; parent: string }>>()
      for (const outcome of outcomes)
        if (outcome.outcome === 'deleted')
          for (const { flowId, keys } of outcome.cascaded ?? [])
            cascaded.set(flowId, [...(cascaded.get(flowId) ?? []), ...keys.map((key) => ({ key, parent: outcome.key }))])
      for (const [flowId, rows] of cascaded) {
        const { root } = this.options.journal
        await noteGone(
          root,
          flowId,
          this.options.identity ?? '',
          rows.map((r) => r.key)
        )
        await noteOrphans(root, flowId, this.options.identity ?? '', rows)
        await this.options.journal.lessManaged(flowId, this.options.identity, rows.length)
      }
      for (const op of batch) {
        const outcome: WriteOutcome = byKey.get(op.key) ?? {
          key: op.key,
          outcome: 'failed',
          code: 'noOutcome',
          message: 'the target reported nothing for this record — run again to check it',
          retryable: false
        }
        if (!fromDeferred) add('read')
        else add('deferred', -1)
        if (outcome.outcome === 'unknown') {
          // No answer: not deferred for a retry pass (the first write may still be running), listed with the errors.
          this.options.onRecord?.({ key: op.key, action: 'error', code: OUTCOME_UNKNOWN, reason: outcome.message })
          items.push({
            k: op.key,
            o: 'unknown',
            stage: 'write',
            op: op.op,
            code: OUTCOME_UNKNOWN,
            message: outcome.message,
            retryable: false
          })
          add('unknown')
          this.deferred.delete(op.key)
        } else if (outcome.outcome !== 'failed') {
          this.options.onRecord?.({
            key: op.key,
            action: ({ created: 'create', updated: 'update', unchanged: 'unchanged', deleted: 'delete' } as const)[outcome.outcome]
          })
          items.push({ k: op.key, o: outcome.outcome, op: op.op, ...(outcome.conflicts?.length ? { conflicts: outcome.conflicts } : {}) })
          add(outcome.outcome)
          this.deferred.delete(op.key)
        } else if (outcome.retryable && !lastPass && (fromDeferred || this.deferred.size < maxDeferred)) {
          items.push({ k: op.key, o: 'deferred', op: op.op, code: outcome.code, message: outcome.message, pending: op })
          add('deferred')
          this.deferred.set(op.key, { key: op.key, op, code: outcome.code, message: outcome.message })
        } else {
          const orphan = outcome.code === PARENT_MISSING
          const message =
            orphan && pass > 0 ? `the parent record is still missing after ${pass} retry passes: ${outcome.message}` : outcome.message
          this.options.onRecord?.({
            key: op.key,
            action: 'error',
            code: outcome.code,
            reason: message,
            ...(outcome.field ? { field: outcome.field } : {})
          })
          items.push({
            k: op.key,
            o: 'failed',
            stage: 'write',
            op: op.op,
            code: outcome.code,
            message,
            retryable: outcome.retryable,
            ...(outcome.field ? { field: outcome.field } : {}),
            // The value the target refused, so the errors list and CSV show it beside the message.
            ...(outcome.field && writtenValue(op, outcome.field) !== undefined ? { input: writtenValue(op, outcome.field) } : {})
          })
          add('failed')
          this.deferred.delete(op.key)
        }
      }
      await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: pageNo, ...(pass ? { pass } : {}), items, d })
      addCounts(this.committed, d)
      this.noteFailed(items)
      if (this.options.onCreated) {
        const created = items.filter((item) => item.o === 'created').map((item) => item.k!)
        if (created.length) await this.options.onCreated(created)
      }
      // At once, before any await: a progress event between the two would count the batch twice as read.
      if (!fromDeferred) this.undecided -= batch.length
      if (this.sent) {
        for (const item of items) {
          if (item.o === 'deferred') continue
          if (item.op !== 'delete' && (item.o === 'created' || item.o === 'updated' || item.o === 'unchanged')) this.sentConfirmed(item.k!)
          else {
            this.digests.delete(item.k!)
            this.sent.forget(item.k!)
          }
        }
        await this.sent.flush()
      }
      this.meter.tick()
    })
  }

  private async retryPasses(startPass: number): Promise<void> {
    if (this.dryRun) {
      // A dry run plans no retries. One that plans a resume plans the deletes the stopped run
      // held as the deletes they are (the guard's verdict then says whether the run may do them),
      // as a dry run from the start plans its deletes.
      const heldDeletes = [...this.deferred.values()].filter((d) => d.code === DELETE_HELD)
      // Counted for the guard as the run counts them, before the plan's own count takes them out.
      if (heldDeletes.length && this.guard(heldDeletes.length).verdict !== 'refused') await this.countCascade(heldDeletes.map((d) => d.key))
      // The sink plans them too: what the target would delete with them (a profile's linked rows) is counted there.
      await this.planWrites(heldDeletes.map((d) => d.op))
      for (const held of heldDeletes) {
        addCounts(this.committed, { deferred: -1, deleted: 1 })
        this.deferred.delete(held.key)
        this.planned({ key: held.key, action: 'delete', reason: held.message })
      }
      return
    }
    const held = [...this.deferred.values()].filter((d) => d.code === DELETE_HELD)
    if (held.length) {
      // Looked up again: a delete that landed before a crash (not journaled) is not sent twice.
      // A refusal reads nothing more; otherwise the rows the target would delete with them count too.
      this.guardReport = this.guard(held.length)
      const present = this.guardReport.verdict === 'refused' ? new Map() : await this.lookup(held.map((d) => d.key))
      if (this.guardReport.verdict !== 'refused') {
        await this.countCascade(held.filter((d) => present.has(d.key)).map((d) => d.key))
        this.guardReport = this.guard(held.length)
      }
      if (this.guardReport.verdict !== 'ok')
        throw new SyncFatalError(
          this.guardReport.verdict === 'refused' ? 'filterMatchesNothing' : 'tooManyDeletes',
          this.guardReport.reason
        )
      this.setPhase('deleting')
      const gone = held.filter((d) => !present.has(d.key))
      if (gone.length) {
        const d = { deferred: -gone.length, unchanged: gone.length }
        await this.journalRun.append({
          t: 'outcomes',
          at: this.clock.now(),
          page: 0,
          items: gone.map((g) => ({ k: g.key, o: 'unchanged', op: 'delete' })),
          d
        })
        addCounts(this.committed, d)
        for (const g of gone) this.deferred.delete(g.key)
      }
      await this.writeAll(
        held.filter((d) => present.has(d.key)).map((d) => d.op),
        0,
        startPass,
        true
      )
    }
    const passes = this.options.retryPasses ?? 2
    const delay = this.options.retryDelayMs ?? 1000
    for (let pass = startPass + 1; pass <= passes && this.deferred.size > 0; pass++) {
      this.pass = pass
      this.setPhase('retrying')
      if (delay > 0) await this.clock.sleep(delay, this.signal)
      await this.gate.pass(this.signal)
      await this.writeAll(
        [...this.deferred.values()].map((d) => d.op),
        0,
        pass
      )
      await this.checkpoint('retry', pass)
    }
    if (this.deferred.size > 0) {
      // Out of passes (or none configured): what is still deferred fails, with the reason it waited.
      const items: OutcomeItem[] = [...this.deferred.values()].map((d) => ({
        k: d.key,
        o: 'failed',
        stage: 'write',
        op: d.op.op,
        code: d.code,
        message:
          d.code === PARENT_MISSING
            ? `the parent record is still missing after ${Math.max(this.pass, startPass)} retry passes: ${d.message}`
            : d.message,
        retryable: true
      }))
      const d = { deferred: -items.length, failed: items.length }
      for (const item of items)
        this.options.onRecord?.({ key: item.k, action: 'error', code: item.code, ...(item.o === 'failed' ? { reason: item.message } : {}) })
      await this.journalRun.append({ t: 'outcomes', at: this.clock.now(), page: 0, pass: this.pass || startPass, items, d })
      addCounts(this.committed, d)
      this.deferred.clear()
    }
    this.setPhase('finishing')
  }
}

/** The value a write op carried for a field (a dotted path into nested objects), as JSON; undefined when it carried none. */
function writtenValue(op: WriteOp, field: string): Json | undefined {
  if (op.op === 'delete') return undefined
  let value: unknown = op.op === 'create' ? op.record : op.patch
  for (const part of field.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
  if (value === undefined || typeof value === 'function') return undefined
  try {
    return JSON.parse(JSON.stringify(value)) as Json
  } catch {
    return undefined // not representable as JSON (a bigint, a cycle): the error is kept without its value
  }
}

/** Where a run that reads rows back stands among them (`changesThenReread`); `seen` is absent in journals written before it was kept. */
interface RereadCursor {
  t: 'reread'
  at: number
  next: SourceCursor | null
  /** Which keys to read back the changes had: a bit per key of the run's list, base64. */
  seen?: string
}

/** Where it stands in the changes, once they have had a row to read back. */
interface ChangesCursor {
  t: 'changes'
  next: SourceCursor | null
  seen: string
}

/** The bits of `seen` for a list of `count` keys (none set when absent or of another length). */
function seenFrom(seen: string | undefined, count: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(count / 8))
  if (typeof seen === 'string') {
    const stored = Buffer.from(seen, 'base64')
    if (stored.length === bits.length) bits.set(stored)
  }
  return bits
}

function rereadCursor(cursor: SourceCursor | undefined): RereadCursor | undefined {
  const c = cursor as Partial<RereadCursor> | null | undefined
  return c && typeof c === 'object' && c.t === 'reread' && typeof c.at === 'number' ? (c as RereadCursor) : undefined
}

function changesCursor(cursor: SourceCursor | undefined): ChangesCursor | undefined {
  const c = cursor as Partial<ChangesCursor> | null | undefined
  return c && typeof c === 'object' && c.t === 'changes' && typeof c.seen === 'string' ? (c as ChangesCursor) : undefined
}
