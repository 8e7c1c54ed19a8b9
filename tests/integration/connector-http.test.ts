import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpClient, type HttpEvent } from '../../src/main/connectors/http/client'
import { parseErrorBody } from '../../src/main/connectors/http/error-body'
import { AdaptiveLimiter } from '../../src/main/connectors/http/limiter'
import { redact, redactUrl, registerSecret } from '../../src/main/connectors/http/redact'
import { parseRetryAfter } from '../../src/main/connectors/http/retry'
import { failure } from '../support/connector-failure'

/** The shared HTTP discipline against a small real server that misbehaves on purpose. */
let server: Server
let origin: string
let hits = new Map<string, number>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/'
    const n = (hits.get(path) ?? 0) + 1
    hits.set(path, n)
    if (path === '/slow') return void setTimeout(() => res.end('late'), 2000)
    if (path === '/drop-once' && n === 1) return void req.socket.destroy()
    if (path === '/post-drop') return void req.socket.destroy()
    if (path === '/flaky' && n < 3) {
      res.writeHead(503, { 'Content-Type': 'application/json' })
      return void res.end('{"error":{"code":"0x80040216","message":"busy"}}')
    }
    if (path === '/throttle' && n < 3) {
      res.writeHead(429, { 'Retry-After': '0.1', 'Content-Type': 'application/json' })
      return void res.end('{"error_code":"429050","message":"Too many requests"}')
    }
    if (path === '/forbidden') {
      res.writeHead(403, { 'Content-Type': 'application/json' })
      return void res.end('{"error":{"code":"0x80040220","message":"Principal user is missing prvReadContact privilege"}}')
    }
    if (path === '/engine-string') {
      res.writeHead(500, { 'Content-Type': 'application/json' })
      return void res.end('"RST-360011 An error has occurred - please contact your administrator."')
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function client(events: HttpEvent[] = []) {
  return new HttpClient({
    service: 'dynamics',
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    onEvent: (e) => events.push(e),
    limiter: new AdaptiveLimiter({ initial: 4 })
  })
}

describe('every failure is a typed ConnectorError with a hint', () => {
  it('dns, refused, tls, timeout, canceled', async () => {
    expect((await failure(client().request({ method: 'GET', url: 'https://no-such-host.invalid/' }))).kind).toBe('dns')
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const refused = await failure(client().request({ method: 'GET', url: `http://127.0.0.1:${port}/` }))
    expect(refused).toMatchObject({ kind: 'network', code: 'ECONNREFUSED' })
    expect(refused.hint).toMatch(/Nothing is listening/)
    const tls = await failure(client().request({ method: 'GET', url: origin.replace('http:', 'https:') }))
    expect(tls.kind).toBe('tls')
    expect((await failure(client().request({ method: 'GET', url: `${origin}/slow`, timeoutMs: 100, idempotent: false }))).kind).toBe(
      'timeout'
    )
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    expect((await failure(client().request({ method: 'GET', url: `${origin}/slow`, signal: controller.signal }))).kind).toBe('canceled')
  })

  it('many requests in flight under one signal: no MaxListenersExceededWarning, and canceling still ends all of them', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on('warning', onWarning)
    try {
      const controller = new AbortController()
      const http = client()
      const done = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http.request({ method: 'GET', url: `${origin}/ok-${i}`, signal: controller.signal }).then((r) => r.status)
        )
      )
      expect(done).toEqual(Array(20).fill(200))
      const slow = Array.from({ length: 20 }, () =>
        failure(http.request({ method: 'GET', url: `${origin}/slow`, signal: controller.signal }))
      )
      setTimeout(() => controller.abort(), 50)
      expect((await Promise.all(slow)).map((e) => e.kind)).toEqual(Array(20).fill('canceled'))
      await new Promise((r) => setTimeout(r, 20))
    } finally {
      process.off('warning', onWarning)
    }
    expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([])
  })

  it('forbidden and engine errors keep the service code and message', async () => {
    const forbidden = await failure(client().request({ method: 'GET', url: `${origin}/forbidden` }))
    expect(forbidden).toMatchObject({ kind: 'forbidden', status: 403, code: '0x80040220' })
    const engine = await failure(client().request({ method: 'POST', url: `${origin}/engine-string`, body: '{}' }))
    expect(engine).toMatchObject({ kind: 'server', status: 500, code: 'RST-360011' })
  })
})

