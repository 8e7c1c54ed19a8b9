import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import { ConnectorError } from '../../src/main/connectors/http/errors'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import { campaign as samples } from './samples'
import { fill, standIn, type StandIn } from './stand-in'

/**
 * Adobe's published Campaign Standard samples, replayed both ways:
 *  - against the connector: a stand-in answers exactly the documented response; the connector
 *    must parse it and send the documented request;
 *  - against the sandbox: the documented request must get the documented shape back.
 */
type Json = Record<string, any>
const keysOf = (value: unknown) => Object.keys(value as Json).sort()

describe('connector ← documented Campaign responses', () => {
  let stand: StandIn
  let base: string
  beforeAll(async () => {
    stand = await standIn((method, url) => {
      const fillIn = <T>(value: T) => fill(value, { 'https://mc.adobe.io/<ORGANIZATION>/campaign/': base })
      if (url.includes('/profile/email?')) return { status: 200, body: { content: ['amy.dakota@mail.com'] } }
      if (method === 'GET' && url.includes('/profileAndServices/profile?')) return fillIn(samples.pagination.response)
      if (method === 'PATCH') return fillIn(samples.updateProfile.response)
      return { status: 404, body: {} }
    })
    base = `${stand.origin}/acme/campaign/`
  })
  afterAll(() => stand.close())
  const connector = () =>
    new CampaignConnector({ baseUrl: base, apiKey: 'key', tokenProvider: new StaticTokenProvider('t'), retry: { baseDelayMs: 5 } })

  it(`pagination: follows next.href exactly as returned (${samples.pagination.page})`, async () => {
    const pages = []
    let stopped: unknown
    try {
      for await (const page of connector().list('profile', { family: 'profileAndServices', pageSize: 1 })) pages.push(page)
    } catch (error) {
      stopped = error
    }
    expect(pages[0].records).toEqual(samples.pagination.response.body.content)
    expect(stand.requests.map((r) => r.url)).toContain(
      '/acme/campaign/profileAndServices/profile/email?_lineCount=10&_lineStart=@Qy2MRJCS67PFf8soTf4BzF7BXsq1Gbkp_e5lLj1TbE7HJKqc'
    )
    // The documented next link leads to a field projection (`/profile/email`: plain e-mail
    // addresses, as Adobe documents it), not to profiles: a listing of records stops there with
    // a clear error rather than handing the addresses on as records.
    expect(pages).toHaveLength(1)
    expect(stopped).toBeInstanceOf(ConnectorError)
    expect((stopped as ConnectorError).message).toBe('Item 1 of "content" in a page of records is a string, not a record.')
    // The documented headers on every call.
    expect(stand.requests[0].headers).toMatchObject({ authorization: 'Bearer t', 'x-api-key': 'key', 'cache-control': 'no-cache' })
  })

  it(`update: PATCHes the body and reads {PKey, href} (${samples.updateProfile.page})`, async () => {
    stand.requests.length = 0
    const ref = await connector().patch('profileAndServices/profile/<PKEY>', samples.updateProfile.request.body)
    expect(ref.PKey).toBe('<PKEY>')
    expect(ref.href).toMatch(new RegExp(`^${base}profileAndServices/profile/@`))
    expect(stand.requests[0].method).toBe('PATCH')
    expect(decodeURIComponent(stand.requests[0].url)).toBe('/acme/campaign/profileAndServices/profile/<PKEY>')
    expect(JSON.parse(stand.requests[0].body)).toEqual(samples.updateProfile.request.body)
  })
})

describe('sandbox → documented Campaign requests', () => {
  let served: ServedCampaignSandbox
  let call: (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; json: Json }>
  beforeAll(async () => {
    served = await serveCampaignSandbox({ seed: 3, profiles: 5 })
    const { info } = served.sandbox
    const tokenResponse = await fetch(info.imsUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.clientId,
        client_secret: info.clientSecret,
        scope: info.scopes.join(',')
      })
    })
    const accessToken = ((await tokenResponse.json()) as Json).access_token as string
    call = async (method, path, body, token = accessToken) => {
      // The documented headers (the samples' curl lines).
      const response = await fetch(path.startsWith('http') ? path : `${info.url}${path}`, {
        method,
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${token}`,
          'Cache-Control': 'no-cache',
          'X-Api-Key': info.clientId
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await response.text()
      return { status: response.status, json: text ? JSON.parse(text) : undefined }
    }
  })
  afterAll(() => served.close())

  it(`pagination (${samples.pagination.page})`, async () => {
    const { status, json } = await call(samples.pagination.request.method, samples.pagination.request.path)
    expect(status).toBe(samples.pagination.response.status)
    expect(json.content).toHaveLength(1)
    for (const key of keysOf(samples.pagination.response.body.content[0])) expect(json.content[0]).toHaveProperty(key)
    expect(json.content[0].PKey).toMatch(/^@/)
    expect(json.next.href.startsWith(served.sandbox.info.url)).toBe(true)
    expect(json.next.href).toMatch(/[?&]_lineStart=@[\w-]+/)
  })

  it(`update (${samples.updateProfile.page})`, async () => {
    const pkey = (await call('GET', 'profileAndServices/profile?_lineCount=1')).json.content[0].PKey
    const { status, json } = await call(
      'PATCH',
      samples.updateProfile.request.path.replace('<PKEY>', pkey),
      samples.updateProfile.request.body
    )
    expect(status).toBe(samples.updateProfile.response.status)
    expect(keysOf(json)).toEqual(keysOf(samples.updateProfile.response.body))
    expect(json).toEqual({ PKey: pkey, href: `${served.sandbox.info.url}profileAndServices/profile/${pkey}` })
    expect((await call('GET', json.href)).json.phone).toBe('3301020304')
  })

  it(`an invalid token (${samples.invalidToken.page})`, async () => {
    const { status, json } = await call('GET', samples.invalidToken.request.path, undefined, 'not-a-token')
    expect(status).toBe(samples.invalidToken.response.status)
    expect(json).toEqual(samples.invalidToken.response.body)
  })

  it(`the connector reads that answer as a refused token (${samples.invalidToken.page})`, async () => {
    const { info } = served.sandbox
    const connector = new CampaignConnector({
      baseUrl: info.url,
      apiKey: info.clientId,
      tokenProvider: new StaticTokenProvider('not-a-token')
    })
    const error = await connector.count('profile', { family: 'profileAndServices' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error).toMatchObject({ kind: 'unauthorized', code: '401013', status: 401 })
  })
})
