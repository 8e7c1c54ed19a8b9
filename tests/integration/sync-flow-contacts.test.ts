import { afterEach, describe, expect, it } from 'vitest'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('contacts → profiles over the sandbox', () => {
  it('loads every active contact, then syncs changes and deletes incrementally', async () => {
    bench = await syncBench({ contacts: 60 })
    const service = bench.service()
    const first = await service.run(contactsDocument)
    const flow = first.flows[0]
    expect(flow.status).toBe('completed')
    const active = (
      await (await bench.connections.dynamics('Sandbox')).query('contact', { filter: 'statecode eq 0', select: ['contactid'] }).next()
    ).value!.records.length
    expect(flow.counts.read).toBe(60)
    // The seeded profiles adopted by an earlier integration carry real contact ids: those are updated, not created.
    expect(flow.counts.created + flow.counts.updated + flow.counts.unchanged + flow.counts.failed).toBe(active)
    expect(flow.counts.skipped).toBe(60 - active)
    const profiles = await profilesByKey(bench)
    expect([...profiles.values()].every((list) => list.length === 1)).toBe(true)

    // Second run: nothing changed → nothing read.
    const again = await service.run(contactsDocument)
    expect(again.flows[0].counts.read).toBe(0)

    // Change one, delete one.
    const ids = [...profiles.keys()]
    bench.sandbox.dynamics.touch('contact', ids[0], { lastname: 'Changed' })
    bench.sandbox.dynamics.remove('contact', ids[1])
    const third = await service.run(contactsDocument)
    expect(third.flows[0].counts).toMatchObject({ read: 2, updated: 1, deleted: 1, failed: 0 })
    const after = await profilesByKey(bench)
    expect(after.get(ids[0])?.[0].lastName).toBe('Changed')
    expect(after.has(ids[1])).toBe(false)
  })
})
