import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function optOuts(): Promise<MappingDocument> {
  return JSON.parse(await readFile(join(__dirname, '../../examples/opt-outs.mapping.json'), 'utf8'))
}

/**
 * An incremental opt-out run reads the contacts' changes, writes their profiles, then lists the
 * profiles changed since the last run — skipping the ones its Dynamics side read. A run canceled
 * between the two sides and resumed (a new source) is told the keys the stopped attempt journaled
 * (`RecordSource.resumedAfter`), so its Campaign side skips them too: the resumed run counts each
 * changed pair once, as the run without the cancel does. (Before, it said "6 read, 3 updated,
 * 3 unchanged" for three changed pairs.)
 */
describe('an incremental opt-out run canceled between its Dynamics and Campaign sides, then resumed', () => {
  it('counts each changed pair once, as the run without the cancel does', async () => {
    bench = await syncBench({ contacts: 80, profiles: 0 })
    const service = bench.service({ optOutLookbackMs: 0, progressIntervalMs: 0 })
    await service.run(contactsDocument)
    await service.run(await optOuts())
    await service.run(await optOuts())
    expect((await service.run(await optOuts())).flows[0].counts.read).toBe(0)

    const dynamics = await bench.connections.dynamics('Sandbox')
    const profiles = await profilesByKey(bench)
    const optedIn: string[] = []
    for await (const row of dynamics.records('contact', { select: ['contactid', 'donotbulkemail'] }))
      if (profiles.has(String(row.contactid)) && row.donotbulkemail !== true) optedIn.push(String(row.contactid))
    expect(optedIn.length).toBeGreaterThanOrEqual(6)

    // Without a cancel: three contacts opt out in Dynamics, the run reads and updates three pairs (the
    // Campaign side's read skips the profiles it has just written: the Dynamics side read them).
    for (const key of optedIn.slice(0, 3)) bench.sandbox.dynamics.touch('contact', key, { donotbulkemail: true })
    const control = (await service.run(await optOuts())).flows[0]
    expect(control.counts).toMatchObject({ read: 3, updated: 3, unchanged: 0, failed: 0 })
    await service.run(await optOuts())

    const changed = optedIn.slice(3, 6)
    for (const key of changed) bench.sandbox.dynamics.touch('contact', key, { donotbulkemail: true })

    // Canceled once the Dynamics side's changes are written (the next page is the Campaign side's).
    const controller = new AbortController()
    const first = await service.run(await optOuts(), {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'progress' && event.progress.counts.updated >= changed.length) controller.abort()
      }
    })
    expect(first.flows[0].status).toBe('canceled')
    const resumed = (await service.run(await optOuts())).flows[0]
    expect(resumed.resumedFrom).toBe(first.flows[0].runId)
    expect(resumed.counts).toMatchObject({ read: changed.length, updated: changed.length, unchanged: 0, failed: 0 })
  }, 60_000)
})

/**
 * A first opt-out run settles conflicts on both sides; canceled halfway and resumed, its summary
 * said only what the resumed part settled ("no opt-out conflict resolved: Dynamics and Campaign
 * agreed on every opt-out" after a first attempt that had cleared opt-outs), while History listed
 * them all. The summary now counts the run's journal, as History does; the plan of the resume
 * counts the stopped attempt's conflicts with its own.
 */
describe('a first opt-out run canceled halfway, then resumed', () => {
  it('says in its summary every conflict the run settled, as History lists them, and so does the plan of the resume', async () => {
    bench = await syncBench({ contacts: 300, profiles: 0, faults: { campaign: { latencyMs: 5 } } })
    const service = bench.service({ progressIntervalMs: 0, pageSize: 25 })
    await service.run(contactsDocument)
    const whole = (await service.run(await optOuts(), { dryRun: true })).flows[0]
    const conflicts = Number(/^(\d+) opt-out conflicts would be resolved/.exec(whole.summary?.[0] ?? '')?.[1])
    expect(conflicts).toBeGreaterThan(10)

    const controller = new AbortController()
    const first = (
      await service.run(await optOuts(), {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'progress' && event.progress.counts.updated >= 5 && !controller.signal.aborted) controller.abort()
        }
      })
    ).flows[0]
    expect(first.status).toBe('canceled')
    const settledFirst = (await service.conflicts(first.runId!)).total
    expect(settledFirst).toBeGreaterThan(0)
    expect(settledFirst).toBeLessThan(conflicts)

    const plan = (await service.run(await optOuts(), { dryRun: true })).flows[0]
    const resumed = (await service.run(await optOuts())).flows[0]
    expect(resumed.resumedFrom).toBe(first.runId)
    const listed = await service.conflicts(first.runId!)
    expect(listed.total).toBe(conflicts)
    expect(resumed.summary?.[0]).toMatch(new RegExp(`^${conflicts} opt-out conflicts resolved: `))
    expect(plan.summary?.[0]).toMatch(new RegExp(`^${conflicts} opt-out conflicts would be resolved: `))
  }, 60_000)
})
