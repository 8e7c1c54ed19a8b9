import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * The events flow over a marketing history that serves only Adobe's documented event keys
 * (PKey, category, date, href, label, mirrorPage, type) and no order: what a real tenant gives.
 */
let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('events from a marketing history with only the documented keys', () => {
  it('sends are told by their documented label; events whose kind Campaign does not say are counted skipped, not dropped', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0, campaignHistoryEvents: 'documented' })
    const service = bench.service()
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))

    const run = await service.run(document, { flowIds: ['sends', 'opens'] })
    const [sends, opens] = run.flows
    expect(sends.status).toBe('completed')
    expect(sends.counts.created).toBeGreaterThan(0)
    expect(sends.counts.failed).toBe(0)
    // Opens, clicks and bounces look alike in the documented keys: each is read and reported skipped.
    expect(opens.status).toBe('completed')
    expect(opens.counts.created).toBe(0)
    expect(opens.counts.skipped).toBeGreaterThan(0)
    expect(opens.counts.read).toBe(opens.counts.skipped)

    // Read again incrementally: the events come oldest first (no documented order), none is missed or doubled.
    bench.sandbox.campaign.simulateDelivery({ seed: 8 })
    const again = await service.run(document, { flowIds: ['sends'] })
    expect(again.flows[0].counts.created).toBeGreaterThan(0)
    expect(again.flows[0].counts.failed).toBe(0)
  })
})
