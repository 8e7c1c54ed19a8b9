import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

type Json = Record<string, any>
let local: LocalDataverseServer
let token: string
let clock = Date.parse('2026-06-01T12:00:00Z')

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 8, contacts: 120, deltaTokenTtlMs: 7 * 86_400_000, now: () => clock })
  token = await local.accessToken()
})
afterAll(() => local.close())

async function get(path: string, prefer?: string) {
  const response = await fetch(path.startsWith('http') ? path : `${local.sandbox.info.url}${path}`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(prefer ? { Prefer: prefer } : {}) }
  })
  return { status: response.status, body: (await response.json()) as Json, response }
}

describe('change tracking', () => {
  it('initial sync pages, then the deltaLink on the last page; deltas return changes then tombstones', async () => {
    const prefer = 'odata.track-changes,odata.maxpagesize=50'
    let page = await get('contacts?$select=fullname,emailaddress1', prefer)
    expect(page.status).toBe(200)
    expect(page.response.headers.get('preference-applied')).toContain('odata.track-changes')
    expect(page.body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname,emailaddress1)`)
    const initial: Json[] = [...page.body.value]
    while (page.body['@odata.nextLink']) {
      expect(page.body['@odata.deltaLink']).toBeUndefined()
      page = await get(page.body['@odata.nextLink'], prefer)
      initial.push(...page.body.value)
    }
    expect(initial).toHaveLength(120)
    const deltaLink: string = page.body['@odata.deltaLink']
    expect(deltaLink).toMatch(/contacts\?\$select=fullname,emailaddress1&\$deltatoken=\d+%2106%2f01%2f2026%2012%3a00%3a00$/)

    const empty = await get(deltaLink, prefer)
    expect(empty.body.value).toEqual([])
    expect(empty.body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname,emailaddress1)/$delta`)

    // A user edits one contact, creates one and deletes one; a created-then-deleted row still shows as deleted.
    const changed = local.sandbox.idOf('contact', 4)
    const deleted = local.sandbox.idOf('contact', 9)
    const created = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'
    const transient = 'aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff'
    local.sandbox.touch('contact', changed, { emailaddress1: 'new@example.com' })
    local.sandbox.touch('contact', created, { firstname: 'New', lastname: 'Person' })
    local.sandbox.touch('contact', transient, { lastname: 'Gone soon' })
    local.sandbox.remove('contact', transient)
    local.sandbox.remove('contact', deleted)

    const delta = await get(empty.body['@odata.deltaLink'], prefer)
    expect(delta.status).toBe(200)
    const value: Json[] = delta.body.value
    expect(value.slice(0, 2).map((r) => r.contactid)).toEqual([changed, created])
    expect(value[0]).toMatchObject({ emailaddress1: 'new@example.com' })
    expect(value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/)
    expect(value.slice(2)).toEqual([
      { '@odata.context': `${local.sandbox.info.url}$metadata#contacts/$deletedEntity`, id: transient, reason: 'deleted' },
      { '@odata.context': `${local.sandbox.info.url}$metadata#contacts/$deletedEntity`, id: deleted, reason: 'deleted' }
    ])
    expect(delta.body['@odata.deltaLink']).toBeTruthy()
    expect((await get(delta.body['@odata.deltaLink'], prefer)).body.value).toEqual([])
  })

  it('rejects $filter, $orderby, $expand and $top with the documented message', async () => {
    for (const [option, query] of [
      ['filter', '$filter=statecode eq 0'],
      ['orderby', '$orderby=fullname'],
      ['expand', '$expand=parentcustomerid_account'],
      ['top', '$top=5']
    ]) {
      const { status, body } = await get(`contacts?$select=fullname&${query}`, 'odata.track-changes')
      expect(status).toBe(400)
      expect(body.error.message).toBe(`The "$${option}" query parameter isn't supported when Change Tracking is enabled.`)
    }
  })

  it('only tables with ChangeTrackingEnabled can be tracked', async () => {
    const { status } = await get('transactioncurrencies?$select=currencyname', 'odata.track-changes')
    expect(status).toBe(400)
    expect((await get('new_vehicles?$select=new_name', 'odata.track-changes')).status).toBe(200)
  })

  it('an expired delta token fails with ExpiredVersionStamp', async () => {
    const initial = await get('accounts?$select=name', 'odata.track-changes')
    const link: string = initial.body['@odata.deltaLink']
    expect((await get(link, 'odata.track-changes')).status).toBe(200)
    clock += 8 * 86_400_000
    const previousToken = token
    token = await local.accessToken() // the access token expired too; only the delta token is under test
    try {
      const expired = await get(link, 'odata.track-changes')
      expect(expired.status).toBe(400)
      expect(expired.body.error).toEqual({
        code: '0x80044352',
        message: 'Version stamp associated with the client has expired. Please perform a full sync.'
      })
    } finally {
      clock -= 8 * 86_400_000
      token = previousToken
    }
  })

  it('snapshot and restore round-trip the changed rows', async () => {
    const id = local.sandbox.idOf('contact', 30)
    local.sandbox.touch('contact', id, { lastname: 'Before snapshot' })
    const snapshot = JSON.parse(JSON.stringify(local.sandbox.snapshot()))
    local.sandbox.touch('contact', id, { lastname: 'After snapshot' })
    local.sandbox.restore(snapshot)
    const { body } = await get(`contacts(${id})?$select=lastname`)
    expect(body.lastname).toBe('Before snapshot')
  })
})
