import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsConnector, type WriteOperation } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { BatchedUpdates } from '../../src/main/sync/flows/contact-writes'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * The bulk operation messages (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations)
 * on the Dataverse sandbox over real HTTP, with the request and response bodies of Microsoft
 * Learn's samples (UpsertMultiple Action reference: Targets with @odata.type and an @odata.id
 * naming the alternate key), then the connector's writeMany on top of them.
 */
type Json = Record<string, any>
let local: LocalDataverseServer
let token: string

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 5, contacts: 40 })
  token = await local.accessToken()
})
afterAll(() => local.close())

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${local.sandbox.info.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      'Content-Type': 'application/json; charset=utf-8',
      'OData-MaxVersion': '4.0',
      'OData-Version': '4.0',
      'If-None-Match': 'null'
    },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json }
}

const vehicle = (vin: string, name: string) => ({
  '@odata.type': 'Microsoft.Dynamics.CRM.new_vehicle',
  new_name: name,
  '@odata.id': `new_vehicles(new_vin='${vin}')`
})

async function vehiclesNamed(name: string): Promise<Json[]> {
  return (await call('GET', `new_vehicles?$select=new_vin,new_name&$filter=new_name eq '${name}'`)).body.value
}

describe('bulk operation messages on the sandbox', () => {
  it('CreateMultiple: 200 with the new Ids, in order', async () => {
    const targets = ['Ada', 'Grace', 'Edsger'].map((firstname) => ({
      '@odata.type': 'Microsoft.Dynamics.CRM.contact',
      firstname,
      lastname: 'Bulk'
    }))
    const created = await call('POST', 'contacts/Microsoft.Dynamics.CRM.CreateMultiple', { Targets: targets })
    expect(created.status).toBe(200)
    expect(created.body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`)
    expect(created.body.Ids).toHaveLength(3)
    const read = await call('GET', `contacts(${created.body.Ids[1]})?$select=fullname`)
    expect(read.body.fullname).toBe('Grace Bulk')
  })

  it('a standard table rolls the whole message back on one error, and answers with that error', async () => {
    const before = (await call('GET', `contacts?$select=contactid&$filter=lastname eq 'Rollback'`)).body.value.length
    const refused = await call('POST', 'contacts/Microsoft.Dynamics.CRM.CreateMultiple', {
      Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.contact', firstname: 'Good', lastname: 'Rollback' },
        { firstname: 'Untyped', lastname: 'Rollback' }
      ]
    })
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toMatch(/@odata\.type/)
    expect(typeof refused.body.error.code).toBe('string')
    expect((await call('GET', `contacts?$select=contactid&$filter=lastname eq 'Rollback'`)).body.value.length).toBe(before)

    const missing = '00000000-0000-0000-0000-0000000000aa'
    const existing = local.sandbox.idOf('contact', 3)
    const update = await call('POST', 'contacts/Microsoft.Dynamics.CRM.UpdateMultiple', {
      Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: existing, lastname: 'Never' },
        { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: missing, lastname: 'Never' }
      ]
    })
    expect(update.status).toBe(404)
    expect(update.body.error.message).toBe(`contact With Ids = ${missing} Do Not Exist`)
    expect((await call('GET', `contacts(${existing})?$select=lastname`)).body.lastname).not.toBe('Never')
  })

  it('UpsertMultiple by alternate key (the published sample): 204, updates the existing row and creates the new one', async () => {
    const existingVin = (await call('GET', 'new_vehicles?$select=new_vin&$top=1')).body.value[0].new_vin as string
    const upserted = await call('POST', 'new_vehicles/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [vehicle(existingVin, 'upserted 0000001'), vehicle('NEWVIN00000000001', 'upserted 0000001')]
    })
    expect(upserted.status).toBe(204)
    const rows = await vehiclesNamed('upserted 0000001')
    expect(rows.map((r) => r.new_vin).sort()).toEqual([existingVin, 'NEWVIN00000000001'].sort())
  })

  it('an activity table has no bulk messages here: 404 on the action', async () => {
    const answer = await call('POST', 'new_emailsends/Microsoft.Dynamics.CRM.UpsertMultiple', {
      Targets: [
        { '@odata.type': 'Microsoft.Dynamics.CRM.new_emailsend', subject: 'x', '@odata.id': "new_emailsends(new_externaleventid='e1')" }
      ]
    })
    expect(answer.status).toBe(404)
    expect(answer.body.error.message).toBe("Resource not found for the segment 'Microsoft.Dynamics.CRM.UpsertMultiple'.")
  })
})

describe('DynamicsConnector.writeMany', () => {
  const connector = () =>
    new DynamicsConnector({ environmentUrl: local.baseUrl, apiUrl: local.sandbox.info.url, tokenProvider: new StaticTokenProvider(token) })
  const upsert = (vin: string, name: string): WriteOperation => ({
    kind: 'upsert',
    table: 'new_vehicle',
    key: { new_vin: vin },
    record: { new_name: name }
  })

  it('one UpsertMultiple call for a table that has it', async () => {
    const dynamics = connector()
    const ops = Array.from({ length: 30 }, (_, i) => upsert(`WM${String(i).padStart(15, '0')}`, 'writeMany one call'))
    const outcomes = await dynamics.writeMany(ops)
    expect(outcomes.every((o) => o.ok)).toBe(true)
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 0 })
    expect(await vehiclesNamed('writeMany one call')).toHaveLength(30)
  })

  it('a refused message (one bad record rolls it back) is sent again as $batch: the good records land, the bad one fails alone', async () => {
    const dynamics = connector()
    const ops = [
      upsert('WMB00000000000001', 'writeMany fallback'),
      upsert('WMB00000000000002', 'x'.repeat(101)),
      upsert('WMB00000000000003', 'writeMany fallback')
    ]
    const outcomes = await dynamics.writeMany(ops)
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true])
    expect(outcomes[1].status).toBe(400)
    expect(outcomes[1].error?.message).toMatch(/new_name/)
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 1 })
    expect((await vehiclesNamed('writeMany fallback')).map((r) => r.new_vin).sort()).toEqual(['WMB00000000000001', 'WMB00000000000003'])
  })

  it('a table without the message goes through $batch, and stops asking after the first 404', async () => {
    const dynamics = connector()
    const contact = local.sandbox.idOf('contact', 0)
    const op = (id: string): WriteOperation => ({
      kind: 'upsert',
      table: 'new_emailsend',
      key: { new_externaleventid: id },
      record: { subject: `send ${id}`, regardingobjectid: { table: 'contact', id: contact } }
    })
    expect((await dynamics.writeMany([op('wm-1'), op('wm-2')])).every((o) => o.ok)).toBe(true)
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 1 })
    expect((await dynamics.writeMany([op('wm-3')])).every((o) => o.ok)).toBe(true)
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 2 })
    const rows = (await call('GET', `new_emailsends?$select=subject&$filter=startswith(subject,'send wm-')`)).body.value
    expect(rows).toHaveLength(3)
  })
})

describe("BatchedUpdates (the opt-out flow's contact writes)", () => {
  it('updates asked for together go out as one UpdateMultiple; a missing contact fails alone, with its own error', async () => {
    const dynamics = new DynamicsConnector({
      environmentUrl: local.baseUrl,
      apiUrl: local.sandbox.info.url,
      tokenProvider: new StaticTokenProvider(token)
    })
    const updates = new BatchedUpdates(dynamics, 'contact')
    const ids = [10, 11, 12].map((i) => local.sandbox.idOf('contact', i))
    await Promise.all(ids.map((id) => updates.update(id, { donotbulkemail: true })))
    expect(updates.sent).toBe(1)
    expect(dynamics.writeCalls).toEqual({ bulk: 1, batch: 0 })
    for (const id of ids) expect((await call('GET', `contacts(${id})?$select=donotbulkemail`)).body.donotbulkemail).toBe(true)

    const missing = '00000000-0000-0000-0000-0000000000bb'
    const results = await Promise.allSettled([
      updates.update(ids[0], { donotbulkemail: false }),
      updates.update(missing, { donotbulkemail: true })
    ])
    expect(results[0].status).toBe('fulfilled')
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { kind: 'notFound' } })
    expect(updates.sent).toBe(2)
    expect(dynamics.writeCalls).toEqual({ bulk: 2, batch: 1 })
    expect((await call('GET', `contacts(${ids[0]})?$select=donotbulkemail`)).body.donotbulkemail).toBe(false)
  })
})
