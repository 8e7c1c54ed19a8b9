import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import { vehicleDefinition, type CustomResourceDefinition } from '../../src/main/sandbox/campaign/custom-resources'
import { str } from '../../src/main/sandbox/campaign/resources'
import { recordsFlowParts } from '../../src/main/sync/flows/records-flow'
import { SyncJournal } from '../../src/main/sync/journal'
import { runFlow, type PlanEntry, type RunResult } from '../../src/main/sync/runner'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { vehiclesFlow } from '../support/sync-flows'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A write Campaign itself refuses — not one our target rules stop before sending — must not
 * leave a digest saying "Campaign holds this" (sent-payloads.ts): the next incremental run that
 * reads the record sends it again (and fails again while the data is wrong), and sends the fix.
 *
 * The refusal is the one a real instance gives when an identification key other than the match
 * key is taken: the vehicles resource is published with VIN as a second identification key
 * (unique), and a vehicle typed into Campaign by hand already holds a VIN. Campaign answers the
 * PostgreSQL duplicate-key error (PGS-220000); nothing in the metadata lets a dry run foresee it
 * (docs/validation.md, "Decided by Campaign"), so the plan says "update"/"create" there and
 * agrees with the run everywhere else.
 */
const profileKeyField = 'cusDynamicsContactId'
const base = vehicleDefinition(profileKeyField)
const vehicleWithVinKey: CustomResourceDefinition = {
  ...base,
  fields: base.fields.map((f) => (f.name === 'vin' ? str('vin', 'VIN', 17, { key: true }) : f)),
  // Owner optional (0..1): a 1-cardinality vehicle without its profile is hidden from lists, which is not what this test is about.
  profileLink: { name: 'vehicleOwner', label: 'Vehicle owner', join: 'pkey', cardinality: '0..1' }
}

/** Vehicles → cusVehicle by the Dynamics id, VIN and name mapped (no link: the owner is not what this test is about). */
const { links: _owner, ...unlinked } = vehiclesFlow
const vehicles: RecordsFlow = { ...unlinked, fields: vehiclesFlow.fields.filter((f) => f.target === 'vin' || f.target === 'vehicleName') }

/** A VIN a vehicle typed into Campaign holds (Campaign's VIN field is 17 characters). */
const takenVin = 'VINTYPEDBYHAND001'

let bench: SyncBench
let campaign: CampaignConnector
let folder: string
let journal: SyncJournal
/** A vehicle synced (with a digest) whose VIN is then changed to the taken one: a refused PATCH. */
let synced: string
/** A vehicle whose VIN is the taken one before the first load: a refused create, never a digest. */
let neverSent: string

interface Ran {
  result: RunResult
  /** Campaign calls the sandbox received during the run. */
  campaign: number
  plan: Map<string, PlanEntry>
  calls: Record<string, number>
}

async function run(options: { full?: boolean; dryRun?: boolean } = {}): Promise<Ran> {
  const parts = await recordsFlowParts({
    flow: vehicles,
    dynamics: await bench.connections.dynamics('Sandbox'),
    campaign,
    full: options.full ?? false,
    pageSize: 10
  })
  const plan = new Map<string, PlanEntry>()
  const before = bench.sandbox.requests().campaign
  const result = await runFlow({
    flow: options.full ? { ...vehicles, sync: { mode: 'full' } } : vehicles,
    source: parts.source,
    sink: parts.sink,
    transform: parts.transform,
    journal,
    dryRun: options.dryRun,
    onPlan: (entry) => plan.set(entry.key!, entry),
    retryPasses: 0
  })
  return { result, campaign: bench.sandbox.requests().campaign - before, plan, calls: parts.sink.calls }
}

/** The last line recorded for a key in the flow's sent-payload file (`<journal>/sent/*.tsv`): its digests, '-' (forgotten) or undefined. */
async function sentLine(key: string): Promise<string | undefined> {
  const dir = join(journal.root, 'sent')
  let last: string | undefined
  for (const name of await readdir(dir)) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      if (line.startsWith(`${key}\t`)) last = line.slice(key.length + 1)
    }
  }
  return last
}

async function vehicleIn(key: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await campaign.get(`profileAndServicesExt/cusVehicle/${encodeURIComponent(key)}`)
  } catch {
    return undefined
  }
}