describe('retries', () => {
  it('a dropped connection is retried for a GET, never for a POST', async () => {
    hits = new Map()
    const events: HttpEvent[] = []
    expect((await client(events).request({ method: 'GET', url: `${origin}/drop-once` })).text).toBe('ok')
    expect(events.some((e) => e.type === 'retry' && e.reason === 'network')).toBe(true)
    const post = await failure(client().request({ method: 'POST', url: `${origin}/post-drop`, body: '{}' }))
    expect(post.kind).toBe('network')
    expect(post.message).toMatch(/not retried/)
    expect(hits.get('/post-drop')).toBe(1)
  })

  it('5xx backs off and retries idempotent requests; 429 waits Retry-After, even for a POST', async () => {
    hits = new Map()
    const events: HttpEvent[] = []
    expect((await client(events).request({ method: 'PATCH', url: `${origin}/flaky`, body: '{}' })).status).toBe(200)
    expect(hits.get('/flaky')).toBe(3)
    const started = Date.now()
    expect((await client(events).request({ method: 'POST', url: `${origin}/throttle`, body: '{}' })).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(events.filter((e) => e.type === 'retry' && e.reason === 'throttled').map((e) => (e as { waitMs: number }).waitMs)).toEqual([
      100, 100
    ])
    hits = new Map()
    expect((await failure(client().request({ method: 'POST', url: `${origin}/flaky`, body: '{}' }))).kind).toBe('server')
    expect(hits.get('/flaky')).toBe(1)
  })
})

describe('parsing and redaction', () => {
  it('reads every error envelope', () => {
    expect(parseErrorBody('{"error":{"code":"0x80072322","message":"Number of requests exceeded"}}')).toEqual({
      code: '0x80072322',
      message: 'Number of requests exceeded'
    })
    expect(parseErrorBody('{"error":{"code":"","message":"x"}}')).toEqual({ code: undefined, message: 'x' })
    expect(parseErrorBody('{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}').code).toBe(
      'AADSTS7000215'
    )
    expect(parseErrorBody('{"error_code":"401013","message":"Oauth token is not valid"}')).toEqual({
      code: '401013',
      message: 'Oauth token is not valid'
    })
    expect(parseErrorBody('{"code":500,"message":"RST-360011 An error"}')).toEqual({ code: 'RST-360011', message: 'RST-360011 An error' })
    expect(parseErrorBody('plain text failure')).toEqual({ message: 'plain text failure', code: undefined })
    expect(parseErrorBody('<html><title>502 Bad Gateway</title></html>').message).toBe('502 Bad Gateway')
    expect(parseErrorBody('')).toEqual({})
  })

  it('removes tokens and secrets from text and URLs', () => {
    registerSecret('my-very-secret-value')
    expect(redact('Authorization: Bearer abc.def.ghi')).toBe('Authorization: Bearer [redacted]')
    expect(redact('client_secret=hunter22&grant_type=x')).toBe('client_secret=[redacted]&grant_type=x')
    expect(redact('oops my-very-secret-value leaked')).toBe('oops [redacted] leaked')
    expect(redact('eyJhbGciOi.eyJzdWIiOiJ4In0.sig')).toBe('[redacted-token]')
    expect(redactUrl('https://x/api?$skiptoken=abc&token=t0k3n')).toBe('https://x/api?%24skiptoken=abc&token=[redacted]')
    expect(parseRetryAfter('2')).toBe(2000)
    expect(parseRetryAfter('0.25')).toBe(250)
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000)
  })
})

describe('a long run shares one signal across many requests', () => {
  it("leaves no listener behind on the run's signal, whether requests succeed, retry or fail", async () => {
    const { EventEmitter } = await import('node:events')
    const run = new AbortController()
    const http = client()
    hits = new Map()
    for (let i = 0; i < 50; i++) await http.request({ method: 'GET', url: `${origin}/ok-${i}`, signal: run.signal })
    await http.request({ method: 'GET', url: `${origin}/flaky`, signal: run.signal })
    await failure(http.request({ method: 'GET', url: `${origin}/forbidden`, signal: run.signal }))
    expect(EventEmitter.getEventListeners(run.signal, 'abort')).toHaveLength(0)
    // Node 20's AbortSignal.any keeps one entry per combined signal on the parent, never
    // removed: memory grew with the run. That set is internal, so find it by its name.
    const dependants = Object.getOwnPropertySymbols(run.signal).find((symbol) => symbol.description === 'kDependantSignals')
    const set = dependants ? ((run.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants] ?? new Set()) : new Set()
    expect(set.size).toBe(0)
  })
})
