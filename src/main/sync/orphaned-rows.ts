import { rm } from 'node:fs/promises'
import type { Flow } from '../../shared/mapping/document'
import { writeFileAtomic } from '../files/atomic-write'
import { appendLines, flowFile, readFlowFile } from './sent-payloads'

/**
 * A child flow's rows that Campaign deleted with their parent (a profile deleted by the parent
 * flow), kept until the parent is back (docs/sync.md, "Deleting a parent"). A child row not
 * edited in Dynamics is not read by an incremental run, so without this list a contact that
 * comes back (it enters the filter again, it is restored from the recycle bin) would come back
 * without its vehicles or registrations in Campaign until a full run.
 *
 * One file per child flow and identity, `<journal>/sent/orphans-<id>.txt`, appended to:
 * `o<TAB>child key<TAB>parent key<TAB>;` when the parent flow's delete took the row,
 * `r<TAB>parent key<TAB>;` when the parent flow created that parent again (noted as the create
 * is journaled). The child flow's next incremental run reads the rows whose parent is back, by
 * key, before its changes; a completed run drops those it wrote, and keeps waiting those whose
 * parent was gone again. A line without its closing `;` (cut short by a crash) is ignored.
 */
const END = ';'

function orphansPath(journalRoot: string, flowId: string, identity: string): string {
  return flowFile(journalRoot, 'orphans', flowId, identity)
}

const safe = (text: string) => !/[\t\n]/.test(text)
const waitingLine = (child: string, parent: string) => `o\t${child}\t${parent}\t${END}`
const backLine = (parent: string) => `r\t${parent}\t${END}`

/** The parent flow's delete of `parent` took these rows of the child flow with it. */
export async function noteOrphans(
  journalRoot: string,
  flowId: string,
  identity: string,
  rows: ReadonlyArray<{ key: string; parent: string }>
): Promise<void> {
  const lines = rows.filter((r) => safe(r.key) && safe(r.parent)).map((r) => waitingLine(r.key, r.parent))
  await appendLines(orphansPath(journalRoot, flowId, identity), lines)
}

/** The parent flow created these parents again: their rows are read by the child flow's next run. */
export async function noteParentsBack(journalRoot: string, flowId: string, identity: string, parents: Iterable<string>): Promise<void> {
  await appendLines(orphansPath(journalRoot, flowId, identity), [...parents].filter(safe).map(backLine))
}

export interface OrphanedRows {
  /** Child key → its parent's key, for the rows still waiting for their parent. */
  waiting: ReadonlyMap<string, string>
  /** Child key → its parent's key, for the rows whose parent is back: the next run reads them. */
  back: ReadonlyMap<string, string>
  /**
   * After a completed run that read `read` (rows whose parent is back): they are dropped from the
   * file, but for `stillOrphaned` (their parent was gone again when the run got to them: they
   * wait for it again); `deleted`: rows the run read deleted from Dynamics, waiting for nothing
   * now. Rewritten atomically.
   */
  done(read: Iterable<string>, stillOrphaned?: ReadonlySet<string>, deleted?: Iterable<string>): Promise<void>
}