beforeAll(async () => {
  bench = await syncBench({ contacts: 40, profiles: 0, campaignResources: [vehicleWithVinKey] })
  campaign = await bench.connections.campaign('Sandbox')
  folder = await mkdtemp(join(tmpdir(), 'incremental-refused-'))
  journal = await SyncJournal.open(join(folder, 'journal'))
  synced = bench.sandbox.dynamics.idOf('new_vehicle', 1)
  neverSent = bench.sandbox.dynamics.idOf('new_vehicle', 2)
  // Someone typed a vehicle into Campaign by hand; a Dynamics vehicle carries its VIN by mistake.
  await campaign.create('cusVehicle', { externalId: 'typed-in-campaign', vin: takenVin, vehicleName: 'Typed by hand' })
  bench.sandbox.dynamics.touch('new_vehicle', neverSent, { new_vin: takenVin })
  const load = await run({ full: true })
  expect(load.result.status).toBe('completed')
  expect(load.result.counts.failed).toBe(1)
  expect(load.result.counts.created).toBe(load.result.counts.read - 1)
})
afterAll(async () => {
  await bench?.close()
  if (folder) await rm(folder, { recursive: true, force: true })
})

describe('a write Campaign refuses leaves no digest, so the next run sends it again', () => {
  it('a create Campaign refused on the first load is never recorded as sent', async () => {
    expect(await vehicleIn(neverSent)).toBeUndefined()
    expect(await sentLine(neverSent)).toBe('-')
    expect(await sentLine(synced)).toMatch(/^[\w-]{24,}$/) // the field names' digest and one per field
  })

  it('a PATCH by key Campaign refuses drops the digest of what it had', async () => {
    bench.sandbox.dynamics.touch('new_vehicle', synced, { new_vin: takenVin })
    const plan = await run({ dryRun: true })
    const ran = await run()
    // The dry run cannot see another record's VIN: "update" — the one thing only Campaign decides.
    expect(plan.result.counts).toMatchObject({ read: 1, updated: 1, failed: 0 })
    expect(plan.plan.get(synced)?.action).toBe('update')
    expect(ran.result.counts).toMatchObject({ read: 1, updated: 0, unchanged: 0, failed: 1 })
    // Sent by key without a lookup (the digest said the VIN changed), and refused by Campaign itself.
    expect(ran.calls).toMatchObject({ updateByKey: 1, lookup: 0 })
    expect(ran.campaign).toBe(1) // the PATCH
    const refused = [...(await journal.failures(ran.result.runId)).values()].map((f) => f.item)
    expect(refused).toMatchObject([{ k: synced, stage: 'write', op: 'update', retryable: false }])
    expect(refused[0].message).toMatch(/duplicate key.*PGS-220000|PGS-220000.*duplicate key/)
    expect(await sentLine(synced)).toBe('-')
    expect((await vehicleIn(synced))?.vin).not.toBe(takenVin)
  })

  it('read again with the same refused payload, the record is sent again (not "unchanged") and refused again', async () => {
    for (const key of [synced, neverSent]) bench.sandbox.dynamics.touch('new_vehicle', key, { new_price: 12_345 }) // not mapped
    const plan = await run({ dryRun: true })
    const ran = await run()
    expect(plan.plan.get(synced)?.action).toBe('update')
    expect(plan.plan.get(neverSent)?.action).toBe('create')
    expect(plan.result.counts).toMatchObject({ read: 2, updated: 1, created: 1, unchanged: 0 })
    expect(ran.result.counts).toMatchObject({ read: 2, updated: 0, created: 0, unchanged: 0, failed: 2 })
    expect(await sentLine(synced)).toBe('-')
    expect(await sentLine(neverSent)).toBe('-')
  })

  it('once the data is fixed, the dry run and the run agree and the fix lands with its digest', async () => {
    bench.sandbox.dynamics.touch('new_vehicle', synced, { new_vin: 'VINFIXEDSYNCED001' })
    bench.sandbox.dynamics.touch('new_vehicle', neverSent, { new_vin: 'VINFIXEDNEWONE002' })
    const plan = await run({ dryRun: true })
    const ran = await run()
    expect(ran.result.counts).toMatchObject({ read: 2, updated: 1, created: 1, failed: 0 })
    expect(plan.result.counts).toEqual(ran.result.counts)
    expect([...plan.plan.values()].map((e) => [e.key, e.action]).sort()).toEqual(
      [
        [synced, 'update'],
        [neverSent, 'create']
      ].sort()
    )
    expect((await vehicleIn(synced))?.vin).toBe('VINFIXEDSYNCED001')
    expect((await vehicleIn(neverSent))?.vin).toBe('VINFIXEDNEWONE002')
    expect(await sentLine(synced)).toMatch(/^[\w-]{24,}$/)
    expect(await sentLine(neverSent)).toMatch(/^[\w-]{24,}$/)

    // And now that Campaign holds them, reading them again costs nothing.
    for (const key of [synced, neverSent]) bench.sandbox.dynamics.touch('new_vehicle', key, { new_price: 99_000 })
    const quiet = await run()
    expect(quiet.result.counts).toMatchObject({ read: 2, unchanged: 2, failed: 0 })
    expect(quiet.campaign).toBe(0)
  })
})
