import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument, OptOutFlow } from '../../src/shared/mapping/document'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function optOuts(direction: OptOutFlow['direction']): Promise<MappingDocument> {
  const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/opt-outs.mapping.json'), 'utf8'))
  ;(document.flows[0] as OptOutFlow).direction = direction
  return document
}

async function contact(bench: SyncBench, id: string): Promise<Record<string, unknown>> {
  return (await bench.connections.dynamics('Sandbox')).getJson(`contacts(${id})?$select=donotbulkemail,donotphone,modifiedon`)
}

describe('opt-outs over the sandbox', () => {
  it('plans without writing, then applies the documented rule both ways', async () => {
    bench = await syncBench({ contacts: 60, profiles: 0 })
    const service = bench.service()
    await service.run(contactsDocument)
    const before = await profilesByKey(bench)
    const dynamics = await bench.connections.dynamics('Sandbox')
    const contacts = new Map<string, Record<string, unknown>>()
    for await (const row of dynamics.records('contact', { select: ['contactid', 'donotbulkemail', 'donotphone'] })) contacts.set(String(row.contactid), row)
    const optedOut = [...before.keys()].filter((k) => contacts.get(k)?.donotbulkemail === true)
    expect(optedOut.length).toBeGreaterThan(0)

    // off: nothing; dry run: a plan and no write.
    expect((await service.run(await optOuts('off'))).flows[0].counts.updated).toBe(0)
    const plan = await service.plan(await optOuts('both'))
    expect(plan.flows[0].counts.updated).toBeGreaterThanOrEqual(optedOut.length)
    expect(plan.flows[0].plan!.entries.some((e) => e.action === 'update' && e.changes.some((c) => c.field === 'campaign.blackListEmail' && c.new === true))).toBe(true)
    expect((await profilesByKey(bench)).get(optedOut[0])![0].blackListEmail).toBe(false)

    // both: Dynamics' opt-outs reach Campaign (a tie or Dynamics newer: opt-out wins).
    const first = await service.run(await optOuts('both'))
    expect(first.flows[0]).toMatchObject({ status: 'completed' })
    expect(first.flows[0].counts.failed).toBe(0)
    let profiles = await profilesByKey(bench)
    for (const key of optedOut) expect(profiles.get(key)![0].blackListEmail).toBe(true)
    expect((await service.run(await optOuts('both'))).flows[0].counts.updated).toBe(0)

    // An opt-in made in Campaign later than the contact's last change wins over Dynamics.
    const key = optedOut[0]
    await new Promise((r) => setTimeout(r, 20))
    bench.sandbox.campaign.editProfile(key, { blackListEmail: false })
    await service.run(await optOuts('both'))
    expect((await contact(bench, key)).donotbulkemail).toBe(false)

    // One way: Dynamics → Campaign copies the contact's value whatever the times.
    bench.sandbox.dynamics.touch('contact', key, { donotphone: true })
    bench.sandbox.campaign.editProfile(key, { blackListPhone: false })
    await service.run(await optOuts('toCampaign'))
    profiles = await profilesByKey(bench)
    expect(profiles.get(key)![0].blackListPhone).toBe(true)
    // Campaign → Dynamics copies the profile's.
    bench.sandbox.campaign.editProfile(key, { blackListPhone: false })
    await service.run(await optOuts('toDynamics'))
    expect((await contact(bench, key)).donotphone).toBe(false)
  })
})
