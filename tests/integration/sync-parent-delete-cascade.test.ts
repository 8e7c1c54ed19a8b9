import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import type { PlanEntry } from '../../src/main/sync/runner'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Deleting a Dynamics contact deletes its Campaign profile, and Campaign deletes the profile's
 * custom-resource rows with it (docs/sandbox-campaign.md). The contacts flow says so, in its
 * plan and in its run, with the counts that vanish; the child flows no longer take those rows
 * for synced; and a child touched after its parent's delete fails on its parent in the plan
 * and in the run alike — nothing orphaned is written to Campaign (docs/sync.md, "Deleting a parent").
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function example(): Promise<MappingDocument> {
  return JSON.parse(await readFile(join(__dirname, '../../examples/custom-tables.mapping.json'), 'utf8'))
}

async function keysOf(bench: SyncBench, resource: string): Promise<Set<string>> {
  const campaign = await bench.connections.campaign('Sandbox')
  const out = new Set<string>()
  for await (const row of campaign.records(resource, { pageSize: 500 })) out.add(String(row.externalId))
  return out
}

async function childrenByContact(bench: SyncBench, table: string, columns: string[]): Promise<Map<string, Record<string, unknown>[]>> {
  const dynamics = await bench.connections.dynamics('Sandbox')
  const out = new Map<string, Record<string, unknown>[]>()
  for await (const row of dynamics.records(table, { select: [...columns, '_new_contactid_value'] })) {
    const parent = row._new_contactid_value
    if (typeof parent === 'string' && parent) out.set(parent, [...(out.get(parent) ?? []), row])
  }
  return out
}

/** The three flows loaded; the contact with the most synced children (at least two vehicles and a registration). */
async function loaded() {
  bench = await syncBench({ contacts: 80, profiles: 0 })
  const document = await example()
  const service = bench.service()
  const initial = await service.run(document)
  expect(initial.flows.map((f) => f.status)).toEqual(['completed', 'completed', 'completed'])

  // The contact with the most synced vehicles and registrations (at least two vehicles and a registration).
  const vehiclesBefore = await keysOf(bench, 'cusVehicle')
  const registrationsBefore = await keysOf(bench, 'cusEventRegistration')
  const vehicles = await childrenByContact(bench, 'new_vehicle', ['new_vehicleid', 'new_name', 'new_year'])
  const registrations = await childrenByContact(bench, 'new_eventregistration', ['new_eventregistrationid', 'new_registrationstatus'])
  const synced = (rows: Record<string, unknown>[] | undefined, id: string, keys: Set<string>) =>
    (rows ?? []).filter((r) => keys.has(String(r[id])))
  const candidates = [...vehicles.keys()]
    .map((contact) => ({
      contact,
      vehicles: synced(vehicles.get(contact), 'new_vehicleid', vehiclesBefore),
      registrations: synced(registrations.get(contact), 'new_eventregistrationid', registrationsBefore)
    }))
    .filter((c) => c.vehicles.length >= 2 && c.registrations.length >= 1)
    .sort((a, b) => b.vehicles.length + b.registrations.length - a.vehicles.length - a.registrations.length)
  expect(candidates.length).toBeGreaterThan(0)
  return { document, service, initial, victim: candidates[0], vehiclesBefore, registrationsBefore }
}

/** `loaded()`, then that contact deleted in Dynamics, planned and run. */
async function deleteParent() {
  const state = await loaded()
  bench!.sandbox.dynamics.remove('contact', state.victim.contact)
  const plan = await state.service.plan(state.document, { planLimit: 10_000 })
  const run = await state.service.run(state.document)
  return { ...state, plan, run }
}

