import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('custom tables → custom resources over the sandbox', () => {
  it('writes parents first, links children to their profile, reports orphans, and replays as unchanged', async () => {
    bench = await syncBench({ contacts: 80, profiles: 0 })
    const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/custom-tables.mapping.json'), 'utf8'))
    const service = bench.service()
    // Children listed first: the service still runs the parent flow first.
    const result = await service.run(document, { flowIds: ['registrations', 'vehicles', 'contacts'] })
    expect(result.flows.map((f) => f.flowId)).toEqual(['contacts', 'registrations', 'vehicles'])
    expect(result.flows.map((f) => f.status)).toEqual(['completed', 'completed', 'completed'])
    const [, registrations, vehicles] = result.flows
    expect(vehicles.counts.created).toBeGreaterThan(10)
    expect(registrations.counts.created).toBeGreaterThan(10)

    // Orphans: children of contacts not synced (inactive, no e-mail) or of no contact at all.
    const errors = await service.errors(vehicles.runId!)
    expect(errors.length).toBe(vehicles.counts.failed)
    // A parent not synced (yet) is reported by the sink; an empty lookup fails before any write.
    expect(errors.every((e) => e.code === 'parentMissing' || (e.code === 'linkMissing' && e.field === 'vehicleOwner'))).toBe(true)
    expect(errors.some((e) => /still missing after 2 retry passes/.test(e.message))).toBe(true)

    // The registration is linked (by PKey) to the profile of its contact.
    const campaign = await bench.connections.campaign('Sandbox')
    const rows: Record<string, unknown>[] = []
    for await (const row of campaign.records('cusEventRegistration', { pageSize: 200 })) rows.push(row)
    expect(rows.length).toBe(registrations.counts.created)
    expect(rows.every((r) => (r.profile as { PKey?: string })?.PKey)).toBe(true)

    // A full replay finds every written record unchanged: links compare as the parent's Dynamics id.
    const replay = await service.run(document, { full: true, flowIds: ['vehicles', 'registrations'] })
    for (const flow of replay.flows) {
      expect(flow.counts.updated, flow.flowId).toBe(0)
      expect(flow.counts.created, flow.flowId).toBe(0)
    }
    expect(replay.flows.find((f) => f.flowId === 'vehicles')!.counts.unchanged).toBe(vehicles.counts.created)

    // A vehicle moved to another contact is updated; a deleted one is deleted.
    const dynamics = await bench.connections.dynamics('Sandbox')
    const vehicleRows: Record<string, unknown>[] = []
    for await (const row of dynamics.records('new_vehicle', { select: ['new_vehicleid', '_new_contactid_value'] })) vehicleRows.push(row)
    const synced = new Set<string>()
    for await (const row of campaign.records('cusVehicle', { pageSize: 200 })) synced.add(String(row.externalId))
    const linked = vehicleRows.filter((v) => synced.has(String(v.new_vehicleid)))
    const owners = [...new Set(linked.map((v) => String(v._new_contactid_value)))]
    const moved = linked.find((v) => v._new_contactid_value !== owners[0])!
    bench.sandbox.dynamics.touch('new_vehicle', String(moved.new_vehicleid), { new_contactid: { id: owners[0], table: 'contact' } })
    bench.sandbox.dynamics.remove('new_vehicle', String(linked.find((v) => v !== moved)!.new_vehicleid))
    const incremental = await service.run(document, { flowIds: ['vehicles'] })
    expect(incremental.flows[0].counts).toMatchObject({ read: 2, updated: 1, deleted: 1, failed: 0 })
    const after = await campaign.findByFilter('cusVehicle', 'byExternalId', { externalId_parameter: String(moved.new_vehicleid) })
    expect(after[0].profileExternalId).toBe(owners[0])
  })
})
