import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PreviewService } from '../../src/main/preview/preview-service'
import type { MappingDocument, OptOutFlow } from '../../src/shared/mapping/document'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Each flow kind previews and dry-runs its own records over the sandbox: an events flow its
 * Campaign events, an opt-out flow its contact ↔ profile pairs — and the dry run's plan is
 * what the sync then does.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const example = async (name: string): Promise<MappingDocument> =>
  JSON.parse(await readFile(join(__dirname, `../../examples/${name}`), 'utf8'))

describe('preview and dry run of events and opt-out flows', () => {
  it('events: the seeded history previewed, dry-run as creates, then unchanged after the run', async () => {
    bench = await syncBench({ contacts: 60, profiles: 50 })
    const previews = new PreviewService(bench.connections)
    const document = await example('email-events.mapping.json')
    const { preview, query } = await previews.preview(document, 'sends', 50)
    expect(query.explanation[0]).toMatch(/send events from the marketing history/)
    expect(preview.rows.length).toBeGreaterThan(0)
    expect(preview.columns).toContain('new_externaleventid')
    expect(preview.rows.every((r) => r.key && r.cells.new_externaleventid.value === r.key)).toBe(true)

    const planned = (await previews.dryRun(document, 'sends', 500)).dryRun
    expect(planned.counts.create).toBe(preview.rows.length)
    expect(planned.counts.error).toBe(0)
    const run = await bench.service().run(document, { flowIds: ['sends'] })
    expect(run.flows[0].counts.created).toBe(planned.counts.create)
    const after = (await previews.dryRun(document, 'sends', 500)).dryRun
    expect(after.counts).toEqual({ create: 0, update: 0, unchanged: planned.counts.create, skipped: 0, error: 0 })
  })

  it('opt-outs: pairs previewed with both sides, conflicts labelled, the dry run equal to the sync plan', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0 })
    await bench.service().run(contactsDocument)
    const document = await example('opt-outs.mapping.json')
    ;(document.flows[0] as OptOutFlow).direction = 'both'
    const previews = new PreviewService(bench.connections)
    const { preview } = await previews.preview(document, 'optouts', 500)
    expect(preview.columns).toEqual([
      'dynamics.donotbulkemail',
      'campaign.blackListEmail',
      'dynamics.donotphone',
      'campaign.blackListPhone'
    ])
    expect(preview.rows.length).toBeGreaterThan(0)
    const differing = preview.rows.filter((r) => r.cells['dynamics.donotbulkemail'].value !== r.cells['campaign.blackListEmail'].value)
    expect(differing.length).toBeGreaterThan(0)
    expect(
      differing.every((r) => r.cells['campaign.blackListEmail'].warnings?.[0].message.startsWith('Conflict: Dynamics donotbulkemail'))
    ).toBe(true)

    const dryRun = (await previews.dryRun(document, 'optouts', 500)).dryRun
    const plan = await bench.service().plan(document)
    const plannedUpdates = plan.flows[0]
      .plan!.entries.filter((e) => e.action === 'update')
      .map((e) => e.key)
      .sort()
    expect(
      dryRun.entries
        .filter((e) => e.action === 'update')
        .map((e) => e.key)
        .sort()
    ).toEqual(plannedUpdates)
    expect(dryRun.counts.update).toBeGreaterThan(0)
  })
})
