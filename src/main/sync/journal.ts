import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../files/atomic-write'
import {
  addCounts,
  decodeLine,
  fullCounts,
  encodeEntry,
  zeroCounts,
  type CheckpointEntry,
  type EndEntry,
  type JournalEntry,
  type OutcomeItem,
  type OutcomeName,
  type OutcomesEntry,
  type RunCounts,
  type RunMode,
  type RunStatus,
  type StartEntry
} from './journal-format'
import { systemClock, type Clock, type SourceCursor, type WriteOp } from './ports'

export * from './journal-format'

/**
 * The run journal: one append-only JSON Lines file per run (`runs/<runId>.jsonl`) plus an
 * index (`index.json`) of run summaries and each flow's incremental cursor.
 *
 * Crash safety: entries are appended in order through one queue per run; checkpoints and
 * ends are followed by fdatasync. A checkpoint is appended only after every batch outcome
 * before it (the runner awaits them), so after any crash the file holds a prefix of what
 * the runner did: the last checkpoint, plus the outcomes journaled after it. A torn last
 * line fails its checksum and is cut off on recovery. The index is a cache: a run file
 * with no summary, or whose summary says "running" after a crash, is summarised again
 * from its file when the journal is opened.
 */

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

export function isRunId(value: string): boolean {
  return RUN_ID.test(value)
}

export function newRunId(flowId: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${flowId.slice(0, 64)}-${randomBytes(3).toString('hex')}`
}

export interface RunSummary {
  runId: string
  flowId: string
  mappingHash: string
  mappingVersion?: string
  mode: RunMode
  dryRun: boolean
  status: RunStatus
  counts: RunCounts
  startedAt: number
  endedAt?: number
  durationMs: number
  error?: { code: string; message: string }
  retryOf?: string
  /** The services it ran against (StartEntry.identity). */
  identity?: string
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

interface Index {
  format: 'sync-studio/run-index@1'
  runs: Record<string, RunSummary>
  flows: Record<string, FlowState>
}

export interface DeferredRecord {
  key: string
  op: WriteOp
  code: string
  message: string
}

export interface Recovery {
  runId: string
  start: StartEntry
  status: RunStatus
  /** The last committed checkpoint; undefined when the run never reached one (start from the start cursor). */
  checkpoint: CheckpointEntry | undefined
  /** The checkpoint's counts plus every outcome journaled after it. */
  counts: RunCounts
  /** Records journaled after the checkpoint (by key, or `#page:index`): done — a resume must not redo them. */
  doneAfterCheckpoint: Map<string, OutcomeName>
  /** Records waiting for a retry pass, with the write to retry. */
  deferred: Map<string, DeferredRecord>
  /** Active time of the run's attempts so far. */
  durationMs: number
  end: EndEntry | undefined
  /** Bytes of torn tail cut off (or ignored, for a run open in this process). */
  tornBytes: number
}

export interface CompactOptions {
  /** Finished runs kept whole, newest first. Default 20. */
  keepDetailed?: number
}

export function outcomeId(item: Pick<OutcomeItem, 'k' | 'id'>): string {
  return item.k ?? item.id ?? '#?'
}

/** Reads a journal file line by line (bounded memory). `validBytes`: where the verified prefix ends. */
async function scanFile(path: string, onEntry: (entry: JournalEntry) => void): Promise<{ validBytes: number; size: number }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const chunk = Buffer.alloc(1 << 16)
    let carry: Buffer = Buffer.alloc(0)
    let offset = 0
    let validBytes = 0
    let broken = false
    while (!broken) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset)
      if (bytesRead === 0) break
      offset += bytesRead
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : Buffer.from(chunk.subarray(0, bytesRead))
      let start = 0
      for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, start)) {
        const entry = decodeLine(data.toString('utf8', start, i))
        if (!entry) {
          broken = true
          break
        }
        onEntry(entry)
        validBytes += i + 1 - start
        start = i + 1
      }
      carry = broken ? Buffer.alloc(0) : data.subarray(start)
      data = Buffer.alloc(0)
    }
    return { validBytes, size }
  } finally {
    await handle.close()
  }
}

/** Folds a run's entries into what a resume (and the history) needs. */
class RecoveryBuilder {
  start: StartEntry | undefined
  checkpoint: CheckpointEntry | undefined
  sinceCheckpoint = zeroCounts()
  done = new Map<string, OutcomeName>()
  deferred = new Map<string, DeferredRecord>()
  end: EndEntry | undefined
  durationMs = 0
  /** The attempt in progress: when it started and its latest entry. */
  segmentStart: number | undefined
  segmentLast = 0

