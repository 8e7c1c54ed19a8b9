import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { SyncJournal } from '../../src/main/sync/journal'
import { RunHistory } from '../../src/main/sync/history'
import { compactRunFile } from '../../src/main/sync/journal-compaction'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import type { RunProgress } from '../../src/main/sync/progress'
import type { WriteOp, WriteOutcome } from '../../src/main/sync/ports'
import { runFlow, type RunOptions, type RunResult } from '../../src/main/sync/runner'
import { activeContactsFlow, contact, id, refusingSink } from '../support/runner-contacts'

/**
 * Records read more than once in a run (in one page, across pages, as a record and a deletion),
 * against the promises: the counts add up, "N failed" is the errors list, a cancel at any
 * point and a resume end as an uninterrupted run does, and a stale write never lands.
 */

let dir: string
let journal: SyncJournal
let history: RunHistory
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-reads-again-'))
  journal = await SyncJournal.open(dir)
  history = new RunHistory(journal)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const contacts = (): RecordsFlow => activeContactsFlow({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } })
const bad = { emailaddress1: 'not an email' }

/** The target refuses REFUSE for good, and FLAKY every time but retryably, one write at a time. */
const sink = (patch: ConstructorParameters<typeof MemorySink>[0] = {}) =>
  refusingSink({ limits: { maxBatch: 1, concurrency: 1 }, ...patch })

function options(source: MemorySource, target: MemorySink, patch: Partial<RunOptions> = {}): RunOptions {
  return { flow: contacts(), source, sink: target, journal, retryDelayMs: 0, progressIntervalMs: 0, deleteGuard: { allow: 1000 }, ...patch }
}

/** Every progress event adds up too, mid-page included. */
const onProgress = (progress: RunProgress) => expect(countsAddUp(progress.counts), JSON.stringify(progress.counts)).toBe(true)

async function errorsOf(run: RunResult): Promise<string[]> {
  return (await history.errors(run.runId)).map((e) => `${e.key}:${e.code}`).sort()
}

/** "N failed" is the errors list, in the result, the journal's summary and the history. */
async function checkFailed(run: RunResult): Promise<void> {
  const errors = await errorsOf(run)
  expect(run.counts.failed, errors.join(', ')).toBe(errors.length)
  expect(await journal.summary(run.runId)).toMatchObject({ counts: run.counts, errorCount: errors.length })
  expect(countsAddUp(run.counts), JSON.stringify(run.counts)).toBe(true)
}

/** A target that answers "try later" for records named FLAKY in its first write call: they are deferred to a retry pass. */
function flakyFirstWrites(): ReturnType<typeof sink> {
  const target = sink({
    fail: (op) =>
      op.op !== 'delete' && op.record.lastName === 'FLAKY' && target.calls.length < 2
        ? { code: 'unavailable', message: 'try later', retryable: true }
        : undefined
  })
  return target
}

describe('a record deferred, then read again', () => {
  it('whose later read fails: the stale deferred write never lands, and it is one failed record', async () => {
    // c-0001 is deferred on page 1 (the target says "try later"), then read again on page 2
    // with a value the mapping refuses: its last read decides — a failure, and no write.
    const log = [contact(1, { lastname: 'FLAKY' }), contact(2), contact(1, bad), contact(3)]
    const target = flakyFirstWrites()
    const run = await runFlow(options(new MemorySource(log, 'contactid', { pageSize: 2 }), target))
    expect(run.status).toBe('completed')
    await checkFailed(run)
    expect(await errorsOf(run)).toEqual([`${id(1)}:notAnEmail`])
    expect(target.store.has(id(1))).toBe(false)
    expect(run.counts).toMatchObject({ read: 4, created: 2, skipped: 1, failed: 1, deferred: 0 })
  })

  it('whose later read is filtered out: the stale deferred write never lands', async () => {
    const log = [contact(1, { lastname: 'FLAKY' }), contact(2), contact(1, { statecode: 1 }), contact(3)]
    const target = flakyFirstWrites()
    const run = await runFlow(options(new MemorySource(log, 'contactid', { pageSize: 2 }), target))
    await checkFailed(run)
    expect(target.store.has(id(1))).toBe(false)
    expect(run.counts).toMatchObject({ read: 4, created: 2, skipped: 2, failed: 0, filteredOut: 1 })
  })
})

/**
 * Every hostile shape at once, four records a page: a key three times in a page with the middle
 * read failing, a record and its deletion in one page, a duplicate whose last read is filtered
 * out, a failure superseded pages later, a deferred write whose record then fails, a refusal
 * read twice, a deferred write superseded by a good read.
 */
