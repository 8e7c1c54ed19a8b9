import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsConnector, type WriteOperation } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * Alternate-key values with / < > * % & : \ ? + cannot be used to retrieve, update or upsert
 * by key (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity).
 * The sandbox refuses them as Dataverse does; the connector finds such rows by $filter and
 * writes them by id, so no record is lost.
 */
let local: LocalDataverseServer
let dynamics: DynamicsConnector
let token: string
type Json = Record<string, unknown>

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 17, contacts: 20 })
  token = await local.accessToken()
  dynamics = new DynamicsConnector({ environmentUrl: local.baseUrl, tokenProvider: new StaticTokenProvider(token) })
})
afterAll(() => local.close())

async function vehicles(vin: string): Promise<Json[]> {
  const page = await dynamics.getJson<{ value: Json[] }>(
    `new_vehicles?$select=new_vin,new_name&$filter=${encodeURIComponent(`new_vin eq '${vin.replace(/'/g, "''")}'`)}`
  )
  return page.value
}

describe('alternate-key values with characters a key segment cannot carry', () => {
  it('the sandbox refuses them in a key-addressed request with 400, as Dataverse does', async () => {
    for (const vin of ['AB/12', 'AB&12', 'AB:12', 'AB+12', 'AB%12']) {
      const response = await fetch(`${local.sandbox.info.url}new_vehicles(new_vin='${encodeURIComponent(vin)}')`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ new_name: 'x' })
      })
      expect(response.status, vin).toBe(400)
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe('Bad Request - Error in query syntax.')
    }
    expect(await vehicles('AB/12')).toEqual([])
  })

  it('upsert creates, then updates, the row found by $filter; update and delete reach it by id', async () => {
    const first = await dynamics.upsert('new_vehicle', { new_vin: 'VIN/1:A&B' }, { new_name: 'First' })
    expect(first.created).toBe(true)
    const again = await dynamics.upsert('new_vehicle', { new_vin: 'VIN/1:A&B' }, { new_name: 'Second' })
    expect(again).toEqual({ id: first.id, created: false })
    await dynamics.update('new_vehicle', { new_vin: 'VIN/1:A&B' }, { new_name: 'Third' })
    expect(await vehicles('VIN/1:A&B')).toEqual([expect.objectContaining({ new_vin: 'VIN/1:A&B', new_name: 'Third' })])
    await expect(dynamics.update('new_vehicle', { new_vin: 'VIN/none?' }, { new_name: 'x' })).rejects.toThrow(
      'No new_vehicle row has new_vin = "VIN/none?".'
    )
    expect(await dynamics.delete('new_vehicle', { new_vin: 'VIN/1:A&B' })).toEqual({ deleted: true })
    expect(await dynamics.delete('new_vehicle', { new_vin: 'VIN/1:A&B' }, { ignoreMissing: true })).toEqual({ deleted: false })
  })

  it('writeMany: every record is written once, with plain keys alongside; a missing row to update is a 404 outcome', async () => {
    const op = (vin: string, name: string): WriteOperation => ({
      kind: 'upsert',
      table: 'new_vehicle',
      key: { new_vin: vin },
      record: { new_name: name }
    })
    const vins = ['M/1', 'M<2>', 'M*3', 'M%4', 'M&5', 'M:6', 'M\\7', 'M?8', 'M+9', 'M#10', 'PLAIN-11']
    const created = await dynamics.writeMany(vins.map((vin) => op(vin, 'one')))
    expect(created.every((o) => o.ok)).toBe(true)
    expect(created.slice(0, 10).every((o) => o.created)).toBe(true) // created by id; UpsertMultiple does not say
    const updated = await dynamics.writeMany([
      ...vins.map((vin) => op(vin, 'two')),
      { kind: 'update', table: 'new_vehicle', key: { new_vin: 'M/missing' }, record: { new_name: 'x' } }
    ])
    expect(updated.slice(0, vins.length).every((o) => o.ok)).toBe(true)
    expect(updated.slice(0, 10).map((o) => o.id)).toEqual(created.slice(0, 10).map((o) => o.id))
    expect(updated[vins.length]).toMatchObject({ ok: false, status: 404, error: { kind: 'notFound' } })
    for (const vin of vins) expect(await vehicles(vin), vin).toEqual([expect.objectContaining({ new_vin: vin, new_name: 'two' })])
  })
})
