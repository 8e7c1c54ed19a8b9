import { mkdtemp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function examples(): Promise<MappingDocument> {
  return JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))
}

async function activities(bench: SyncBench, table: string): Promise<Record<string, unknown>[]> {
  const dynamics = await bench.connections.dynamics('Sandbox')
  const out: Record<string, unknown>[] = []
  for await (const row of dynamics.records(table, { select: ['new_externaleventid', '_regardingobjectid_value', 'subject'] })) out.push(row)
  return out
}

describe('Campaign events → Dynamics activities over the sandbox', () => {
  it('writes each event once from log exports, incrementally, and idempotently from history', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0 })
    const exportsFolder = await mkdtemp(join(bench.folder, 'exports-'))
    const service = bench.service({ eventsFolder: exportsFolder })
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    const document = await examples()

    const first = await service.run(document)
    expect(first.flows.map((f) => f.status)).toEqual(['completed', 'completed', 'completed', 'completed'])
    const [sends, opens, clicks, bounces] = first.flows
    expect(sends.counts.created).toBeGreaterThan(0)
    expect(opens.counts.created).toBeGreaterThan(0)
    expect(sends.counts.failed + opens.counts.failed + clicks.counts.failed + bounces.counts.failed).toBe(0)
    const sent = await activities(bench, 'new_emailsend')
    expect(sent.length).toBe(sends.counts.created)
    expect(new Set(sent.map((a) => a.new_externaleventid)).size).toBe(sent.length)
    expect(sent.every((a) => typeof a._regardingobjectid_value === 'string')).toBe(true)

    // Nothing new exported: nothing read.
    const again = await service.run(document)
    expect(again.flows.every((f) => f.counts.read === 0)).toBe(true)

    // A second delivery, exported: only its events.
    bench.sandbox.campaign.simulateDelivery({ seed: 8 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    const second = await service.run(document, { flowIds: ['sends'] })
    expect(second.flows[0].counts.created).toBe(second.flows[0].counts.read - second.flows[0].counts.skipped)
    expect((await activities(bench, 'new_emailsend')).length).toBe(sends.counts.created + second.flows[0].counts.created)

    // The same events read again from the profiles' history: no second activity per event.
    const fromHistory = bench.service({ journalFolder: join(bench.folder, 'journal-history') })
    const replay = await fromHistory.run(document, { flowIds: ['sends'], full: true })
    expect(replay.flows[0].status).toBe('completed')
    expect(replay.flows[0].counts.created).toBe(0)
    const all = await activities(bench, 'new_emailsend')
    expect(new Set(all.map((a) => a.new_externaleventid)).size).toBe(all.length)
    expect(all.length).toBe(sends.counts.created + second.flows[0].counts.created)
  })

  it('from the history, says how many profiles carry no Dynamics id, whose events it does not read', async () => {
    // Seeded profiles: some carry a Dynamics id, the others are Campaign's own.
    bench = await syncBench({ contacts: 20, profiles: 30 })
    const service = bench.service()
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    bench.sandbox.campaign.simulateDelivery({ seed: 3 })
    const campaign = await bench.connections.campaign('Sandbox')
    let withoutKey = 0
    for await (const page of campaign.profiles({ pageSize: 100 }))
      for (const profile of page.records) if (!profile[campaign.dynamicsKeyField]) withoutKey++
    expect(withoutKey).toBeGreaterThan(0)

    const plan = await service.plan(await examples(), { flowIds: ['sends'] })
    expect(plan.flows[0].summary).toEqual([
      expect.stringMatching(
        new RegExp(`^${withoutKey} Campaign profiles without a Dynamics id \\(cusDynamicsContactId\\): their events would not be read`)
      )
    ])
    const run = await service.run(await examples(), { flowIds: ['sends'] })
    expect(run.flows[0].summary).toEqual([
      expect.stringMatching(new RegExp(`^${withoutKey} Campaign profiles without a Dynamics id .*were not read`))
    ])
  })
})
