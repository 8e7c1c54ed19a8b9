import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordsFlowParts } from '../../src/main/sync/flows/records-flow'
import { SyncJournal } from '../../src/main/sync/journal'
import { runFlow, type RunResult } from '../../src/main/sync/runner'
import { contactsFlow } from '../support/sync-flows'
import { profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Incremental runs of a records flow against the sandbox over HTTP, calls counted by the
 * sandbox: what was last sent per key (a digest of our own payload) lets a run skip a record
 * whose mapped payload did not change and PATCH a changed one by its key without a lookup —
 * calls ≤ changed records + pages + a small constant — and never hides a real change.
 */
const contacts = 60
let bench: SyncBench
let folder: string
let journal: SyncJournal
let keys: string[]

beforeAll(async () => {
  bench = await syncBench({ contacts, profiles: 0 })
  folder = await mkdtemp(join(tmpdir(), 'incremental-calls-'))
  journal = await SyncJournal.open(join(folder, 'journal'))
  const load = await run(true)
  expect(load.result.status).toBe('completed')
  keys = [...(await profilesByKey(bench)).keys()]
  expect(keys.length).toBeGreaterThan(40)
})
afterAll(async () => {
  await bench.close()
  await rm(folder, { recursive: true, force: true })
})

interface Ran {
  result: RunResult
  campaign: number
  dynamics: number
  pages: number
  calls: Record<string, number>
}

async function run(full: boolean, options: { dryRun?: boolean } = {}): Promise<Ran> {
  const parts = await recordsFlowParts({
    flow: contactsFlow,
    dynamics: await bench.connections.dynamics('Sandbox'),
    campaign: await bench.connections.campaign('Sandbox'),
    full,
    pageSize: 40
  })
  let pages = 0
  const source = {
    kind: parts.source.kind,
    async *pages(cursor: Parameters<typeof parts.source.pages>[0], signal: AbortSignal) {
      for await (const page of parts.source.pages(cursor, signal)) {
        pages++
        yield page
      }
    }
  }
  const before = bench.sandbox.requests()
  const result = await runFlow({
    flow: full ? { ...contactsFlow, sync: { mode: 'full' } } : contactsFlow,
    source,
    sink: parts.sink,
    transform: parts.transform,
    journal,
    dryRun: options.dryRun,
    retryPasses: 0
  })
  const after = bench.sandbox.requests()
  return { result, campaign: after.campaign - before.campaign, dynamics: after.dynamics - before.dynamics, pages, calls: parts.sink.calls }
}

const profile = async (key: string) => (await profilesByKey(bench)).get(key)![0]

describe('an incremental run pays for the changes only', () => {
  it('a change that leaves the mapped payload as it was costs no Campaign call', async () => {
    // jobtitle is not mapped: the contact is read (change tracking), its payload equals what was sent.
    for (const key of keys.slice(0, 5)) bench.sandbox.dynamics.touch('contact', key, { jobtitle: 'Moved desks' })
    const plan = await run(false, { dryRun: true })
    const ran = await run(false)
    expect(ran.result.counts).toMatchObject({ read: 5, unchanged: 5, updated: 0, created: 0, failed: 0 })
    expect(plan.result.counts).toEqual(ran.result.counts)
    expect(ran.campaign).toBe(0)
    expect(ran.dynamics).toBeLessThanOrEqual(ran.pages + 1)
  })

  it('changed records: one PATCH of the changed fields each, by the key — calls ≤ changed + pages + 2', async () => {
    const changed = keys.slice(5, 15)
    changed.forEach((key, i) => bench.sandbox.dynamics.touch('contact', key, { lastname: `Renamed ${i}` }))
    const plan = await run(false, { dryRun: true })
    const ran = await run(false)
    expect(ran.result.counts).toMatchObject({ read: 10, updated: 10, unchanged: 0, failed: 0 })
    expect(plan.result.counts).toEqual(ran.result.counts)
    expect(ran.calls).toMatchObject({ lookup: 0, update: 0, updateByKey: 10, create: 0 })
    expect(ran.campaign).toBe(10)
    expect(ran.campaign + ran.dynamics).toBeLessThanOrEqual(changed.length + ran.pages + 2)
    for (const [i, key] of changed.entries()) expect((await profile(key)).lastName).toBe(`Renamed ${i}`)
  })
})

describe('skipping what was sent never hides a real change', () => {
  it('a value changed back to an earlier one is sent again', async () => {
    const key = keys[20]
    const original = String((await profile(key)).lastName)
    bench.sandbox.dynamics.touch('contact', key, { lastname: 'Temporary' })
    expect((await run(false)).result.counts.updated).toBe(1)
    expect((await profile(key)).lastName).toBe('Temporary')
    bench.sandbox.dynamics.touch('contact', key, { lastname: original })
    const back = await run(false)
    expect(back.result.counts).toMatchObject({ read: 1, updated: 1 })
    expect((await profile(key)).lastName).toBe(original)
  })

  it('a profile deleted in Campaign behind the sync is created again when its contact changes', async () => {
    const key = keys[21]
    const campaign = await bench.connections.campaign('Sandbox')
    await campaign.delete(String((await profile(key)).href))
    bench.sandbox.dynamics.touch('contact', key, { firstname: 'Back' })
    const ran = await run(false)
    expect(ran.result.counts).toMatchObject({ read: 1, created: 1, failed: 0 })
    const again = (await profilesByKey(bench)).get(key)!
    expect(again).toHaveLength(1)
    expect(again[0].firstName).toBe('Back')
  })

  it('an edit made in Campaign is left by an incremental run whose payload did not change, and put right by a full run', async () => {
    const key = keys[22]
    const campaign = await bench.connections.campaign('Sandbox')
    const synced = await profile(key)
    await campaign.patch(String(synced.href), { lastName: 'Edited in Campaign' })
    bench.sandbox.dynamics.touch('contact', key, { jobtitle: 'Unmapped change' })
    const incremental = await run(false)
    expect(incremental.result.counts).toMatchObject({ read: 1, unchanged: 1 })
    expect((await profile(key)).lastName).toBe('Edited in Campaign')
    // A full run decides against Campaign's own values: the edit is seen and the mapped value sent again.
    const full = await run(true)
    expect(full.result.counts).toMatchObject({ updated: 1 })
    expect((await profile(key)).lastName).toBe(synced.lastName)
  })

  it('a record that failed is not skipped later: a refused value fails each run, and the fix is sent', async () => {
    const key = keys[23]
    bench.sandbox.dynamics.touch('contact', key, { emailaddress1: 'not an address' })
    expect((await run(false)).result.counts).toMatchObject({ read: 1, failed: 1 })
    bench.sandbox.dynamics.touch('contact', key, { jobtitle: 'Still refused' })
    expect((await run(false)).result.counts).toMatchObject({ read: 1, failed: 1, unchanged: 0 })
    bench.sandbox.dynamics.touch('contact', key, { emailaddress1: 'fixed.address@example.com' })
    const fixed = await run(false)
    expect(fixed.result.counts).toMatchObject({ read: 1, updated: 1, failed: 0 })
    expect((await profile(key)).email).toBe('fixed.address@example.com')
  })
})
