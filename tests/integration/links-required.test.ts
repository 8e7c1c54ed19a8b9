import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { validateMapping } from '../../src/shared/mapping/validate-flow'
import { PreviewService } from '../../src/main/preview/preview-service'
import { catalogOf, type Table } from '../../src/shared/schema/model'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A required link ("Vehicle owner" on cusVehicle) is enforced the same way everywhere:
 * validation refuses a flow that does not set it, and a record whose lookup is empty fails
 * in the dry run's plan exactly as it then fails in the run — before any write.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function example(): Promise<MappingDocument> {
  return JSON.parse(await readFile(join(__dirname, '../../examples/custom-tables.mapping.json'), 'utf8'))
}

describe('required links over the sandbox', () => {
  it('are enforced by validation, the dry run and the run alike', async () => {
    bench = await syncBench({ contacts: 80, profiles: 0 })
    const dynamics = await bench.connections.dynamics('Sandbox')
    const campaign = await bench.connections.campaign('Sandbox')
    const tables: Table[] = [
      await dynamics.getTable('contact'),
      await dynamics.getTable('new_vehicle'),
      await dynamics.getTable('new_eventregistration'),
      await campaign.getResource('profile'),
      await campaign.getResource('cusVehicle'),
      await campaign.getResource('cusEventRegistration')
    ]
    const catalog = catalogOf(tables)
    const linked = await example()
    const unlinked = await example()
    delete (unlinked.flows[1] as RecordsFlow).links

    const problems = validateMapping(unlinked, catalog).filter((p) => p.severity === 'error')
    expect(problems).toEqual([
      expect.objectContaining({
        path: ['flows', 1, 'links'],
        message: expect.stringMatching(
          /^"Vehicle owner" \(vehicleOwner\) is a required link of "cusVehicle" and nothing sets it — drop the lookup "_new_contactid_value" on it/
        )
      })
    ])
    expect(validateMapping(linked, catalog).filter((p) => p.severity === 'error')).toEqual([])

    const service = bench.service()
    await service.run(linked, { flowIds: ['contacts'] })
    const withoutOwner: string[] = []
    for await (const row of dynamics.records('new_vehicle', { select: ['new_vehicleid', '_new_contactid_value'] }))
      if (!row._new_contactid_value) withoutOwner.push(String(row.new_vehicleid))
    expect(withoutOwner.length).toBeGreaterThan(0)

    const plan = await service.plan(linked, { flowIds: ['vehicles'], planLimit: 100_000 })
    const planned = plan.flows[0].plan!.entries.filter((e) => e.action === 'error' && e.field === 'vehicleOwner')

    const run = await service.run(linked, { flowIds: ['vehicles'] })
    const failed = (await service.errors(run.flows[0].runId!)).filter((e) => e.field === 'vehicleOwner')
    // The plan is the run: the same records fail on the owner link (no owner, or an owner the
    // contacts flow filtered out) …
    expect(planned.map((e) => e.key).sort()).toEqual(failed.map((e) => e.key).sort())
    // … and those with no owner at all fail before any write.
    expect(
      failed
        .filter((e) => e.code === 'linkMissing')
        .map((e) => e.key)
        .sort()
    ).toEqual([...withoutOwner].sort())
    // None of them reached Campaign.
    const written = new Set<string>()
    for await (const row of campaign.records('cusVehicle', { pageSize: 200 })) written.add(String(row.externalId))
    expect(withoutOwner.filter((id) => written.has(id))).toEqual([])
  })

  it("the preview panel's preview and dry run fail the vehicles the run fails, on their owner link", async () => {
    bench = await syncBench({ contacts: 80, profiles: 0 })
    const linked = await example()
    const service = bench.service()
    await service.run(linked, { flowIds: ['contacts'] })
    const dynamics = await bench.connections.dynamics('Sandbox')
    const withoutOwner: string[] = []
    for await (const row of dynamics.records('new_vehicle', { select: ['new_vehicleid', '_new_contactid_value'] }))
      if (!row._new_contactid_value) withoutOwner.push(String(row.new_vehicleid))
    expect(withoutOwner.length).toBeGreaterThan(0)

    const panel = new PreviewService(bench.connections)
    // The Preview tab: the owner link is a column, and an empty lookup is the row's error.
    const { preview } = await panel.preview(linked, 'vehicles', 500)
    expect(preview.columns).toContain('vehicleOwner')
    expect(
      preview.rows
        .filter((r) => r.cells.vehicleOwner?.error)
        .map((r) => r.key)
        .sort()
    ).toEqual([...withoutOwner].sort())
    // The Dry run tab: every vehicle the run then fails on its owner (no owner, or an owner
    // whose profile the contacts flow did not write) is an error there, not a "create".
    const { dryRun } = await panel.dryRun(linked, 'vehicles', 500)
    const planned = dryRun.entries.filter((e) => e.action === 'error' && e.field === 'vehicleOwner').map((e) => e.key)
    const run = await service.run(linked, { flowIds: ['vehicles'] })
    const failed = (await service.errors(run.flows[0].runId!)).filter((e) => e.field === 'vehicleOwner').map((e) => e.key)
    expect(failed.length).toBeGreaterThan(withoutOwner.length)
    expect(planned.sort()).toEqual(failed.sort())
    expect(dryRun.counts.create).toBe(run.flows[0].counts!.created)
  })
})
