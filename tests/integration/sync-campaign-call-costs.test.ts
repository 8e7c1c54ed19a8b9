import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordsFlowParts } from '../../src/main/sync/flows/records-flow'
import { SyncJournal } from '../../src/main/sync/journal'
import { runFlow, type RunResult } from '../../src/main/sync/runner'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { contactsFlow } from '../support/sync-flows'
import { profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * What a contacts → profiles run costs in Campaign calls, counted by the sandbox itself, in
 * the cases docs/sync.md "What a run costs" promises: an initial load into an empty target,
 * a full run into a target synced before, an incremental run with a few changes.
 */
const flow: RecordsFlow = { ...contactsFlow, deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false } }
const contacts = 120
/** The seeded contacts include bad ones (a value the mapping's rules refuse): they fail before any call. */
let bad = 0

let bench: SyncBench
let folder: string
let journal: SyncJournal
beforeAll(async () => {
  bench = await syncBench({ contacts, profiles: 0 })
  folder = await mkdtemp(join(tmpdir(), 'call-costs-'))
  journal = await SyncJournal.open(join(folder, 'journal'))
})
afterAll(async () => {
  await bench.close()
  await rm(folder, { recursive: true, force: true })
})

/** One run of the flow; the Campaign API requests the sandbox answered during it, and how the sink looked records up. */
async function run(
  full: boolean,
  options: { dryRun?: boolean; indexPageSize?: number } = {}
): Promise<{ result: RunResult; campaignCalls: number; strategy: string; calls: Record<string, number> }> {
  const parts = await recordsFlowParts({
    flow,
    dynamics: await bench.connections.dynamics('Sandbox'),
    campaign: await bench.connections.campaign('Sandbox'),
    full,
    pageSize: 40,
    bulkLookups: { indexPageSize: options.indexPageSize ?? 50 }
  })
  const before = bench.sandbox.requests().campaign
  const result = await runFlow({
    flow: full ? { ...flow, sync: { mode: 'full' } } : flow,
    source: parts.source,
    sink: parts.sink,
    transform: parts.transform,
    journal,
    dryRun: options.dryRun,
    retryPasses: 0
  })
  return { result, campaignCalls: bench.sandbox.requests().campaign - before, strategy: parts.sink.lookupStrategy, calls: parts.sink.calls }
}

describe('Campaign calls per record', () => {
  it('an initial load into an empty target: one count, then one POST per record — no lookups', async () => {
    const plan = await run(true, { dryRun: true })
    expect(plan.strategy).toBe('empty')
    expect(plan.campaignCalls).toBe(1)

    const load = await run(true)
    expect(load.result.status).toBe('completed')
    expect(plan.result.counts).toEqual(load.result.counts)
    bad = load.result.counts.failed
    expect(bad).toBeGreaterThan(0)
    expect(load.result.counts).toMatchObject({ read: contacts, created: contacts - bad })
    expect(load.strategy).toBe('empty')
    expect(load.calls).toMatchObject({ count: 1, index: 0, lookup: 0, create: contacts - bad })
    expect(load.campaignCalls).toBe(1 + contacts - bad)
    const profiles = await profilesByKey(bench)
    expect(profiles.size).toBe(contacts - bad)
    expect([...profiles.values()].every((list) => list.length === 1)).toBe(true)
  })

  it('a full run into a target synced before reads it once in pages; unchanged records cost nothing more', async () => {
    const again = await run(true)
    expect(again.result.counts).toMatchObject({ read: contacts, unchanged: contacts - bad, failed: bad, created: 0, updated: 0 })
    expect(again.strategy).toBe('index')
    // One count, then the profiles in pages of 50.
    expect(again.calls).toMatchObject({ count: 1, index: 3, lookup: 0, create: 0, update: 0 })
    expect(again.campaignCalls).toBe(1 + 3)
  })

  it('changed contacts (and one profile edited in Campaign) in a full run: one call each on top of the paged read', async () => {
    const ids = [...(await profilesByKey(bench)).keys()]
    bench.sandbox.dynamics.touch('contact', ids[0], { lastname: 'Changed' })
    bench.sandbox.dynamics.touch('contact', ids[1], { firstname: 'Renamed' })
    // Edited in Campaign behind our back: the run sees Campaign's own values, so it is put right.
    const campaign = await bench.connections.campaign('Sandbox')
    const drifted = (await profilesByKey(bench)).get(ids[2])![0]
    await campaign.patch(String(drifted.href), { lastName: 'Drifted' })
    const plan = await run(true, { dryRun: true })
    const real = await run(true)
    expect(real.result.counts).toMatchObject({ read: contacts, updated: 3, unchanged: contacts - bad - 3, failed: bad })
    expect(plan.result.counts).toEqual(real.result.counts)
    expect(real.calls).toMatchObject({ count: 1, index: 3, lookup: 0, update: 3, create: 0 })
    expect(real.campaignCalls).toBe(1 + 3 + 3)
    const after = await profilesByKey(bench)
    expect(after.get(ids[0])![0].lastName).toBe('Changed')
    expect(after.get(ids[2])![0].lastName).not.toBe('Drifted')
  })

  it('an incremental run with a few changes: one PATCH by the key per changed record, no lookup; a delete looks up first', async () => {
    // The full runs left a delta link: an incremental run with no change reads nothing and calls nothing.
    const idle = await run(false)
    expect(idle.result.counts.read).toBe(0)
    expect(idle.campaignCalls).toBe(0)
    const ids = [...(await profilesByKey(bench)).keys()]
    bench.sandbox.dynamics.touch('contact', ids[3], { lastname: 'Again' })
    bench.sandbox.dynamics.remove('contact', ids[4])
    const changes = await run(false, { indexPageSize: 10 })
    expect(changes.result.counts).toMatchObject({ read: 2, updated: 1, deleted: 1, failed: 0 })
    // The update: its payload differs from what the full run sent, so one PATCH addressed by the key, nothing read first.
    // The delete: read by key when met (after the count) and again when the held deletes go (the delete guard), then the DELETE.
    expect(changes.strategy).toBe('perKey')
    // And once per run with a delete, what Campaign deletes with a profile is counted first: the
    // metadata of the two custom resources linked to the profile and one page of each (the
    // resource list is cached from the schema check; docs/sync.md, "Deleting a parent") — 4
    // calls, whatever the number of deletes.
    expect(changes.calls).toMatchObject({ count: 1, index: 0, lookup: 2, update: 0, updateByKey: 1, delete: 1 })
    expect(changes.campaignCalls).toBe(5 + 4)
    const after = await profilesByKey(bench)
    expect(after.has(ids[4])).toBe(false)
    expect(after.get(ids[3])![0].lastName).toBe('Again')
  })
})
