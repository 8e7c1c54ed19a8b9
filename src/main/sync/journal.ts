import { mkdir, open, readdir, rm, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { fullCounts, type EndEntry, type JournalEntry, type OutcomeItem, type StartEntry } from './journal-format'
import { compactRunFile } from './journal-compaction'
import { FailureCollector, FailureOffsets } from './journal-failures'
import { flowKey, RunIndex, summaryOf, type FlowState, type RunSummary } from './journal-index'
import { ownerRuns, thisProcess } from './run-owner'
import { outcomeId, RecoveryBuilder, type Recovery } from './journal-recovery'
import { isRunId, RunJournal, scanFile, syncDir } from './journal-run-file'
import { systemClock, type Clock } from './ports'
import type { FileLockOptions, LockWait } from '../files/file-lock'

export * from './journal-format'
export { isRunId, newRunId, RunJournal } from './journal-run-file'
export { outcomeId, type DeferredRecord, type Recovery } from './journal-recovery'
export { flowKey, type FlowState, type RunSummary } from './journal-index'

/**
 * The run journal: one append-only JSON Lines file per run (`runs/<runId>.jsonl`) plus an
 * index of run summaries and each flow's incremental cursor. This class puts the parts
 * together: the run file and its append queue (journal-run-file.ts), recovery
 * (journal-recovery.ts), the index (journal-index.ts), compaction (journal-compaction.ts) and
 * the failed records with their offsets (journal-failures.ts).
 *
 * Crash safety: entries are appended in order through one queue per run; checkpoints and
 * ends are followed by fdatasync. A checkpoint is appended only after every batch outcome
 * before it (the runner awaits them), so after any crash the file holds a prefix of what
 * the runner did: the last checkpoint, plus the outcomes journaled after it. A torn last
 * line fails its checksum and is cut off on recovery. The index is a cache: a run file
 * with no summary, or whose summary says "running" after a crash, is summarised again
 * from its file when the journal is opened.
 */

export interface CompactOptions {
  /** Finished runs kept whole, newest first. Default 20. */
  keepDetailed?: number
}

export class SyncJournal {
  private readonly live = new Set<string>()
  private readonly failureOffsets = new FailureOffsets((runId) => this.runPath(runId))

  private constructor(
    readonly root: string,
    private readonly clock: Clock,
    private readonly index: RunIndex
  ) {}

  /**
   * Opens (or creates) the journal folder and brings the index up to date with the run files.
   * `onLockWait` is told while another process holds the index's lock; `signal` ends such a wait
   * while the journal opens (a run canceled before it started) — the journal's later changes are
   * not bound to it.
   */
  static async open(
    root: string,
    options: { clock?: Clock; onLockWait?: (wait: LockWait) => void; signal?: AbortSignal } = {}
  ): Promise<SyncJournal> {
    await mkdir(join(root, 'runs'), { recursive: true })
    const lock: Pick<FileLockOptions, 'onWait' | 'signal'> = {
      ...(options.onLockWait ? { onWait: options.onLockWait } : {}),
      ...(options.signal ? { signal: options.signal } : {})
    }
    const journal = new SyncJournal(root, options.clock ?? systemClock, await RunIndex.load(root, lock))
    try {
      await journal.repairIndex()
      await journal.index.fold()
    } finally {
      delete lock.signal
    }
    return journal
  }

  get runsDir(): string {
    return join(this.root, 'runs')
  }

  runPath(runId: string): string {
    if (!isRunId(runId)) throw new Error(`"${runId}" is not a run id`)
    return join(this.runsDir, `${runId}.jsonl`)
  }

  /** Starts a run's file with its start entry (flushed). */
  async begin(start: Omit<StartEntry, 't' | 'at'> & { at?: number }): Promise<RunJournal> {
    const path = this.runPath(start.runId)
    const handle = await open(path, 'wx', 0o600)
    const entry: StartEntry = { t: 'start', ...start, at: start.at ?? this.clock.now(), owner: thisProcess() }
    const run = new RunJournal(start.runId, handle, this)
    this.live.add(start.runId)
    await run.commit(entry)
    await syncDir(this.runsDir)
    await this.index.putRuns([summaryOf(new RecoveryBuilder().add(entry).finish(start.runId, 0, true), 0)])
    return run
  }

  /**
   * Reopens a stopped run for resuming: cuts a torn tail, then appends a resume entry. `known`:
   * the recovery the caller has just read (`recover` cut the tail then), so the file is not read again.
   */
  async reopen(runId: string, known?: Recovery): Promise<{ run: RunJournal; recovery: Recovery }> {
    if (this.live.has(runId)) throw new Error(`run ${runId} is already running`)
    const recovery = known ?? (await this.recover(runId))
    const handle = await open(this.runPath(runId), 'a', 0o600)
    const run = new RunJournal(runId, handle, this)
    this.live.add(runId)
    await run.append({ t: 'resume', at: this.clock.now(), owner: thisProcess() })
    await this.index.patchRun(runId, { status: 'running', resumable: false })
    return { run, recovery }
  }

  /**
   * The state a resume starts from: the last committed checkpoint, the records journaled
   * after it, the deferred records and the counts. Cuts off a torn tail (unless the run is
   * open in this process, whose tail may be mid-append). `onEntry` sees each verified entry of
   * the same read (what else the caller needs from the run, without reading it again).
   */
  async recover(runId: string, onEntry?: (entry: JournalEntry) => void): Promise<Recovery> {
    return (await this.scanRun(runId, onEntry)).recovery
  }

  /** Every verified entry of a run, in order (bounded memory: a callback per entry). */
  async readEntries(runId: string, onEntry: (entry: JournalEntry) => void): Promise<void> {
    await scanFile(this.runPath(runId), onEntry)
  }

  /** Run summaries, newest first. */
  async list(filter: { flowId?: string } = {}): Promise<RunSummary[]> {
    await this.index.settled()
    const runs = this.index
      .runs()
      .map((run) => ({ ...structuredClone(run), counts: fullCounts(run.counts) }))
      .sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1))
    // Only the newest real run of a flow (against the same services) can be resumed: a resume
    // after a later run would replay a stale position over newer work.
    const newest = new Set<string>()
    for (const run of runs) {
      if (run.dryRun) {
        run.resumable = false
        continue
      }
      const key = flowKey(run.flowId, run.identity)
      if (newest.has(key)) run.resumable = false
      newest.add(key)
    }
    return runs.filter((run) => !filter.flowId || run.flowId === filter.flowId)
  }

  async summary(runId: string): Promise<RunSummary | undefined> {
    await this.index.settled()
    const run = this.index.run(runId)
    // Every count named, as `list` gives them: a summary written by an older version lacks the newer counts.
    return run ? { ...structuredClone(run), counts: fullCounts(run.counts) } : undefined
  }

  /** Where the flow's next incremental run starts (from its last completed, non-dry, non-retry run). */
  async flowState(flowId: string, identity?: string): Promise<FlowState | undefined> {
    await this.index.settled()
    const state = this.index.flow(flowKey(flowId, identity))
    return state ? structuredClone(state) : undefined
  }

  /** Forgets a flow's cursor, so its next incremental run reads everything (a replay). */
  async resetFlowState(flowId: string, identity?: string): Promise<void> {
    await this.index.putFlow(flowKey(flowId, identity), undefined)
  }

  /**
   * `n` records of a flow the target deleted with another flow's (a profile's custom-resource
   * rows): that flow no longer keeps them in step, so its delete guard counts from fewer.
   */
  async lessManaged(flowId: string, identity: string | undefined, n: number): Promise<void> {
    const key = flowKey(flowId, identity)
    const state = this.index.flow(key)
    if (state?.managed === undefined || n <= 0) return
    await this.index.putFlow(key, { ...state, managed: Math.max(0, state.managed - n) })
  }

  /**
   * Keeps the newest `keepDetailed` finished runs whole; older finished runs are rewritten
   * to their start, their failed records, their deferred records, their last checkpoint with
   * what followed it, and their end — enough for the history, the error export and retry.
   * Returns the runs compacted. The sync service calls it after every sync, so the folder does
   * not grow with every run's per-record lines.
   *
   * A run that is live (here or, by its summary, in another process) or can still be resumed
   * is never compacted: a resume also needs what compaction drops (the opt-out source is told
   * every key the stopped attempt journaled; the duration of each attempt).
   */
  async compact(options: CompactOptions = {}): Promise<string[]> {
    const keep = options.keepDetailed ?? 20
    const finished = (await this.list()).filter((run) => run.status !== 'running' && !run.compacted && !this.live.has(run.runId))
    const compacted: string[] = []
    for (const run of finished.slice(keep)) {
      if (run.resumable) continue
      await this.failureOffsets.forget(run.runId)
      await compactRunFile(this.runPath(run.runId))
      compacted.push(run.runId)
    }
    for (const runId of compacted) await this.index.patchRun(runId, { compacted: true })
    return compacted
  }

  /** Called by a RunJournal when its end entry is on disk. */
  async runEnded(runId: string): Promise<void> {
    const { recovery, errorCount } = await this.scanRun(runId)
    const { start, end } = recovery
    await this.index.putRuns([summaryOf(recovery, errorCount)])
    if (end?.status === 'completed' && !start.dryRun && start.mode !== 'retry') await this.advanceFlow(runId, start, end)
  }

  /** A completed run moves its flow's incremental position (and the count of records it keeps). */
  private async advanceFlow(runId: string, start: StartEntry, end: EndEntry): Promise<void> {
    const key = flowKey(start.flowId, start.identity)
    const before = this.index.flow(key)?.managed
    const c = fullCounts(end.counts)
    // A full run saw every record the flow keeps, and so did a flow's first run (it reads from the
    // start: records already in the target are found unchanged or updated, and kept in step from then
    // on); a later incremental one changes the count by its creates and deletes.
    const managed =
      start.mode === 'full' || before === undefined
        ? c.created + c.updated + c.unchanged + c.failed + c.unknown
        : Math.max(0, before + c.created - c.deleted)
    await this.index.putFlow(key, {
      flowId: start.flowId,
      cursor: end.cursor,
      runId,
      mappingHash: start.mappingHash,
      ...(start.contentHash ? { contentHash: start.contentHash } : {}),
      at: end.at,
      managed,
      ...(start.identity ? { identity: start.identity } : {})
    })
  }

  released(runId: string): void {
    this.live.delete(runId)
  }

  /** Failed records of a run, deduplicated by record; a later success clears a record's failure. */
  async failures(
    runId: string,
    onFailure?: (item: OutcomeItem, page: number) => void
  ): Promise<Map<string, { item: OutcomeItem; page: number }>> {
    const failures = new Map<string, { item: OutcomeItem; page: number }>()
    for (const failure of await this.failurePage(runId)) {
      failures.set(outcomeId(failure.item), failure)
      onFailure?.(failure.item, failure.page)
    }
    return failures
  }

  /**
   * Failed records `offset` to `offset + limit` (one per record, in the order they first
   * failed): read from their own lines, found through the run's failure offsets, so a page of
   * errors does not read the whole run.
   */
  failurePage(runId: string, options: { offset?: number; limit?: number } = {}): Promise<{ item: OutcomeItem; page: number }[]> {
    return this.failureOffsets.page(runId, this.live.has(runId), options.offset, options.limit)
  }

  /** One pass over a run's file: its recovery (cutting a torn tail) and its failed records. */
  private async scanRun(runId: string, onEntry?: (entry: JournalEntry) => void): Promise<{ recovery: Recovery; errorCount: number }> {
    const path = this.runPath(runId)
    const builder = new RecoveryBuilder()
    const failures = new FailureCollector()
    const { validBytes, size } = await scanFile(path, (entry, at) => {
      builder.add(entry)
      failures.add(entry, at)
      onEntry?.(entry)
    })
    // Open in this process, or in another that still runs (run-owner.ts): its tail may be mid-append.
    const live = this.live.has(runId) || ownerRuns(builder.owner)
    if (validBytes < size && !live) await truncate(path, validBytes)
    const recovery = builder.finish(runId, size - validBytes, live)
    await this.failureOffsets.save(runId, live ? size : validBytes, failures, !live)
    return { recovery, errorCount: failures.byId.size }
  }

  private async repairIndex(): Promise<void> {
    const files = (await readdir(this.runsDir)).filter((name) => name.endsWith('.jsonl'))
    const fresh: RunSummary[] = []
    for (const name of files) {
      const runId = name.slice(0, -'.jsonl'.length)
      if (!isRunId(runId) || this.live.has(runId)) continue
      const known = this.index.run(runId)
      if (known && known.status !== 'running') continue
      try {
        const { recovery, errorCount } = await this.scanRun(runId)
        fresh.push(summaryOf(recovery, errorCount))
      } catch {
        // A file without a start line (a crash during its very first write) holds nothing.
        const path = this.runPath(runId)
        if ((await stat(path)).size < 4096) await rm(path, { force: true })
      }
    }
    if (fresh.length) await this.index.putRuns(fresh)
  }
}
