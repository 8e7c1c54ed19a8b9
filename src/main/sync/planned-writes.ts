import type { Flow } from '../../shared/mapping/document'
import type { PlanEntry } from './runner'

/** A parent flow's plan as a child flow's sink reads it: the keys it keeps in Campaign, and those it deletes. */
export interface PlannedParent {
  keys: ReadonlySet<string>
  deleted: ReadonlySet<string>
}

/**
 * What a dry run's earlier flows plan, for the flows after them: the service runs parent flows
 * first, so a child flow's plan sees Campaign as the run will leave it when the child's turn
 * comes (docs/sync.md, "Dry run = run"):
 *
 * - the parents a parent flow plans to write (created, updated or unchanged): a child linked to
 *   one is not an orphan, though its profile is not in Campaign yet;
 * - the parents it plans to delete: a child linked to one fails `parentMissing`, as in the run,
 *   where the child flow runs after that delete;
 * - the child rows Campaign would delete with those parents (a link that deletes its rows with
 *   the profile): the child flow plans them as the run finds them — gone, not "unchanged".
 */
export class PlannedWrites {
  private readonly kept = new Map<string, Set<string>>()
  private readonly deleted = new Map<string, Set<string>>()
  private readonly gone = new Map<string, Set<string>>()

  /** For every flow another selected flow links to as its parent. */
  constructor(flows: readonly Flow[]) {
    for (const flow of flows) {
      if (flow.kind !== 'records') continue
      for (const link of flow.links ?? []) {
        if (this.kept.has(link.parentFlow)) continue
        this.kept.set(link.parentFlow, new Set())
        this.deleted.set(link.parentFlow, new Set())
      }
    }
  }

  /** Whether later flows read what this flow plans (it is a selected child's parent). */
  isParent(flowId: string): boolean {
    return this.kept.has(flowId)
  }

  /** A parent flow's planned entry: its key is kept in Campaign, or deleted from it. */
  note(flowId: string, entry: PlanEntry): void {
    const kept = this.kept.get(flowId)
    if (!kept || entry.key === undefined) return
    if (entry.action === 'create' || entry.action === 'update' || entry.action === 'unchanged') {
      kept.add(entry.key)
      this.deleted.get(flowId)!.delete(entry.key)
    } else if (entry.action === 'delete') {
      this.deleted.get(flowId)!.add(entry.key)
      kept.delete(entry.key)
    }
  }

  /** A planned delete would take these rows of `flowId` with it. */
  noteGone(flowId: string, keys: readonly string[]): void {
    const set = this.goneSet(flowId)
    for (const key of keys) set.add(key)
  }

  /** The parent flow's plan, as a child flow's sink reads it; undefined when the flow was not selected. */
  parent(flowId: string): PlannedParent | undefined {
    const keys = this.kept.get(flowId)
    return keys ? { keys, deleted: this.deleted.get(flowId)! } : undefined
  }

  /** The rows of `flowId` that earlier planned deletes would take from Campaign (a live set: flows plan in the run's order). */
  goneOf(flowId: string): ReadonlySet<string> {
    return this.goneSet(flowId)
  }

  private goneSet(flowId: string): Set<string> {
    let set = this.gone.get(flowId)
    if (!set) this.gone.set(flowId, (set = new Set()))
    return set
  }
}
