import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsConnector } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'
import { dataverse as samples } from './samples'
import { fill, standIn, type StandIn } from './stand-in'

/** Microsoft's published Dataverse Web API samples, replayed against the connector and the sandbox. */
type Json = Record<string, any>
const sample = samples.pageResults

describe('connector ← documented Dataverse responses', () => {
  let stand: StandIn
  beforeAll(async () => {
    stand = await standIn((_method, url) => {
      if (url.startsWith('/api/data/v9.2/EntityDefinitions'))
        return {
          status: 200,
          body: {
            value: [{ LogicalName: 'contact', EntitySetName: 'contacts', DisplayName: { UserLocalizedLabel: { Label: 'Contact' } } }]
          }
        }
      if (url.includes('$skiptoken=')) return { status: 200, body: { '@odata.context': sample.response.body['@odata.context'], value: [] } }
      return { status: 200, headers: sample.response.headers, body: fill(sample.response.body, { '[Organization URI]': stand.origin }) }
    })
  })
  afterAll(() => stand.close())

  it(`page results: reads the rows and follows @odata.nextLink untouched (${sample.page})`, async () => {
    const connector = new DynamicsConnector({ environmentUrl: stand.origin, tokenProvider: new StaticTokenProvider('t') })
    const pages = []
    for await (const page of connector.query('contact', { select: ['fullname'], pageSize: 2 })) pages.push(page)
    expect(pages[0].records.map((r) => r.fullname)).toEqual(['Yvonne McKay (sample)', 'Susanna Stubberod (sample)'])
    const first = stand.requests.find((r) => r.url.startsWith('/api/data/v9.2/contacts?'))!
    expect(first.url).toBe('/api/data/v9.2/contacts?$select=fullname')
    expect(first.headers.prefer).toContain('odata.maxpagesize=2')
    // The documented nextLink, byte for byte.
    const documented = sample.response.body['@odata.nextLink'].replace('[Organization URI]', '')
    expect(stand.requests.map((r) => r.url)).toContain(documented)
    expect(pages).toHaveLength(2)
  })
})

describe('sandbox → documented Dataverse requests', () => {
  let local: LocalDataverseServer
  let token: string
  beforeAll(async () => {
    local = await startLocalDataverseServer({ seed: 8, contacts: 5 })
    token = await local.accessToken()
  })
  afterAll(() => local.close())

  it(`page results (${sample.page})`, async () => {
    const response = await fetch(`${local.sandbox.info.url}${sample.request.path}`, {
      headers: { ...sample.request.headers, Authorization: `Bearer ${token}` }
    })
    expect(response.status).toBe(sample.response.status)
    for (const [name, value] of Object.entries(sample.response.headers)) expect(response.headers.get(name), name).toBe(value)
    const body = (await response.json()) as Json
    const documented = fill(sample.response.body, { '[Organization URI]': local.baseUrl })
    expect(body['@odata.context']).toBe(documented['@odata.context'])
    expect(body.value).toHaveLength(2)
    for (const row of body.value) expect(Object.keys(row).sort()).toEqual(Object.keys(documented.value[0]).sort())
    expect(body.value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/)
    // Same prefix as the documented link: the query as sent, then the cookie-shaped $skiptoken.
    expect(
      body['@odata.nextLink'].startsWith(
        `${local.sandbox.info.url}contacts?$select=fullname&$skiptoken=%3Ccookie%20pagenumber=%222%22%20pagingcookie=%22`
      )
    ).toBe(true)
    expect(body['@odata.nextLink']).toMatch(/%20istracking=%22False%22%20\/%3E$/)
  })
})