  add(entry: JournalEntry): this {
    switch (entry.t) {
      case 'start':
        this.start = entry
        this.segmentStart = entry.at
        break
      case 'resume':
        // The previous attempt crashed (no end): count it up to its last entry.
        if (this.segmentStart !== undefined) this.durationMs += Math.max(0, this.segmentLast - this.segmentStart)
        this.segmentStart = entry.at
        this.end = undefined
        break
      case 'checkpoint':
        this.checkpoint = entry
        this.sinceCheckpoint = zeroCounts()
        this.done.clear()
        break
      case 'outcomes':
        addCounts(this.sinceCheckpoint, entry.d)
        for (const item of entry.items) {
          if (item.k !== undefined) {
            if (item.o === 'deferred' && item.pending) {
              this.deferred.set(item.k, { key: item.k, op: item.pending, code: item.code ?? 'deferred', message: item.message ?? '' })
            } else this.deferred.delete(item.k)
          }
          if (item.o !== 'superseded') this.done.set(outcomeId(item), item.o)
        }
        break
      case 'end':
        this.end = entry
        this.durationMs = entry.durationMs
        this.segmentStart = undefined
        break
    }
    this.segmentLast = Math.max(this.segmentLast, entry.at ?? 0)
    return this
  }

  finish(runId: string, tornBytes: number, live: boolean): Recovery {
    if (!this.start)
      throw new Error(`run ${runId}: its journal has no start entry — the file is not a run journal or was cut before its first line`)
    let durationMs = this.durationMs
    if (this.segmentStart !== undefined) durationMs += Math.max(0, this.segmentLast - this.segmentStart)
    const counts = addCounts(fullCounts(this.checkpoint?.counts), this.sinceCheckpoint)
    return {
      runId,
      start: this.start,
      status: this.end ? this.end.status : live ? 'running' : 'interrupted',
      checkpoint: this.checkpoint,
      counts,
      doneAfterCheckpoint: this.done,
      deferred: this.deferred,
      durationMs,
      end: this.end,
      tornBytes
    }
  }
}

/** Appends to one run's file. Appends are queued, so they land in call order. */
export class RunJournal {
  private queue: Promise<void> = Promise.resolve()
  private failure: unknown
  private closed = false

  constructor(
    readonly runId: string,
    private readonly handle: FileHandle,
    private readonly owner: SyncJournal
  ) {}

  /** Appends an entry (no fsync). Once an append fails, every later one fails too: nothing commits past a gap. */
  append(entry: JournalEntry): Promise<void> {
    return this.enqueue(entry, false)
  }

  /** Appends a checkpoint and flushes it to disk. */
  checkpoint(entry: CheckpointEntry): Promise<void> {
    return this.enqueue(entry, true)
  }

  /** Appends any entry and flushes it to disk. */
  commit(entry: JournalEntry): Promise<void> {
    return this.enqueue(entry, true)
  }

  /** Appends the end entry, flushes, updates the index and closes the file. */
  async end(entry: EndEntry): Promise<void> {
    try {
      await this.enqueue(entry, true)
    } finally {
      await this.close()
    }
    await this.owner.runEnded(this.runId)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue.catch(() => undefined)
    await this.handle.close()
    this.owner.released(this.runId)
  }

  private enqueue(entry: JournalEntry, sync: boolean): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure
      if (this.closed) throw new Error(`run ${this.runId}: the journal is closed`)
      try {
        const bytes = Buffer.from(encodeEntry(entry), 'utf8')
        let written = 0
        while (written < bytes.length) written += (await this.handle.write(bytes, written, bytes.length - written)).bytesWritten
        if (sync) await this.handle.datasync()
      } catch (error) {
        this.failure = error
        throw error
      }
    })
    this.queue = next.catch(() => undefined)
    return next
  }
}

export class SyncJournal {
  private index: Index = { format: 'sync-studio/run-index@1', runs: {}, flows: {} }
  private indexQueue: Promise<void> = Promise.resolve()
  private readonly live = new Set<string>()

  private constructor(
    readonly root: string,
    private readonly clock: Clock
  ) {}

  /** Opens (or creates) the journal folder and brings the index up to date with the run files. */
  static async open(root: string, options: { clock?: Clock } = {}): Promise<SyncJournal> {
    const journal = new SyncJournal(root, options.clock ?? systemClock)
    await mkdir(journal.runsDir, { recursive: true })
    await journal.loadIndex()
    await journal.repairIndex()
    return journal
  }

  get runsDir(): string {
    return join(this.root, 'runs')
  }

