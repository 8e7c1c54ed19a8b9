import { afterEach, describe, expect, it } from 'vitest'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A flow whose stored position Dataverse no longer honours (an expired change-tracking link): the
 * run says so and does a full resync. Its dry run failed instead ("cursorExpired", exit 2) with
 * the counts of an attempt the run never reports: the plan said one thing, the run did another.
 * The dry run now plans the full resync the run does, read only.
 */
let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('a dry run over an expired position', () => {
  it('plans the full resync the run then does, with the same counts', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0, deltaTokenTtlMs: 200 })
    const service = bench.service()
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    const dynamics = await bench.connections.dynamics('Sandbox')
    const [row] = (await dynamics.query('contact', { select: ['contactid'], top: 1 }).next()).value!.records
    bench.sandbox.dynamics.touch('contact', String(row.contactid), { lastname: 'Expired-Link' })
    await new Promise((resolve) => setTimeout(resolve, 400))

    const plan = (await service.run(contactsDocument, { dryRun: true })).flows[0]
    const run = (await service.run(contactsDocument)).flows[0]
    expect(plan.status).toBe('completed')
    expect(plan.notices.join('\n')).toMatch(/— planned as the run will do it: a full resync of "contacts"/)
    expect(run.fullResync).toBe(true)
    expect(run.notices.join('\n')).toMatch(/— starting a full resync of "contacts"/)
    expect(plan.counts).toEqual(run.counts)
    expect(run.counts).toMatchObject({ read: 40, updated: 1, created: 0 })
  })
})
