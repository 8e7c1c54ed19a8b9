import { DynamicsWebApi } from 'dynamics-web-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * The Dataverse sandbox driven by a widely used third-party client no one here wrote:
 * dynamics-web-api (https://github.com/AleksandrRogov/DynamicsWebApi). It builds its own URLs,
 * headers, batch bodies and paging from Microsoft's documentation; every call in scope must pass.
 */
type Json = Record<string, any>
let local: LocalDataverseServer
let api: DynamicsWebApi

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 33, contacts: 240 })
  const token = await local.accessToken()
  api = new DynamicsWebApi({ serverUrl: local.baseUrl, dataApi: { version: '9.2' }, onTokenRefresh: async () => token })
})
afterAll(() => local.close())

describe('dynamics-web-api against the sandbox', () => {
  it('WhoAmI (an unbound function)', async () => {
    const who = await api.callFunction({ name: 'WhoAmI' })
    expect(who.UserId).toBe(local.sandbox.applicationUserId)
  })

  it('pages with maxPageSize and nextLink; retrieveAll reads every row; $count', async () => {
    const first = await api.retrieveMultiple({ collection: 'contacts', select: ['fullname'], maxPageSize: 100, count: true })
    expect(first.value).toHaveLength(100)
    expect(first['@odata.count'] ?? first.oDataCount).toBe(240)
    const nextLink = first['@odata.nextLink'] ?? first.oDataNextLink
    expect(nextLink).toContain('$skiptoken=')
    const second = await api.retrieveMultiple({ collection: 'contacts', select: ['fullname'], maxPageSize: 100 }, nextLink)
    expect(second.value).toHaveLength(100)
    expect(second.value[0].contactid).not.toBe(first.value[0].contactid)
    const all = await api.retrieveAll({ collection: 'contacts', select: ['fullname'], maxPageSize: 70 })
    expect(new Set(all.value.map((c: Json) => c.contactid)).size).toBe(240)
  })

  it('filters, orders and expands the way the client writes them', async () => {
    const active = await api.retrieveMultiple({
      collection: 'contacts',
      select: ['fullname', 'statecode'],
      filter: 'statecode eq 0',
      orderBy: ['fullname desc'],
      top: 20
    })
    expect(active.value.length).toBeGreaterThan(0)
    expect(active.value.every((c: Json) => c.statecode === 0)).toBe(true)
    // Descending under a case- and accent-insensitive collation.
    const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase()
    const names: string[] = active.value.map((c: Json) => fold(c.fullname ?? ''))
    expect(names).toEqual([...names].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)))
    const starts = await api.retrieveMultiple({ collection: 'contacts', select: ['lastname'], filter: "startswith(lastname,'a')" })
    expect(starts.value.every((c: Json) => /^a/i.test(c.lastname.normalize('NFD')))).toBe(true)
    const withParent = await api.retrieveMultiple({
      collection: 'contacts',
      select: ['fullname'],
      expand: [{ property: 'parentcustomerid_account', select: ['name'] }],
      filter: '_parentcustomerid_value ne null',
      top: 5
    })
    expect(withParent.value[0].parentcustomerid_account).toHaveProperty('name')
  })

  it('creates, retrieves, updates, upserts and deletes a contact', async () => {
    const id = await api.create<Json, string>({
      collection: 'contacts',
      data: { firstname: 'Web', lastname: 'Api', emailaddress1: 'web.api@example.com' }
    })
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const read = await api.retrieve({ collection: 'contacts', key: id, select: ['firstname', 'lastname', 'emailaddress1'] })
    expect(read).toMatchObject({ firstname: 'Web', lastname: 'Api', emailaddress1: 'web.api@example.com' })
    await api.update({ collection: 'contacts', key: id, data: { firstname: 'Updated' } })
    expect((await api.retrieve({ collection: 'contacts', key: id, select: ['firstname'] })).firstname).toBe('Updated')
    const represented = await api.update({
      collection: 'contacts',
      key: id,
      data: { jobtitle: 'Tester' },
      returnRepresentation: true,
      select: ['jobtitle']
    })
    expect(represented.jobtitle).toBe('Tester')
    await api.upsert({ collection: 'contacts', key: id, data: { lastname: 'Upserted' } })
    expect((await api.retrieve({ collection: 'contacts', key: id, select: ['lastname'] })).lastname).toBe('Upserted')
    await api.deleteRecord({ collection: 'contacts', key: id })
    const gone = await api.retrieve({ collection: 'contacts', key: id, select: ['lastname'] }).then(
      () => 200,
      (error: Json) => error.status
    )
    expect(gone).toBe(404)
  })

  it('sends a $batch with a change set the way the client builds it', async () => {
    api.startBatch()
    api.create({ collection: 'contacts', data: { lastname: 'Batch one' } })
    api.create({ collection: 'contacts', data: { lastname: 'Batch two' } })
    api.retrieveMultiple({ collection: 'contacts', select: ['lastname'], filter: "startswith(lastname,'Batch ')" })
    const responses = await api.executeBatch()
    expect(responses).toHaveLength(3)
    expect(responses[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(responses[1]).toMatch(/^[0-9a-f-]{36}$/)
    const found = await api.retrieveMultiple({ collection: 'contacts', select: ['lastname'], filter: "startswith(lastname,'Batch ')" })
    expect(found.value.map((c: Json) => c.lastname).sort()).toEqual(['Batch one', 'Batch two'])
  })

  it('reads table and column metadata', async () => {
    const contact = await api.retrieveEntity({
      key: "LogicalName='contact'",
      select: ['LogicalName', 'EntitySetName', 'PrimaryIdAttribute']
    })
    expect(contact).toMatchObject({ LogicalName: 'contact', EntitySetName: 'contacts', PrimaryIdAttribute: 'contactid' })
    const attributes = await api.retrieveAttributes({ entityKey: "LogicalName='contact'", select: ['LogicalName', 'AttributeType'] })
    expect(attributes.value.map((a: Json) => a.LogicalName)).toEqual(expect.arrayContaining(['fullname', 'emailaddress1', 'contactid']))
    const strings = await api.retrieveAttributes({
      entityKey: "LogicalName='contact'",
      castType: 'Microsoft.Dynamics.CRM.StringAttributeMetadata',
      select: ['LogicalName', 'MaxLength']
    })
    expect(strings.value.find((a: Json) => a.LogicalName === 'emailaddress1')?.MaxLength).toBe(100)
  })

  it('tracks changes: a delta link returns what changed since', async () => {
    const initial = await api.retrieveAll({ collection: 'contacts', select: ['lastname'], trackChanges: true })
    const deltaLink = (initial as Json)['@odata.deltaLink'] ?? initial.oDataDeltaLink
    expect(deltaLink).toContain('$deltatoken=')
    const id = await api.create<Json, string>({ collection: 'contacts', data: { lastname: 'Tracked' } })
    const changes = await api.retrieveMultiple({ collection: 'contacts' }, deltaLink)
    expect(changes.value.map((c: Json) => c.contactid)).toContain(id)
  })
})
