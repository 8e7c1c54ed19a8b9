import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { appendFile, mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/**
 * The match key each Dynamics row had when a flow last read it, by the row's primary id — for
 * a flow matched on an alternate key. Dataverse's change tracking names a deleted row by its
 * primary id alone (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems),
 * so which Campaign record it was synced to is found here, by the key last read for it.
 *
 * Files: `<journal>/keys/<scope>/<generation>.jsonl`, lines `["id","key"]` (a line a crash cut
 * short does not parse, and each append starts on a line of its own), the last line for an id
 * winning. A read from the start (a flow's first run, a full run) begins a generation; once a run
 * that read from the start completes, the generations before it go: it read every row. A later
 * incremental run appends to the newest. A dry run writes nothing: what it reads is kept in
 * memory for the rest of the same dry run.
 *
 * The files are read only when a run meets a deletion: once per page with deletions, holding only
 * the rows deleted (a million rows are read in one to three seconds here, in no more memory).
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
    private readonly write: boolean
  ) {}

  /** `scope`: what the keys belong to (the flow, its table and key column, the services it runs against). */
  static open(journalRoot: string, scope: readonly string[], options: { write: boolean }): SourceKeyFiles {
    const name = createHash('sha256').update(scope.join('\u0000')).digest('hex').slice(0, 32)
    return new SourceKeyFiles(join(journalRoot, 'keys', name), options.write)
  }

  /** The read starts: from the start (a new generation), or where an earlier run stands (the newest). */
  async begin(fromStart: boolean): Promise<void> {
    this.fromStart = fromStart
    const newest = (await this.generations()).at(-1)
    this.generation = fromStart || !newest ? `${String(Date.now()).padStart(15, '0')}-${process.pid}.jsonl` : newest
  }

  /** Rows read: their ids and keys. */
  async note(pairs: ReadonlyArray<readonly [id: string, key: string]>): Promise<void> {
    const clean = pairs.filter(([id]) => id)
    if (clean.length === 0) return
    if (!this.write) {
      // A read from the start has no deletions to name (the initial listing reports none): a dry
      // run of a whole table keeps nothing; one of the changes keeps them for the deletions after.
      if (!this.fromStart) for (const [id, key] of clean) this.unwritten.set(id, key)
      return
    }
    if (!this.generation) await this.begin(false)
    await mkdir(this.folder, { recursive: true })
    await appendFile(join(this.folder, this.generation!), `\n${clean.map((pair) => JSON.stringify(pair)).join('\n')}\n`)
  }

  /**
   * The keys of deleted rows: `keys`, those whose key no other row has taken since; `unknown`,
   * rows this flow never read (deleted before their first read, or synced before the flow kept
   * keys); `taken`, rows whose key another row now has (its Campaign record is that row's).
   *
   * One pass over the files, in the order they were written, holding only these rows: a
   * deletion costs a read of the files, not memory for every row of the table.
   */
  async deleted(ids: readonly string[]): Promise<{ keys: string[]; unknown: number; taken: number }> {
    // By their JSON text, as the lines hold them: most lines are passed over without parsing.
    const wanted = new Map<string, { key?: string; taken: boolean }>()
    for (const id of ids) if (!this.gone.has(id)) wanted.set(JSON.stringify(id), { taken: false })
    const holders = new Map<string, Set<string>>()
    const read = (id: string, key: string) => {
      // Another row with a key a deleted row had last: that row holds it now.
      for (const holder of holders.get(key) ?? []) if (holder !== id) wanted.get(holder)!.taken = true
      const row = wanted.get(id)
      if (!row) return
      if (row.key !== undefined) holders.get(row.key)?.delete(id)
      row.key = key
      row.taken = false
      holders.set(key, (holders.get(key) ?? new Set()).add(id))
    }
    if (wanted.size) {
      for (const name of await this.generations()) {
        const input = createReadStream(join(this.folder, name), { encoding: 'utf8' })
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          const pair = splitLine(line)
          if (pair) read(pair[0], pair[1])
        }
      }
      for (const [id, key] of this.unwritten) read(JSON.stringify(id), JSON.stringify(key))
    }
    const keys: string[] = []
    let unknown = 0
    let taken = 0
    for (const [id, row] of wanted) {
      this.gone.add(JSON.parse(id) as string)
      if (row.key === undefined) unknown++
      else if (row.taken) taken++
      else keys.push(JSON.parse(row.key) as string)
    }
    return { keys, unknown, taken }
  }

  /** A run that read from the start completed: every row it knows is in its generation. */
  async completed(): Promise<void> {
    if (!this.write || !this.fromStart || !this.generation) return
    for (const name of await this.generations()) if (name < this.generation) await rm(join(this.folder, name), { force: true })
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
  // An id with an escaped quote before the comma would split wrongly: Dataverse ids are GUIDs, and such a line is parsed whole.
  const id = line.slice(1, comma + 1)
  if (id.includes('\\')) {
    try {
      const [whole, key] = JSON.parse(line) as [unknown, unknown]
      return typeof whole === 'string' && typeof key === 'string' ? [JSON.stringify(whole), JSON.stringify(key)] : undefined
    } catch {
      return undefined
    }
  }
  return [id, line.slice(comma + 2, -1)]
}
