import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { progressPercent } from '../../src/shared/run-progress'
import { SyncJournal } from '../../src/main/sync/journal'
import { RunHistory } from '../../src/main/sync/history'
import { compactRunFile } from '../../src/main/sync/journal-compaction'
import { countNames, countsAddUp, type RunCounts } from '../../src/main/sync/journal-format'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import type { RunProgress } from '../../src/main/sync/progress'
import { runFlow, type RunOptions } from '../../src/main/sync/runner'
import { countsText } from '../../src/main/cli/run-command'
import { historyCounts } from '../../src/renderer/runs/format'
import { activeContactsFlow, contact, id, refusingSink } from '../support/runner-contacts'

/**
 * The counts are a promise: read = created + updated + unchanged + skipped + failed + deleted
 * + deferred + pending at every progress event and in every summary, counters never go
 * backwards, a cancel's summary equals what the target holds, and the delete guard stops a
 * run before its first delete.
 */

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-counts-'))
  journal = await SyncJournal.open(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const contacts = activeContactsFlow
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
/** Contacts `from`…1000, pages of 100, of which those up to `upTo` have left the filter (inactive). */
const leftTheFilter = (upTo: number, from = 1) =>
  new MemorySource(
    range(from, 1000).map((i) => contact(i, i <= upTo ? { statecode: 1 } : {})),
    'contactid',
    { pageSize: 100 }
  )

function options(source: MemorySource, sink: MemorySink, patch: Partial<RunOptions> = {}): RunOptions {
  return { flow: contacts(), source, sink, journal, retryDelayMs: 0, progressIntervalMs: 0, ...patch }
}

/** Every event adds up, and no counter (but pending/deferred, which drain) ever goes down. */
function checkEvents(events: RunProgress[]): void {
  expect(events.length).toBeGreaterThan(3)
  let last: RunCounts | undefined
  let lastFinished = 0
  for (const event of events) {
    expect(countsAddUp(event.counts), JSON.stringify(event.counts)).toBe(true)
    expect(event.finished).toBeGreaterThanOrEqual(lastFinished)
    lastFinished = event.finished
    if (last)
      for (const name of countNames)
        if (name !== 'pending' && name !== 'deferred') expect(event.counts[name], name).toBeGreaterThanOrEqual(last[name])
    last = event.counts
    if (event.phase !== 'done') {
      expect(progressPercent(event) ?? 0).toBeLessThan(100)
      if (event.etaMs !== undefined) expect(event.etaMs).toBeGreaterThan(0)
    }
  }
}

/** Bad records of every kind the runner sees: mapping errors, no key, target refusals, orphans, filtered out, duplicates in a page, deletions. */
function badLog(): SourceChange[] {
  const log: SourceChange[] = []
  for (const n of range(1, 300)) {
    if (n % 11 === 0) log.push(contact(n, { emailaddress1: 'not an email' }))
    else if (n % 13 === 0) log.push(contact(n, { contactid: null }))
    else if (n % 7 === 0) log.push(contact(n, { statecode: 1 }))
    else if (n % 17 === 0) log.push(contact(n, { lastname: 'REFUSE' }))
    else if (n % 19 === 0) log.push(contact(n, { lastname: 'FLAKY' }))
    else log.push(contact(n))
    if (n % 23 === 0) log.push(contact(n, { lastname: `Again${n}` }))
    if (n % 29 === 0) log.push({ deleted: id(n - 1) })
  }
  return log
}

/** The refusing target (REFUSE for good, FLAKY retryably), four writes a call, three calls at once. */
const refusing = (extra: ConstructorParameters<typeof MemorySink>[0] = {}) =>
  refusingSink({ limits: { maxBatch: 4, concurrency: 3 }, latencyMs: 1, ...extra })

describe('counts that add up', () => {
  it('at every progress event and in the summary of a run full of bad records', async () => {
    const events: RunProgress[] = []
    const flow = contacts({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } })
    const sink = refusing()
    const result = await runFlow(
      options(new MemorySource(badLog(), 'contactid', { pageSize: 37, withTotal: true }), sink, {
        flow,
        onProgress: (p) => events.push(p),
        deleteGuard: { allow: 1000 }
      })
    )
    checkEvents(events)
    expect(result.status).toBe('completed')
    expect(countsAddUp(result.counts)).toBe(true)
    expect(result.counts).toMatchObject({ pending: 0, deferred: 0 })
    expect(result.counts.read).toBe(badLog().length)
    expect(result.counts.failed).toBeGreaterThan(20)
    expect(result.counts.filteredOut).toBeGreaterThan(20)
    // The last event is the summary.
    expect(events.at(-1)!.counts).toEqual(result.counts)
    expect(events.at(-1)!.phase).toBe('done')
    // What the summary says is what the target holds.
    expect(result.counts.created - result.counts.deleted).toBe(sink.store.size)
    expect((await journal.summary(result.runId))?.counts).toEqual(result.counts)
  })

  it('over a cancel: writes in flight land and are counted, nothing goes backwards, and the resume finds what the summary said', async () => {
    const controller = new AbortController()
    const events: RunProgress[] = []
    const source = new MemorySource(badLog(), 'contactid', {
      pageSize: 60,
      withTotal: true,
      beforePage: (page) => {
        if (page === 3) setTimeout(() => controller.abort(), 4)
      }
    })
    const sink = refusing({ latencyMs: 3 })
    const first = await runFlow(options(source, sink, { signal: controller.signal, onProgress: (p) => events.push(p) }))
    expect(first.status).toBe('canceled')
    checkEvents(events)
    expect(countsAddUp(first.counts)).toBe(true)
    expect(events.at(-1)!.counts).toEqual(first.counts)
    // Summary, journal and target agree: every create the target holds is counted, none more.
    expect(first.counts.created).toBe(sink.store.size)
    expect((await journal.summary(first.runId))?.counts).toEqual(first.counts)

    const resumedEvents: RunProgress[] = []
    const resumed = await runFlow(options(source, sink, { resumeRunId: first.runId, onProgress: (p) => resumedEvents.push(p) }))
    expect(resumed.status).toBe('completed')
    checkEvents(resumedEvents)
    expect(countsAddUp(resumed.counts)).toBe(true)
    // Nothing the canceled attempt wrote is found again "unchanged": it was all counted.
    expect(resumed.counts.unchanged).toBe(0)
    expect(resumed.counts.read).toBe(badLog().length)
    expect(resumed.counts.created).toBe(sink.store.size)
    expect([...sink.writes.values()].every((w) => w === 1)).toBe(true)
    expect(first.counts.pending + first.counts.deferred).toBeGreaterThan(0)
  })

  it('with no total there is no percentage and no ETA', async () => {
    const events: RunProgress[] = []
    await runFlow(
      options(
        new MemorySource(
          range(1, 50).map((n) => contact(n)),
          'contactid',
          { pageSize: 10 }
        ),
        new MemorySink({ latencyMs: 1 }),
        { onProgress: (p) => events.push(p) }
      )
    )
    expect(events.every((e) => progressPercent(e) === undefined && e.etaMs === undefined)).toBe(true)
  })
})

