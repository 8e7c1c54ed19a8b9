import { readFile, rm, stat } from 'node:fs/promises'
import { writeFileAtomic } from '../files/atomic-write'
import { isListedError, type JournalEntry, type OutcomeItem } from './journal-format'
import { noteLastFailure } from './journal-recovery'
import { readLinesAt, scanFile, type LineAt } from './journal-run-file'

/**
 * A run's failed records, one per record (a later success clears a record's failure), and
 * where each is in the run file. The offsets are kept beside the run file
 * (`runs/<runId>.failures.json`), so a page of errors reads only its own lines, not the
 * whole run. They belong to the run file of the size they were built from: a file that
 * grew (a resume), was cut (a torn tail) or rewritten (compaction) is scanned again.
 */

/** Where one failed record is: its line, its place among the line's items, and its page. */
type FailureAt = [offset: number, length: number, item: number, page: number]

interface Saved {
  format: 'sync-studio/run-failures@1'
  /** The run file's size the offsets were built from. */
  size: number
  failures: FailureAt[]
}

export interface Failure {
  item: OutcomeItem
  page: number
}

/** Folds a run's entries, in order, into its failed records and their places. */
export class FailureCollector {
  readonly byId = new Map<string, FailureAt>()

  add(entry: JournalEntry, at: LineAt): void {
    if (entry.t !== 'outcomes') return
    entry.items.forEach((item, index) => noteLastFailure(this.byId, item, () => [at.offset, at.length, index, entry.page]))
  }
}

/** How many runs' offsets stay in memory (the error pages the user is paging through). */
const CACHED_RUNS = 8

export class FailureOffsets {
  private readonly cache = new Map<string, Saved>()

  constructor(private readonly runPath: (runId: string) => string) {}

  /** Keeps the offsets a scan of the whole file collected (the end of a run scans it anyway). */
  async save(runId: string, size: number, collector: FailureCollector, persist: boolean): Promise<void> {
    const saved: Saved = { format: 'sync-studio/run-failures@1', size, failures: [...collector.byId.values()] }
    this.remember(runId, saved)
    if (persist) await writeFileAtomic(this.sidecar(runId), JSON.stringify(saved))
  }

  /** Forgets the offsets of a run whose file was rewritten. */
  async forget(runId: string): Promise<void> {
    this.cache.delete(runId)
    await rm(this.sidecar(runId), { force: true })
  }

  async count(runId: string, live: boolean): Promise<number> {
    return (await this.load(runId, live)).failures.length
  }

  /** Failed records `offset` to `offset + limit`, in the order they first failed. */
  async page(runId: string, live: boolean, offset = 0, limit = Number.POSITIVE_INFINITY): Promise<Failure[]> {
    const page = await this.read(runId, live, offset, limit)
    if (page) return page
    // The file changed under the offsets (another process resumed or compacted it): scan it again.
    await this.forget(runId)
    const again = await this.read(runId, live, offset, limit)
    if (again) return again
    throw new Error(`run ${runId}: its journal changed while its errors were read — open them again`)
  }

  /** The page, or undefined when a line is no longer what the offsets say. */
  private async read(runId: string, live: boolean, offset: number, limit: number): Promise<Failure[] | undefined> {
    const { failures } = await this.load(runId, live)
    const wanted = failures.slice(offset, limit === Number.POSITIVE_INFINITY ? undefined : offset + limit)
    // Each line is read once, however many of its items failed.
    const lines = new Map<number, LineAt>()
    for (const [lineOffset, length] of wanted) lines.set(lineOffset, { offset: lineOffset, length })
    const order = [...lines.values()]
    const entries = await readLinesAt(this.runPath(runId), order)
    const byOffset = new Map(order.map((line, i) => [line.offset, entries[i]]))
    const out: Failure[] = []
    for (const [lineOffset, , index, page] of wanted) {
      const entry = byOffset.get(lineOffset)
      const item = entry?.t === 'outcomes' ? entry.items[index] : undefined
      if (!item || !isListedError(item.o)) return undefined
      out.push({ item, page })
    }
    return out
  }

  private async load(runId: string, live: boolean): Promise<Saved> {
    const { size } = await stat(this.runPath(runId))
    const cached = this.cache.get(runId)
    if (cached?.size === size) return cached
    if (!live) {
      const saved = await readFile(this.sidecar(runId), 'utf8')
        .then((text) => JSON.parse(text) as Saved)
        .catch(() => undefined)
      if (saved?.format === 'sync-studio/run-failures@1' && saved.size === size && Array.isArray(saved.failures)) {
        this.remember(runId, saved)
        return saved
      }
    }
    return this.build(runId, live)
  }

  private async build(runId: string, live: boolean): Promise<Saved> {
    const collector = new FailureCollector()
    const { size } = await scanFile(this.runPath(runId), (entry, at) => collector.add(entry, at))
    // A run still being written is not saved: its file grows with every batch.
    await this.save(runId, size, collector, !live)
    return this.cache.get(runId)!
  }

  private remember(runId: string, saved: Saved): void {
    this.cache.delete(runId)
    this.cache.set(runId, saved)
    while (this.cache.size > CACHED_RUNS) this.cache.delete(this.cache.keys().next().value!)
  }

  private sidecar(runId: string): string {
    return this.runPath(runId).replace(/\.jsonl$/, '.failures.json')
  }
}
