import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunHistory } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import { countsAddUp, encodeEntry, fullCounts, type JournalEntry } from '../../src/main/sync/journal-format'
import { historyCounts } from '../../src/renderer/runs/format'
import { countsText } from '../../src/main/cli/run-command'

/**
 * Records whose write got no answer from Dynamics have their own count, `unknown`: not failed,
 * listed with the errors, retried by key. A journal written before that count existed (such
 * records journaled `o: "failed"` with code `outcomeUnknown`, counted in `failed`, and counts
 * without an `unknown` name) still loads, adds up and retries as it did.
 */

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-journal-unknown-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const noAnswer = 'no answer from Dynamics, so this event’s activity may or may not be written: The request timed out.'

/** A run file exactly as the version before `unknown` wrote it: counts without the name. */
function writeOldRun(runId: string): void {
  const oldCounts = {
    read: 5,
    created: 2,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    failed: 3,
    deleted: 0,
    deferred: 0,
    pending: 0,
    filteredOut: 0,
    sourceDeletions: 0
  }
  const entries = [
    { t: 'start', at: 1000, runId, flowId: 'sends', mappingHash: 'h', mode: 'incremental', dryRun: false },
    {
      t: 'outcomes',
      at: 1001,
      page: 1,
      items: [
        { k: 'e1', o: 'created', op: 'create' },
        { k: 'e2', o: 'created', op: 'create' },
        { k: 'e3', o: 'failed', stage: 'write', op: 'create', code: 'outcomeUnknown', message: noAnswer, retryable: false },
        { k: 'e4', o: 'failed', stage: 'write', op: 'create', code: 'outcomeUnknown', message: noAnswer, retryable: false },
        { k: 'e5', o: 'failed', stage: 'write', op: 'create', code: 'contactMissing', message: 'the contact is gone', retryable: false }
      ],
      d: { read: 5, created: 2, failed: 3 }
    },
    { t: 'checkpoint', at: 1002, phase: 'pages', page: 1, pass: 0, cursor: 'c1', counts: oldCounts },
    { t: 'end', at: 1003, status: 'completed', counts: oldCounts, durationMs: 3, cursor: 'c1' }
  ] as unknown as JournalEntry[]
  mkdirSync(join(dir, 'runs'), { recursive: true })
  writeFileSync(join(dir, 'runs', `${runId}.jsonl`), entries.map(encodeEntry).join(''))
}

describe('outcome unknown in the journal', () => {
  it('loads a run journaled before the unknown count: its counts as they were (unknown 0), adding up; its errors and retry unchanged', async () => {
    writeOldRun('old1')
    const journal = await SyncJournal.open(dir)
    const history = new RunHistory(journal)
    const [summary] = await history.list()
    expect(summary.runId).toBe('old1')
    // Counted then as failed, so still failed: the history never says a figure the run did not.
    expect(summary.counts).toEqual({ ...fullCounts({}), read: 5, created: 2, failed: 3, unknown: 0 })
    expect(countsAddUp(summary.counts)).toBe(true)
    expect(summary.errorCount).toBe(3)
    expect((await history.errors('old1')).map((e) => [e.key, e.code])).toEqual([
      ['e3', 'outcomeUnknown'],
      ['e4', 'outcomeUnknown'],
      ['e5', 'contactMissing']
    ])
    expect((await history.retryPlan('old1')).onlyKeys).toEqual(['e3', 'e4', 'e5'])
    // Its recovery (what a resume starts from) has every count name.
    expect((await journal.recover('old1')).counts).toMatchObject({ failed: 3, unknown: 0 })
  })

  it('a run with unknown outcomes: its own count, listed with the errors, retried by key, kept by compaction', async () => {
    const journal = await SyncJournal.open(dir)
    const history = new RunHistory(journal)
    const run = await journal.begin({ runId: 'new1', flowId: 'sends', mappingHash: 'h', mode: 'incremental', dryRun: false, at: 10 })
    await run.append({
      t: 'outcomes',
      at: 11,
      page: 1,
      items: [
        { k: 'e1', o: 'created', op: 'create' },
        { k: 'e2', o: 'unknown', stage: 'write', op: 'create', code: 'outcomeUnknown', message: noAnswer, retryable: false },
        { k: 'e3', o: 'unknown', stage: 'write', op: 'create', code: 'outcomeUnknown', message: noAnswer, retryable: false },
        { k: 'e4', o: 'failed', stage: 'write', op: 'create', code: 'contactMissing', message: 'the contact is gone', retryable: false }
      ],
      d: { read: 4, created: 1, unknown: 2, failed: 1 }
    })
    const counts = { ...fullCounts({}), read: 4, created: 1, unknown: 2, failed: 1 }
    expect(countsAddUp(counts)).toBe(true)
    await run.end({ t: 'end', at: 12, status: 'completed', counts, durationMs: 2 })

    const summary = (await history.list()).find((r) => r.runId === 'new1')!
    expect(summary.counts).toMatchObject({ failed: 1, unknown: 2 })
    expect(summary.errorCount).toBe(3)
    const listed = async () => (await history.errors('new1')).map((e) => [e.key, e.code, e.message])
    expect(await listed()).toEqual([
      ['e2', 'outcomeUnknown', noAnswer],
      ['e3', 'outcomeUnknown', noAnswer],
      ['e4', 'contactMissing', 'the contact is gone']
    ])
    expect((await history.retryPlan('new1')).onlyKeys).toEqual(['e2', 'e3', 'e4'])
    expect(await history.errorsCsv('new1')).toContain('no answer from Dynamics (may be written)')

    // Compacted (later runs push it out of the detailed ones): its unknown records stay listed and retryable.
    for (const id of ['new2', 'new3']) {
      const later = await journal.begin({ runId: id, flowId: 'sends', mappingHash: 'h', mode: 'incremental', dryRun: false, at: 20 })
      await later.end({ t: 'end', at: 21, status: 'completed', counts: fullCounts({}), durationMs: 1 })
    }
    expect(await journal.compact({ keepDetailed: 1 })).toContain('new1')
    expect(await listed()).toEqual([
      ['e2', 'outcomeUnknown', noAnswer],
      ['e3', 'outcomeUnknown', noAnswer],
      ['e4', 'contactMissing', 'the contact is gone']
    ])
    expect((await history.retryPlan('new1')).onlyKeys).toEqual(['e2', 'e3', 'e4'])
  })

  it('says "unknown" in the user’s words wherever the counts are shown, and never as failed', () => {
    const counts = { ...fullCounts({}), read: 15, created: 10, failed: 2, unknown: 3 }
    expect(countsText(counts, false)).toBe('15 read, 10 created, 2 failed, 3 unknown (no answer from Dynamics — retry checks each by key)')
    const shown = historyCounts({ counts, dryRun: false })
    expect(shown.map((c) => `${c.before}${c.n}${c.after}`)).toEqual([
      '15 read',
      '10 created',
      '0 updated',
      '0 unchanged',
      '2 failed',
      '3 unknown (no answer from Dynamics — retry checks each by key)'
    ])
    expect(shown.find((c) => c.key === 'unknown')?.title).toMatch(/looks each up by key/)
    // The history row's figures add up to what was read.
    expect(shown.filter((c) => c.key !== 'read').reduce((sum, c) => sum + c.n, 0)).toBe(counts.read)
  })
})
