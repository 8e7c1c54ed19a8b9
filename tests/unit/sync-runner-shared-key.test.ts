import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RunHistory } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { runFlow, type RunOptions, type SourceId } from '../../src/main/sync/runner'
import { previewRecords } from '../../src/shared/mapping/preview'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import { dynamicsContact } from '../support/schema-examples'
import { activeContactsFlow, contact, id } from '../support/runner-contacts'

/**
 * Two different source records with one match key (two contacts with the same email, when the
 * flow matches on email) would become one target record. The earlier one used to be "skipped:
 * superseded by a later version of the record" — a silent merge, told as if it were the same
 * record read twice. It fails now, naming both records; a record with no match key is named by
 * its Dynamics id instead of its position alone.
 */

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-shared-key-'))
  journal = await SyncJournal.open(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const sourceId: SourceId = { name: 'contactid', of: (record) => String(record.contactid) }
const byEmail = activeContactsFlow({ match: { source: 'emailaddress1', target: 'email' } })
const records: SourceChange[] = [
  contact(1, { emailaddress1: 'shared@example.com' }),
  contact(2, { emailaddress1: 'shared@example.com' }),
  contact(3),
  contact(4, { emailaddress1: null }),
  // Spaces alone are no key either (they made one target record keyed "   ").
  contact(6, { emailaddress1: '   ' }),
  // The same record read twice in one page (changed while it was read): the earlier read is superseded, not failed.
  contact(5, { lastname: 'Before' }),
  contact(5, { lastname: 'After' })
]

function options(sink: MemorySink, patch: Partial<RunOptions> = {}): RunOptions {
  return {
    flow: byEmail,
    source: new MemorySource(records, 'contactid'),
    sink,
    journal,
    retryDelayMs: 0,
    progressIntervalMs: 0,
    sourceId,
    ...patch
  }
}

describe('records that share a match key in one page', () => {
  it('fail the earlier one with both ids (the dry run says the same); a record with no key is named by its id', async () => {
    const plan = await runFlow(options(new MemorySink(), { dryRun: true }))
    const sink = new MemorySink()
    const run = await runFlow(options(sink))
    for (const result of [plan, run]) {
      expect(countsAddUp(result.counts)).toBe(true)
      expect(result.counts).toMatchObject({ read: 7, created: 3, failed: 3, skipped: 1 })
    }
    expect([...sink.store.keys()].sort()).toEqual(['p3@example.com', 'p5@example.com', 'shared@example.com'])
    expect(sink.store.get('shared@example.com')).toMatchObject({ lastName: 'Last2' })
    expect(sink.store.get('p5@example.com')).toMatchObject({ lastName: 'After' })

    const shared = `another Dynamics record read after it has the same match key "shared@example.com" (contactid ${id(2)}; this one is ${id(1)}): only that one goes on to the target, this one is not written — make the match key unique`
    const noKey = `the record has no "emailaddress1", the match key — it cannot be matched to a target record (Dynamics contactid ${id(4)})`
    const blank = `the record has no "emailaddress1", the match key — it cannot be matched to a target record (Dynamics contactid ${id(6)})`
    const planned = plan.plan!.entries.filter((e) => e.action === 'error').map((e) => ('reason' in e ? e.reason : ''))
    expect(planned.sort()).toEqual([shared, noKey, blank].sort())
    const errors = await new RunHistory(journal).errors(run.runId)
    expect(errors.map((e) => e.message).sort()).toEqual([shared, noKey, blank].sort())
    expect(errors.find((e) => e.message === shared)?.code).toBe('duplicateKey')
  })

  it('the preview says it of the same records, with the same reason (it showed both rows ok)', async () => {
    const run = await runFlow(options(new MemorySink()))
    const errors = new Map((await new RunHistory(journal).errors(run.runId)).map((e) => [e.message, e]))
    const preview = await previewRecords(byEmail, records as never, { source: dynamicsContact })
    const shared = preview.rows.filter((r) => r.reason?.startsWith('another Dynamics record'))
    expect(shared.map((r) => [r.index, r.status])).toEqual([[0, 'error']])
    expect(errors.has(shared[0]!.reason!)).toBe(true)
    // The same record read twice (c-0005) is not two records: no error for it.
    expect(preview.rows.filter((r) => r.key === 'p5@example.com').map((r) => r.status)).toEqual(['ok', 'ok'])
    expect(preview.counts.error).toBe(preview.rows.filter((r) => r.status === 'error').length)
  })

  it('without the source ids the runner cannot tell them apart: the earlier read is superseded, as before', async () => {
    const result = await runFlow(options(new MemorySink(), { sourceId: undefined }))
    expect(result.counts).toMatchObject({ read: 7, created: 3, failed: 2, skipped: 2 })
  })
})
