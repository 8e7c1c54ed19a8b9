import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventsFlow, RecordsFlow } from '../../src/shared/mapping/document'
import { SyncJournal } from '../../src/main/sync/journal'
import { MemorySink, MemorySource, type SourceChange } from '../support/memory-ports'
import { activeContactsFlow } from '../support/runner-contacts'
import { PARENT_MISSING, SyncFatalError, type Clock } from '../../src/main/sync/ports'
import type { RunProgress } from '../../src/main/sync/progress'
import { RunHistory } from '../../src/main/sync/history'
import { runFlow, startRun, type PlanEntry, type RunOptions } from '../../src/main/sync/runner'

let dir: string
let journal: SyncJournal
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sync-runner-'))
  journal = await SyncJournal.open(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const contacts = (patch: Partial<RecordsFlow> = {}): RecordsFlow =>
  activeContactsFlow({
    fields: [
      { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }] },
      { target: 'lastName', from: ['lastname'] },
      { target: 'firstName', from: ['firstname'], applyUpdates: false },
      { target: 'location.city', from: ['city'] }
    ],
    ...patch
  })

const id = (n: number) => `c-${String(n).padStart(4, '0')}`
const contact = (n: number, patch: Record<string, unknown> = {}) => ({
  contactid: id(n),
  emailaddress1: ` Person${n}@Example.com `,
  lastname: `Last${n}`,
  firstname: `First${n}`,
  city: n % 2 ? 'Paris' : 'Lyon',
  statecode: 0,
  ...patch
})
const expected = (n: number, patch: Record<string, unknown> = {}) => ({
  email: `person${n}@example.com`,
  lastName: `Last${n}`,
  firstName: `First${n}`,
  location: { city: n % 2 ? 'Paris' : 'Lyon' },
  externalId: id(n),
  ...patch
})
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

function options(source: MemorySource, sink: MemorySink, patch: Partial<RunOptions> = {}): RunOptions {
  return { flow: contacts(), source, sink, journal, retryDelayMs: 0, ...patch }
}

function sum(c: {
  created: number
  updated: number
  unchanged: number
  skipped: number
  failed: number
  deleted: number
  deferred: number
}) {
  return c.created + c.updated + c.unchanged + c.skipped + c.failed + c.deleted + c.deferred
}

