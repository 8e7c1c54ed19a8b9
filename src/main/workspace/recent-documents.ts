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
    const parsed = z.array(RecentDocument).safeParse(this.store.get(KEY))
    return parsed.success ? parsed.data : []
  }

  has(path: string): boolean {
    return this.list().some((entry) => entry.path === path)
  }

  async remember(path: string, name: string): Promise<RecentDocument[]> {
    const next = [{ path, name, openedAt: new Date().toISOString() }, ...this.list().filter((e) => e.path !== path)].slice(0, this.limit())
    await this.store.set(KEY, next)
    return next
  }

  async forget(path?: string): Promise<RecentDocument[]> {
    const next = path === undefined ? [] : this.list().filter((e) => e.path !== path)
    await this.store.set(KEY, next)
    return next
  }
}
