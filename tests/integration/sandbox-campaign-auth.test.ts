import { afterEach, describe, expect, it } from 'vitest'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import type { CampaignSandboxOptions } from '../../src/main/sandbox/campaign'

/** The IMS token flow and the adobe.io gateway in front of Campaign, over real HTTP (https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/ims, https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/troubleshooting). */

let served: ServedCampaignSandbox | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function start(options: Partial<Omit<CampaignSandboxOptions, 'baseUrl'>> = {}) {
  served = await serveCampaignSandbox({ seed: 7, profiles: 5, ...options })
  return served
}

function tokenRequest(info: ServedCampaignSandbox['sandbox']['info'], overrides: Record<string, string> = {}) {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: info.clientId,
    client_secret: info.clientSecret,
    scope: info.scopes.join(','),
    ...overrides
  })
  return fetch(info.imsUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form })
}

async function token(info: ServedCampaignSandbox['sandbox']['info'], scope?: string): Promise<string> {
  const res = await tokenRequest(info, scope ? { scope } : {})
  expect(res.status).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

const headersFor = (accessToken: string, apiKey: string) => ({
  Authorization: `Bearer ${accessToken}`,
  'X-Api-Key': apiKey,
  'Cache-Control': 'no-cache',
  'Content-Type': 'application/json;charset=utf-8'
})

describe('IMS token endpoint', () => {
  it('issues a bearer token for client credentials with expires_in in seconds', async () => {
    const { sandbox } = await start({ tokenTtlSeconds: 3600 })
    expect(sandbox.info.imsUrl).toMatch(/\/ims\/token\/v3$/)
    const res = await tokenRequest(sandbox.info)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type'])
    expect(body.token_type).toBe('bearer')
    expect(body.expires_in).toBe(3600)
    expect(String(body.access_token).split('.')).toHaveLength(3)
  })

  it('rejects wrong credentials, grant types and scopes with OAuth errors', async () => {
    const { sandbox } = await start()
    const cases: [Record<string, string>, number, string][] = [
      [{ client_id: 'nope' }, 400, 'invalid_client'],
      [{ client_secret: 'wrong' }, 401, 'invalid_client'],
      [{ grant_type: 'password' }, 400, 'unsupported_grant_type'],
      [{ scope: 'openid,campaign_write' }, 400, 'invalid_scope'],
      [{ scope: '' }, 400, 'invalid_scope']
    ]
    for (const [overrides, status, error] of cases) {
      const res = await tokenRequest(sandbox.info, overrides)
      expect(res.status, JSON.stringify(overrides)).toBe(status)
      expect(((await res.json()) as { error: string }).error).toBe(error)
    }
  })

  it('accepts the parameters in the query string too', async () => {
    const { sandbox } = await start()
    const q = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sandbox.info.clientId,
      client_secret: sandbox.info.clientSecret,
      scope: sandbox.info.scopes.join(',')
    })
    const res = await fetch(`${sandbox.info.imsUrl}?${q}`, { method: 'POST' })
    expect(res.status).toBe(200)
  })

  it('serves the IMS profile with the organization the gateway routes on', async () => {
    const { sandbox, origin } = await start({ orgId: 'acme' })
    const accessToken = await token(sandbox.info)
    const res = await fetch(`${origin}/ims/profile/v1`, { headers: { Authorization: `Bearer ${accessToken}` } })
    const body = (await res.json()) as { projectedProductContext: { prodCtx: { organization_id: string } }[] }
    expect(body.projectedProductContext[0].prodCtx.organization_id).toBe('acme')
  })
})

