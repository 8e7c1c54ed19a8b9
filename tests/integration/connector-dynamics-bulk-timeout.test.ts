import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsConnector, type WriteOperation } from '../../src/main/connectors/dynamics/connector'
import type { HttpEvent } from '../../src/main/connectors/http/client'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { ActivitySink } from '../../src/main/sync/flows/activity-sink'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * Bulk writes that outlive their timeout, over real HTTP against a slow sandbox. Bulk
 * messages and $batch get a longer timeout than reads (Microsoft's ServiceClient waits 4
 * minutes: https://learn.microsoft.com/dotnet/api/microsoft.powerplatform.dataverse.client.serviceclient.maxconnectiontimeout);
 * one that gets no answer is not sent again — the service may still be writing it — and its
 * records' outcomes are unknown, not failed: nothing twice, nothing reported lost that landed.
 */
let local: LocalDataverseServer
let token: string
const events: HttpEvent[] = []

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 19, contacts: 20 })
  token = await local.accessToken()
})
afterEach(() => {
  local.sandbox.faults.update({ latencyMs: 0 })
  events.length = 0
})
afterAll(() => local.close())

async function connector(options: { timeoutMs?: number; bulkTimeoutMs?: number }) {
  const dynamics = new DynamicsConnector({
    environmentUrl: local.baseUrl,
    tokenProvider: new StaticTokenProvider(token),
    retry: { baseDelayMs: 10, maxDelayMs: 20 },
    onEvent: (event) => events.push(event),
    ...options
  })
  await dynamics.tableSchema('new_vehicle') // metadata read before the service slows down
  return dynamics
}

async function rowsWithVin(dynamics: DynamicsConnector, prefix: string): Promise<string[]> {
  const page = await dynamics.getJson<{ value: Array<{ new_vin: string }> }>(
    `new_vehicles?$select=new_vin&$filter=${encodeURIComponent(`startswith(new_vin,'${prefix}')`)}`
  )
  return page.value.map((row) => row.new_vin).sort()
}

const vins = (prefix: string) => [1, 2, 3].map((n) => `${prefix}-${n}`)
/** Three vehicles to create, one per VIN. */
const creates = (prefix: string): WriteOperation[] =>
  vins(prefix).map((vin) => ({ kind: 'create', table: 'new_vehicle', record: { new_vin: vin, new_name: vin } }))
const settle = () => new Promise((resolve) => setTimeout(resolve, 900))

describe('bulk writes and timeouts', () => {
  it('a bulk write slower than the read timeout still lands: bulk messages wait longer', async () => {
    const dynamics = await connector({ timeoutMs: 200 })
    local.sandbox.faults.update({ latencyMs: 500 })
    const outcomes = await dynamics.writeMany(creates('SLOW'))
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true])
    expect(events.filter((e) => e.type === 'retry')).toEqual([])
    local.sandbox.faults.update({ latencyMs: 0 })
    expect(await rowsWithVin(dynamics, 'SLOW')).toEqual(vins('SLOW'))
  })

  it('a CreateMultiple with no answer is sent once; its records are "unknown", and they do land once', async () => {
    const dynamics = await connector({ bulkTimeoutMs: 200 })
    local.sandbox.faults.update({ latencyMs: 500 })
    const outcomes = await dynamics.writeMany(creates('CM'))
    expect(outcomes.map((o) => [o.ok, o.unknown])).toEqual([
      [false, true],
      [false, true],
      [false, true]
    ])
    expect(outcomes[0].error).toMatchObject({ kind: 'timeout', hint: expect.stringContaining('looked up by its key') })
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 0 })
    local.sandbox.faults.update({ latencyMs: 0 })
    await settle()
    expect(await rowsWithVin(dynamics, 'CM')).toEqual(vins('CM'))
  })

  it('an UpsertMultiple with no answer is neither resent nor retried as $batch while the first may still run', async () => {
    const dynamics = await connector({ bulkTimeoutMs: 200 })
    local.sandbox.faults.update({ latencyMs: 500 })
    const ops: WriteOperation[] = vins('UM').map((vin) => ({
      kind: 'upsert',
      table: 'new_vehicle',
      key: { new_vin: vin },
      record: { new_name: vin }
    }))
    const outcomes = await dynamics.writeMany(ops)
    expect(outcomes.every((o) => !o.ok && o.unknown)).toBe(true)
    expect(events.filter((e) => e.type === 'retry')).toEqual([])
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 0 })
    local.sandbox.faults.update({ latencyMs: 0 })
    await settle()
    expect(await rowsWithVin(dynamics, 'UM')).toEqual(vins('UM'))
  })

  it('a $batch with no answer is not resent either', async () => {
    const dynamics = await connector({ bulkTimeoutMs: 200 })
    const [id] = (await dynamics.writeMany([{ kind: 'create', table: 'new_vehicle', record: { new_vin: 'DEL-1' } }])).map((o) => o.id!)
    local.sandbox.faults.update({ latencyMs: 500 })
    const outcomes = await dynamics.writeMany([{ kind: 'delete', table: 'new_vehicle', key: id }])
    expect(outcomes).toEqual([expect.objectContaining({ ok: false, unknown: true })])
    expect(events.filter((e) => e.type === 'retry')).toEqual([])
  })

  it('the events sink reports such records "unknown" (not failed), not retried in the run; a look-up by key then finds them', async () => {
    const dynamics = await connector({ bulkTimeoutMs: 200 })
    await dynamics.tableSchema('new_emailsend')
    const sink = new ActivitySink({ connector: dynamics, table: 'new_emailsend', keyColumn: 'new_externaleventid', columns: ['subject'] })
    const contact = local.sandbox.idOf('contact', 0)
    // A first write learns that the activity table has no UpsertMultiple: $batch from then on.
    await sink.write(
      [{ op: 'create', key: 'EV-0', record: { subject: 'EV-0', _regardingobjectid_value: contact } }],
      new AbortController().signal
    )
    local.sandbox.faults.update({ latencyMs: 500 })
    const outcomes = await sink.write(
      ['EV-1', 'EV-2'].map((key) => ({ op: 'create', key, record: { subject: key, _regardingobjectid_value: contact } })),
      new AbortController().signal
    )
    expect(outcomes).toEqual(
      ['EV-1', 'EV-2'].map((key) =>
        expect.objectContaining({
          key,
          outcome: 'unknown',
          message: expect.stringContaining('may or may not be written')
        })
      )
    )
    local.sandbox.faults.update({ latencyMs: 0 })
    await settle()
    expect([...(await sink.lookup(['EV-1', 'EV-2'], new AbortController().signal)).keys()].sort()).toEqual(['EV-1', 'EV-2'])
  })
})
