import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { SyncJournal } from '../../src/main/sync/journal'
import { MemorySink, MemorySource } from '../support/memory-ports'
import { runFlow, type RunOptions } from '../../src/main/sync/runner'

/** History tells the truth: resumable only while a resume is possible; dry runs are plans; positions are per connection identity. */

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-history-truth-'))
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
const records = (n: number) => Array.from({ length: n }, (_, i) => ({ contactid: `c-${i}`, lastname: `L${i}` }))
const options = (source: MemorySource, sink: MemorySink, patch: Partial<RunOptions> = {}): RunOptions => ({
  flow,
  source,
  sink,
  journal,
  retryDelayMs: 0,
  ...patch
})

describe('history', () => {
  it('a canceled run stops being resumable once a later run of the flow has started; dry runs never are', async () => {
    const controller = new AbortController()
    const source = new MemorySource(records(200), 'contactid', {
      pageSize: 20,
      beforePage: (p) => (p === 3 ? controller.abort() : undefined)
    })
    const sink = new MemorySink({ latencyMs: 1 })
    const canceled = await runFlow(options(source, sink, { signal: controller.signal }))
    expect(canceled.status).toBe('canceled')
    expect((await journal.list()).find((r) => r.runId === canceled.runId)?.resumable).toBe(true)

    // A dry run in between does not change that, and is not resumable itself.
    const plan = await runFlow(options(new MemorySource(records(200), 'contactid'), sink, { dryRun: true }))
    let runs = await journal.list()
    expect(runs.find((r) => r.runId === plan.runId)).toMatchObject({ dryRun: true, resumable: false })
    expect(runs.find((r) => r.runId === canceled.runId)?.resumable).toBe(true)

    // A later real run completes: the canceled one is history now.
    const later = await runFlow(options(new MemorySource(records(200), 'contactid'), sink))
    expect(later.status).toBe('completed')
    runs = await journal.list()
    expect(runs.find((r) => r.runId === canceled.runId)).toMatchObject({ status: 'canceled', resumable: false })
    expect(runs.filter((r) => r.resumable)).toHaveLength(0)
  })

  it('keeps each flow position per connection identity: another sandbox or tenant starts from the beginning', async () => {
    const sink = new MemorySink()
    const a = await runFlow(options(new MemorySource(records(30), 'contactid', { kind: 'incremental' }), sink, { identity: 'sandbox:app' }))
    expect(a.counts.read).toBe(30)
    expect(await journal.flowState('contacts', 'sandbox:app')).toMatchObject({ cursor: { at: 30 }, managed: 30 })
    expect(await journal.flowState('contacts', 'sandbox:cli')).toBeUndefined()

    // The same flow against another dataset reads everything, not from the app's watermark.
    const b = await runFlow(
      options(new MemorySource(records(30), 'contactid', { kind: 'incremental' }), new MemorySink(), { identity: 'sandbox:cli' })
    )
    expect(b.counts.read).toBe(30)
    expect(b.counts.created).toBe(30)
    // And the first identity continues where it was.
    const again = await runFlow(
      options(new MemorySource(records(30), 'contactid', { kind: 'incremental' }), sink, { identity: 'sandbox:app' })
    )
    expect(again.counts.read).toBe(0)
    // Both runs are in the one history, each with its identity.
    expect((await journal.list()).map((r) => r.identity).sort()).toEqual(['sandbox:app', 'sandbox:app', 'sandbox:cli'])
  })
})