describe('gateway checks on every Campaign call', () => {
  it('answers 403000 without an API key, 403003 with a wrong one, 401013 for a bad token', async () => {
    const { sandbox } = await start()
    const url = `${sandbox.info.url}profileAndServices/profile`
    const accessToken = await token(sandbox.info)

    const noKey = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } })
    expect(noKey.status).toBe(403)
    expect(await noKey.json()).toEqual({ error_code: '403000', message: 'Api Key is required' })

    const badKey = await fetch(url, { headers: headersFor(accessToken, 'someone-else') })
    expect(badKey.status).toBe(403)
    expect(await badKey.json()).toEqual({ error_code: '403003', message: 'Api Key is invalid' })

    const badToken = await fetch(url, { headers: headersFor('not-a-token', sandbox.info.clientId) })
    expect(badToken.status).toBe(401)
    expect(await badToken.json()).toEqual({ error_code: '401013', message: 'Oauth token is not valid' })

    const noToken = await fetch(url, { headers: { 'X-Api-Key': sandbox.info.clientId } })
    expect(noToken.status).toBe(401)

    const good = await fetch(url, { headers: headersFor(accessToken, sandbox.info.clientId) })
    expect(good.status).toBe(200)
  })

  it('answers 403023 for a token without the Campaign product context, or for another organization', async () => {
    const { sandbox, origin } = await start({ orgId: 'acme' })
    const thin = await token(sandbox.info, 'openid,AdobeID')
    const res = await fetch(`${sandbox.info.url}profileAndServices/profile`, { headers: headersFor(thin, sandbox.info.clientId) })
    expect(res.status).toBe(403)
    expect(await res.json()).toEqual({ error_code: '403023', message: 'Profile is not valid' })

    const full = await token(sandbox.info)
    const otherOrg = await fetch(`${origin}/globex/campaign/profileAndServices/profile`, {
      headers: headersFor(full, sandbox.info.clientId)
    })
    expect(otherOrg.status).toBe(403)
    const ownOrg = await fetch(`${origin}/acme/campaign/profileAndServices/profile?_lineCount=1`, {
      headers: headersFor(full, sandbox.info.clientId)
    })
    expect(ownOrg.status).toBe(200)
    const body = (await ownOrg.json()) as { content: { href: string }[] }
    // hrefs echo the URL form the client used.
    expect(body.content[0].href.startsWith(`${origin}/acme/campaign/profileAndServices/profile/@`)).toBe(true)
  })

  it('expires tokens after expires_in and on demand', async () => {
    let now = Date.UTC(2025, 5, 1)
    const { sandbox } = await start({ tokenTtlSeconds: 60, now: () => new Date(now) })
    const url = `${sandbox.info.url}profileAndServices/profile/_count`
    const first = await token(sandbox.info)
    expect((await fetch(url, { headers: headersFor(first, sandbox.info.clientId) })).status).toBe(200)
    now += 61_000
    const expired = await fetch(url, { headers: headersFor(first, sandbox.info.clientId) })
    expect(expired.status).toBe(401)
    expect(((await expired.json()) as { error_code: string }).error_code).toBe('401013')

    const second = await token(sandbox.info)
    expect((await fetch(url, { headers: headersFor(second, sandbox.info.clientId) })).status).toBe(200)
    sandbox.expireTokens()
    expect((await fetch(url, { headers: headersFor(second, sandbox.info.clientId) })).status).toBe(401)
  })

  it('does not own URLs outside /ims and /campaign', async () => {
    const { origin } = await start()
    const res = await fetch(`${origin}/api/data/v9.2/contacts`)
    expect(res.status).toBe(404)
    expect(await res.text()).toBe('not found') // the fallback of the test server, not a Campaign answer
  })

  it('answers an unknown route or a missing endpoint with the 404 rc=-2003, and a URL without the org with the 500 Oops', async () => {
    const { sandbox } = await start()
    const accessToken = await token(sandbox.info)
    expect(sandbox.info.url).toMatch(new RegExp(`/${sandbox.info.orgId}/campaign/$`))
    // Privacy requests, workflows, transactional events (mc<org>) and org units are not implemented.
    for (const path of [
      'notAFamily/profile',
      'privacy/privacyTool',
      'workflow/execution/WKF1/commands',
      `mc${sandbox.info.orgId}/EVTwelcome`,
      'profileAndServicesExt/orgUnitBase'
    ]) {
      const method = path.startsWith('privacy') || path.startsWith('mc') ? 'POST' : 'GET'
      const res = await fetch(`${sandbox.info.url}${path}`, {
        method,
        headers: { ...headersFor(accessToken, sandbox.info.clientId), 'Content-Type': 'application/json;charset=utf-8' },
        body: method === 'POST' ? '{}' : undefined
      })
      expect(res.status, path).toBe(404)
      expect(((await res.json()) as { message: string }).message, path).toContain('Error rc=-2003')
    }
    const origin = new URL(sandbox.info.url).origin
    const bare = await fetch(`${origin}/campaign/profileAndServices/profile`, { headers: headersFor(accessToken, sandbox.info.clientId) })
    expect(bare.status).toBe(500)
    expect(await bare.json()).toEqual({ code: 500, message: 'Oops. Something went wrong. Check your URI and try again.' })
  })
})

describe('throttling and injected faults', () => {
  it('enforces its own rate limit with 429050 and Retry-After', async () => {
    const { sandbox } = await start({ rateLimit: { requests: 3, windowSeconds: 30 } })
    const accessToken = await token(sandbox.info)
    const url = `${sandbox.info.url}profileAndServices/profile/_count`
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 5; i++) {
      last = await fetch(url, { headers: headersFor(accessToken, sandbox.info.clientId) })
      statuses.push(last.status)
      if (last.status === 200) await last.text()
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await last!.json()).toEqual({ error_code: '429050', message: 'Too many requests' })
  })

  it('injects 429 with the configured Retry-After, 5xx, dropped connections and latency', async () => {
    const { sandbox } = await start()
    const accessToken = await token(sandbox.info)
    const url = `${sandbox.info.url}profileAndServices/profile/_count`
    const call = () => fetch(url, { headers: headersFor(accessToken, sandbox.info.clientId) })

    sandbox.faults.update({ throttleRate: 1, retryAfterSeconds: 7 })
    const throttled = await call()
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toBe('7')

    sandbox.faults.update({ throttleRate: 0, serverErrorRate: 1 })
    const failures = [await call(), await call()]
    expect(failures.map((r) => r.status).sort()).toEqual([502, 503])
    expect(((await failures[0].json()) as { code: number }).code).toBe(failures[0].status)

    sandbox.faults.update({ serverErrorRate: 0, dropRate: 1 })
    await expect(call()).rejects.toThrow()

    sandbox.faults.update({ dropRate: 0, latencyMs: 150 })
    const started = Date.now()
    expect((await call()).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('revokes tokens at the configured rate (a surprise 401013)', async () => {
    const { sandbox } = await start({ tokenRevokeRate: 1 })
    const accessToken = await token(sandbox.info)
    const res = await fetch(`${sandbox.info.url}profileAndServices/profile/_count`, {
      headers: headersFor(accessToken, sandbox.info.clientId)
    })
    expect(res.status).toBe(401)
  })
})
