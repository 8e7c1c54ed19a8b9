import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunHistory } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import { countNames, countsAddUp } from '../../src/main/sync/journal-format'
import type { RunProgress } from '../../src/main/sync/progress'
import { runFlow, type RunOptions } from '../../src/main/sync/runner'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import { activeContactsFlow, contact, id } from '../support/runner-contacts'

/**
 * The runner's side of a write with no answer (the sink says `unknown`): its own count, not
 * failed and never deferred to a retry pass (the write may still be running; sent again it could
 * land twice); a later read of the record in the run supersedes it as it does a failure; a
 * resume and a retry know it. Over HTTP against the sandbox: tests/integration/sync-outcome-unknown.test.ts.
 */

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-unknown-'))
  journal = await SyncJournal.open(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function options(source: MemorySource, sink: MemorySink, patch: Partial<RunOptions> = {}): RunOptions {
  return { flow: activeContactsFlow(), source, sink, journal, retryDelayMs: 0, progressIntervalMs: 0, ...patch }
}

/** Every progress event adds up, and no count is ever below zero (a superseded unknown is taken off once). */
function checkEvents(events: RunProgress[]): void {
  expect(events.length).toBeGreaterThan(0)
  for (const event of events) {
    expect(countsAddUp(event.counts), JSON.stringify(event.counts)).toBe(true)
    for (const name of countNames) expect(event.counts[name], name).toBeGreaterThanOrEqual(0)
  }
}

describe('a write with no answer', () => {
  it('is counted unknown, not failed and not retried in the run; the errors list it; the retry writes only what is missing', async () => {
    const records: SourceChange[] = Array.from({ length: 10 }, (_, i) => contact(i + 1))
    // c-0002 and c-0003 landed though no answer came; c-0004 did not land.
    const silent = new Map([
      [id(2), true],
      [id(3), true],
      [id(4), false]
    ])
    const sink = new MemorySink({
      limits: { maxBatch: 3, concurrency: 1 },
      noAnswer: (op) => (silent.has(op.key) ? { landed: silent.get(op.key)! } : undefined)
    })
    const events: RunProgress[] = []
    const result = await runFlow(
      options(new MemorySource(records, 'contactid', { pageSize: 5 }), sink, { onProgress: (e) => events.push(e), retryPasses: 2 })
    )
    checkEvents(events)
    expect(result.status).toBe('completed')
    expect(result.counts).toMatchObject({ read: 10, created: 7, unknown: 3, failed: 0, deferred: 0 })
    expect(countsAddUp(result.counts)).toBe(true)
    // Sent once each: no retry pass sent them again.
    for (const key of silent.keys()) expect(sink.calls.flat().filter((op) => op.key === key)).toHaveLength(1)

    const history = new RunHistory(journal)
    expect(await journal.summary(result.runId)).toMatchObject({ counts: result.counts, errorCount: 3 })
    const errors = await history.errors(result.runId)
    expect(errors.map((e) => [e.key, e.code, e.stage, e.op])).toEqual([
      [id(2), 'outcomeUnknown', 'write', 'create'],
      [id(3), 'outcomeUnknown', 'write', 'create'],
      [id(4), 'outcomeUnknown', 'write', 'create']
    ])
    expect(errors[0].message).toMatch(/may or may not be written/)

    // Retry failed records: each looked up by key; what landed is unchanged, what did not is created — once.
    silent.clear()
    const plan = await history.retryPlan(result.runId)
    expect(plan.onlyKeys).toEqual([id(2), id(3), id(4)])
    const retry = await runFlow(
      options(new MemorySource(records, 'contactid', { pageSize: 5 }), sink, { onlyKeys: plan.onlyKeys, retryOf: result.runId })
    )
    expect(retry.counts).toMatchObject({ read: 3, unchanged: 2, created: 1, unknown: 0, failed: 0 })
    expect(countsAddUp(retry.counts)).toBe(true)
    for (const key of [id(2), id(3), id(4)]) expect(sink.writes.get(key)).toBe(1)
  })

  it('read again later in the run: the later read decides, and unknown goes back down (the counts still add up)', async () => {
    // c-0002 gets no answer on page 1 and is read again (changed) on page 2, where it is written.
    const records: SourceChange[] = [contact(1), contact(2), contact(3), contact(4), contact(2, { lastname: 'Again' }), contact(5)]
    let first = true
    const sink = new MemorySink({
      limits: { maxBatch: 2, concurrency: 1 },
      noAnswer: (op) => (op.key === id(2) && first ? ((first = false), { landed: false }) : undefined)
    })
    const events: RunProgress[] = []
    const result = await runFlow(
      options(new MemorySource(records, 'contactid', { pageSize: 4 }), sink, { onProgress: (e) => events.push(e) })
    )
    checkEvents(events)
    expect(events.some((e) => e.counts.unknown === 1)).toBe(true)
    expect(result.counts).toMatchObject({ read: 6, created: 5, skipped: 1, unknown: 0, failed: 0 })
    expect(countsAddUp(result.counts)).toBe(true)
    expect(await new RunHistory(journal).errors(result.runId)).toEqual([])
  })

  it('a stopped run with unknown records resumes knowing them: a later read supersedes them once', async () => {
    const records: SourceChange[] = [contact(1), contact(2), contact(3), contact(4), contact(2, { lastname: 'Again' }), contact(5)]
    let first = true
    const sink = new MemorySink({
      limits: { maxBatch: 2, concurrency: 1 },
      noAnswer: (op) => (op.key === id(2) && first ? ((first = false), { landed: false }) : undefined)
    })
    const stop = new AbortController()
    const canceled = await runFlow(
      options(new MemorySource(records, 'contactid', { pageSize: 4, beforePage: (n) => (n === 2 ? stop.abort() : undefined) }), sink, {
        signal: stop.signal
      })
    )
    expect(canceled.status).toBe('canceled')
    expect(canceled.counts).toMatchObject({ unknown: 1 })
    const resumed = await runFlow(options(new MemorySource(records, 'contactid', { pageSize: 4 }), sink, { resumeRunId: canceled.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.counts).toMatchObject({ read: 6, created: 5, skipped: 1, unknown: 0, failed: 0 })
    expect(countsAddUp(resumed.counts)).toBe(true)
  })
})
