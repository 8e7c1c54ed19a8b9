import { z } from 'zod'
import { RecentDocument } from '../../shared/contract'
import type { KeyValueStore } from './store'

const KEY = 'recentDocuments'

/** Mapping files the user opened or saved, newest first. */
export class RecentDocuments {
  constructor(
    private readonly store: KeyValueStore,
    private readonly limit: () => number
  ) {}

  list(): RecentDocument[] {
    return recentList(this.store.get(KEY))
  }

  has(path: string): boolean {
    return this.list().some((entry) => entry.path === path)
  }

  async remember(path: string, name: string): Promise<RecentDocument[]> {
    return this.change((list) =>
      [{ path, name, openedAt: new Date().toISOString() }, ...list.filter((e) => e.path !== path)].slice(0, this.limit())
    )
  }

  async forget(path?: string): Promise<RecentDocument[]> {
    return this.change((list) => (path === undefined ? [] : list.filter((e) => e.path !== path)))
  }

  /** From the list on disk now: another window or a CLI may have added a file since this one read it. */
  private async change(edit: (list: RecentDocument[]) => RecentDocument[]): Promise<RecentDocument[]> {
    let next: RecentDocument[] = []
    await this.store.update(KEY, (stored) => (next = edit(recentList(stored))))
    return next
  }
}

function recentList(stored: unknown): RecentDocument[] {
  const parsed = z.array(RecentDocument).safeParse(stored)
  return parsed.success ? parsed.data : []
}