describe('a run canceled mid-page', () => {
  // A cancel mid-page journals the page's records decided without a write (unchanged, skipped)
  // and counts the rest as pending. It used to count the decided ones a second time as pending
  // (runner.ts, settleStoppedPage): "150 read, 90 pending" for 100 records read.
  it('counts the records it read once: those found unchanged are not also pending', async () => {
    const sink = new MemorySink({ limits: { maxBatch: 5, concurrency: 1 }, latencyMs: 5 })
    // Half the page is in the target already (found unchanged, decided without a write).
    const seeded = await runFlow(
      options(
        new MemorySource(
          range(1, 50).map((n) => contact(n)),
          'contactid'
        ),
        sink
      )
    )
    expect(seeded.counts.created).toBe(50)

    const controller = new AbortController()
    const source = new MemorySource(
      range(1, 100).map((n) => contact(n)),
      'contactid',
      { pageSize: 100, beforePage: () => void setTimeout(() => controller.abort(), 15) }
    )
    const events: RunProgress[] = []
    const run = await runFlow(options(source, sink, { signal: controller.signal, onProgress: (p) => events.push(p) }))
    expect(run.status).toBe('canceled')
    // Its last progress says it stopped, with what is pending: not "done" (the CLI printed "done — 50 pending").
    expect(events.at(-1)).toMatchObject({ phase: 'stopped', counts: { pending: 50 - run.counts.created } })
    expect(countsAddUp(run.counts)).toBe(true)
    expect(run.counts.unchanged).toBe(50)
    expect(run.counts.created).toBeGreaterThan(0)
    expect(run.counts.created).toBeLessThan(50)
    // 100 records were read: 50 unchanged, the creates that landed, the rest pending.
    expect(run.counts).toMatchObject({ read: 100, pending: 50 - run.counts.created })
    expect((await journal.summary(run.runId))?.counts).toMatchObject({ read: 100, pending: 50 - run.counts.created })

    // The resume counts each record once too: the whole run read 100, created 50, found 50 unchanged.
    const resumed = await runFlow(options(source, sink, { resumeRunId: run.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.counts).toMatchObject({ read: 100, created: 50, unchanged: 50, pending: 0 })
  })
})

describe('the delete guard', () => {
  async function loaded(n: number): Promise<MemorySink> {
    const sink = new MemorySink({ limits: { maxBatch: 25, concurrency: 2 } })
    const first = await runFlow(
      options(
        new MemorySource(
          range(1, n).map((i) => contact(i)),
          'contactid',
          { pageSize: 100 }
        ),
        sink
      )
    )
    expect(first.counts.created).toBe(n)
    return sink
  }

  it('refuses a filter that matches nothing with "delete when filtered out", before the first delete, even when deletes are allowed', async () => {
    const sink = await loaded(428)
    // The typo of the issue: `statecod` for `statecode`.
    const flow = contacts({
      filter: { field: 'statecod', op: 'eq', value: 0 },
      deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true }
    })
    const source = new MemorySource(
      range(1, 428).map((i) => contact(i)),
      'contactid',
      { pageSize: 100 }
    )
    const result = await runFlow(options(source, sink, { flow, deleteGuard: { allow: 1000 } }))
    expect(result.status).toBe('failed')
    expect(result.error?.code).toBe('filterMatchesNothing')
    expect(result.error?.message).toMatch(/kept none of the 428 records read.*would delete 428/)
    expect(result.deleteGuard).toMatchObject({ verdict: 'refused', deletes: 428 })
    expect(sink.store.size).toBe(428)
    expect(sink.calls.flat().filter((op) => op.op === 'delete')).toHaveLength(0)
    expect(countsAddUp(result.counts)).toBe(true)
    expect(result.counts).toMatchObject({ read: 428, deferred: 428, filteredOut: 428 })
  })

  it('stops a run that would delete more than 100 (or 10 %) and says how many; a confirmed count resumes it and deletes exactly those', async () => {
    const sink = await loaded(1000)
    const flow = contacts({ deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true } })
    // 150 contacts left the filter: 15 % and more than 100.
    const source = leftTheFilter(150)
    const stopped = await runFlow(options(source, sink, { flow }))
    expect(stopped).toMatchObject({
      status: 'failed',
      error: { code: 'tooManyDeletes' },
      deleteGuard: { deletes: 150, managed: 1000, verdict: 'confirm' }
    })
    expect(stopped.error?.message).toContain('would delete 150')
    expect(stopped.error?.message).toContain('--allow-deletes 150')
    expect(sink.store.size).toBe(1000)
    expect((await journal.summary(stopped.runId))?.resumable).toBe(true)

    // Confirming fewer than it would delete is not enough.
    const tooFew = await runFlow(options(source, sink, { flow, resumeRunId: stopped.runId, deleteGuard: { allow: 149 } }))
    expect(tooFew.error?.code).toBe('tooManyDeletes')
    expect(sink.store.size).toBe(1000)

    const confirmed = await runFlow(options(source, sink, { flow, resumeRunId: stopped.runId, deleteGuard: { allow: 150 } }))
    expect(confirmed.status).toBe('completed')
    expect(confirmed.counts).toMatchObject({ read: 1000, deleted: 150, unchanged: 850, deferred: 0, filteredOut: 150 })
    expect(sink.store.size).toBe(850)
  })

  it('lets a small share through, and a dry run says the run would stop', async () => {
    const sink = await loaded(1000)
    const flow = contacts({ deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true } })
    const few = leftTheFilter(50)
    const plan = await runFlow(options(few, sink, { flow, dryRun: true }))
    expect(plan.deleteGuard).toMatchObject({ verdict: 'ok', deletes: 50 })
    const ok = await runFlow(options(few, sink, { flow }))
    expect(ok).toMatchObject({ status: 'completed', counts: { deleted: 50 } })

    const many = leftTheFilter(300, 51)
    const plan2 = await runFlow(options(many, sink, { flow, dryRun: true }))
    expect(plan2.deleteGuard).toMatchObject({ verdict: 'confirm', deletes: 250 })
    expect(sink.store.size).toBe(950)
  })

  it('a first run that finds the records already in the target keeps them in step, incremental as full: the guard counts from them', async () => {
    // Another tool (or an earlier mapping) loaded the target; this flow's first run is incremental and finds them all.
    const sink = await loaded(1000)
    const flow = contacts({ id: 'contacts-again', deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true } })
    const all = new MemorySource(
      range(1, 1000).map((i) => contact(i)),
      'contactid',
      { pageSize: 100, kind: 'incremental' }
    )
    const first = await runFlow(options(all, sink, { flow }))
    expect(first.counts).toMatchObject({ read: 1000, unchanged: 1000, created: 0 })
    expect((await journal.flowState('contacts-again'))?.managed).toBe(1000)
    // 50 of the 1000 it keeps leave the filter (5 %, within the guard), and nothing else changed: the filter kept none of
    // the changes read. A misspelt filter does that too, so it asks — but a person can confirm it (not refused outright).
    all.log.push(...range(1, 50).map((i) => contact(i, { statecode: 1 })))
    const second = await runFlow(options(all, sink, { flow }))
    expect(second).toMatchObject({
      status: 'failed',
      error: { code: 'tooManyDeletes' },
      deleteGuard: { verdict: 'confirm', managed: 1000 }
    })
    expect(second.error?.message).toMatch(/the filter kept none of the 50 changed records read/)
    const confirmed = await runFlow(options(all, sink, { flow, resumeRunId: second.runId, deleteGuard: { allow: 50 } }))
    expect(confirmed).toMatchObject({ status: 'completed', counts: { deleted: 50 } })
    expect((await journal.flowState('contacts-again'))?.managed).toBe(950)
    // With other changes the filter keeps, 5 % goes through unasked.
    all.log.push(
      ...range(51, 60).map((i) => contact(i, { statecode: 1 })),
      ...range(61, 70).map((i) => contact(i, { lastname: 'Changed' }))
    )
    const third = await runFlow(options(all, sink, { flow }))
    expect(third).toMatchObject({ status: 'completed', counts: { deleted: 10 }, deleteGuard: { verdict: 'ok', managed: 950 } })
  })

  it('a plan longer than its list still lists the deletes, planned last as the run holds them', async () => {
    const sink = await loaded(1000)
    const flow = contacts({ deletes: { applySourceDeletes: false, deleteWhenFilteredOut: true } })
    const source = leftTheFilter(50)
    const plan = await runFlow(options(source, sink, { flow, dryRun: true, planLimit: 20 }))
    expect(plan.counts).toMatchObject({ read: 1000, deleted: 50, unchanged: 950 })
    const listed = plan.plan!.entries
    expect(plan.plan!.truncated).toBe(true)
    expect(listed.filter((e) => e.action === 'delete')).toHaveLength(20)
    expect(listed.filter((e) => e.action !== 'delete')).toHaveLength(20)
  })

  it('a plan whose first records are unchanged still lists its changes: the unchanged have room of their own', async () => {
    const sink = await loaded(1000)
    const source = new MemorySource(
      range(1, 1000).map((i) => contact(i, i > 990 ? { lastname: 'Changed' } : {})),
      'contactid',
      { pageSize: 100 }
    )
    const plan = await runFlow(options(source, sink, { dryRun: true, planLimit: 20 }))
    expect(plan.counts).toMatchObject({ read: 1000, updated: 10, unchanged: 990 })
    const listed = plan.plan!.entries
    expect(plan.plan!.truncated).toBe(true)
    expect(listed.filter((e) => e.action === 'update')).toHaveLength(10)
    expect(listed.filter((e) => e.action === 'unchanged')).toHaveLength(20)
  })
})

