import { createHash } from 'node:crypto'
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Flow } from '../../shared/mapping/document'

/**
 * A child flow's rows that Campaign deleted with their parent (a profile deleted by the parent
 * flow), kept until the parent is back (docs/sync.md, "Deleting a parent"). A child row not
 * edited in Dynamics is not read by an incremental run, so without this list a contact that
 * comes back (it enters the filter again, it is restored from the recycle bin) would come back
 * without its vehicles or registrations in Campaign until a full run.
 *
 * One file per child flow and identity, `<journal>/sent/orphans-<id>.txt`, appended to:
 * `o<TAB>child key<TAB>parent key` when the parent flow's delete took the row, `r<TAB>parent key`
 * when the parent flow created that parent again. The child flow's next run reads the rows of the
 * parents that are back, by key, with its changes, then drops them from the file.
 */
function orphansPath(journalRoot: string, flowId: string, identity: string): string {
  const name = createHash('sha256').update([flowId, identity].join('\u0000')).digest('hex').slice(0, 32)
  return join(journalRoot, 'sent', `orphans-${name}.txt`)
}

const safe = (text: string) => !/[\t\n]/.test(text)

/** The parent flow's delete of `parent` took these rows of the child flow with it. */
export async function noteOrphans(
  journalRoot: string,
  flowId: string,
  identity: string,
  rows: ReadonlyArray<{ key: string; parent: string }>
): Promise<void> {
  const lines = rows.filter((r) => safe(r.key) && safe(r.parent)).map((r) => `o\t${r.key}\t${r.parent}\n`)
  if (lines.length === 0) return
  await mkdir(join(journalRoot, 'sent'), { recursive: true })
  await appendFile(orphansPath(journalRoot, flowId, identity), lines.join(''))
}

/** The parent flow created these parents again: their rows are read by the child flow's next run. */
export async function noteParentsBack(journalRoot: string, flowId: string, identity: string, parents: Iterable<string>): Promise<void> {
  const lines = [...parents].filter(safe).map((p) => `r\t${p}\n`)
  if (lines.length === 0) return
  await appendFile(orphansPath(journalRoot, flowId, identity), lines.join(''))
}

export interface OrphanedRows {
  /** Child key → its parent's key, for the rows still waiting for their parent. */
  waiting: Map<string, string>
  /** Child keys whose parent is back: the next run reads them. */
  back: string[]
  /** Drops these rows from the file (read by a completed run), atomically. */
  done(keys: Iterable<string>): Promise<void>
}

export async function orphanedRows(journalRoot: string, flowId: string, identity: string): Promise<OrphanedRows> {
  const path = orphansPath(journalRoot, flowId, identity)
  let text = ''
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  // In file order: a parent back counts for the rows orphaned before it, not for a later delete of the same parent.
  const waiting = new Map<string, string>()
  const byParent = new Map<string, Set<string>>()
  const back = new Map<string, string>()
  for (const line of text.split('\n')) {
    const [tag, a, b] = line.split('\t')
    if (tag === 'o' && a && b) {
      back.delete(a)
      byParent.get(waiting.get(a) ?? '')?.delete(a)
      waiting.set(a, b)
      let children = byParent.get(b)
      if (!children) byParent.set(b, (children = new Set()))
      children.add(a)
    } else if (tag === 'r' && a) {
      for (const child of byParent.get(a) ?? []) {
        waiting.delete(child)
        back.set(child, a)
      }
      byParent.delete(a)
    }
  }
  return {
    waiting,
    back: [...back.keys()],
    done: async (keys) => {
      for (const key of keys) back.delete(key)
      if (waiting.size === 0 && back.size === 0) return rm(path, { force: true })
      // The rows back first, then their parents' return, then the rows still waiting (orphaned after it, if the same parent).
      const lines = [
        ...[...back].map(([child, parent]) => `o\t${child}\t${parent}\n`),
        ...[...new Set(back.values())].map((p) => `r\t${p}\n`),
        ...[...waiting].map(([child, parent]) => `o\t${child}\t${parent}\n`)
      ]
      const temporary = `${path}.${process.pid}.tmp`
      await writeFile(temporary, lines.join(''))
      await rename(temporary, path)
    }
  }
}

/**
 * One sync's part in it: a parent flow's creates of parents whose rows wait are noted (a dry run
 * keeps them in memory: the plan reads those rows as the run will), and each child flow reads
 * the rows whose parent is back, then drops them from the file once its run has read them.
 */
export class OrphanWatch {
  /** Dry run: per child flow, the rows whose parent the plan creates again. */
  private readonly plannedBack = new Map<string, Set<string>>()

  constructor(
    private readonly journalRoot: string,
    private readonly identity: string,
    /** The document's flows: a parent's children may wait though their flow is not in this sync. */
    private readonly flows: readonly Flow[],
    private readonly dryRun: boolean
  ) {}

  /** Before a parent flow runs: `created` for each record it creates (or plans to), `finish` after its run. */
  async parent(flowId: string): Promise<{ created(key: string): void; finish(): Promise<void> } | undefined> {
    const waiting = new Map<string, Array<{ flowId: string; key: string }>>()
    for (const child of this.flows) {
      if (child.kind !== 'records' || !(child.links ?? []).some((l) => l.parentFlow === flowId)) continue
      for (const [key, parent] of (await orphanedRows(this.journalRoot, child.id, this.identity)).waiting)
        waiting.set(parent, [...(waiting.get(parent) ?? []), { flowId: child.id, key }])
    }
    if (waiting.size === 0) return undefined
    const back = new Set<string>()
    return {
      created: (key) => void (waiting.has(key) && back.add(key)),
      finish: async () => {
        const byChild = new Map<string, Array<{ parent: string; key: string }>>()
        for (const parent of back)
          for (const row of waiting.get(parent)!) byChild.set(row.flowId, [...(byChild.get(row.flowId) ?? []), { parent, key: row.key }])
        for (const [child, rows] of byChild) {
          if (this.dryRun) {
            const planned = this.plannedBack.get(child) ?? new Set<string>()
            for (const row of rows) planned.add(row.key)
            this.plannedBack.set(child, planned)
          } else await noteParentsBack(this.journalRoot, child, this.identity, new Set(rows.map((r) => r.parent)))
        }
      }
    }
  }

  /** Before a child flow runs: the rows it reads again; `done` after a run that read them (the dry run keeps them). */
  async child(flowId: string): Promise<{ reread: string[]; done(): Promise<void> }> {
    const rows = await orphanedRows(this.journalRoot, flowId, this.identity)
    const reread = [...new Set([...rows.back, ...(this.plannedBack.get(flowId) ?? [])])]
    return { reread, done: async () => (this.dryRun ? undefined : rows.done(reread)) }
  }
}
