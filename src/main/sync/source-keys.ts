import { createHash } from 'node:crypto'
import type { Shard } from '../../shared/shard'
import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** Past this size, and this many times the last read of every row, the files are worth trimming (a full read does). */
const GROWN = { bytes: 64 * 1024 * 1024, ratio: 3 }
const BASE = '-base.jsonl'
const CHANGES = '-changes.jsonl'

/** Where a flow's keys are kept: beside the run's journal, per the services it runs against; a dry run writes none. */
export interface KeysFolder {
  journalRoot: string
  identity: string | undefined
  dryRun: boolean
  /** A shard's run (it counts the deletions it could not name of its own keys). */
  shard?: Shard
}

/**
 * The match key each Dynamics row had when a flow last read it, by the row's primary id — for
 * a flow matched on an alternate key. Dataverse's change tracking names a deleted row by its
 * primary id alone (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems),
 * so which Campaign record it was synced to is found here, by the key last read for it.
 *
 * Files: `<journal>/keys/<scope>/<generation>-base.jsonl` and `<generation>-changes.jsonl`, lines
 * `["id","key"]` (a line a crash cut short does not parse, and each append starts on a line of its
 * own), the last line for an id winning. A read of every row (a flow's first run, a full run)
 * begins a generation; once a run that read every row completes, the generations before it go. A
 * later incremental run appends to the newest generation's changes. A dry run writes nothing:
 * what it reads of the changes is kept in memory for the rest of the same dry run.
 *
 * The files are read only when a run meets a deletion: for each page with deletions, holding only
 * the rows deleted and those that had their keys (two passes: a million lines take about a second each here).
 */

export class SourceKeyFiles {
  /** What a dry run read of its changes (it writes no file): later in the file order than any file. */
  private readonly unwritten = new Map<string, string>()
  /** Rows this run has named deleted already. */
  private readonly gone = new Set<string>()
  private generation: string | undefined
  private fromStart = false

  private constructor(
    private readonly folder: string,
    private readonly write: boolean,
    private readonly grown: { bytes: number; ratio: number }
  ) {}

  /**
   * `scope`: what the keys belong to (the flow, its table and key column, the services it runs
   * against); `grown`: when the files are worth trimming (tests make it small).
   */
  static open(
    journalRoot: string,
    scope: readonly string[],
    options: { write: boolean; grown?: { bytes: number; ratio: number } }
  ): SourceKeyFiles {
    const name = createHash('sha256').update(scope.join('\u0000')).digest('hex').slice(0, 32)
    return new SourceKeyFiles(join(journalRoot, 'keys', name), options.write, options.grown ?? GROWN)
  }

  /**
   * The read starts: `start`, a read of every row from the beginning (a new generation);
   * `whole`, such a read resumed (it goes on in the newest generation, its own); `changes`, the
   * changes since an earlier run (appended to the newest). Once a read of every row completes,
   * the generations before its own go (`completed`).
   */
  async begin(read: 'start' | 'whole' | 'changes'): Promise<void> {
    this.fromStart = read !== 'changes'
    // A generation is its read of every row (`<stamp>-<pid>-base.jsonl`) and the changes read
    // after it (`<stamp>-<pid>-changes.jsonl`, sorted after it): how much the changes add is known.
    const base = (await this.generations()).filter((name) => name.endsWith(BASE)).at(-1)
    const fresh = `${String(Date.now()).padStart(15, '0')}-${process.pid}`
    if (read === 'start' || (read === 'whole' && !base)) this.generation = `${fresh}${BASE}`
    else if (read === 'whole') this.generation = base
    else this.generation = `${base ? base.slice(0, -BASE.length) : fresh}${CHANGES}`
  }

  /** Rows read: their ids and keys. */
  async note(pairs: ReadonlyArray<readonly [id: string, key: string]>): Promise<void> {
    const clean = pairs.filter(([id]) => id)
    if (clean.length === 0) return
    if (!this.write) {
      // A read of every row has no deletions to name (the initial listing reports none): a dry
      // run of a whole table keeps nothing; one of the changes keeps them, in the order read, for the deletions after.
      if (!this.fromStart)
        for (const [id, key] of clean) {
          this.unwritten.delete(id)
          this.unwritten.set(id, key)
        }
      return
    }
    if (!this.generation) await this.begin('changes')
    await mkdir(this.folder, { recursive: true })
    // On disk before the page's checkpoint (which follows the page): a resume never skips rows
    // whose keys a power loss took, and a later deletion never goes by a key the row gave up.
    const handle = await open(join(this.folder, this.generation!), 'a', 0o600)
    try {
      await handle.write(`\n${clean.map((pair) => JSON.stringify(pair)).join('\n')}\n`)
      await handle.datasync()
    } finally {
      await handle.close()
    }
  }

