import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { shardOf, type Shard } from '../../src/shared/shard'
import { SyncJournal } from '../../src/main/sync/journal'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import { activeContactsFlow } from '../support/runner-contacts'
import { runFlow, type RunResult } from '../../src/main/sync/runner'

/**
 * Sharded runs of one flow (`--shard i/n`): each shard, on its own journal, writes and
 * deletes only the records whose match key hashes to it, counts only those, and the n
 * shards together do what one unsharded run does — deletes included.
 */
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-shards-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const flow: RecordsFlow = activeContactsFlow({
  fields: [{ target: 'lastName', from: ['lastname'] }],
  deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true }
})
const id = (n: number) => `C-${String(n).padStart(4, '0')}`
const contact = (n: number, patch: Record<string, unknown> = {}) => ({ contactid: id(n), lastname: `Last${n}`, statecode: 0, ...patch })
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

async function runShards(log: SourceChange[], sink: MemorySink, count: number, tag: string): Promise<RunResult[]> {
  const shards: Shard[] = range(count).map((index) => ({ index, count }))
  return Promise.all(
    shards.map(async (shard) => {
      const journal = await SyncJournal.open(join(dir, `${tag}-${shard.index}`))
      return runFlow({
        flow,
        source: new MemorySource(log, 'contactid', { pageSize: 17, withTotal: true }),
        sink,
        journal,
        shard,
        retryDelayMs: 0,
        // The keys are upper-case here; the guard's thresholds are not what this test is about.
        deleteGuard: { allow: 1000 }
      })
    })
  )
}

describe('sharded runs', () => {
  it('write each record once, in the shard its key hashes to, and count only their own', async () => {
    const log = range(200).map((n) => contact(n))
    const sink = new MemorySink({ limits: { maxBatch: 7, concurrency: 3 } })
    const results = await runShards(log, sink, 4, 'first')
    expect(sink.store.size).toBe(200)
    expect([...sink.writes.values()].every((w) => w === 1)).toBe(true)
    for (const result of results) {
      const own = range(200).filter((n) => shardOf(id(n), 4) === result.shard!.index).length
      expect(result.status).toBe('completed')
      expect(result.counts).toMatchObject({ read: own, created: own })
      // Every record read was this shard's or another's: nothing counted twice, nothing lost.
      expect(result.counts.read + result.shard!.otherShards).toBe(200)
      expect(own).toBeGreaterThan(20)
    }
    expect(results.reduce((n, r) => n + r.counts.created, 0)).toBe(200)
  })

  it('delete only their own records: a deletion or a record that left the filter in another shard is not theirs', async () => {
    const sink = new MemorySink({ limits: { maxBatch: 7, concurrency: 3 } })
    await runShards(
      range(120).map((n) => contact(n)),
      sink,
      4,
      'load'
    )
    // Deleted in the source: 1..10; left the filter: 11..20; changed: 21..25.
    const log: SourceChange[] = [
      ...range(10).map((n) => ({ deleted: id(n) })),
      ...range(10).map((n) => contact(n + 10, { statecode: 1 })),
      ...range(5).map((n) => contact(n + 20, { lastname: 'Changed' }))
    ]
    const deletesBy = new Map<number, number>()
    const callsBefore = sink.calls.length
    const results = await runShards(log, sink, 4, 'changes')
    for (const result of results) {
      const mine = (from: number, to: number) =>
        range(to - from + 1).filter((i) => shardOf(id(from + i - 1), 4) === result.shard!.index).length
      expect(result.counts).toMatchObject({ read: mine(1, 25), deleted: mine(1, 20), updated: mine(21, 25), filteredOut: mine(11, 20) })
      expect(result.counts.read + result.shard!.otherShards).toBe(25)
      deletesBy.set(result.shard!.index, result.counts.deleted)
    }
    expect([...deletesBy.values()].reduce((a, b) => a + b, 0)).toBe(20)
    expect(sink.store.size).toBe(100)
    for (const n of range(20)) expect(sink.store.has(id(n))).toBe(false)
    expect(sink.store.get(id(21))).toMatchObject({ lastName: 'Changed' })
    // Each changed key sent to the target once, by one shard: 20 deletes and 5 updates.
    const ops = sink.calls.slice(callsBefore).flat()
    expect(ops).toHaveLength(25)
    expect(new Set(ops.map((op) => op.key)).size).toBe(25)
  })

  it('show no percentage in a shard: the source total counts every shard, the share is known only once read', async () => {
    const log = range(60).map((n) => contact(n))
    const totals: Array<number | undefined> = []
    const result = await runFlow({
      flow,
      source: new MemorySource(log, 'contactid', { pageSize: 10, withTotal: true }),
      sink: new MemorySink(),
      journal: await SyncJournal.open(join(dir, 'progress')),
      shard: { index: 2, count: 4 },
      progressIntervalMs: 0,
      onProgress: (p) => totals.push(p.total)
    })
    expect(totals.length).toBeGreaterThan(0)
    expect(totals.every((t) => t === undefined)).toBe(true)
    expect(result.counts.read + result.shard!.otherShards).toBe(60)
    expect(result.counts.read).toBe(range(60).filter((n) => shardOf(id(n), 4) === 2).length)
  })

  it('resume a canceled shard from its checkpoint: its own records once each, the other shards still counted once', async () => {
    const controller = new AbortController()
    const log = range(200).map((n) => contact(n))
    const shard = { index: 3, count: 4 }
    const source = new MemorySource(log, 'contactid', {
      pageSize: 30,
      beforePage: (page) => {
        if (page === 4) setTimeout(() => controller.abort(), 3)
      }
    })
    const sink = new MemorySink({ limits: { maxBatch: 5, concurrency: 2 }, latencyMs: 2 })
    const journal = await SyncJournal.open(join(dir, 'resume'))
    const run = (extra: { signal?: AbortSignal; resumeRunId?: string }) =>
      runFlow({ flow, source, sink, journal, shard, retryDelayMs: 0, ...extra })
    const first = await run({ signal: controller.signal })
    expect(first.status).toBe('canceled')
    const own = range(200).filter((n) => shardOf(id(n), 4) === 3)
    expect(sink.store.size).toBeGreaterThan(0)
    expect(sink.store.size).toBeLessThan(own.length)

    const resumed = await run({ resumeRunId: first.runId })
    expect(resumed.status).toBe('completed')
    expect([...sink.store.keys()].sort()).toEqual(own.map(id).sort())
    expect([...sink.writes.values()].every((w) => w === 1)).toBe(true)
    // The records of other shards read before the checkpoint were kept in the journal, not counted again.
    expect(resumed.counts.read).toBe(own.length)
    expect(resumed.shard).toMatchObject({ index: 3, count: 4, otherShards: 200 - own.length })
  })
})