describe('sync runner', () => {
  it('writes pages in batches of the sink size, at most its concurrency at once, and journals the run', async () => {
    const source = new MemorySource(
      range(1, 95).map((n) => contact(n)),
      'contactid',
      { pageSize: 40 }
    )
    const sink = new MemorySink({ limits: { maxBatch: 7, concurrency: 3 }, latencyMs: 2 })
    const result = await runFlow(options(source, sink))
    expect(result.status).toBe('completed')
    expect(result.counts).toMatchObject({ read: 95, created: 95, failed: 0, deferred: 0 })
    expect(sink.store.size).toBe(95)
    expect(sink.store.get(id(7))).toEqual(expected(7))
    expect(Math.max(...sink.calls.map((c) => c.length))).toBe(7)
    expect(sink.maxInFlight).toBeLessThanOrEqual(3)
    expect(sink.maxInFlight).toBeGreaterThan(1)
    const summary = await journal.summary(result.runId)
    expect(summary).toMatchObject({ status: 'completed', mode: 'full', dryRun: false, counts: { created: 95 }, errorCount: 0 })
    expect(result.nextCursor).toEqual({ at: 95 })
  })

  it("leaves no listener on the caller's signal once a run ends (the CLI runs many flows on one Ctrl+C signal)", async () => {
    const caller = new AbortController()
    for (let n = 0; n < 12; n++) {
      const source = new MemorySource(
        range(1, 5).map((i) => contact(i)),
        'contactid',
        { pageSize: 5 }
      )
      const result = await runFlow(options(source, new MemorySink({ limits: { maxBatch: 5, concurrency: 1 } }), { signal: caller.signal }))
      expect(result.status).toBe('completed')
    }
    expect(EventEmitter.getEventListeners(caller.signal, 'abort')).toHaveLength(0)
  })

  it('skips unchanged records, updates changed ones, and never updates apply-updates-off fields', async () => {
    const sink = new MemorySink()
    await runFlow(
      options(
        new MemorySource(
          range(1, 10).map((n) => contact(n)),
          'contactid'
        ),
        sink
      )
    )
    const changed = range(1, 10).map((n) =>
      n <= 3
        ? contact(n, { lastname: `Changed${n}`, firstname: 'Nope' })
        : n === 4
          ? contact(n, { firstname: 'OnlyCreateOnly' })
          : contact(n)
    )
    const writesBefore = sink.calls.flat().length
    const result = await runFlow(options(new MemorySource(changed, 'contactid'), sink))
    expect(result.counts).toMatchObject({ read: 10, updated: 3, unchanged: 7, created: 0 })
    const ops = sink.calls.flat().slice(writesBefore)
    expect(ops.map((o) => o.key).sort()).toEqual([id(1), id(2), id(3)])
    expect(ops[0]).toMatchObject({ op: 'update', patch: { lastName: expect.stringMatching(/^Changed/) } })
    expect(ops.every((o) => o.op === 'update' && !('firstName' in o.record) && !('firstName' in o.patch))).toBe(true)
    expect(sink.store.get(id(1))).toEqual(expected(1, { lastName: 'Changed1' }))
    expect(sink.store.get(id(4))?.firstName).toBe('First4')
  })

  it('writes create-only fields on a full replay when asked (Adobe: "when data is initially loaded (or replayed)")', async () => {
    const sink = new MemorySink()
    await runFlow(options(new MemorySource([contact(1)], 'contactid'), sink))
    const result = await runFlow(
      options(new MemorySource([contact(1, { firstname: 'Replayed' })], 'contactid'), sink, { writeCreateOnlyOnReplay: true })
    )
    expect(result.counts.updated).toBe(1)
    expect(sink.store.get(id(1))?.firstName).toBe('Replayed')
  })

  it('reports per-record failures (mapping and target) and carries on', async () => {
    const flow = contacts({
      fields: [
        { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'email' }] },
        { target: 'lastName', from: ['lastname'] }
      ]
    })
    const records = [
      ...range(1, 6).map((n) => contact(n)),
      contact(7, { emailaddress1: 'not an email' }),
      { lastname: 'no id', statecode: 0, emailaddress1: 'a@b.co' }
    ]
    const sink = new MemorySink({
      fail: (op) =>
        op.key === id(2)
          ? { code: 'badRequest', message: 'email "person2@example.com" is on the deny list', retryable: false, field: 'email' }
          : undefined
    })
    const result = await runFlow(options(new MemorySource(records, 'contactid'), sink, { flow }))
    expect(result.status).toBe('completed')
    expect(result.counts).toMatchObject({ read: 8, created: 5, failed: 3 })
    const errors = await new RunHistory(journal).errors(result.runId)
    expect(errors.map((e) => [e.key ?? e.id, e.stage, e.code]).sort()).toEqual([
      ['#1:7', 'transform', 'noKey'],
      [id(2), 'write', 'badRequest'],
      [id(7), 'transform', 'notAnEmail']
    ])
    const mapping = errors.find((e) => e.key === id(7))!
    expect(mapping).toMatchObject({ field: 'email', step: 0, stepName: 'email', input: 'not an email' })
    expect(errors.find((e) => e.key === id(2))).toMatchObject({ field: 'email', op: 'create' })
  })

  it('dry run: the whole plan via the engine diff, and not a single write', async () => {
    const sink = new MemorySink()
    await runFlow(
      options(
        new MemorySource(
          range(1, 4).map((n) => contact(n)),
          'contactid'
        ),
        sink
      )
    )
    const writes = sink.calls.length
    const streamed: PlanEntry[] = []
    const flow = contacts({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } })
    const log: SourceChange[] = [contact(1), contact(2, { lastname: 'New' }), contact(3, { statecode: 1 }), contact(5), { deleted: id(4) }]
    const result = await runFlow(options(new MemorySource(log, 'contactid'), sink, { flow, dryRun: true, onPlan: (e) => streamed.push(e) }))
    expect(sink.calls.length).toBe(writes)
    expect(result.dryRun).toBe(true)
    expect(result.counts).toMatchObject({ read: 5, unchanged: 1, updated: 1, deleted: 2, created: 1 })
    const byKey = Object.fromEntries(result.plan!.entries.map((e) => [e.key, e]))
    expect(byKey[id(2)]).toMatchObject({ action: 'update', changes: [{ field: 'lastName', old: 'Last2', new: 'New' }] })
    expect(byKey[id(3)]).toMatchObject({ action: 'delete', reason: expect.stringContaining('left the filter') })
    expect(byKey[id(4)]).toMatchObject({ action: 'delete', reason: 'deleted in the source' })
    expect(byKey[id(5)]).toMatchObject({ action: 'create', target: expected(5) })
    expect(byKey[id(1)]).toEqual({ key: id(1), action: 'unchanged' })
    expect(streamed).toHaveLength(5)
    expect((await journal.summary(result.runId))?.dryRun).toBe(true)
    expect(await journal.flowState('contacts')).toMatchObject({ runId: expect.not.stringMatching(result.runId) })
  })

  it('applies source deletes and deletes records that leave the filter — only when asked', async () => {
    const sink = new MemorySink()
    await runFlow(
      options(
        new MemorySource(
          range(1, 5).map((n) => contact(n)),
          'contactid'
        ),
        sink
      )
    )
    const log: SourceChange[] = [contact(1, { statecode: 1 }), { deleted: id(2) }, { deleted: 'c-9999' }]
    const off = await runFlow(options(new MemorySource(log, 'contactid', { kind: 'incremental' }), sink, { cursor: null }))
    expect(off.counts).toMatchObject({ read: 3, skipped: 3, deleted: 0 })
    expect(sink.store.size).toBe(5)
    const flow = contacts({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } })
    // 2 of the 5 records the flow manages is more than 10 %: the guard holds the deletes until confirmed.
    const guarded = await runFlow(options(new MemorySource(log, 'contactid', { kind: 'incremental' }), sink, { flow, cursor: null }))
    expect(guarded).toMatchObject({
      status: 'failed',
      error: { code: 'tooManyDeletes' },
      deleteGuard: { deletes: 2, managed: 5, verdict: 'confirm' }
    })
    expect(sink.store.size).toBe(5)
    const on = await runFlow(
      options(new MemorySource(log, 'contactid', { kind: 'incremental' }), sink, { flow, cursor: null, deleteGuard: { allow: 2 } })
    )
    expect(on.counts).toMatchObject({ read: 3, deleted: 2, unchanged: 1 })
    expect([...sink.store.keys()].sort()).toEqual([id(3), id(4), id(5)])
  })

  it('retries orphans in a later pass and reports the ones that stay orphaned', async () => {
    const parents = new Set(['p1'])
    const sink = new MemorySink({ parents: { field: 'profile', keys: parents } })
    const flow = contacts({
      fields: [
        { target: 'profile', from: ['parent'] },
        { target: 'lastName', from: ['lastname'] }
      ],
      filter: undefined
    })
    const log = [
      { contactid: 'v1', parent: 'p1', lastname: 'a' },
      { contactid: 'v2', parent: 'p2', lastname: 'b' },
      { contactid: 'v3', parent: 'p3', lastname: 'c' }
    ]
    // The parent flow, running alongside, writes p2 once this source is done.
    const source = new MemorySource(log, 'contactid', { afterLast: () => void parents.add('p2') })
    const result = await runFlow(options(source, sink, { flow, retryPasses: 2 }))
    expect(result.counts).toMatchObject({ read: 3, created: 2, failed: 1, deferred: 0 })
    expect([...sink.store.keys()].sort()).toEqual(['v1', 'v2'])
    const errors = await new RunHistory(journal).errors(result.runId)
    expect(errors).toEqual([
      expect.objectContaining({ key: 'v3', code: PARENT_MISSING, message: expect.stringContaining('still missing after 2 retry passes') })
    ])
  })

  it('cancel mid-run, then resume: the target equals the expected state, no record written twice', async () => {
    const controller = new AbortController()
    const source = new MemorySource(
      range(1, 200).map((n) => contact(n)),
      'contactid',
      {
        pageSize: 30,
        beforePage: (page) => {
          if (page === 4) setTimeout(() => controller.abort(), 3)
        }
      }
    )
    const sink = new MemorySink({ limits: { maxBatch: 5, concurrency: 2 }, latencyMs: 2 })
    const first = await runFlow(options(source, sink, { signal: controller.signal }))
    expect(first.status).toBe('canceled')
    expect(sink.store.size).toBeGreaterThan(0)
    expect(sink.store.size).toBeLessThan(200)
    // The journal's committed counts never exceed what the sink really did.
    expect(first.counts.created).toBe(sink.store.size)
    expect((await journal.summary(first.runId))?.resumable).toBe(true)

    const resumed = await runFlow(options(source, sink, { resumeRunId: first.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.runId).toBe(first.runId)
    expect(sink.store.size).toBe(200)
    for (const n of range(1, 200)) expect(sink.store.get(id(n))).toEqual(expected(n))
    expect([...sink.writes.values()].every((w) => w === 1)).toBe(true)
    expect(resumed.counts.read).toBe(200)
    expect(resumed.counts.created + resumed.counts.unchanged).toBe(200)
    expect(await journal.summary(first.runId)).toMatchObject({ status: 'completed', resumable: false })
  })

  it('pause holds new batches until resume; progress is throttled and ends with the totals', async () => {
    let now = 0
    const clock: Clock = { now: () => now, sleep: async () => undefined }
    const events: RunProgress[] = []
    const sink = new MemorySink({ limits: { maxBatch: 5, concurrency: 1 }, latencyMs: 1 })
    const pagesAsked: number[] = []
    let firstPageAsked!: () => void
    const firstPage = new Promise<void>((resolve) => (firstPageAsked = resolve))
    const source = new MemorySource(
      range(1, 60).map((n) => contact(n)),
      'contactid',
      {
        pageSize: 20,
        withTotal: true,
        beforePage: (page) => {
          pagesAsked.push(page)
          if (page === 1) firstPageAsked()
        }
      }
    )
    const handle = startRun(options(source, sink, { clock, onProgress: (p) => events.push(p), progressIntervalMs: 1000 }))
    handle.pause()
    // Wait for the runner to read its first page, then for everything that follows from it
    // without a timer (the page reaching the pause gate) to run.
    await firstPage
    await new Promise((resolve) => setImmediate(resolve))
    expect(handle.paused).toBe(true)
    expect(pagesAsked).toEqual([1])
    expect(sink.calls.length).toBe(0)
    expect(events.at(-1)?.phase).toBe('paused')
    now += 2000
    handle.resume()
    const result = await handle.done
    expect(result.counts.created).toBe(60)
    // Same clock instant for all batches: the throttle holds the stream to a few events.
    expect(events.length).toBeLessThan(12)
    const last = events.at(-1)!
    expect(last).toMatchObject({ phase: 'done', counts: { read: 60, created: 60 }, total: 60 })
  })

  it('reports rate and ETA when the source knows its total', async () => {
    let now = 0
    const clock: Clock = { now: () => now, sleep: async () => undefined }
    const events: RunProgress[] = []
    const source = new MemorySource(
      range(1, 40).map((n) => contact(n)),
      'contactid',
      { pageSize: 10, withTotal: true, beforePage: () => void (now += 1000) }
    )
    await runFlow(options(source, new MemorySink(), { clock, onProgress: (p) => events.push(p), progressIntervalMs: 100 }))
    // Mid-run (a second of writes measured, pages still to read): a rate and a time left.
    const mid = events.find((e) => e.counts.read < 40 && e.etaMs !== undefined)!
    expect(mid.ratePerSecond).toBeGreaterThan(0)
    expect(mid.etaMs).toBeGreaterThan(0)
  })

  it('a fatal error stops the run as failed at a checkpoint it can resume from', async () => {
    let broken = true
    const sink = new MemorySink({
      limits: { maxBatch: 10, concurrency: 1 },
      throwOn: (batch) =>
        broken && batch.some((op) => op.key === id(35))
          ? new SyncFatalError('auth', 'the Campaign token was refused (401) — sign in again')
          : undefined
    })
    const source = new MemorySource(
      range(1, 50).map((n) => contact(n)),
      'contactid',
      { pageSize: 20 }
    )
    const first = await runFlow(options(source, sink))
    expect(first).toMatchObject({ status: 'failed', error: { code: 'auth' } })
    expect(first.cursor).toEqual({ at: 20 })
    expect(sink.store.size).toBe(30)
    broken = false
    const resumed = await runFlow(options(source, sink, { resumeRunId: first.runId }))
    expect(resumed.status).toBe('completed')
    expect(resumed.counts).toMatchObject({ read: 50, created: 50 })
    expect([...sink.writes.values()].every((w) => w === 1)).toBe(true)
  })

  it('a batch the target applied but the journal never saw is re-checked by key on resume, not written again', async () => {
    const inner = new MemorySink({ limits: { maxBatch: 4, concurrency: 1 } })
    let calls = 0
    let crash = true
    // The process "dies" right after the sink applied a batch, before its outcomes reached the journal.
    const sink: typeof inner = Object.assign(Object.create(inner), {
      write: async (batch: Parameters<typeof inner.write>[0], signal: AbortSignal) => {
        const outcomes = await inner.write(batch, signal)
        if (crash && ++calls === 3) throw new Error('process died')
        return outcomes
      }
    })
    const source = new MemorySource(
      range(1, 20).map((n) => contact(n)),
      'contactid',
      { pageSize: 10 }
    )
    const first = await runFlow(options(source, sink))
    expect(first.status).toBe('failed')
    expect(inner.store.size).toBe(10)
    const recovery = await journal.recover(first.runId)
    expect(recovery.checkpoint).toBeUndefined()
    expect([...recovery.doneAfterCheckpoint.keys()]).toEqual(range(1, 8).map(id))
    crash = false
    const resumed = await runFlow(options(source, sink, { resumeRunId: first.runId }))
    expect(resumed.counts).toMatchObject({ read: 20, created: 18, unchanged: 2 })
    expect(inner.store.size).toBe(20)
    expect([...inner.writes.values()].every((w) => w === 1)).toBe(true)
  })

  it('refuses to resume with a changed mapping', async () => {
    const controller = new AbortController()
    controller.abort()
    const source = new MemorySource([contact(1)], 'contactid')
    const first = await runFlow(options(source, new MemorySink(), { signal: controller.signal }))
    expect(first.status).toBe('canceled')
    const changed = contacts({ fields: [{ target: 'email', from: ['emailaddress1'] }] })
    await expect(runFlow(options(source, new MemorySink(), { flow: changed, resumeRunId: first.runId }))).rejects.toThrow(/another version/)
  })

  it('an incremental run starts where the last completed run ended; a retry run is restricted to failed keys', async () => {
    const log: SourceChange[] = range(1, 10).map((n) => contact(n))
    let failing = true
    const sink = new MemorySink({
      fail: (op) => (failing && op.key === id(4) ? { code: 'conflict', message: 'locked', retryable: false } : undefined)
    })
    const source = new MemorySource(log, 'contactid', { kind: 'incremental', pageSize: 4 })
    const first = await runFlow(options(source, sink))
    expect(first.counts).toMatchObject({ created: 9, failed: 1 })
    expect(await journal.flowState('contacts')).toMatchObject({ cursor: { at: 10 }, runId: first.runId })

    source.log.push(contact(11), contact(2, { lastname: 'Later' }))
    const second = await runFlow(options(source, sink))
    expect(second.counts).toMatchObject({ read: 2, created: 1, updated: 1 })

    failing = false
    const plan = await new RunHistory(journal).retryPlan(first.runId)
    expect(plan.onlyKeys).toEqual([id(4)])
    const retry = await runFlow(options(source, sink, { onlyKeys: plan.onlyKeys, retryOf: plan.retryOf }))
    expect(retry.counts).toMatchObject({ read: 1, created: 1 })
    expect(await journal.summary(retry.runId)).toMatchObject({ mode: 'retry', retryOf: first.runId })
    expect((await journal.flowState('contacts'))?.runId).toBe(second.runId)
    expect(sink.store.size).toBe(11)
  })

  it('runs an events flow, idempotent per event by its match.target column', async () => {
    const flow: EventsFlow = {
      id: 'opens',
      kind: 'events',
      source: { system: 'campaign', event: 'open' },
      target: { system: 'dynamics', table: 'adobe_emailopen' },
      contact: { profileKey: 'cusDynamicsContactId', regarding: 'regardingobjectid_contact' },
      match: { target: 'adobe_eventid' },
      fields: [
        { target: 'adobe_eventid', from: ['eventId'] },
        { target: 'subject', from: ['deliveryName'] }
      ]
    }
    const events = [{ eventId: 'e1', deliveryName: 'DM1' }, { eventId: 'e2', deliveryName: 'DM2' }, { deliveryName: 'no id' }]
    const sink = new MemorySink()
    const first = await runFlow({ flow, source: new MemorySource(events, 'eventId'), sink, journal, retryDelayMs: 0 })
    expect(first.counts).toMatchObject({ read: 3, created: 2, failed: 1 })
    const again = await runFlow({ flow, source: new MemorySource(events, 'eventId'), sink, journal, retryDelayMs: 0 })
    expect(again.counts).toMatchObject({ created: 0, unchanged: 2 })
    expect(sink.store.get('e1')).toEqual({ adobe_eventid: 'e1', subject: 'DM1' })
  })

  it('keeps its counts consistent: every record read ends in exactly one outcome', async () => {
    const flow = contacts({ deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } })
    const log: SourceChange[] = [
      ...range(1, 30).map((n) => contact(n, { statecode: n % 5 === 0 ? 1 : 0 })),
      contact(3),
      { deleted: id(7) },
      { deleted: id(8) }
    ]
    const sink = new MemorySink({
      fail: (op) => (op.key === id(9) ? { code: 'x', message: 'x', retryable: false } : undefined),
      limits: { maxBatch: 3, concurrency: 2 }
    })
    const result = await runFlow(options(new MemorySource(log, 'contactid', { pageSize: 7 }), sink, { flow }))
    expect(sum(result.counts)).toBe(result.counts.read)
    expect(result.counts.read).toBe(33)
  })
})
