import { afterEach, describe, expect, it } from 'vitest'
import type { SandboxRequest } from '../../src/main/sandbox'
import type { PlanEntry } from '../../src/main/sync/runner'
import type { OptOutFlow } from '../../src/shared/mapping/document'
import { contactsDocument, optOutsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Opt-outs read what changed, not the tables: an incremental run follows the contacts' delta
 * link and lists the profiles changed since the last run, and reads each change's counterpart.
 * Calls are counted where the service sees them (the sandbox's listener).
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const optOuts = (direction: OptOutFlow['direction'] = 'both') => optOutsDocument(direction)

/** Counts the API calls (not token requests) the sandbox receives while `work` runs. */
async function counted<T>(work: () => Promise<T>): Promise<{ result: T; reads: number; writes: number; requests: SandboxRequest[] }> {
  const requests: SandboxRequest[] = []
  const stop = bench!.sandbox.onRequest((request) => {
    if (request.service !== 'other') requests.push(request)
  })
  try {
    const result = await work()
    const reads = requests.filter((r) => r.method === 'GET').length
    return { result, reads, writes: requests.length - reads, requests }
  } finally {
    stop()
  }
}

function updates(entries: readonly PlanEntry[]): Array<Extract<PlanEntry, { action: 'update' }>> {
  return entries
    .filter((e): e is Extract<PlanEntry, { action: 'update' }> => e.action === 'update')
    .sort((a, b) => (a.key < b.key ? -1 : 1))
}

describe('incremental opt-outs over the sandbox', () => {
  it('reads in proportion to the changes, and plans and resolves them as a full read does', async () => {
    bench = await syncBench({ contacts: 150, profiles: 0 })
    const service = bench.service({ optOutLookbackMs: 0 })
    await service.run(contactsDocument)
    const dynamics = await bench.connections.dynamics('Sandbox')
    const campaign = await bench.connections.campaign('Sandbox')
    const profiles = await profilesByKey(bench)
    const synced: Array<{ key: string; donotbulkemail: boolean }> = []
    for await (const row of dynamics.records('contact', { select: ['contactid', 'donotbulkemail'] }))
      if (profiles.has(String(row.contactid))) synced.push({ key: String(row.contactid), donotbulkemail: row.donotbulkemail === true })
    expect(synced.length).toBeGreaterThan(60)

    // First run: a full read (both tables); then one run to read back its own writes.
    const first = await counted(async () => service.run(await optOuts()))
    expect(first.result.flows[0].status).toBe('completed')
    expect(first.reads).toBeGreaterThan(synced.length / 25)
    await service.run(await optOuts())

    // Nothing changed: a handful of calls (one delta page, one page of changed profiles), whatever the table size.
    const quiet = await counted(async () => service.run(await optOuts()))
    expect(quiet.result.flows[0].counts).toMatchObject({ read: 0, updated: 0, failed: 0 })
    expect(quiet.reads).toBeLessThanOrEqual(3)
    expect(quiet.writes).toBe(0)

    // Changes on each side, and one pair changed on both (a conflict).
    const [d1, d2, d3, c1, c2, both] = synced.filter((c) => !c.donotbulkemail).map((c) => c.key)
    for (const key of [d1, d2, d3]) bench.sandbox.dynamics.touch('contact', key, { donotbulkemail: true })
    bench.sandbox.campaign.editProfile(c1, { blackListEmail: true })
    bench.sandbox.campaign.editProfile(c2, { blackListPhone: true })
    bench.sandbox.campaign.editProfile(both, { blackListEmail: true })
    bench.sandbox.dynamics.touch('contact', both, { lastname: 'Edited after the opt-out' })
    const changed = 6

    // The incremental plan is the full read's plan: same pairs, same changes, same conflict labels.
    const full = await service.plan(await optOuts(), { full: true })
    const planned = await counted(async () => service.plan(await optOuts()))
    const fullUpdates = updates(full.flows[0].plan!.entries)
    expect(fullUpdates.map((e) => e.key).sort()).toEqual([d1, d2, d3, c1, c2, both].sort())
    expect(updates(planned.result.flows[0].plan!.entries)).toEqual(fullUpdates)
    const conflict = fullUpdates.find((e) => e.key === both)!
    expect(conflict.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^Conflict: Dynamics donotbulkemail = false \(changed .*\), Campaign blackListEmail = true \(changed .*\) → Campaign kept \(true\): /
      )
    ])

    // The run does what the plan said, and reads O(changed): the delta page, a lookup per changed
    // contact, the changed-profiles page and one In() query for their contacts.
    const run = await counted(async () => service.run(await optOuts()))
    expect(run.result.flows[0].counts).toMatchObject({ updated: changed, failed: 0 })
    const pages = 2
    expect(run.reads).toBeLessThanOrEqual(changed + pages + 1)
    // One PATCH per profile that changes (the three Dynamics opt-outs); the contacts that change (the two Campaign
    // opt-outs and the conflict, which Campaign won) go to Dynamics together, one UpdateMultiple per page read
    // (docs/sync.md "What a run costs"): fewer calls than changed records, never more.
    const writes = run.requests.filter((r) => r.method !== 'GET')
    expect(writes.filter((r) => r.service === 'campaign').map((r) => r.method)).toEqual(['PATCH', 'PATCH', 'PATCH'])
    const contactWrites = writes.filter((r) => r.service === 'dynamics')
    expect(contactWrites.every((r) => r.method === 'POST' && r.url.endsWith('/contacts/Microsoft.Dynamics.CRM.UpdateMultiple'))).toBe(true)
    expect(contactWrites.length).toBeGreaterThanOrEqual(1)
    expect(contactWrites.length).toBeLessThanOrEqual(pages)
    expect(run.writes).toBeLessThanOrEqual(changed)
    for (const key of [d1, d2, d3, both]) expect((await campaign.findProfileByKey(key))?.blackListEmail).toBe(true)
    const contact = await dynamics.getJson<{ donotbulkemail: boolean; donotphone: boolean }>(
      `contacts(${c1})?$select=donotbulkemail,donotphone`
    )
    expect(contact.donotbulkemail).toBe(true)
    expect((await dynamics.getJson<{ donotphone: boolean }>(`contacts(${c2})?$select=donotphone`)).donotphone).toBe(true)
  })

  it('a changed direction reads every pair again; a canceled incremental run resumes from its saved position', async () => {
    bench = await syncBench({ contacts: 80, profiles: 0 })
    const service = bench.service({ optOutLookbackMs: 0, pageSize: 10 })
    await service.run(contactsDocument)
    await service.run(await optOuts('toCampaign'))
    await service.run(await optOuts('toCampaign'))
    // Another direction: the stored position was made for another rule, so every pair is read.
    const other = await counted(async () => service.plan(await optOuts('toDynamics')))
    expect(other.result.flows[0].counts.read).toBeGreaterThan(30)

    // Many Dynamics changes over several delta pages; cancel after the first page is done.
    const dynamics = await bench.connections.dynamics('Sandbox')
    const profiles = await profilesByKey(bench)
    const keys: string[] = []
    for await (const row of dynamics.records('contact', { select: ['contactid', 'donotphone'] }))
      if (row.donotphone !== true && profiles.has(String(row.contactid))) keys.push(String(row.contactid))
    const changedKeys = keys.slice(0, 25)
    expect(changedKeys).toHaveLength(25)
    for (const key of changedKeys) bench.sandbox.dynamics.touch('contact', key, { donotphone: true })
    // Cancel as soon as the first write call has landed (the runner drains it, journals it and stops).
    const controller = new AbortController()
    const canceling = bench.service({
      optOutLookbackMs: 0,
      pageSize: 10,
      limits: { maxBatch: 5, concurrency: 1 },
      afterWrite: async () => controller.abort()
    })
    const stopped = await canceling.run(await optOuts('toCampaign'), { signal: controller.signal })
    expect(stopped.flows[0].status).toBe('canceled')
    const doneBefore = stopped.flows[0].counts.updated
    expect(doneBefore).toBeLessThan(changedKeys.length)

    // The resume continues after the last page done: it reads the rest, not the pages already written.
    const resumed = await counted(async () => service.run(await optOuts('toCampaign')))
    expect(resumed.result.flows[0].status).toBe('completed')
    expect(resumed.result.flows[0].counts.updated + doneBefore).toBe(changedKeys.length)
    const campaign = await bench.connections.campaign('Sandbox')
    for (const key of changedKeys) expect((await campaign.findProfileByKey(key))?.blackListPhone).toBe(true)
  })
})