function hostileLog(): SourceChange[] {
  return [
    contact(1),
    contact(1, bad),
    contact(1, { lastname: 'Third' }),
    contact(4, bad), // page 1
    contact(2),
    { deleted: id(2) },
    contact(3),
    contact(3, { statecode: 1 }), // page 2
    contact(5, { lastname: 'FLAKY' }),
    contact(6, { lastname: 'REFUSE' }),
    contact(7),
    { deleted: id(7) }, // page 3
    contact(4),
    contact(5, bad),
    contact(6, { lastname: 'REFUSE' }),
    contact(8), // page 4
    contact(9),
    contact(9, { statecode: 1 }),
    contact(10, { lastname: 'FLAKY' }),
    contact(10), // page 5
    { deleted: id(8) },
    contact(11),
    contact(11, bad),
    contact(12), // page 6
    { deleted: id(1) },
    contact(13),
    contact(13, bad),
    contact(14), // page 7
    contact(1, { lastname: 'Back' }),
    contact(13),
    contact(15, { lastname: 'FLAKY' }),
    { deleted: id(15) } // page 8
  ]
}

interface Outcome {
  result: RunResult
  store: Map<string, unknown>
  errors: string[]
}

/** `plain`: a target that refuses nothing (a dry run, which has no sink verdicts here, then plans exactly what the run does). */
const targetFor = (plain: boolean, patch: ConstructorParameters<typeof MemorySink>[0] = {}) =>
  plain ? new MemorySink({ limits: { maxBatch: 1, concurrency: 1 }, ...patch }) : sink(patch)

async function uninterrupted(patch: Partial<RunOptions> = {}, plain = false): Promise<Outcome & { writeCalls: number }> {
  const target = targetFor(plain)
  const result = await runFlow(options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), target, { onProgress, ...patch }))
  expect(result.status).toBe('completed')
  await checkFailed(result)
  return { result, store: target.store, errors: await errorsOf(result), writeCalls: target.calls.length }
}

/** Stopped at `stop` (a cancel or a thrown batch), then resumed until it completes. */
async function stoppedAndResumed(
  stop: { beforePage?: number; writeCall?: number; throws?: boolean },
  patch: Partial<RunOptions> = {},
  plain = false,
  compact = false
): Promise<Outcome & { stopped: RunResult; plan?: RunResult }> {
  const controller = new AbortController()
  const target = targetFor(plain, {
    throwOn: (_batch, call) => {
      if (call !== stop.writeCall) return undefined
      if (stop.throws) return new Error('the service is unavailable')
      controller.abort()
      return undefined
    }
  })
  const source = new MemorySource(hostileLog(), 'contactid', {
    pageSize: 4,
    beforePage: (n) => (n === stop.beforePage ? controller.abort() : undefined)
  })
  const stopped = await runFlow(options(source, target, { signal: controller.signal, onProgress, ...patch }))
  expect(countsAddUp(stopped.counts), JSON.stringify(stopped.counts)).toBe(true)
  expect(stopped.counts.failed).toBe((await errorsOf(stopped)).length)
  // Compacted before it is resumed (its per-record successes gone): the failures it keeps are the ones a resume supersedes.
  if (compact && stopped.status !== 'completed') await compactRunFile(journal.runPath(stopped.runId))
  // The plan of the resume (a dry run with its own journal; the stopped run stays resumable).
  const plan =
    plain && stopped.status !== 'completed'
      ? await runFlow(
          options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), target, {
            resumeRunId: stopped.runId,
            dryRun: true,
            ...patch
          })
        )
      : undefined
  const result =
    stopped.status === 'completed'
      ? stopped
      : await runFlow(
          options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), target, {
            resumeRunId: stopped.runId,
            onProgress,
            ...patch
          })
        )
  expect(result.status).toBe('completed')
  await checkFailed(result)
  return { stopped, result, store: target.store, errors: await errorsOf(result), ...(plan ? { plan } : {}) }
}

