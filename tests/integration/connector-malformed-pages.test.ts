import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import { DynamicsConnector } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { failure } from '../support/connector-failure'

/**
 * A 200 answer whose page has no list of records (a proxy's `{}`, a list that is an object
 * or a text) is a protocol error on that call, never an empty page: an empty page ends the
 * listing, so every record after it would be silently missing from the run. A stand-in
 * service on real HTTP answers the malformed shapes (the simulators only answer well-formed ones).
 */
class Raw {
  constructor(readonly text: string) {}
}
let answer: (path: string) => unknown
let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = answer(req.url ?? '/')
    res.writeHead(200, { 'Content-Type': 'application/json' })
    // `{ raw }`: a body that is not JSON (a proxy's login page, a truncated answer).
    res.end(body instanceof Raw ? body.text : JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const campaign = () =>
  new CampaignConnector({
    baseUrl: `${origin}/acme/campaign/`,
    apiKey: 'key',
    tokenProvider: new StaticTokenProvider('t'),
    retry: { baseDelayMs: 5, maxDelayMs: 20 }
  })
const dynamics = () =>
  new DynamicsConnector({
    environmentUrl: origin,
    apiUrl: `${origin}/api/data/v9.2/`,
    tokenProvider: new StaticTokenProvider('t'),
    retry: { baseDelayMs: 5, maxDelayMs: 20 }
  })

async function drain<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

describe('Campaign: a page without its list of records', () => {
  for (const [what, second] of [
    ['no "content"', {}],
    ['"content" is an object', { content: { PKey: 'p2' } }],
    ['"content" is null', { content: null }]
  ] as const) {
    it(`${what} on page 2 fails the listing (protocol) instead of ending it after page 1`, async () => {
      answer = (path) =>
        path.includes('page2')
          ? second
          : {
              content: [{ PKey: 'p1', href: `${origin}/acme/campaign/profileAndServices/profile/p1` }],
              next: { href: `${origin}/acme/campaign/page2` }
            }
      const error = await failure(drain(campaign().records('profile', { family: 'profileAndServices' })))
      expect(error.kind).toBe('protocol')
      expect(error.message).toMatch(/"content"/)
      expect(error.request).toContain('page2')
    })
  }

  it('a history page whose "content" is a text fails, instead of yielding its letters as events', async () => {
    answer = (path) =>
      path.includes('/history/') && !path.includes('events')
        ? { events: { href: `${origin}/acme/campaign/profileAndServices/history/p1/events` } }
        : { content: 'abc' }
    const error = await failure(drain(campaign().historyEvents('p1')))
    expect(error.kind).toBe('protocol')
  })

  it('a text among the records fails the listing, naming the item', async () => {
    answer = () => ({ content: [{ PKey: 'p1' }, 'p2'] })
    const error = await failure(drain(campaign().records('profile', { family: 'profileAndServices' })))
    expect(error.kind).toBe('protocol')
    expect(error.message).toBe('Item 2 of "content" in a page of records is a string, not a record.')
  })

  it('a well-formed empty listing is still an empty listing', async () => {
    answer = () => ({ content: [] })
    expect(await drain(campaign().records('profile', { family: 'profileAndServices' }))).toEqual([])
  })
})

describe('Dataverse: a page without its "value"', () => {
  for (const [what, second] of [
    ['no "value"', {}],
    ['"value" is an object', { value: { contactid: 'x' } }]
  ] as const) {
    it(`${what} on page 2 fails the query (protocol) instead of ending it after page 1`, async () => {
      answer = (path) =>
        path.includes('page2') ? second : { value: [{ contactid: 'a' }], '@odata.nextLink': `${origin}/api/data/v9.2/contacts?page2=1` }
      const error = await failure(drain(dynamics().query('contact', { from: 'contacts?$select=contactid' })))
      expect(error.kind).toBe('protocol')
      expect(error.message).toMatch(/"value"/)
    })
  }

  it('a null among the rows fails the query, naming the item, instead of reaching the run as a record', async () => {
    // compileFlow's run reads the match key first: a null row threw "Cannot read properties of null" out of the page.
    answer = () => ({ value: [{ contactid: 'a' }, null] })
    const error = await failure(drain(dynamics().query('contact', { from: 'contacts?$select=contactid' })))
    expect(error.kind).toBe('protocol')
    expect(error.message).toBe('Item 2 of "value" in a page of records is null, not a record.')
  })

  it('a well-formed empty page is still empty', async () => {
    answer = () => ({ value: [] })
    const pages = await drain(dynamics().query('contact', { from: 'contacts?$select=contactid' }))
    expect(pages.map((p) => p.records)).toEqual([[]])
  })
})

describe('a page that is not JSON', () => {
  it('is a protocol error of the service that answered it, with what it said', async () => {
    answer = () => new Raw('<html><title>Sign in to your proxy</title></html>')
    const fromCampaign = await failure(drain(campaign().records('profile', { family: 'profileAndServices' })))
    expect(fromCampaign).toMatchObject({ kind: 'protocol', service: 'campaign' })
    expect(fromCampaign.message).toContain('with a body that is not JSON: <html><title>Sign in to your proxy')
    const fromDataverse = await failure(drain(dynamics().query('contact', { from: 'contacts?$select=contactid' })))
    expect(fromDataverse).toMatchObject({ kind: 'protocol', service: 'dynamics' })
  })
})
