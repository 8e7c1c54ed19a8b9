import { mkdtemp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { measureAgreement } from '../../src/main/sync/agreement'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('an events dry run plans what the run does', () => {
  it('plans the failure of an event whose contact was deleted in Dynamics (contactMissing), and its counts are the run’s', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 })
    const exportsFolder = await mkdtemp(join(bench.folder, 'exports-'))
    const service = bench.service({ eventsFolder: exportsFolder })
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))
    // Contacts synced to Campaign, then deleted in Dynamics: their profiles and events stay in Campaign.
    const gone = [...(await profilesByKey(bench)).keys()].slice(0, 3)
    for (const id of gone) bench.sandbox.dynamics.remove('contact', id)

    const report = await measureAgreement(service, document, { flowIds: ['sends'] })
    expect(report.disagreements).toEqual([])
    expect(report.actual.error).toBeGreaterThan(0)
    expect(report.actual.create).toBeGreaterThan(0)
    // The plan's counts are the run's.
    const { read, created, failed, skipped } = report.run.flows[0].counts
    expect(report.plan.flows[0].counts).toMatchObject({ read, created, failed, skipped })
  })
})
