import { afterEach, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

type Json = Record<string, any>
const opened: LocalDataverseServer[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()))
})

async function start(options: Parameters<typeof startLocalDataverseServer>[0]) {
  const local = await startLocalDataverseServer(options)
  opened.push(local)
  const token = await local.accessToken()
  const get = (path = 'WhoAmI') => fetch(`${local.sandbox.info.url}${path}`, { headers: { Authorization: `Bearer ${token}` } })
  return { local, get }
}

describe('service protection limits', () => {
  it('number of requests: 429 0x80072322 with Retry-After once the window is full', async () => {
    const { get } = await start({ seed: 1, contacts: 10, limits: { requestsPerWindow: 3, windowMs: 60_000 } })
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200)
    const throttled = await get()
    expect(throttled.status).toBe(429)
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await throttled.json()) as Json).error).toEqual({
      code: '0x80072322',
      message: 'Number of requests exceeded the limit of 3 over time window of 60 seconds.'
    })
  })

  it('combined execution time: 429 0x80072321 with the documented message', async () => {
    const { get } = await start({ seed: 1, contacts: 10, limits: { executionTimeMs: 50, minExecutionMsPerRequest: 30 } })
    expect((await get()).status).toBe(200)
    expect((await get()).status).toBe(200)
    const throttled = await get()
    expect(throttled.status).toBe(429)
    expect(((await throttled.json()) as Json).error).toEqual({
      code: '0x80072321',
      message:
        'Combined execution time of incoming requests exceeded limit of 50 milliseconds over time window of 300 seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.'
    })
  })

  it('concurrent requests: 429 0x80072326 immediately', async () => {
    // Injected latency holds each admitted request open, so two slots fill deterministically.
    const { get } = await start({ seed: 1, contacts: 10, limits: { concurrentRequests: 2 }, faults: { latencyMs: 300 } })
    const results = await Promise.all(Array.from({ length: 5 }, () => get()))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 429, 429, 429])
    const refused = results.find((r) => r.status === 429)!
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(((await refused.json()) as Json).error).toEqual({
      code: '0x80072326',
      message: 'Number of concurrent requests exceeded the limit of 2.'
    })
  })

  it('x-ms-ratelimit headers are informational and counting is per user', async () => {
    const { get } = await start({ seed: 1, contacts: 10, limits: { requestsPerWindow: 10 } })
    const first = await get()
    expect(first.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests')).toBe('9')
    expect(first.headers.get('x-ms-dop-hint')).toBe('4')
  })
})

describe('fault injection', () => {
  it('throttleRate 1 → 429 with the configured Retry-After', async () => {
    const { local, get } = await start({ seed: 2, contacts: 10 })
    local.sandbox.faults.update({ throttleRate: 1, retryAfterSeconds: 7 })
    const response = await get()
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('7')
    expect(((await response.json()) as Json).error.code).toBe('0x80072322')
    local.sandbox.faults.update({ throttleRate: 0 })
    expect((await get()).status).toBe(200)
  })

  it('serverErrorRate 1 → 503 in the documented error shape', async () => {
    const { local, get } = await start({ seed: 2, contacts: 10 })
    local.sandbox.faults.update({ serverErrorRate: 1 })
    const response = await get()
    expect(response.status).toBe(503)
    expect(((await response.json()) as Json).error).toMatchObject({ code: expect.any(String), message: expect.any(String) })
  })

  it('dropRate 1 → the connection is reset without a response', async () => {
    const { local, get } = await start({ seed: 2, contacts: 10 })
    local.sandbox.faults.update({ dropRate: 1 })
    await expect(get()).rejects.toThrow()
  })

  it('latencyMs delays every response', async () => {
    const { local, get } = await start({ seed: 2, contacts: 10 })
    local.sandbox.faults.update({ latencyMs: 120 })
    const started = performance.now()
    expect((await get()).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(110)
  })
})

describe('URL length (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#maximum-url-length)', () => {
  /** A `GET contacts` whose `$filter` is an `In()` of `count` ids (the first few real), URL-encoded as the connector sends it. */
  function inQuery(ids: string[]): string {
    const filter = `Microsoft.Dynamics.CRM.In(PropertyName='contactid',PropertyValues=[${ids.map((id) => `'${id}'`).join(',')}])`
    return `contacts?$select=contactid&$filter=${encodeURIComponent(filter)}`
  }
  const fake = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

  it('answers a URL of up to 32,768 characters, however long its headers make the request', async () => {
    const { local, get } = await start({ seed: 1, contacts: 10 })
    const real = [local.sandbox.idOf('contact', 0), local.sandbox.idOf('contact', 1)]
    const ids = [...real, ...Array.from({ length: 700 }, (_, i) => fake(i))]
    const path = inQuery(ids)
    const sent = new URL(`${local.sandbox.info.url}${path}`) // as fetch sends it (' becomes %27)
    const length = sent.pathname.length + sent.search.length
    expect(length).toBeGreaterThan(16 * 1024) // past Node's default header limit (16 KiB)
    expect(length).toBeLessThanOrEqual(32_768)
    const answer = await get(path)
    expect(answer.status).toBe(200)
    expect((((await answer.json()) as Json).value as Json[]).map((r) => r.contactid).sort()).toEqual(real.sort())
  })

  it("a longer URL gets 414 with Dataverse's error body, not the listener's bare 431", async () => {
    const { get } = await start({ seed: 1, contacts: 10 })
    const path = inQuery(Array.from({ length: 800 }, (_, i) => fake(i)))
    expect(path.length).toBeGreaterThan(32_768)
    expect(path.length).toBeLessThan(48 * 1024)
    const answer = await get(path)
    expect(answer.status).toBe(414)
    expect(((await answer.json()) as Json).error).toEqual({
      code: '0x0',
      message: 'The request URL is longer than 32768 characters. Use $batch to send long GET requests.'
    })
  })
})