/** Touches the contact's children in Dynamics, plans then runs; asserts the plan is the run for them: parentMissing, nothing written. Returns the plan's entries by key. */
async function touchChildren(
  state: Awaited<ReturnType<typeof loaded>>,
  options: { flowIds?: string[]; unchangedToo: boolean }
): Promise<Map<string, PlanEntry>> {
  const { flowIds } = options
  const { document, service, victim } = state
  // A vehicle with a changed field, a vehicle with the same values (its payload equals what was last sent), a registration.
  const [changedVehicle, sameVehicle] = victim.vehicles.map((v) => String(v.new_vehicleid))
  const registration = String(victim.registrations[0].new_eventregistrationid)
  bench!.sandbox.dynamics.touch('new_vehicle', changedVehicle, { new_year: Number(victim.vehicles[0].new_year ?? 2000) + 1 })
  bench!.sandbox.dynamics.touch('new_vehicle', sameVehicle, { new_name: victim.vehicles[1].new_name })
  bench!.sandbox.dynamics.touch('new_eventregistration', registration, {
    // Another status than its own: its payload changes.
    new_registrationstatus: victim.registrations[0].new_registrationstatus === 100000003 ? 100000001 : 100000003
  })

  const plan = await service.plan(document, { planLimit: 10_000, ...(flowIds ? { flowIds } : {}) })
  const planned = new Map<string, PlanEntry>()
  for (const flow of plan.flows) for (const entry of flow.plan?.entries ?? []) if (entry.key) planned.set(entry.key, entry)
  const run = await service.run(document, flowIds ? { flowIds } : {})
  const failed = new Map<string, { code: string; message: string }>()
  for (const flow of run.flows) if (flow.runId) for (const e of await service.errors(flow.runId)) if (e.key) failed.set(e.key, e)

  for (const key of options.unchangedToo ? [changedVehicle, sameVehicle, registration] : [changedVehicle, registration]) {
    const entry = planned.get(key)
    expect(entry?.action, key).toBe('error')
    expect(entry && 'code' in entry ? entry.code : undefined, key).toBe('parentMissing')
    expect(failed.get(key)?.code, key).toBe('parentMissing')
    expect(failed.get(key)?.message, key).toMatch(/no Campaign profile has the Dynamics id/)
  }
  for (const flowId of ['vehicles', 'registrations']) {
    const p = plan.flows.find((f) => f.flowId === flowId)!.counts
    const r = run.flows.find((f) => f.flowId === flowId)!.counts
    expect({ read: r.read, created: r.created, updated: r.updated, unchanged: r.unchanged, failed: r.failed }, flowId).toEqual({
      read: p.read,
      created: p.created,
      updated: p.updated,
      unchanged: p.unchanged,
      failed: p.failed
    })
  }
  // Nothing was written for them: no orphan in Campaign, not even a hidden one.
  expect(bench!.sandbox.campaign.hasKey('cusVehicle', changedVehicle)).toBe(false)
  if (options.unchangedToo) expect(bench!.sandbox.campaign.hasKey('cusVehicle', sameVehicle)).toBe(false)
  expect(bench!.sandbox.campaign.hasKey('cusEventRegistration', registration)).toBe(false)
  return planned
}

