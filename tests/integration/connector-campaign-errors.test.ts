import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import type { HttpEvent } from '../../src/main/connectors/http/client'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { CampaignSink } from '../../src/main/sync/flows/campaign-sink'
import { failure } from '../support/connector-failure'

/**
 * Campaign errors are classified by HTTP status and documented codes, not by the sandbox's
 * wording. A stand-in instance on real HTTP answers with the documented shapes but wording no
 * one here wrote (an instance in another language, a later build, the v8 migration).
 */
type Answer = { status: number; body: unknown }
const calls: string[] = []
let answer: (method: string, path: string) => Answer
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`)
    const { status, body } = answer(req.method ?? 'GET', req.url ?? '/')
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    res.end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/acme/campaign/`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function connector(events: HttpEvent[] = []) {
  return new CampaignConnector({
    baseUrl: base,
    apiKey: 'key',
    tokenProvider: new StaticTokenProvider('t'),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onEvent: (e) => events.push(e)
  })
}

/** The family listings (`GET /<family>/`): cusThing is published under profileAndServicesExt. */
function listing(path: string): Answer | undefined {
  const family = path.match(/^\/acme\/campaign\/(profileAndServices|profileAndServicesExt|customResources)\/(?:\?|$)/)?.[1]
  if (!family) return undefined
  const thing = { content: `${base}${family}/cusThing/`, href: `${base}${family}/cusThing/`, name: 'cusThing', type: 'collection' }
  return {
    status: 200,
    body: family === 'profileAndServicesExt' ? { apiName: 'resourceType', cusThing: thing } : { apiName: 'resourceType' }
  }
}

describe('Campaign error classification', () => {
  it('an engine 500 with unknown wording is a record error, sent once (not retried)', async () => {
    calls.length = 0
    answer = () => ({
      status: 500,
      body: { code: 500, message: 'RST-360011 Une erreur est survenue. La valeur ne convient pas au champ.' }
    })
    const events: HttpEvent[] = []
    const error = await failure(connector(events).patch(`${base}profileAndServices/profile/@abc`, { firstName: 'x' }))
    expect(error.kind).toBe('badRequest')
    expect(calls).toHaveLength(1)
    expect(events.filter((e) => e.type === 'retry')).toEqual([])
  })

  it('XTK-170036 in any wording, also as a bare string or text, is a bad request with a hint', async () => {
    for (const body of [
      { code: 500, message: "'x' Attribut inconnu. XTK-170036 Impossible d'analyser l'expression '@id = @x'." },
      "XTK-170036 Unable to parse expression '@id = @x'.",
      'Erreur XTK-170036'
    ]) {
      calls.length = 0
      answer = () => ({ status: 500, body })
      const error = await failure(connector().get('profileAndServicesExt/profile/x'))
      expect(error.kind).toBe('badRequest')
      expect(error.hint).toContain('PKey or an identification key')
      expect(calls).toHaveLength(1)
    }
  })

  it('a 4xx with unknown wording is a record error; a duplicate key by its PGS code is a conflict', async () => {
    answer = () => ({ status: 422, body: { message: 'Unprocessable, somehow' } })
    expect(
      (
        await failure(
          connector()
            .create('profile', {})
            .catch((e) => Promise.reject(e))
        )
      ).kind
    ).not.toBe('server')
    answer = () => ({ status: 400, body: { message: 'Nope' } })
    expect((await failure(connector().get('profileAndServices/profile/@a'))).kind).toBe('badRequest')
    answer = () => ({
      status: 500,
      body: {
        code: 500,
        message: 'Clé déjà utilisée. PGS-220000 PostgreSQL error: ERROR: duplicate key value violates unique constraint "nmsrecipient_x"'
      }
    })
    expect((await failure(connector().get('profileAndServices/profile/@a'))).kind).toBe('conflict')
  })

  it('a 500 without an engine body, and 502/503, are still retried as server errors', async () => {
    for (const [status, body] of [
      [500, ''],
      [503, { code: 503, message: 'Service Unavailable' }],
      [502, '<html><head><title>502 Bad Gateway</title></head></html>']
    ] as const) {
      calls.length = 0
      answer = () => ({ status, body })
      const error = await failure(connector().get('profileAndServices/profile/@a'))
      expect(error.kind, String(status)).toBe('server')
      expect(calls.length, String(status)).toBeGreaterThan(1)
    }
  })
})