  private get indexPath(): string {
    return join(this.root, 'index.json')
  }

  runPath(runId: string): string {
    if (!isRunId(runId)) throw new Error(`"${runId}" is not a run id`)
    return join(this.runsDir, `${runId}.jsonl`)
  }

  /** Starts a run's file with its start entry (flushed). */
  async begin(start: Omit<StartEntry, 't' | 'at'> & { at?: number }): Promise<RunJournal> {
    const path = this.runPath(start.runId)
    const handle = await open(path, 'wx', 0o600)
    const entry: StartEntry = { t: 'start', ...start, at: start.at ?? this.clock.now() }
    const run = new RunJournal(start.runId, handle, this)
    this.live.add(start.runId)
    await run.commit(entry)
    await syncDir(this.runsDir)
    await this.updateIndex((index) => {
      index.runs[start.runId] = summaryOf(new RecoveryBuilder().add(entry).finish(start.runId, 0, true), 0)
    })
    return run
  }

  /** Reopens a stopped run for resuming: cuts a torn tail, then appends a resume entry. */
  async reopen(runId: string): Promise<{ run: RunJournal; recovery: Recovery }> {
    if (this.live.has(runId)) throw new Error(`run ${runId} is already running`)
    const recovery = await this.recover(runId)
    const handle = await open(this.runPath(runId), 'a', 0o600)
    const run = new RunJournal(runId, handle, this)
    this.live.add(runId)
    await run.append({ t: 'resume', at: this.clock.now() })
    await this.updateIndex((index) => {
      const summary = index.runs[runId]
      if (summary) {
        summary.status = 'running'
        summary.resumable = false
      }
    })
    return { run, recovery }
  }

  /**
   * The state a resume starts from: the last committed checkpoint, the records journaled
   * after it, the deferred records and the counts. Cuts off a torn tail (unless the run is
   * open in this process, whose tail may be mid-append).
   */
  async recover(runId: string): Promise<Recovery> {
    const path = this.runPath(runId)
    const builder = new RecoveryBuilder()
    const { validBytes, size } = await scanFile(path, (entry) => builder.add(entry))
    const live = this.live.has(runId)
    if (validBytes < size && !live) await truncate(path, validBytes)
    return builder.finish(runId, size - validBytes, live)
  }

  /** Every verified entry of a run, in order (bounded memory: a callback per entry). */
  async readEntries(runId: string, onEntry: (entry: JournalEntry) => void): Promise<void> {
    await scanFile(this.runPath(runId), onEntry)
  }

  /** Run summaries, newest first. */
  async list(filter: { flowId?: string } = {}): Promise<RunSummary[]> {
    await this.indexQueue
    const runs = Object.values(this.index.runs)
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
    await this.indexQueue
    const run = this.index.runs[runId]
    return run ? structuredClone(run) : undefined
  }

  /** Where the flow's next incremental run starts (from its last completed, non-dry, non-retry run). */
  async flowState(flowId: string, identity?: string): Promise<FlowState | undefined> {
    await this.indexQueue
    const state = this.index.flows[flowKey(flowId, identity)]
    return state ? structuredClone(state) : undefined
  }

  /** Forgets a flow's cursor, so its next incremental run reads everything (a replay). */
  async resetFlowState(flowId: string, identity?: string): Promise<void> {
    await this.updateIndex((index) => {
      delete index.flows[flowKey(flowId, identity)]
    })
  }

  /**
   * Keeps the newest `keepDetailed` finished runs whole; older finished runs are rewritten
   * to their start, their failed records, their last checkpoint with what followed it, and
   * their end — enough for the history, the error export, retry and resume. Returns the
   * runs compacted.
   */
  async compact(options: CompactOptions = {}): Promise<string[]> {
    const keep = options.keepDetailed ?? 20
    const finished = (await this.list()).filter((run) => run.status !== 'running' && !run.compacted && !this.live.has(run.runId))
    const compacted: string[] = []
    for (const run of finished.slice(keep)) {
      await this.compactRun(run.runId)
      compacted.push(run.runId)
    }
    if (compacted.length) {
      await this.updateIndex((index) => {
        for (const runId of compacted) if (index.runs[runId]) index.runs[runId].compacted = true
      })
    }
    return compacted
  }

