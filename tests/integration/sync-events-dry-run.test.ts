import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises'
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

/** Contacts synced to Campaign, a delivery sent to their profiles, its logs exported: the events flows' input. */
async function deliveredAndExported(sandbox: { contacts: number; profiles: number }, delivery: { seed: number; share?: number }) {
  bench = await syncBench(sandbox)
  const exportsFolder = await mkdtemp(join(bench.folder, 'exports-'))
  const service = bench.service({ eventsFolder: exportsFolder })
  expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
  bench.sandbox.campaign.simulateDelivery(delivery)
  await bench.sandbox.campaign.exportLogs(exportsFolder)
  const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))
  return { setup: bench, service, exportsFolder, document }
}

describe('an events dry run plans what the run does', () => {
  it('plans the failure of an event whose contact was deleted in Dynamics (contactMissing), and its counts are the run’s', async () => {
    const { setup, service, document } = await deliveredAndExported({ contacts: 20, profiles: 0 }, { seed: 7 })
    // Contacts synced to Campaign, then deleted in Dynamics: their profiles and events stay in Campaign.
    const gone = [...(await profilesByKey(setup)).keys()].slice(0, 3)
    for (const id of gone) setup.sandbox.dynamics.remove('contact', id)

    const report = await measureAgreement(service, document, { flowIds: ['sends'] })
    expect(report.disagreements).toEqual([])
    expect(report.actual.error).toBeGreaterThan(0)
    expect(report.actual.create).toBeGreaterThan(0)
    // The plan's counts are the run's.
    const { read, created, failed, skipped } = report.run.flows[0].counts
    expect(report.plan.flows[0].counts).toMatchObject({ read, created, failed, skipped })
  })
})

describe('an events dry run plans what the run does with an event read twice', () => {
  it('two log exports that overlap: an event read twice is planned as created once, then unchanged, as the run does', async () => {
    const { service, exportsFolder, document } = await deliveredAndExported({ contacts: 20, profiles: 0 }, { seed: 7 })
    // The same delivery log exported twice (an export workflow run again over the same window): every send is read twice.
    const files = (await readdir(exportsFolder)).filter((n) => n.toLowerCase().startsWith('broadlog'))
    await copyFile(join(exportsFolder, files[0]), join(exportsFolder, files[0].replace(/\.csv$/i, '_again.csv')))
    const report = await measureAgreement(service, document, { flowIds: ['sends'] })
    const run = report.run.flows[0].counts
    // The run creates each send once and finds it unchanged the second time; the plan says the same.
    expect(run.created).toBeGreaterThan(0)
    expect(run).toMatchObject({ read: 2 * run.created, unchanged: run.created, failed: 0 })
    expect(report.plan.flows[0].counts).toEqual(run)
    expect(report.disagreements).toEqual([])
  })
})

describe('an events flow without a filter', () => {
  it('filters nothing out: the events of profiles not synced from Dynamics are skipped, not "filtered out"', async () => {
    const { service, document } = await deliveredAndExported({ contacts: 20, profiles: 5 }, { seed: 7, share: 1 })
    const sends = (await service.run(document, { flowIds: ['sends'] })).flows[0]
    expect(sends.counts.skipped).toBeGreaterThan(0)
    expect(sends.counts.filteredOut).toBe(0)
  })
})
