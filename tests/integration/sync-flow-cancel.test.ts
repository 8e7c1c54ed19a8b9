import { afterEach, describe, expect, it } from 'vitest'
import { countsAddUp, countNames, type RunCounts } from '../../src/main/sync/journal-format'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A cancel over real HTTP (the sandbox answers slowly, so writes are in flight when the run is
 * canceled): the writes in flight land and are counted, so the summary, the journal and
 * Campaign agree, and the next run finds exactly what the summary said — nothing "unchanged"
 * that the canceled run wrote without counting. Counts add up at every event and never go back.
 */
let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('cancel over HTTP', () => {
  it('drains the writes in flight: summary = journal = target, and the resume writes the rest once', async () => {
    bench = await syncBench({ contacts: 240, profiles: 0, faults: { campaign: { latencyMs: 15 } } })
    const service = bench.service({ progressIntervalMs: 0, pageSize: 60 })
    const controller = new AbortController()
    const seen: RunCounts[] = []
    const first = await service.run(contactsDocument, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type !== 'progress') return
        seen.push(event.progress.counts)
        if (event.progress.counts.created >= 40 && !controller.signal.aborted) controller.abort()
      }
    })
    const flow = first.flows[0]
    expect(flow.status).toBe('canceled')
    expect(countsAddUp(flow.counts)).toBe(true)
    for (const counts of seen) expect(countsAddUp(counts), JSON.stringify(counts)).toBe(true)
    for (let i = 1; i < seen.length; i++)
      for (const name of countNames)
        if (name !== 'pending' && name !== 'deferred') expect(seen[i][name]).toBeGreaterThanOrEqual(seen[i - 1][name])
    for (const name of countNames)
      if (name !== 'pending' && name !== 'deferred') expect(flow.counts[name]).toBeGreaterThanOrEqual(seen[seen.length - 1][name])

    // The target holds exactly what the summary says was created.
    const written = await profilesByKey(bench)
    expect(written.size).toBe(flow.counts.created)
    const history = await service.history()
    expect(history[0]).toMatchObject({ runId: flow.runId, status: 'canceled', resumable: true, counts: flow.counts })

    // The next run resumes: it finds nothing the canceled run wrote without counting.
    const second = await service.run(contactsDocument, {})
    const resumed = second.flows[0]
    expect(resumed.resumedFrom).toBe(flow.runId)
    expect(resumed.counts.unchanged).toBe(0)
    expect(countsAddUp(resumed.counts)).toBe(true)
    const after = await profilesByKey(bench)
    expect(after.size).toBe(resumed.counts.created)
    expect([...after.values()].every((profiles) => profiles.length === 1)).toBe(true)
  }, 90_000)
})
