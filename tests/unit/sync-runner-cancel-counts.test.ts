import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { SyncJournal } from '../../src/main/sync/journal'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { MemorySink, MemorySource } from '../support/memory-ports'
import { runFlow } from '../../src/main/sync/runner'

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-cancel-counts-'))
  journal = await SyncJournal.open(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const flow: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'externalId' },
  fields: [{ target: 'lastName', from: ['lastname'] }]
}
const contact = (n: number) => ({ contactid: `c-${String(n).padStart(4, '0')}`, lastname: `Last${n}` })
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * A cancel mid-page journals the page's records decided without a write (unchanged, skipped)
 * and counts the rest as pending. It used to count the decided ones a second time as pending
 * (runner.ts, settleStoppedPage): "150 read, 90 pending" for 100 records read.
 */
describe('a run canceled mid-page', () => {
  it('counts the records it read once: those found unchanged are not also pending', async () => {
    const sink = new MemorySink({ limits: { maxBatch: 5, concurrency: 1 }, latencyMs: 5 })
    // Half the page is in the target already (found unchanged, decided without a write).
    const seeded = await runFlow({ flow, source: new MemorySource(range(1, 50).map(contact), 'contactid'), sink, journal })
    expect(seeded.counts.created).toBe(50)

    const controller = new AbortController()
    const source = new MemorySource(range(1, 100).map(contact), 'contactid', {
      pageSize: 100,
      beforePage: () => void setTimeout(() => controller.abort(), 15)
    })
    const run = await runFlow({ flow, source, sink, journal, signal: controller.signal, retryDelayMs: 0 })
    expect(run.status).toBe('canceled')
    expect(countsAddUp(run.counts)).toBe(true)
    expect(run.counts.unchanged).toBe(50)
    expect(run.counts.created).toBeGreaterThan(0)
    expect(run.counts.created).toBeLessThan(50)
    // 100 records were read: 50 unchanged, the creates that landed, the rest pending.
    expect(run.counts).toMatchObject({ read: 100, pending: 50 - run.counts.created })
    expect((await journal.summary(run.runId))?.counts).toMatchObject({ read: 100, pending: 50 - run.counts.created })

    // The resume counts each record once too: the whole run read 100, created 50, found 50 unchanged.
    const resumed = await runFlow({ flow, source, sink, journal, resumeRunId: run.runId, retryDelayMs: 0 })
    expect(resumed.status).toBe('completed')
    expect(resumed.counts).toMatchObject({ read: 100, created: 50, unchanged: 50, pending: 0 })
  })
})
