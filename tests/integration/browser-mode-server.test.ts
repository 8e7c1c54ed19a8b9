import { request } from 'node:http'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher } from '../../src/main/contract/dispatcher'
import { EventHub } from '../../src/main/contract/event-hub'
import { createServices } from '../../src/main/services'
import { startWebServer, type WebServer } from '../../src/main/web'
import { jsonFileStore } from '../../src/main/workspace/store'
import { FileSecretStore } from '../../src/main/workspace/secrets'

let server: WebServer
const events = new EventHub()
const folder = mkdtempSync(join(tmpdir(), 'sync-studio-web-'))

beforeAll(async () => {
  const renderer = join(folder, 'renderer')
  mkdirSync(renderer)
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Sync Studio</title>')
  writeFileSync(join(folder, 'outside.txt'), 'not for the browser')
  const services = createServices({
    mode: 'browser',
    store: jsonFileStore(join(folder, 'config.json')),
    secrets: FileSecretStore.inFolder(folder),
    userData: folder,
    embeddedSandbox: false
  })
  server = await startWebServer({ dispatch: createDispatcher(services.handlers), events, rendererFolder: renderer })
})
afterAll(() => server.close())

/** A raw HTTP request, so the test controls Host and Origin as an attacker could. */
function raw(options: { method?: string; path: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        let body = ''
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const call = (name: string, input: unknown, headers: Record<string, string> = {}) =>
  raw({
    method: 'POST',
    path: `/api/call/${name}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify(input)
  })

describe('browser mode over HTTP', () => {
  it('listens on loopback only, with a long random token in the URL fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(server.launchUrl).toBe(`${server.url}#token=${server.token}`)
    expect(server.token.length).toBeGreaterThanOrEqual(40)
  })

  it('answers a call that carries the token', async () => {
    const response = await call('app/info', {})
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, value: { name: 'Sync Studio', mode: 'browser', nativeDialogs: false } })
  })

  it('refuses a call without the token, or with a wrong one', async () => {
    const without = await raw({ method: 'POST', path: '/api/call/app/info', headers: { 'Content-Type': 'application/json' }, body: '{}' })
    expect(without.status).toBe(401)
    expect(JSON.parse(without.body).ok).toBe(false)
    const wrong = await call('app/info', {}, { Authorization: `Bearer ${server.token.slice(0, -1)}x` })
    expect(wrong.status).toBe(401)
  })

  it('refuses a call from another origin, even with the token', async () => {
    const response = await call('settings/set', { theme: 'dark' }, { Origin: 'http://evil.example' })
    expect(response.status).toBe(403)
    const settings = JSON.parse((await call('settings/get', {})).body)
    expect(settings.value.theme).toBe('system')
  })

  it('refuses a request for another host name (DNS rebinding)', async () => {
    const response = await call('app/info', {}, { Host: `rebind.example:${server.port}` })
    expect(response.status).toBe(403)
  })

  it('takes calls only as JSON POSTs (no simple cross-site form can make one)', async () => {
    const form = await raw({
      method: 'POST',
      path: '/api/call/app/info',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'text/plain' },
      body: '{}'
    })
    expect(form.status).toBe(415)
    const get = await raw({ path: '/api/call/app/info', headers: { Authorization: `Bearer ${server.token}` } })
    expect(get.status).toBe(405)
  })

  it('sends no CORS headers, so another origin cannot read an answer', async () => {
    const response = await call('app/info', {})
    expect(response.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('reports bad input and unknown calls through the same generic helper', async () => {
    expect((await call('nope/nothing', {})).status).toBe(404)
    const bad = await call('settings/set', { theme: 42 })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error.message).toContain('theme')
  })

  it('answers 400, not 500, to a malformed %-encoding in the address', async () => {
    for (const path of ['/api/call/app%E0%A4%A', '/%E0%A4%A.js', '/assets/%']) {
      const response = await raw({
        method: path.startsWith('/api/') ? 'POST' : 'GET',
        path,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
        body: path.startsWith('/api/') ? '{}' : undefined
      })
      expect(response.status, path).toBe(400)
      expect(JSON.parse(response.body).error.message).toMatch(/malformed %-encoding/)
    }
  })

  it('takes exactly application/json (with parameters), not a type that merely starts with it', async () => {
    const withType = (type: string) =>
      raw({
        method: 'POST',
        path: '/api/call/app/info',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': type },
        body: '{}'
      })
    for (const refused of ['application/jsonp', 'application/json-seq', 'application/jsonx; charset=utf-8', ''])
      expect((await withType(refused)).status, refused).toBe(415)
    for (const taken of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])
      expect((await withType(taken)).status, taken).toBe(200)
  })

  it('answers a bad connections/update with the validation problem and its path', async () => {
    const created = JSON.parse(
      (
        await call('connections/create', {
          connection: {
            name: 'Contoso update test',
            system: 'dynamics',
            environmentUrl: 'https://contoso.crm.dynamics.com',
            tenantId: 't',
            clientId: 'c',
            authMethod: 'clientSecret'
          }
        })
      ).body
    )
    expect(created.ok).toBe(true)
    const id = created.value.connection.profile.id as string
    const bad = JSON.parse((await call('connections/update', { id, changes: { environmentUrl: 'ftp://contoso', testTable: 42 } })).body)
    expect(bad.ok).toBe(false)
    expect(bad.error.code).toBe('badInput')
    expect(bad.error.message).not.toMatch(/unexpectedly/)
    expect(bad.error.problems.map((p: { path: unknown[] }) => p.path)).toEqual(
      expect.arrayContaining([
        ['changes', 'environmentUrl'],
        ['changes', 'testTable']
      ])
    )
  })

  it('checks document/validate input of any shape and size within bounds', async () => {
    // 100,000 levels: built as text (JSON.stringify itself would overflow the stack).
    const deep = '{"not":'.repeat(100_000) + '{"field":"a","op":"null"}' + '}'.repeat(100_000)
    const deepBody = `{"document":{"format":"sync-studio/mapping@1","name":"x","flows":[{"id":"f","kind":"records","filter":${deep}}]}}`
    const answers = await Promise.all([
      raw({
        method: 'POST',
        path: '/api/call/document/validate',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}` },
        body: deepBody
      }),
      call('document/validate', { document: 'not a document' }),
      call('document/validate', { document: { format: 'sync-studio/mapping@1', name: 'x', flows: [], ['k'.repeat(1_000_000)]: 1 } })
    ])
    const problems = answers.map((a) => JSON.parse(a.body).value.problems as Array<{ path: unknown[]; message: string }>)
    expect(problems[0]).toHaveLength(1)
    expect(problems[0][0].message).toMatch(/nested more than 64 levels deep/)
    expect(problems[1][0].message).toMatch(/expected object/)
    expect(problems[2][0].message).toMatch(/a key of 1,000,000 characters/)
  })

  it('serves the app with its Content Security Policy, and nothing outside the app folder', async () => {
    const page = await raw({ path: '/' })
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['x-frame-options']).toBe('DENY')
    expect((await raw({ path: '/../outside.txt' })).status).toBe(404)
    expect((await raw({ path: '/%2e%2e/outside.txt' })).status).toBe(404)
    // An encoded slash survives URL parsing and reaches the path check itself.
    expect((await raw({ path: '/..%2foutside.txt' })).status).toBe(404)
    expect((await raw({ path: '/..%2foutside.txt' })).body).not.toContain('not for the browser')
  })

  it("streams main's events to the page over SSE, with the token", async () => {
    expect((await raw({ path: '/api/events' })).status).toBe(401)
    const controller = new AbortController()
    const response = await fetch(`${server.url}api/events`, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: controller.signal
    })
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    events.emit('app/notice', { level: 'info', message: 'hello' })
    while (!text.includes('hello')) text += (await reader.read()).value
    expect(text).toContain('data: {"name":"app/notice","payload":{"level":"info","message":"hello"}}')
    controller.abort()
  })
})