describe('records read again, stopped at any point and resumed', () => {
  const cases: Array<[string, Partial<RunOptions>, boolean?, boolean?]> = [
    ['a full run', {}],
    ['shard 1/2', { shard: { index: 1, count: 2 } }],
    ['shard 2/2', { shard: { index: 2, count: 2 } }],
    ['delete when filtered out', { deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } }],
    ['source deletes not applied', { deletes: { applySourceDeletes: false, deleteWhenFilteredOut: false } }],
    ['a retry of four keys', { onlyKeys: [1, 5, 6, 13].map(id) }],
    ['a full run, compacted before each resume', {}, false, true],
    ['a target that refuses nothing, each resume planned first', {}, true],
    ['delete when filtered out, each resume planned first', { deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } }, true]
  ]
  for (const [name, patch, plain = false, compact = false] of cases) {
    it(`${name}: the same counts, target records and errors as a run never stopped`, async () => {
      const whole = await uninterrupted(patch, plain)
      expect(whole.writeCalls).toBeGreaterThan(2)
      const stops = [
        ...[2, 3, 4, 5, 6, 7, 8].map((beforePage) => ({ beforePage })),
        ...Array.from({ length: whole.writeCalls }, (_, i) => ({ writeCall: i + 1 })),
        ...Array.from({ length: whole.writeCalls }, (_, i) => ({ writeCall: i + 1, throws: true }))
      ]
      let stoppedRuns = 0
      for (const stop of stops) {
        const again = await stoppedAndResumed(stop, patch, plain, compact)
        if (again.stopped.status !== 'completed') stoppedRuns++
        const where = JSON.stringify(stop)
        if (plain && again.plan) expect(again.plan.counts, `the plan, ${where}`).toEqual(again.result.counts)
        if (again.plan) {
          // The plan of a resume lists the stopped run's failures with its own: what the resume then lists.
          await checkFailed(again.plan)
          expect(await errorsOf(again.plan), `the plan's errors, ${where}`).toEqual(again.errors)
        }
        expect(again.result.counts, where).toEqual(whole.result.counts)
        expect(again.errors, where).toEqual(whole.errors)
        expect(again.store, where).toEqual(whole.store)
        if (patch.shard) expect(again.result.shard?.otherShards, where).toBe(whole.result.shard?.otherShards)
      }
      // Every write call stopped the run (a cancel in the last one may come after the last page;
      // a retry run by keys has one page, so its page stops do not stop it).
      expect(stoppedRuns).toBeGreaterThanOrEqual(2 * whole.writeCalls - 1)
    })
  }

  it('a full run: what each read came to', async () => {
    const { result, store, errors } = await uninterrupted()
    // c-0005 and c-0011 fail on their last reads, c-0006 is refused on both reads: one failed
    // record each; c-0004's page-1 failure is superseded by its good read on page 4.
    expect(errors).toEqual([`${id(11)}:notAnEmail`, `${id(5)}:notAnEmail`, `${id(6)}:XTK-170001`].sort())
    expect(result.counts).toMatchObject({ read: 32, failed: 3, sourceDeletions: 5, filteredOut: 2, deleted: 1 })
    // The stale FLAKY write of c-0005 never landed; c-0010's good read replaced its deferred one;
    // c-0001's held delete (page 7) was replaced by its read on page 8; c-0013's page-7 failure by its page-8 read.
    expect([...store.keys()].sort()).toEqual([1, 4, 10, 12, 13, 14].map(id))
    expect(store.get(id(1))).toMatchObject({ lastName: 'Back' })
  })

  it("the dry run plans what the run then does, the target's refusals included", async () => {
    // A target that refuses REFUSE for good, and says so when asked to plan (as the Campaign sink does).
    const refuses = (op: WriteOp) =>
      op.op !== 'delete' && op.record.lastName === 'REFUSE'
        ? { code: 'XTK-170001', message: 'refused', retryable: false, field: 'lastName' }
        : undefined
    const plain = () => {
      const target = new MemorySink({ limits: { maxBatch: 1, concurrency: 1 }, fail: refuses })
      return Object.assign(target, {
        plan: async (batch: readonly WriteOp[]): Promise<WriteOutcome[]> =>
          batch.map((op) => {
            const refused = refuses(op)
            return refused
              ? { key: op.key, outcome: 'failed', ...refused }
              : { key: op.key, outcome: op.op === 'create' ? 'created' : 'updated' }
          })
      })
    }
    const planned: string[] = []
    const done: string[] = []
    const plan = await runFlow(
      options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), plain(), {
        dryRun: true,
        planLimit: 1000,
        onPlan: (e) => planned.push(`${e.key}:${e.action}`)
      })
    )
    const run = await runFlow(
      options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), plain(), {
        onRecord: (e) => done.push(`${e.key}:${e.action}`)
      })
    )
    expect(plan.counts).toEqual(run.counts)
    // Record by record: a held delete superseded by a later read is neither planned nor reported.
    expect(planned.sort()).toEqual(done.sort())
    expect(await errorsOf(plan)).toEqual(await errorsOf(run))
    expect(await errorsOf(run)).toContain(`${id(6)}:XTK-170001`)
    await checkFailed(plan)
  })

  it('a retry of the failed records reads each once and fails what still fails, once', async () => {
    const { result } = await uninterrupted()
    const retry = await history.retryPlan(result.runId)
    expect([...retry.onlyKeys].sort()).toEqual([5, 6, 11].map(id))
    const target = sink()
    const again = await runFlow(
      options(new MemorySource(hostileLog(), 'contactid', { pageSize: 4 }), target, { onlyKeys: retry.onlyKeys, retryOf: retry.retryOf })
    )
    await checkFailed(again)
    // byKeys reads each key's latest version: the same three fail again, once each.
    expect(again.counts).toMatchObject({ read: 3, failed: 3 })
    // A source without byKeys reads the pages: the earlier reads of a key are superseded, not failed twice.
    const paged = new MemorySource(hostileLog(), 'contactid', { pageSize: 4 })
    const withoutByKeys = { kind: paged.kind, pages: paged.pages.bind(paged) }
    const overPages = await runFlow(options(withoutByKeys as unknown as MemorySource, sink(), { onlyKeys: retry.onlyKeys }))
    await checkFailed(overPages)
    expect(overPages.counts.failed).toBe(3)
  })
})