  private async compactRun(runId: string): Promise<void> {
    const entries: JournalEntry[] = []
    const failures = new Map<string, OutcomeItem>()
    let afterCheckpoint: JournalEntry[] = []
    let checkpoint: CheckpointEntry | undefined
    let start: StartEntry | undefined
    await this.readEntries(runId, (entry) => {
      if (entry.t === 'start') start = entry
      else if (entry.t === 'checkpoint') {
        checkpoint = entry
        for (const e of afterCheckpoint) if (e.t === 'outcomes') collectFailures(e, failures)
        afterCheckpoint = []
      } else afterCheckpoint.push(entry)
    })
    if (!start) return
    entries.push(start)
    if (failures.size) entries.push({ t: 'outcomes', at: start.at, page: 0, items: [...failures.values()], d: {} })
    if (checkpoint) entries.push(checkpoint)
    entries.push(...afterCheckpoint)
    await writeFileAtomic(this.runPath(runId), entries.map(encodeEntry).join(''))
  }

  /** Called by a RunJournal when its end entry is on disk. */
  async runEnded(runId: string): Promise<void> {
    const recovery = await this.recover(runId)
    const errors = await this.countErrors(runId)
    await this.updateIndex((index) => {
      index.runs[runId] = summaryOf(recovery, errors)
      const { start, end } = recovery
      if (end?.status === 'completed' && !start.dryRun && start.mode !== 'retry') {
        const key = flowKey(start.flowId, start.identity)
        const before = index.flows[key]?.managed ?? 0
        const c = fullCounts(end.counts)
        // A full run saw every record the flow keeps; an incremental one changes the count by its creates and deletes.
        const managed = start.mode === 'full' ? c.created + c.updated + c.unchanged + c.failed : Math.max(0, before + c.created - c.deleted)
        index.flows[key] = {
          flowId: start.flowId,
          cursor: end.cursor,
          runId,
          mappingHash: start.mappingHash,
          at: end.at,
          managed,
          ...(start.identity ? { identity: start.identity } : {})
        }
      }
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
    await this.readEntries(runId, (entry) => {
      if (entry.t !== 'outcomes') return
      for (const item of entry.items) {
        const id = outcomeId(item)
        if (item.o === 'failed') failures.set(id, { item, page: entry.page })
        else if (item.o !== 'deferred') failures.delete(id)
      }
    })
    if (onFailure) for (const { item, page } of failures.values()) onFailure(item, page)
    return failures
  }

  private async countErrors(runId: string): Promise<number> {
    return (await this.failures(runId)).size
  }

  private async loadIndex(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.indexPath, 'utf8')) as Index
      if (parsed?.format === 'sync-studio/run-index@1' && parsed.runs && parsed.flows) this.index = parsed
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // A broken index is only a cache: set it aside and rebuild from the run files.
        await rename(this.indexPath, `${this.indexPath}.broken-${Date.now()}`).catch(() => undefined)
      }
    }
  }

  private async repairIndex(): Promise<void> {
    const files = (await readdir(this.runsDir)).filter((name) => name.endsWith('.jsonl'))
    const stale: string[] = []
    for (const name of files) {
      const runId = name.slice(0, -'.jsonl'.length)
      if (!isRunId(runId) || this.live.has(runId)) continue
      const known = this.index.runs[runId]
      if (!known || known.status === 'running') stale.push(runId)
    }
    if (!stale.length) return
    const fresh: RunSummary[] = []
    for (const runId of stale) {
      try {
        const recovery = await this.recover(runId)
        fresh.push(summaryOf(recovery, await this.countErrors(runId)))
      } catch {
        // A file without a start line (a crash during its very first write) holds nothing.
        const path = this.runPath(runId)
        if ((await stat(path)).size < 4096) await rm(path, { force: true })
      }
    }
    await this.updateIndex((index) => {
      for (const summary of fresh) index.runs[summary.runId] = summary
    })
  }

  private updateIndex(change: (index: Index) => void): Promise<void> {
    const next = this.indexQueue.then(async () => {
      change(this.index)
      await writeFileAtomic(this.indexPath, `${JSON.stringify(this.index, null, 1)}\n`)
    })
    this.indexQueue = next.catch(() => undefined)
    return next
  }
}

function collectFailures(entry: OutcomesEntry, into: Map<string, OutcomeItem>): void {
  for (const item of entry.items) {
    const id = outcomeId(item)
    if (item.o === 'failed') into.set(id, item)
    else if (item.o !== 'deferred') into.delete(id)
  }
}

function summaryOf(recovery: Recovery, errorCount: number): RunSummary {
  const { start, end, status } = recovery
  return {
    runId: recovery.runId,
    flowId: start.flowId,
    mappingHash: start.mappingHash,
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

async function syncDir(path: string): Promise<void> {
  // Makes a new file's directory entry durable; not possible on every platform (Windows).
  try {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // best effort
  }
}
