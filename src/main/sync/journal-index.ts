import { open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../files/atomic-write'
import { withFileLock, type FileLockOptions } from '../files/file-lock'
import { fullCounts, type RunCounts, type RunStatus, type StartEntry } from './journal-format'
import type { Recovery } from './journal-recovery'
import type { SourceCursor } from './ports'

/**
 * The journal's index: run summaries and each flow's incremental position. It is kept as a
 * snapshot (`index.json`) plus a log of the changes since (`index.log`, one JSON object per
 * line: a run's new summary or a flow's new state), so a change appends a line instead of
 * rewriting every summary. The log is folded into the snapshot when the journal opens and
 * once it grows past a few hundred lines. Summaries are a cache (the run files rebuild them);
 * flow positions are not, so each change is flushed before it counts.
 *
 * The app and CLI runs may share one journal folder. Each change and each fold happens under
 * a lock on the index (files/file-lock.ts), and a fold first reads the snapshot and the log
 * again, so a line another process appended since this one loaded is folded in, not dropped
 * with the log.
 */

/** A run as the history lists it: what its start entry says, then how it went. */
export interface RunSummary extends Pick<
  StartEntry,
  'runId' | 'flowId' | 'mappingHash' | 'contentHash' | 'mappingVersion' | 'mode' | 'dryRun' | 'retryOf' | 'identity'
> {
  status: RunStatus
  counts: RunCounts
  startedAt: number
  endedAt?: number
  durationMs: number
  error?: { code: string; message: string }
  /** Failed records in the run (after deduplication by record). */
  errorCount: number
  /**
   * A failed, canceled or interrupted run that a resume would continue: the newest real (not
   * dry) run of its flow against the same services. Once a later run of that flow has started,
   * the older one is history, not resumable.
   */
  resumable: boolean
  /** The file was compacted: per-record successes dropped, errors and the last checkpoint kept. */
  compacted?: boolean
}

/** Where a flow's next incremental run starts. */
export interface FlowState {
  flowId: string
  cursor: SourceCursor | undefined
  runId: string
  mappingHash: string
  /** The flow's `contentHash` at that run (absent before it was kept). */
  contentHash?: string
  at: number
  /** The connection identity the position belongs to. */
  identity?: string
  /** Target records the flow keeps in step (after its last completed run): the delete guard's base. */
  managed?: number
}

/** Where a flow's state is kept in the index: per flow and per the services it ran against. */
export function flowKey(flowId: string, identity: string | undefined): string {
  return identity ? `${flowId} @ ${identity}` : flowId
}

export function summaryOf(recovery: Recovery, errorCount: number): RunSummary {
  const { start, end, status } = recovery
  return {
    runId: recovery.runId,
    flowId: start.flowId,
    mappingHash: start.mappingHash,
    ...(start.contentHash ? { contentHash: start.contentHash } : {}),
    ...(start.mappingVersion ? { mappingVersion: start.mappingVersion } : {}),
    mode: start.mode,
    dryRun: start.dryRun,
    status,
    counts: fullCounts(end?.counts ?? recovery.counts),
    startedAt: start.at,
    ...(end ? { endedAt: end.at } : {}),
    durationMs: recovery.durationMs,
    ...(end?.error ? { error: end.error } : {}),
    ...(start.retryOf ? { retryOf: start.retryOf } : {}),
    ...(start.identity ? { identity: start.identity } : {}),
    errorCount,
    resumable: status === 'failed' || status === 'canceled' || status === 'interrupted'
  }
}

interface Snapshot {
  format: 'sync-studio/run-index@1'
  runs: Record<string, RunSummary>
  flows: Record<string, FlowState>
}

/** One line of the log: a run's whole summary, or a flow's whole state (null: forgotten). */
type Change = { run: RunSummary } | { flow: string; state: FlowState | null }

/** Log lines after which the next change folds the log into the snapshot. */
const FOLD_AFTER = 256

export class RunIndex {
  private data: Snapshot = { format: 'sync-studio/run-index@1', runs: {}, flows: {} }
  private queue: Promise<void> = Promise.resolve()
  private logged = 0

  private constructor(
    private readonly root: string,
    private readonly lock: Pick<FileLockOptions, 'onWait' | 'signal'>
  ) {}

  /**
   * `lock.onWait`: told while another process (the app, another run) holds the index's lock;
   * `lock.signal`: ends such a wait — read at each change, so its owner may set it for a while.
   */
  static async load(root: string, lock: Pick<FileLockOptions, 'onWait' | 'signal'> = {}): Promise<RunIndex> {
    const index = new RunIndex(root, lock)
    await index.reread()
    return index
  }

  /** Reads the snapshot and replays the log over it; a broken snapshot is set aside (the run files rebuild it). */
  private async reread(): Promise<void> {
    this.data = { format: 'sync-studio/run-index@1', runs: {}, flows: {} }
    this.logged = 0
    try {
      const parsed = JSON.parse(await readFile(this.snapshotPath, 'utf8')) as Snapshot
      if (parsed?.format === 'sync-studio/run-index@1' && parsed.runs && parsed.flows) this.data = parsed
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        await rename(this.snapshotPath, `${this.snapshotPath}.broken-${Date.now()}`).catch(() => undefined)
      }
    }
    const log = await readFile(this.logPath, 'utf8').catch(() => '')
    for (const line of log.split('\n')) {
      if (!line) continue
      let change: Change
      try {
        change = JSON.parse(line) as Change
      } catch {
        break // a torn last line: the change it held was never confirmed
      }
      this.apply(change)
      this.logged++
    }
  }

  private get snapshotPath(): string {
    return join(this.root, 'index.json')
  }

  private get logPath(): string {
    return join(this.root, 'index.log')
  }

  /** Resolves once every change asked for so far is on disk. */
  settled(): Promise<void> {
    return this.queue
  }

  run(runId: string): RunSummary | undefined {
    return this.data.runs[runId]
  }

  runs(): RunSummary[] {
    return Object.values(this.data.runs)
  }

  flow(key: string): FlowState | undefined {
    return this.data.flows[key]
  }

  /** Sets runs' summaries. */
  putRuns(summaries: readonly RunSummary[]): Promise<void> {
    return this.write(summaries.map((summary) => ({ run: summary })))
  }

  /** Changes some fields of a run's summary (nothing when the index does not know the run). */
  patchRun(runId: string, patch: Partial<RunSummary>): Promise<void> {
    const known = this.data.runs[runId]
    return this.write(known ? [{ run: { ...known, ...patch } }] : [])
  }

  /** Sets (or, with undefined, forgets) a flow's position. */
  putFlow(key: string, state: FlowState | undefined): Promise<void> {
    return this.write([{ flow: key, state: state ?? null }])
  }

  /** Folds the log into a new snapshot (on open, and when the log has grown). */
  fold(): Promise<void> {
    return this.enqueue(() => this.foldWith([]))
  }

  /**
   * Inside the lock: the snapshot and log as they are on disk now (this process's and every
   * other's changes), then `changes`, become the new snapshot and the log goes.
   */
  private async foldWith(changes: Change[]): Promise<void> {
    await this.reread()
    for (const change of changes) this.apply(change)
    await writeFileAtomic(this.snapshotPath, `${JSON.stringify(this.data, null, 1)}\n`)
    // The snapshot holds every logged change; replaying them over it again would change nothing.
    await rm(this.logPath, { force: true })
    this.logged = 0
  }

  private write(changes: Change[]): Promise<void> {
    if (!changes.length) return this.enqueue(async () => undefined)
    return this.enqueue(async () => {
      if (this.logged + changes.length > FOLD_AFTER) return this.foldWith(changes)
      for (const change of changes) this.apply(change)
      const handle = await open(this.logPath, 'a', 0o600)
      try {
        await handle.write(changes.map((change) => `${JSON.stringify(change)}\n`).join(''))
        await handle.datasync()
      } finally {
        await handle.close()
      }
      this.logged += changes.length
    })
  }

  private apply(change: Change): void {
    if ('run' in change) this.data.runs[change.run.runId] = change.run
    else if (change.state) this.data.flows[change.flow] = change.state
    else delete this.data.flows[change.flow]
  }

  /** Changes from this process queue here; the lock orders them with other processes' (the app's and CLI runs'). */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => withFileLock(this.snapshotPath, task, { ...this.lock }))
    this.queue = next.catch(() => undefined)
    return next
  }
}