export async function orphanedRows(journalRoot: string, flowId: string, identity: string): Promise<OrphanedRows> {
  const path = orphansPath(journalRoot, flowId, identity)
  const text = await readFlowFile(path)
  // In file order: a parent back counts for the rows orphaned before it, not for a later delete of the same parent.
  const waiting = new Map<string, string>()
  const byParent = new Map<string, Set<string>>()
  const back = new Map<string, string>()
  for (const line of text.split('\n')) {
    const fields = line.split('\t')
    if (fields.at(-1) !== END) continue
    if (fields[0] === 'o' && fields.length === 4 && fields[1] && fields[2]) {
      const [, child, parent] = fields
      back.delete(child)
      byParent.get(waiting.get(child) ?? '')?.delete(child)
      waiting.set(child, parent)
      let children = byParent.get(parent)
      if (!children) byParent.set(parent, (children = new Set()))
      children.add(child)
    } else if (fields[0] === 'r' && fields.length === 3 && fields[1]) {
      for (const child of byParent.get(fields[1]) ?? []) {
        waiting.delete(child)
        back.set(child, fields[1])
      }
      byParent.delete(fields[1])
    }
  }
  return {
    waiting,
    back,
    done: async (read, stillOrphaned, deleted = []) => {
      for (const key of deleted) waiting.delete(key)
      for (const key of read) {
        const parent = back.get(key)
        back.delete(key)
        if (parent !== undefined && stillOrphaned?.has(key)) waiting.set(key, parent)
      }
      if (waiting.size === 0 && back.size === 0) return rm(path, { force: true })
      // The rows back first, then their parents' return, then the rows still waiting (orphaned after it, if the same parent).
      const lines = [
        ...[...back].map(([child, parent]) => waitingLine(child, parent)),
        ...[...new Set(back.values())].map(backLine),
        ...[...waiting].map(([child, parent]) => waitingLine(child, parent))
      ]
      await writeFileAtomic(path, `${lines.join('\n')}\n`)
    }
  }
}

/**
 * One sync's part in it: a parent flow notes the parents it creates again whose rows wait (as
 * each create is journaled; a dry run keeps them in memory: its plan reads those rows as the run
 * will), and each child flow reads the rows whose parent is back.
 */
export class OrphanWatch {
  /** Dry run: per child flow, the rows whose parent the plan creates again (child key → parent key). */
  private readonly plannedBack = new Map<string, Map<string, string>>()

  constructor(
    private readonly journalRoot: string,
    private readonly identity: string,
    /** The document's flows: a parent's children may wait though their flow is not in this sync. */
    private readonly flows: readonly Flow[],
    private readonly dryRun: boolean
  ) {}

  /** Before a parent flow runs: `created` with the keys it creates (or plans to), as they land. */
  async parent(flowId: string): Promise<{ created(keys: readonly string[]): Promise<void> } | undefined> {
    const waiting = new Map<string, Array<{ flowId: string; key: string }>>()
    for (const child of this.flows) {
      if (child.kind !== 'records' || !(child.links ?? []).some((l) => l.parentFlow === flowId)) continue
      for (const [key, parent] of (await orphanedRows(this.journalRoot, child.id, this.identity)).waiting) {
        let rows = waiting.get(parent)
        if (!rows) waiting.set(parent, (rows = []))
        rows.push({ flowId: child.id, key })
      }
    }
    if (waiting.size === 0) return undefined
    return {
      created: async (keys) => {
        const byChild = new Map<string, Array<{ parent: string; key: string }>>()
        for (const parent of keys)
          for (const row of waiting.get(parent) ?? []) {
            let rows = byChild.get(row.flowId)
            if (!rows) byChild.set(row.flowId, (rows = []))
            rows.push({ parent, key: row.key })
          }
        for (const [child, rows] of byChild) {
          if (this.dryRun) {
            let planned = this.plannedBack.get(child)
            if (!planned) this.plannedBack.set(child, (planned = new Map()))
            for (const row of rows) planned.set(row.key, row.parent)
          } else await noteParentsBack(this.journalRoot, child, this.identity, new Set(rows.map((r) => r.parent)))
        }
      }
    }
  }

  /** Before a child flow runs: its rows whose parent is back (child key → parent key), and what to do once a run read them. */
  async child(
    flowId: string
  ): Promise<{ back: ReadonlyMap<string, string>; waiting: ReadonlyMap<string, string>; done: OrphanedRows['done'] }> {
    const rows = await orphanedRows(this.journalRoot, flowId, this.identity)
    const back = new Map([...rows.back, ...(this.plannedBack.get(flowId) ?? [])])
    return {
      back,
      waiting: rows.waiting,
      done: async (read, still, deleted) => (this.dryRun ? undefined : rows.done(read, still, deleted))
    }
  }
}
