import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

type Json = Record<string, any>
let local: LocalDataverseServer
let token: string

async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const url = path.startsWith('http') ? path : `${local.sandbox.info.url}${path}`
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      ...(body ? { 'Content-Type': 'application/json' } : {}),
      ...extra
    },
    body: body ? JSON.stringify(body) : undefined
  })
  const text = await response.text()
  const isJson = response.headers.get('content-type')?.includes('json')
  return { status: response.status, body: (isJson && text ? JSON.parse(text) : { text }) as Json, response }
}
const get = (path: string, extra: Record<string, string> = {}) => call('GET', path, undefined, extra)

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 7, contacts: 12_000 })
  token = await local.accessToken()
})
afterAll(() => local.close())

describe('RetrieveTotalRecordCount', () => {
  it('answers the documented shape with a parameter alias, beyond the 5,000 cap', async () => {
    const { status, body, response } = await get("RetrieveTotalRecordCount(EntityNames=@p1)?@p1=['contact']")
    expect(status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(body).toEqual({
      '@odata.context': `${local.sandbox.info.url}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
      EntityRecordCountCollection: { Count: 1, IsReadOnly: false, Keys: ['contact'], Values: [12_000] }
    })
  })

  it('accepts the inline collection, several tables, percent-encoding and the namespace-qualified name', async () => {
    const inline = await get("RetrieveTotalRecordCount(EntityNames=['contact','account'])")
    expect(inline.status).toBe(200)
    expect(inline.body.EntityRecordCountCollection.Keys).toEqual(['contact', 'account'])
    expect(inline.body.EntityRecordCountCollection.Count).toBe(2)
    expect(inline.body.EntityRecordCountCollection.Values[0]).toBe(12_000)
    expect(inline.body.EntityRecordCountCollection.Values[1]).toBeGreaterThan(0)
    const encoded = await get(`Microsoft.Dynamics.CRM.RetrieveTotalRecordCount(EntityNames=@p1)?@p1=${encodeURIComponent("['contact']")}`)
    expect(encoded.body.EntityRecordCountCollection.Values).toEqual([12_000])
  })

  it('counts creations and deletions', async () => {
    const created = await call('POST', 'contacts', { lastname: 'Counted' })
    expect(created.status).toBe(204)
    const createdId = /contacts\((.+)\)$/.exec(created.response.headers.get('odata-entityid')!)![1]
    expect((await call('DELETE', `contacts(${local.sandbox.idOf('contact', 5)})`)).status).toBe(204)
    expect((await call('DELETE', `contacts(${local.sandbox.idOf('contact', 6)})`)).status).toBe(204)
    const { body } = await get("RetrieveTotalRecordCount(EntityNames=@p1)?@p1=['contact']")
    expect(body.EntityRecordCountCollection.Values).toEqual([11_999])
    expect((await call('DELETE', `contacts(${createdId})`)).status).toBe(204)
    expect((await get("RetrieveTotalRecordCount(EntityNames=['contact'])")).body.EntityRecordCountCollection.Values).toEqual([11_998])
  })

  it('an unknown table is the platform fault; a missing alias, a bad collection or another verb are refused', async () => {
    const unknown = await get("RetrieveTotalRecordCount(EntityNames=['contact','new_nothing'])")
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('0x80041102')
    expect(unknown.body.error.message).toBe(
      "The entity with a name = 'new_nothing' with namemapping = 'Logical' was not found in the MetadataCache."
    )
    const noAlias = await get('RetrieveTotalRecordCount(EntityNames=@p1)')
    expect(noAlias.status).toBe(400)
    const notCollection = await get("RetrieveTotalRecordCount(EntityNames='contact')")
    expect(notCollection.status).toBe(400)
    const noParameter = await get('RetrieveTotalRecordCount()')
    expect(noParameter.status).toBe(404)
    const post = await call('POST', "RetrieveTotalRecordCount(EntityNames=['contact'])", {})
    expect(post.status).toBe(405)
  })
})

describe('/$count', () => {
  it('is text/plain, capped at 5,000, exact below the cap with a filter', async () => {
    const all = await get('contacts/$count')
    expect(all.response.headers.get('content-type')).toBe('text/plain')
    expect(all.body.text).toBe('5000')
    const few = await get(`contacts/$count?$filter=${encodeURIComponent("new_externalkey eq 'CT-0000042'")}`)
    expect(few.body.text).toBe('1')
  })

  it('with $deltatoken it is the number of changes since that link, deletions included', async () => {
    // A table small enough to walk: the initial listing of accounts ends with a delta link.
    let next: string | undefined = 'accounts?$select=name'
    let deltaLink: string | undefined
    while (next) {
      const page = await get(next, { Prefer: 'odata.track-changes,odata.maxpagesize=5000' })
      next = page.body['@odata.nextLink']
      deltaLink = page.body['@odata.deltaLink']
    }
    expect(deltaLink).toBeDefined()
    const token = /\$deltatoken=([^&]+)/.exec(deltaLink!)![1]
    expect((await get(`accounts/$count?$deltatoken=${token}`)).body.text).toBe('0')
    local.sandbox.touch('account', local.sandbox.idOf('account', 0), { name: 'Renamed' })
    local.sandbox.touch('account', local.sandbox.idOf('account', 1), { name: 'Renamed too' })
    local.sandbox.remove('account', local.sandbox.idOf('account', 2))
    const counted = await get(`accounts/$count?$deltatoken=${token}`)
    expect(counted.response.headers.get('content-type')).toBe('text/plain')
    expect(counted.body.text).toBe('3')
    const delta = await get(deltaLink!, { Prefer: 'odata.track-changes' })
    expect(delta.body.value).toHaveLength(3)
    expect((await get('accounts/$count?$deltatoken=nonsense')).status).toBe(400)
  })
})