/** 200 contacts synced, then 120 of them lost from the target (deleted with their parent, which is back): the rows to read back. */
async function lostWithTheirParent() {
  const source = new MemorySource(
    range(1, 200).map((i) => contact(i)),
    'contactid',
    { pageSize: 100, kind: 'incremental' }
  )
  const sink = new MemorySink({ limits: { maxBatch: 25, concurrency: 1 } })
  expect((await runFlow(options(source, sink))).counts.created).toBe(200)
  const lost = range(1, 120).map((i) => id(i))
  for (const key of lost) sink.store.delete(key)
  return { source, sink, lost }
}

/** Cancels the run as it asks for its second page of rows by key; `restore` puts the source's read back. */
function cancelAtSecondReadByKey(source: MemorySource) {
  const stop = new AbortController()
  const reading = source.byKeys.bind(source)
  let calls = 0
  source.byKeys = (keys, cursor, signal) => {
    if (++calls === 2) stop.abort()
    return reading(keys, cursor, signal)
  }
  return { signal: stop.signal, restore: () => (source.byKeys = reading) }
}

describe('rows read back (their parent is back: orphaned-rows.ts)', () => {
  it('are read once after the changes, and a canceled run resumes with the rest of them, counting each row once; nothing edited meanwhile is lost', async () => {
    const { source, sink, lost } = await lostWithTheirParent()
    // 5 of them also changed in the source.
    source.log.push(...range(1, 5).map((i) => contact(i, { lastname: `Changed${i}` })), contact(150, { lastname: 'Other' }))

    // Canceled once the first 50 are written.
    const { signal } = cancelAtSecondReadByKey(source)
    const canceled = await runFlow(options(source, sink, { reread: lost, signal }))
    expect(canceled.status).toBe('canceled')
    expect(sink.store.size).toBeLessThan(200)
    // Edited after the stop: a row already read back — the next run's changes have it.
    source.log.push(contact(10, { lastname: 'EditedAfterStop' }))

    // The resume reads the rest of them from the run's journal (not given again), then the changes but those read back.
    const resumed = await runFlow(options(source, sink, { resumeRunId: canceled.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.reread).toEqual(lost)
    expect(sink.store.size).toBe(200)
    // 120 read back (the 5 changed among them, once) + the one other change.
    expect(resumed.counts.read).toBe(121)
    expect(sink.store.get(id(3))).toMatchObject({ lastName: 'Changed3' })
    expect(sink.store.get(id(150))).toMatchObject({ lastName: 'Other' })
    // The next run starts at the changes' position: the edit made after the stop, and nothing else.
    const next = await runFlow(options(source, sink))
    expect(next.counts).toMatchObject({ read: 1, updated: 1 })
    expect(sink.store.get(id(10))).toMatchObject({ lastName: 'EditedAfterStop' })
    expect((await runFlow(options(source, sink))).counts.read).toBe(0)
  })
})

describe('rows read back, a run stopped before they are', () => {
  // The changes had 100 of the 120 rows to read back when the run stopped; the resume read them
  // again after the rest of the changes (what the changes had was only in memory): 250 read for
  // 150 rows. Where the run stands now carries them.
  it('stopped in the changes: the resume reads each row once', async () => {
    const { source, sink, lost } = await lostWithTheirParent()
    source.log.push(...range(1, 150).map((i) => contact(i, { lastname: `Changed${i}` })))

    // Canceled once the first page of changes is written.
    const stop = new AbortController()
    const pages = source.pages.bind(source)
    source.pages = async function* (cursor, signal) {
      for await (const page of pages(cursor, signal)) {
        yield page
        stop.abort()
      }
    }
    const canceled = await runFlow(options(source, sink, { reread: lost, signal: stop.signal }))
    expect(canceled.status).toBe('canceled')
    expect(canceled.counts.read).toBe(100)
    source.pages = pages

    const resumed = await runFlow(options(source, sink, { resumeRunId: canceled.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.counts).toMatchObject({ read: 150, created: 120, updated: 30 })
    expect(sink.store.size).toBe(200)
    expect(sink.store.get(id(7))).toMatchObject({ lastName: 'Changed7' })
  })

  it('stopped among the rows read back: the rows the changes had are not read again', async () => {
    const { source, sink, lost } = await lostWithTheirParent()
    // Changed rows among the last of those read back.
    source.log.push(...range(101, 105).map((i) => contact(i, { lastname: `Changed${i}` })))
    const { signal, restore } = cancelAtSecondReadByKey(source)
    const canceled = await runFlow(options(source, sink, { reread: lost, signal }))
    expect(canceled.status).toBe('canceled')
    restore()
    const resumed = await runFlow(options(source, sink, { resumeRunId: canceled.runId }))
    expect(resumed.status).toBe('completed')
    // 120 rows, the 5 changed among them read once, by the changes.
    expect(resumed.counts).toMatchObject({ read: 120, created: 120 })
    expect(sink.store.get(id(103))).toMatchObject({ lastName: 'Changed103' })
  })
})

describe('"kept by the filter"', () => {
  // An incremental run of a filtered flow: 10 changed records, 3 of them filtered out, and 2
  // deletions the source reported (one of a synced record, one of a record never synced).
  const changes = (): SourceChange[] => [
    ...range(5, 14).map((n) => contact(n, n % 3 === 0 ? { statecode: 1 } : {})),
    { deleted: id(1) },
    { deleted: id(99) }
  ]

  /** Contacts 1–4 synced once by a full run: the target the incremental runs below change. */
  const seed = (flow: ReturnType<typeof contacts>, sink: MemorySink) =>
    runFlow(
      options(
        new MemorySource(
          range(1, 4).map((n) => contact(n)),
          'contactid'
        ),
        sink,
        { flow }
      )
    )

  it('counts the records the filter kept, not the deletions the source reported: those are their own tally, in the plan, the run, the CLI and the history', async () => {
    for (const applySourceDeletes of [true, false]) {
      const flow = contacts({ deletes: { applySourceDeletes, deleteWhenFilteredOut: false } })
      const sink = new MemorySink({ limits: { maxBatch: 4, concurrency: 2 } })
      await seed(flow, sink)
      const incremental = () => new MemorySource(changes(), 'contactid', { kind: 'incremental', pageSize: 5 })
      // (The change log holds only the changes: it is read from its start, not from the first run's position.)
      const start = { cursor: { at: 0 }, deleteGuard: { allow: 10 } }
      const plan = await runFlow(options(incremental(), sink, { flow, dryRun: true, ...start }))
      const result = await runFlow(options(incremental(), sink, { flow, ...start }))
      for (const [counts, dryRun] of [
        [plan.counts, true],
        [result.counts, false]
      ] as const) {
        expect(counts, `applySourceDeletes: ${applySourceDeletes}`).toMatchObject({ read: 12, filteredOut: 3, sourceDeletions: 2 })
        expect(countsText(counts, dryRun)).toMatch(/^12 read \(7 kept by the filter, 2 deleted in the source\), /)
      }
      expect(result.counts).toMatchObject(
        applySourceDeletes ? { created: 7, deleted: 1, unchanged: 1, skipped: 3 } : { created: 7, deleted: 0, skipped: 5 }
      )
      // The history says what was read as the summary does: the deletions as what they are, and
      // what the filter kept — not the filtered-out records as a count beside those skipped.
      const summary = (await journal.summary(result.runId))!
      expect(summary.counts).toEqual(result.counts)
      const shown = historyCounts({ counts: summary.counts, dryRun: false })
      expect(shown[0]).toMatchObject({ key: 'read', n: 12, after: ' read (7 kept by the filter, 2 deleted in the source)' })
      expect(shown.map((c) => c.key)).not.toContain('filteredOut')
      // Every other count is an outcome: together they are the records read.
      expect(shown.slice(1).reduce((sum, c) => sum + c.n, 0)).toBe(summary.counts.read)
    }
  })

  it('without a filter, a run that only reads deletions says so rather than "kept by the filter"', async () => {
    const flow = contacts({ filter: undefined, deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } })
    const sink = new MemorySink()
    await seed(flow, sink)
    const source = new MemorySource([{ deleted: id(1) }], 'contactid', { kind: 'incremental' })
    const result = await runFlow(options(source, sink, { flow, cursor: { at: 0 }, deleteGuard: { allow: 10 } }))
    expect(countsText(result.counts, false)).toBe('1 read (1 deleted in the source), 1 deleted')
  })
})

describe('a record that fails twice in a run', () => {
  // The same keys read twice: an event in two overlapping log exports, a record changed while
  // the source was read. c-0002 fails on both reads (pages 1 and 3), c-0003 fails and is then
  // fine, c-0004 is fine and then fails; c-0005 fails twice in one page.
  const bad = { emailaddress1: 'not an email' }
  const log = (): SourceChange[] => [
    contact(1),
    contact(2, bad),
    contact(3, bad),
    contact(4), // page 1
    contact(5, bad),
    contact(6),
    contact(5, { ...bad, lastname: 'Again' }),
    contact(7), // page 2
    contact(2, { ...bad, lastname: 'Again' }),
    contact(3),
    contact(4, bad),
    contact(8) // page 3
  ]

  it('counts one failed record per key, equal to the errors list (each showing its last failure), and a retry reads each key once', async () => {
    const history = new RunHistory(journal)
    const sink = new MemorySink({ limits: { maxBatch: 2, concurrency: 1 } })
    const plan = await runFlow(options(new MemorySource(log(), 'contactid', { pageSize: 4 }), sink, { dryRun: true }))
    const result = await runFlow(options(new MemorySource(log(), 'contactid', { pageSize: 4 }), sink))
    for (const run of [plan, result]) {
      const errors = await history.errors(run.runId)
      expect(errors.map((e) => e.key).sort()).toEqual([id(2), id(4), id(5)])
      expect(run.counts.failed).toBe(errors.length)
      expect((await journal.summary(run.runId))!).toMatchObject({ counts: run.counts, errorCount: errors.length })
      // Every read is counted once: the earlier reads of a record read again are superseded (skipped).
      expect(run.counts).toMatchObject({ read: 12, failed: 3, skipped: 3 })
      expect(countsAddUp(run.counts)).toBe(true)
      // The list shows the last failure: c-0002's second read, on page 3.
      expect(errors.find((e) => e.key === id(2))!.page).toBe(3)
    }
    // c-0004 was created from its first version: that happened, and its later version failed.
    expect(result.counts).toMatchObject({ created: 6 })
    expect(countsText(result.counts, false)).toBe('12 read, 6 created, 3 skipped, 3 failed')

    // Canceled before page 3 and resumed: the resume knows the failures of the stopped attempt.
    const stop = new AbortController()
    const target = new MemorySink()
    const canceled = await runFlow(
      options(
        new MemorySource(log(), 'contactid', { pageSize: 4, beforePage: (n) => (n === 3 ? stop.abort() : undefined) }),
        new MemorySink(),
        {
          signal: stop.signal
        }
      )
    )
    expect(canceled.status).toBe('canceled')
    const resumed = await runFlow(options(new MemorySource(log(), 'contactid', { pageSize: 4 }), target, { resumeRunId: canceled.runId }))
    expect(resumed.counts).toEqual(result.counts)
    expect((await history.errors(resumed.runId)).length).toBe(resumed.counts.failed)

    // "Retry failed records": each failed key once, and the retry writes each one once.
    const retry = await history.retryPlan(result.runId)
    expect([...retry.onlyKeys].sort()).toEqual([id(2), id(4), id(5)])
    const fixed = log().map((r) =>
      'contactid' in r && retry.onlyKeys.includes(String(r.contactid)) ? { ...r, emailaddress1: 'ok@example.com' } : r
    )
    const again = await runFlow(
      options(new MemorySource(fixed, 'contactid', { pageSize: 4 }), sink, { onlyKeys: retry.onlyKeys, retryOf: retry.retryOf })
    )
    expect(again.counts).toMatchObject({ read: 3, failed: 0, skipped: 0 })
    expect(again.counts.created + again.counts.updated).toBe(3)
  })
})

describe('compacting the journal', () => {
  // An incremental run with something of every kind a resume needs: held deletes (deferred
  // before the last checkpoint), retryable failures, refusals, records filtered out.
  const flow = contacts({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } })
  const changes = (): SourceChange[] => {
    const log: SourceChange[] = []
    for (const n of range(41, 100)) {
      log.push(
        contact(n, n % 7 === 0 ? { statecode: 1 } : n % 11 === 0 ? { lastname: 'REFUSE' } : n % 13 === 0 ? { lastname: 'FLAKY' } : {})
      )
      if (n % 5 === 0) log.push({ deleted: id(n - 40) })
    }
    return log
  }
  const sinkFor = () =>
    refusing({
      fail: (op) =>
        op.op !== 'delete' && op.record.lastName === 'REFUSE' ? { code: 'XTK-170001', message: 'refused', retryable: false } : undefined
    })
  const incremental = (beforePage?: (page: number) => void) =>
    new MemorySource(changes(), 'contactid', { kind: 'incremental', pageSize: 8, beforePage })
  const run = (j: SyncJournal, source: MemorySource, sink: MemorySink, patch: Partial<RunOptions> = {}) =>
    runFlow({ ...options(source, sink, { flow, cursor: { at: 0 }, deleteGuard: { allow: 1000 }, ...patch }), journal: j })
  async function firstLoad(j: SyncJournal, sink: MemorySink): Promise<string> {
    const result = await runFlow({
      ...options(
        new MemorySource(
          range(1, 40).map((n) => contact(n)),
          'contactid'
        ),
        sink,
        { flow }
      ),
      journal: j
    })
    expect(result.counts.created).toBe(40)
    return result.runId
  }

  async function uninterrupted(): Promise<{ counts: RunCounts; store: string[] }> {
    const other = mkdtempSync(join(tmpdir(), 'sync-counts-ref-'))
    try {
      const j = await SyncJournal.open(other)
      const sink = sinkFor()
      await firstLoad(j, sink)
      const result = await run(j, incremental(), sink)
      expect(result.status).toBe('completed')
      return { counts: result.counts, store: [...sink.store.keys()].sort() }
    } finally {
      rmSync(other, { recursive: true, force: true })
    }
  }

  it('mid-run and after a cancel, never touches a run that is live or can be resumed: the resume counts what an uninterrupted run counts', async () => {
    const reference = await uninterrupted()
    expect(reference.counts.deleted).toBeGreaterThan(0)
    const sink = sinkFor()
    const older = await firstLoad(journal, sink)
    const stop = new AbortController()
    const compactedMidRun: string[][] = []
    const canceled = await run(
      journal,
      incremental(async (page) => {
        if (page === 3) compactedMidRun.push(await journal.compact({ keepDetailed: 0 }))
        if (page === 6) stop.abort()
      }),
      sink,
      { signal: stop.signal }
    )
    expect(canceled.status).toBe('canceled')
    expect(canceled.counts.deferred).toBeGreaterThan(0) // held deletes journaled before its last checkpoint
    // Mid-run: the older, finished run is compacted, the live one is not.
    expect(compactedMidRun).toEqual([[older]])
    // Stopped: it is the flow's resumable run, so it stays whole.
    expect(await journal.compact({ keepDetailed: 0 })).toEqual([])
    expect((await journal.summary(canceled.runId))?.compacted).toBeUndefined()
    const resumed = await run(journal, incremental(), sink, { resumeRunId: canceled.runId })
    expect(resumed.counts).toEqual(reference.counts)
    expect([...sink.store.keys()].sort()).toEqual(reference.store)
    // Finished and no longer resumable: now it is compacted, and its history still says the same.
    expect(await journal.compact({ keepDetailed: 0 })).toEqual([canceled.runId])
    expect((await journal.summary(canceled.runId))?.counts).toEqual(reference.counts)
  })

  it('a compacted stopped run keeps its deferred records (held deletes), so even an explicit resume of it counts the same', async () => {
    const reference = await uninterrupted()
    const sink = sinkFor()
    await firstLoad(journal, sink)
    const stop = new AbortController()
    const canceled = await run(
      journal,
      incremental((page) => (page === 6 ? stop.abort() : undefined)),
      sink,
      { signal: stop.signal }
    )
    const before = await journal.recover(canceled.runId)
    expect(before.deferred.size).toBeGreaterThan(0)
    await compactRunFile(journal.runPath(canceled.runId))
    const after = await journal.recover(canceled.runId)
    expect([...after.deferred.entries()]).toEqual([...before.deferred.entries()])
    expect(after.counts).toEqual(before.counts)
    expect(after.checkpoint).toEqual(before.checkpoint)
    expect([...after.doneAfterCheckpoint.entries()]).toEqual([...before.doneAfterCheckpoint.entries()])
    const resumed = await run(journal, incremental(), sink, { resumeRunId: canceled.runId })
    expect(resumed.counts).toEqual(reference.counts)
  })
})