  /**
   * The keys of deleted rows: `keys`, those whose key no other row has taken since; `unknown`,
   * rows this flow never read (deleted before their first read, or synced before the flow kept
   * keys); `takenKeys`, the keys of rows another row now holds (its Campaign record is that row's).
   *
   * Two passes over the files, in the order they were written (the deleted rows' last keys, then
   * who holds those keys at the end), holding only those rows: a deletion costs reads of the
   * files, not memory for every row of the table.
   */
  async deleted(ids: readonly string[]): Promise<{ keys: string[]; unknown: number; takenKeys: string[] }> {
    // By their JSON text, as the lines hold them: most lines are passed over without parsing.
    // Each with the line it was last read at, in the order the lines were written.
    const wanted = new Map<string, { key: string; at: number } | undefined>()
    for (const id of ids) if (!this.gone.has(id)) wanted.set(JSON.stringify(id), undefined)
    if (wanted.size === 0) return { keys: [], unknown: 0, takenKeys: [] }
    // The key each deleted row had last.
    await this.scan((id, key, at) => {
      if (wanted.has(id)) wanted.set(id, { key, at })
    })
    // Rows that had one of those keys later, and what they hold at the end: a row that took a
    // key and gave it up since holds it no more.
    const keys = new Set([...wanted.values()].flatMap((last) => (last ? [last.key] : [])))
    const later = new Map<string, { key: string; at: number }>()
    if (keys.size)
      await this.scan((id, key, at) => {
        if (keys.has(key) || later.has(id)) later.set(id, { key, at })
      })
    // Of each key, the row that read it last (at the end of the files).
    const holder = new Map<string, { id: string; at: number }>()
    for (const [id, held] of later) if ((holder.get(held.key)?.at ?? -1) < held.at) holder.set(held.key, { id, at: held.at })
    const out: string[] = []
    const takenKeys: string[] = []
    let unknown = 0
    for (const [id, last] of wanted) {
      this.gone.add(JSON.parse(id) as string)
      if (!last) unknown++
      else if (holder.get(last.key)?.id !== id) takenKeys.push(JSON.parse(last.key) as string)
      else out.push(JSON.parse(last.key) as string)
    }
    return { keys: out, unknown, takenKeys }
  }

  /** Every line, in the order written (the files, then what a dry run read), as the JSON texts of its id and key, and its place. */
  private async scan(line: (id: string, key: string, at: number) => void): Promise<void> {
    let at = 0
    for (const name of await this.generations()) {
      const input = createReadStream(join(this.folder, name), { encoding: 'utf8' })
      for await (const text of createInterface({ input, crlfDelay: Infinity })) {
        const pair = splitLine(text)
        if (pair) line(pair[0], pair[1], at++)
      }
    }
    for (const [id, key] of this.unwritten) line(JSON.stringify(id), JSON.stringify(key), at++)
  }

  /**
   * The run completed. One that read every row: every row it knows is in its generation, and the
   * older ones go. One that read changes appended them: when the files have grown well past the
   * last read of every row (each page with deletions reads them all), the advice to trim them.
   */
  async completed(): Promise<string | undefined> {
    if (!this.write || !this.generation) return undefined
    const names = await this.generations()
    if (this.fromStart) {
      for (const name of names) if (name < this.generation) await rm(join(this.folder, name), { force: true })
      return undefined
    }
    const sizes = await Promise.all(names.map(async (name) => (await stat(join(this.folder, name))).size))
    const total = sizes.reduce((sum, size) => sum + size, 0)
    const base = Math.max(sizes.find((_size, i) => names[i].endsWith(BASE)) ?? 0, 1)
    if (total < this.grown.bytes || total < this.grown.ratio * base) return undefined
    return `the keys kept to apply Dynamics deletions have grown to ${Math.round(total / 1048576)} MB (${(total / base).toFixed(1)}× the last read of every row), and each page with deletions reads them all: a run with --full (Full replay) reads every row again and trims them`
  }

  private async generations(): Promise<string[]> {
    try {
      return (await readdir(this.folder)).filter((name) => name.endsWith('.jsonl')).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }
}

/**
 * A line `["id","key"]` as the JSON texts of its id and key; a line a crash cut short (no closing
 * `"]`), or any other, is none.
 */
function splitLine(line: string): [string, string] | undefined {
  if (!line.startsWith('["') || !line.endsWith('"]')) return undefined
  const comma = line.indexOf('","')
  if (comma < 0) return undefined
  // Text with an escape (a quote inside the id or key) could split or end wrongly: Dataverse ids
  // are GUIDs and most keys plain, and such a line is parsed whole (a torn one then parses not).
  const id = line.slice(1, comma + 1)
  if (line.includes('\\')) {
    try {
      const [whole, key] = JSON.parse(line) as [unknown, unknown]
      return typeof whole === 'string' && typeof key === 'string' ? [JSON.stringify(whole), JSON.stringify(key)] : undefined
    } catch {
      return undefined
    }
  }
  return [id, line.slice(comma + 2, -1)]
}