describe('the key lookup', () => {
  it('switches the run to the filter at the first XTK-170036: one refused call, not one (or five) per record', async () => {
    calls.length = 0
    answer = (_method, path) => {
      const family = listing(path)
      if (family) return family
      if (path.includes('/byEmail')) {
        const email = new URL(path, 'http://x').searchParams.get('email_parameter')
        return {
          status: 200,
          body: { content: email === 'a@x.example' ? [{ PKey: '@a', href: `${base}profileAndServicesExt/cusThing/@a`, email }] : [] }
        }
      }
      return { status: 500, body: { code: 500, message: "'a@x.example' attribut inconnu. XTK-170036 Impossible d'analyser l'expression." } }
    }
    const campaign = connector()
    const sink = new CampaignSink({ connector: campaign, resource: 'cusThing', keyField: 'email', keyInUrl: true })
    const keys = ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example', 'e@x.example', 'f@x.example', 'g@x.example']
    const found = await sink.lookup(keys, new AbortController().signal)
    expect([...found.keys()]).toEqual(['a@x.example'])
    expect(sink.lookupMode).toBe('filter')
    const byUrl = calls.filter((c) => !c.includes('/byEmail') && !listing(c.split(' ')[1]))
    expect(byUrl).toHaveLength(1)
    expect(calls.filter((c) => c.includes('/byEmail'))).toHaveLength(keys.length)
  })

  it('a PATCH by key refused for its data fails that record only: later updates still go by key, one call each', async () => {
    calls.length = 0
    const thing = (email: string) => ({ PKey: `@${email}`, href: `${base}profileAndServicesExt/cusThing/@${email}`, email })
    answer = (method, path) => {
      if (method === 'PATCH' && path.endsWith(`/cusThing/${encodeURIComponent('a@x.example')}`))
        return {
          status: 500,
          body: { code: 500, message: "RST-360011 Une erreur est survenue. XTK-170001 L'adresse 'a@x' n'est pas valide." }
        }
      if (method === 'PATCH') return { status: 200, body: thing(decodeURIComponent(path.split('/').pop()!)) }
      return { status: 500, body: { code: 500, message: 'RST-360011 not expected in this test' } }
    }
    const sink = new CampaignSink({ connector: connector(), resource: 'cusThing', keyField: 'email', keyInUrl: true })
    const update = (key: string) => ({ op: 'update' as const, key, record: { name: 'N' }, patch: { name: 'N' }, byKey: true as const })
    const signal = new AbortController().signal
    const refused = await sink.write([update('a@x.example')], signal)
    expect(refused).toMatchObject([{ key: 'a@x.example', outcome: 'failed', retryable: false }])
    const later = await sink.write([update('b@x.example'), update('c@x.example')], signal)
    expect(later.map((o) => o.outcome)).toEqual(['updated', 'updated'])
    // Three PATCHes by the key in the URL, the refused one sent once; no filter lookups.
    expect(calls.every((c) => c.startsWith('PATCH ') && !c.includes('/byEmail'))).toBe(true)
    expect(calls).toHaveLength(3)
    expect(sink.calls).toMatchObject({ updateByKey: 3, lookup: 0, update: 0 })
    expect(sink.lookupMode).toBe('url')
  })

  it('a PATCH by key answered XTK-170036 (not an identification key) goes through the filter from then on', async () => {
    calls.length = 0
    answer = (method, path) => {
      const family = listing(path)
      if (family) return family
      if (path.includes('/byEmail')) {
        const email = new URL(path, 'http://x').searchParams.get('email_parameter')!
        return { status: 200, body: { content: [{ PKey: '@1', href: `${base}profileAndServicesExt/cusThing/@1`, email }] } }
      }
      if (method === 'PATCH' && path.endsWith('/@1')) return { status: 200, body: {} }
      return { status: 500, body: { code: 500, message: "'a@x.example' attribut inconnu. XTK-170036 Impossible d'analyser l'expression." } }
    }
    const sink = new CampaignSink({ connector: connector(), resource: 'cusThing', keyField: 'email', keyInUrl: true })
    const out = await sink.write(
      [{ op: 'update', key: 'a@x.example', record: { name: 'N' }, patch: { name: 'N' }, byKey: true }],
      new AbortController().signal
    )
    expect(out).toMatchObject([{ key: 'a@x.example', outcome: 'updated' }])
    expect(sink.lookupMode).toBe('filter')
    expect(calls.filter((c) => !listing(c.split(' ')[1])).map((c) => c.split(' ')[0])).toEqual(['PATCH', 'GET', 'PATCH'])
  })

  it('an unconfirmed key goes through the filter from the start', async () => {
    calls.length = 0
    answer = (_method, path) => listing(path) ?? { status: 200, body: { content: [] } }
    const sink = new CampaignSink({ connector: connector(), resource: 'cusThing', keyField: 'email', keyInUrl: false })
    await sink.lookup(['a@x.example', 'b@x.example'], new AbortController().signal)
    const lookups = calls.filter((c) => !listing(c.split(' ')[1]))
    expect(lookups.every((c) => c.includes('/profileAndServicesExt/cusThing/byEmail?'))).toBe(true)
    expect(lookups).toHaveLength(2)
  })

  it('a _count answered without a count is unknown, not an empty target: records are still looked up', async () => {
    calls.length = 0
    answer = (_method, path) => {
      const family = listing(path)
      if (family) return family
      if (path.includes('/_count')) return { status: 200, body: {} }
      const email = new URL(path, 'http://x').searchParams.get('email_parameter')
      return {
        status: 200,
        body: { content: email === 'a@x.example' ? [{ PKey: '@a', href: `${base}profileAndServicesExt/cusThing/@a`, email }] : [] }
      }
    }
    const campaign = connector()
    expect(await campaign.count('cusThing')).toBeUndefined()
    const sink = new CampaignSink({ connector: campaign, resource: 'cusThing', keyField: 'email', keyInUrl: false, lookups: 'auto' })
    const found = await sink.lookup(['a@x.example', 'b@x.example'], new AbortController().signal)
    expect(sink.lookupStrategy).toBe('perKey')
    expect([...found.keys()]).toEqual(['a@x.example'])
  })
})