describe("a parent's delete and the rows Campaign deletes with it", () => {
  it('are counted, before the delete, in the plan and in the run: the counts that vanish from Campaign', async () => {
    const { victim, vehiclesBefore, registrationsBefore, plan, run } = await deleteParent()
    const plannedContacts = plan.flows.find((f) => f.flowId === 'contacts')!
    const ranContacts = run.flows.find((f) => f.flowId === 'contacts')!
    expect(plannedContacts.counts.deleted).toBe(1)
    expect(ranContacts.counts.deleted).toBe(1)

    // What vanished from Campaign with the profile (hidden rows included) …
    const vehiclesGone = [...vehiclesBefore].filter((k) => !bench!.sandbox.campaign.hasKey('cusVehicle', k))
    const registrationsGone = [...registrationsBefore].filter((k) => !bench!.sandbox.campaign.hasKey('cusEventRegistration', k))
    expect(vehiclesGone.sort()).toEqual(victim.vehicles.map((v) => String(v.new_vehicleid)).sort())
    expect(registrationsGone.sort()).toEqual(victim.registrations.map((r) => String(r.new_eventregistrationid)).sort())
    // … is what the plan said would go, and what the run says went.
    const counts = `${vehiclesGone.length} cusVehicle and ${registrationsGone.length} cusEventRegistration row(s)`
    expect(plannedContacts.summary ?? []).toEqual([expect.stringContaining(`Campaign would also delete ${counts}`)])
    expect(ranContacts.summary ?? []).toEqual([expect.stringContaining(`Campaign also deleted ${counts}`)])
  })

  it('are counted by a mapping that syncs no custom resource, too: its plan and run say what else Campaign deletes', async () => {
    const { victim, document, service, vehiclesBefore, registrationsBefore } = await loaded()
    // Only the contacts flow: another mapping (this document's other flows) syncs the vehicles and registrations.
    const contactsOnly: MappingDocument = { ...document, flows: document.flows.filter((f) => f.id === 'contacts') }
    bench!.sandbox.dynamics.remove('contact', victim.contact)
    const plan = await service.plan(contactsOnly)
    const run = await service.run(contactsOnly)
    const vehiclesGone = [...vehiclesBefore].filter((k) => !bench!.sandbox.campaign.hasKey('cusVehicle', k)).length
    const registrationsGone = [...registrationsBefore].filter((k) => !bench!.sandbox.campaign.hasKey('cusEventRegistration', k)).length
    expect(vehiclesGone).toBe(victim.vehicles.length)
    const counts = `${registrationsGone} cusEventRegistration and ${vehiclesGone} cusVehicle row(s)`
    expect(plan.flows[0].summary ?? []).toEqual([
      expect.stringContaining(`Campaign would also delete ${counts} linked to the profile(s) deleted, which no flow of this mapping syncs`)
    ])
    expect(run.flows[0].summary ?? []).toEqual([
      expect.stringContaining(`Campaign also deleted ${counts} linked to the profile(s) deleted, which no flow of this mapping syncs`)
    ])
  })

  it('a child touched after its parent was deleted fails on its parent in the plan and the run alike, and no orphan is written', async () => {
    await touchChildren(await deleteParent(), { unchangedToo: true })
  })

  it("a parent's delete and its children's edits in the same run: the plan fails the children on the planned delete, as the run does", async () => {
    const state = await loaded()
    // The contact deleted and its children edited before one plan and one run of all three flows:
    // the plan's contacts flow deletes the profile (Campaign takes its rows), then the child flows
    // find no row and no profile — the run's order, in the plan.
    bench!.sandbox.dynamics.remove('contact', state.victim.contact)
    const planned = await touchChildren(state, { unchangedToo: true })
    // The plan says why: the parent flow's delete, earlier in the same run.
    const children = [...planned.values()].filter((e) => e.action === 'error')
    expect(children.length).toBe(3)
    for (const e of children) expect(e.action === 'error' && e.reason).toMatch(/once flow "contacts" has deleted it, earlier in this run/)
    const plan = await state.service.plan(state.document, { planLimit: 10_000 })
    expect(plan.flows.map((f) => f.counts.failed)).toEqual([0, 0, 0]) // the run's failures are not planned again
  })

  /** `loaded()` with the contacts flow deleting the profiles that leave its filter; the victim deactivated and synced (its rows go with its profile). */
  async function deactivated() {
    const state = await loaded()
    const document: MappingDocument = {
      ...state.document,
      flows: state.document.flows.map((f) =>
        f.id === 'contacts' && f.kind === 'records' ? { ...f, deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } } : f
      )
    }
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 1, statuscode: 2 })
    const left = await state.service.run(document)
    expect(left.flows.find((f) => f.flowId === 'contacts')!.counts.deleted).toBe(1)
    const rows = [
      ...state.victim.vehicles.map((v) => ({ resource: 'cusVehicle', key: String(v.new_vehicleid) })),
      ...state.victim.registrations.map((r) => ({ resource: 'cusEventRegistration', key: String(r.new_eventregistrationid) }))
    ]
    for (const row of rows) expect(bench!.sandbox.campaign.hasKey(row.resource, row.key), row.key).toBe(false)
    return { ...state, document, rows }
  }

  /** Plans then runs `flowIds`: the plan's counts are the run's, per flow. */
  async function planThenRun(state: Awaited<ReturnType<typeof loaded>>, document: MappingDocument, flowIds?: string[]) {
    const plan = await state.service.plan(document, { planLimit: 10_000, ...(flowIds ? { flowIds } : {}) })
    const run = await state.service.run(document, flowIds ? { flowIds } : {})
    for (const flow of run.flows) {
      const planned = plan.flows.find((f) => f.flowId === flow.flowId)!.counts
      const { read, created, updated, unchanged, failed, deleted } = flow.counts
      expect({ read, created, updated, unchanged, failed, deleted }, flow.flowId).toEqual({
        read: planned.read,
        created: planned.created,
        updated: planned.updated,
        unchanged: planned.unchanged,
        failed: planned.failed,
        deleted: planned.deleted
      })
    }
    return run
  }

  it('a parent that comes back brings its rows back: the child flows read them again in the same run, planned as run', async () => {
    const state = await deactivated()
    // The contact is active again; its vehicles and registrations are not edited in Dynamics.
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 0, statuscode: 1 })
    const back = await planThenRun(state, state.document)
    expect(back.flows.find((f) => f.flowId === 'contacts')!.counts.created).toBe(1)
    expect(back.flows.find((f) => f.flowId === 'vehicles')!.counts.created).toBe(state.victim.vehicles.length)
    expect(back.flows.find((f) => f.flowId === 'registrations')!.counts.created).toBe(state.victim.registrations.length)
    for (const row of state.rows) expect(bench!.sandbox.campaign.hasKey(row.resource, row.key), row.key).toBe(true)
    // Read once: the next run has nothing of them to read.
    const after = await state.service.run(state.document)
    expect(after.flows.map((f) => f.counts.read)).toEqual([0, 0, 0])
  })

  it('… and in a later run of the child flows alone, when the parent came back in a run of its own flow', async () => {
    const state = await deactivated()
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 0, statuscode: 1 })
    await planThenRun(state, state.document, ['contacts'])
    for (const row of state.rows) expect(bench!.sandbox.campaign.hasKey(row.resource, row.key), row.key).toBe(false)
    const children = await planThenRun(state, state.document, ['vehicles', 'registrations'])
    expect(children.flows.map((f) => f.counts.created)).toEqual([state.victim.vehicles.length, state.victim.registrations.length])
    for (const row of state.rows) expect(bench!.sandbox.campaign.hasKey(row.resource, row.key), row.key).toBe(true)
  })

  it('a row read back while its parent is gone again waits for it again, and comes back with it', async () => {
    const state = await deactivated()
    const contact = state.victim.contact
    // Back in a run of its own flow, deleted again before the child flows ran, then the child flows alone.
    bench!.sandbox.dynamics.touch('contact', contact, { statecode: 0, statuscode: 1 })
    await planThenRun(state, state.document, ['contacts'])
    bench!.sandbox.dynamics.touch('contact', contact, { statecode: 1, statuscode: 2 })
    await planThenRun(state, state.document, ['contacts'])
    const gone = await planThenRun(state, state.document, ['vehicles', 'registrations'])
    expect(gone.flows.map((f) => f.counts.failed)).toEqual([state.victim.vehicles.length, state.victim.registrations.length])
    // Back for good: its rows with it.
    bench!.sandbox.dynamics.touch('contact', contact, { statecode: 0, statuscode: 1 })
    const back = await planThenRun(state, state.document)
    expect(back.flows.map((f) => f.counts.created)).toEqual([1, state.victim.vehicles.length, state.victim.registrations.length])
    for (const row of state.rows) expect(bench!.sandbox.campaign.hasKey(row.resource, row.key), row.key).toBe(true)
  })

  it('a row read back that also changed, or was deleted, is read once', async () => {
    const state = await deactivated()
    const [edited, removed] = state.victim.vehicles.map((v) => String(v.new_vehicleid))
    bench!.sandbox.dynamics.touch('new_vehicle', edited, { new_name: 'Edited while its owner was away' })
    bench!.sandbox.dynamics.remove('new_vehicle', removed)
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 0, statuscode: 1 })
    const back = await planThenRun(state, state.document)
    const vehicles = back.flows.find((f) => f.flowId === 'vehicles')!.counts
    expect(vehicles.read).toBe(state.victim.vehicles.length)
    expect(vehicles.sourceDeletions).toBe(1)
    expect(vehicles.created).toBe(state.victim.vehicles.length - 1)
    expect(bench!.sandbox.campaign.hasKey('cusVehicle', edited)).toBe(true)
    expect(bench!.sandbox.campaign.hasKey('cusVehicle', removed)).toBe(false)
  })

  it('a row deleted from Dynamics while it waits for its parent waits no more: the return reads only the others', async () => {
    const state = await deactivated()
    const removed = String(state.victim.vehicles[0].new_vehicleid)
    bench!.sandbox.dynamics.remove('new_vehicle', removed)
    const meanwhile = await planThenRun(state, state.document, ['vehicles'])
    expect(meanwhile.flows[0].counts.sourceDeletions).toBe(1)
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 0, statuscode: 1 })
    const back = await planThenRun(state, state.document)
    const vehicles = back.flows.find((f) => f.flowId === 'vehicles')!.counts
    expect({ read: vehicles.read, created: vehicles.created, sourceDeletions: vehicles.sourceDeletions }).toEqual({
      read: state.victim.vehicles.length - 1,
      created: state.victim.vehicles.length - 1,
      sourceDeletions: 0
    })
  })

  it('a parent created by a retry of its failed records brings its rows back too', async () => {
    const state = await deactivated()
    // Back, but with an address Campaign refuses: its create fails; fixed, then retried.
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { statecode: 0, statuscode: 1, emailaddress1: 'not an address' })
    const failed = await state.service.run(state.document, { flowIds: ['contacts'] })
    const contacts = failed.flows[0]
    expect(contacts.counts.failed).toBe(1)
    bench!.sandbox.dynamics.touch('contact', state.victim.contact, { emailaddress1: 'back.again@contoso.com' })
    const retried = await state.service.retryFailed(state.document, contacts.runId!)
    expect(retried.flows[0].counts.created).toBe(1)
    const children = await planThenRun(state, state.document, ['vehicles', 'registrations'])
    expect(children.flows.map((f) => f.counts.created)).toEqual([state.victim.vehicles.length, state.victim.registrations.length])
  })

  it('rows Campaign deleted with a profile are no longer counted as kept in step by their flow (the guard counts from fewer)', async () => {
    const state = await deactivated()
    const v = state.initial.flows.find((f) => f.flowId === 'vehicles')!.counts
    const managedBefore = v.created + v.updated + v.unchanged + v.failed + v.unknown
    // Another contact with synced vehicles leaves the filter: the plan's guard says how many vehicles the flow keeps in step.
    const vehicles = await childrenByContact(bench!, 'new_vehicle', ['new_vehicleid'])
    const other = [...vehicles.keys()].find(
      (c) => c !== state.victim.contact && (vehicles.get(c) ?? []).some((r) => state.vehiclesBefore.has(String(r.new_vehicleid)))
    )!
    bench!.sandbox.dynamics.touch('contact', other, { statecode: 1, statuscode: 2 })
    const plan = await state.service.plan(state.document, { flowIds: ['contacts'] })
    const counted = plan.flows[0].deleteGuard?.cascaded?.find((c) => c.resource === 'cusVehicle')
    expect(counted?.managed).toBe(managedBefore - state.victim.vehicles.length)
  })

  it('the delete guard counts the rows Campaign deletes with the profiles: a few contacts with many vehicles need a confirmation, planned alike', async () => {
    const state = await loaded()
    const document: MappingDocument = {
      ...state.document,
      flows: state.document.flows.map((f) =>
        f.id === 'contacts' && f.kind === 'records' ? { ...f, deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } } : f
      )
    }
    // The rows the vehicles flow keeps in step: what its first run found (written or failed).
    const v = state.initial.flows.find((f) => f.flowId === 'vehicles')!.counts
    const managed = v.created + v.updated + v.unchanged + v.failed + v.unknown
    // The contacts with the most synced vehicles, until their vehicles are more than 10 % of those managed —
    // while the contacts themselves stay within the guard (at most 10 % of the profiles).
    const vehicles = await childrenByContact(bench!, 'new_vehicle', ['new_vehicleid'])
    const synced = (contact: string) =>
      (vehicles.get(contact) ?? []).filter((v) => state.vehiclesBefore.has(String(v.new_vehicleid))).length
    const ranked = [...vehicles.keys()].sort((a, b) => synced(b) - synced(a))
    const chosen: string[] = []
    let rows = 0
    while (rows <= managed * 0.1) rows += synced(ranked[chosen.push(ranked[chosen.length]) - 1])
    let profiles = 0
    for await (const _ of (await bench!.connections.campaign('Sandbox')).records('profile', { pageSize: 500 })) profiles++
    expect(chosen.length).toBeLessThanOrEqual(profiles * 0.1)
    for (const contact of chosen) bench!.sandbox.dynamics.touch('contact', contact, { statecode: 1, statuscode: 2 })

    const plan = await state.service.plan(document, { flowIds: ['contacts'] })
    const run = await state.service.run(document, { flowIds: ['contacts'] })
    for (const result of [plan, run]) {
      const guard = result.flows[0].deleteGuard!
      expect(guard.verdict).toBe('confirm')
      expect(guard.deletes).toBe(chosen.length)
      expect(guard.cascaded?.find((c) => c.resource === 'cusVehicle')).toMatchObject({
        flowId: 'vehicles',
        rows,
        managed
      })
      expect(guard.reason).toMatch(
        new RegExp(
          `the target would also delete ${rows} cusVehicle row\\(s\\) linked to them \\(flow "vehicles"\\) — more than 10% of the ${managed} rows`
        )
      )
    }
    expect(run.flows[0].status).toBe('failed')
    expect(await keysOf(bench!, 'cusVehicle')).toEqual(state.vehiclesBefore)
    // With the child flows: the run stops at the contacts and runs none after them; the plan plans none either.
    const planAll = await state.service.plan(document)
    const runAll = await state.service.run(document)
    for (const result of [planAll, runAll]) expect(result.flows.map((f) => f.status).slice(1)).toEqual(['skipped', 'skipped'])
    expect(planAll.flows[1].notices[0]).toMatch(/not planned: the run stops at flow "contacts" before its deletes until you confirm them/)
    // Confirmed: the deletes and what Campaign takes with them go ahead.
    const confirmed = await state.service.run(document, { flowIds: ['contacts'], allowDeletes: { contacts: chosen.length } })
    expect(confirmed.flows[0].status).toBe('completed')
    expect(confirmed.flows[0].counts.deleted).toBe(chosen.length)
    expect((await keysOf(bench!, 'cusVehicle')).size).toBe(state.vehiclesBefore.size - rows)
  })

  it('so does a child whose profile a Campaign user deleted (no delete of ours): the update by key finds it gone and checks its parent', async () => {
    const state = await loaded()
    const campaign = await bench!.connections.campaign('Sandbox')
    const profile = await campaign.findProfileByKey(state.victim.contact)
    expect(await campaign.delete(String(profile!.href))).toEqual({ deleted: true })
    // Only the children's flows. Nothing of ours saw the delete, so what they last sent still says
    // their rows are in Campaign: a child touched with the same values stays "unchanged" in the
    // plan and the run alike (a full run finds it) — the changed ones are sent by key, and fail on their parent.
    await touchChildren(state, { flowIds: ['vehicles', 'registrations'], unchangedToo: false })
  })
})
