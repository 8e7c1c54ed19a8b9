import { createHash, randomBytes } from 'node:crypto'
import { generate } from 'selfsigned'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfidentialTokenProvider, PublicClientTokenProvider } from '../../src/main/connectors/dynamics/auth'
import { DynamicsConnector } from '../../src/main/connectors/dynamics/connector'
import { ConnectorError } from '../../src/main/connectors/http/errors'
import { createTrustingNetworkClient, sandboxAuthOptions } from '../../src/main/connectors/dynamics/msal-network'
import type { TlsListener } from '../../src/main/sandbox/dataverse/index'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * Browser (authorization code + PKCE, loopback redirect) and certificate (client assertion)
 * sign-in through the real connector and msal-node against the Dataverse sandbox over HTTP(S).
 */
let local: LocalDataverseServer
let tls: TlsListener
let networkClient: ReturnType<typeof createTrustingNetworkClient>
let browserAgent: Agent

interface TestCertificate {
  cert: string
  privateKey: string
  thumbprintSha256: string
}

async function makeCertificate(commonName: string): Promise<TestCertificate> {
  const now = Date.now()
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 86_400_000)
  })
  const der = Buffer.from(pems.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64')
  return { cert: pems.cert, privateKey: pems.private, thumbprintSha256: createHash('sha256').update(der).digest('hex') }
}

let goodCert: TestCertificate
let otherCert: TestCertificate

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 11, contacts: 50 })
  tls = await local.sandbox.startAuthorityTls()
  networkClient = createTrustingNetworkClient(local.sandbox.info.ca!)
  browserAgent = new Agent({ connect: { ca: local.sandbox.info.ca! } })
  ;[goodCert, otherCert] = await Promise.all([makeCertificate('Sync Studio test app'), makeCertificate('Not registered')])
  local.sandbox.registerCertificate(goodCert.cert)
}, 60_000)

afterAll(async () => {
  await browserAgent.close()
  await networkClient.close()
  await tls.close()
  await local.close()
})

/** What the system browser does: load the authorize URL, then deliver the response to the app's loopback. */
async function playBrowser(url: string, visited: string[] = []): Promise<void> {
  visited.push(url)
  const page = await undiciFetch(url, { redirect: 'manual', dispatcher: browserAgent })
  const toLoopback = (target: string) => target.replace('//localhost', '//127.0.0.1')
  if (page.status === 302) {
    await (await fetch(toLoopback(page.headers.get('location')!))).text()
    return
  }
  const html = await page.text()
  if (page.status !== 200) throw new Error(`authorize page ${page.status}: ${html}`)
  const action = /<form method="POST" name="hiddenform" action="([^"]+)"/.exec(html)?.[1]
  if (!action) throw new Error(`no form_post form in ${html}`)
  const unescape = (v: string) => v.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))
  const fields = new URLSearchParams()
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)" \/>/g))
    fields.append(unescape(name), unescape(value))
  const answer = await fetch(toLoopback(unescape(action)), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields.toString()
  })
  await answer.text()
}

function browserProvider(openBrowser: (url: string) => Promise<void>, interactiveTimeoutMs?: number) {
  const { info } = local.sandbox
  return new PublicClientTokenProvider(
    {
      environmentUrl: local.baseUrl,
      tenantId: info.tenantId,
      clientId: info.clientId,
      ...sandboxAuthOptions(info.authority),
      networkClient,
      flow: 'interactive'
    },
    { openBrowser, interactiveTimeoutMs }
  )
}

function certificateProvider(cert: TestCertificate) {
  const { info } = local.sandbox
  return new ConfidentialTokenProvider({
    environmentUrl: local.baseUrl,
    tenantId: info.tenantId,
    clientId: info.clientId,
    ...sandboxAuthOptions(info.authority),
    networkClient,
    certificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey }
  })
}

const connector = (tokenProvider: ConstructorParameters<typeof DynamicsConnector>[0]['tokenProvider']) =>
  new DynamicsConnector({ environmentUrl: local.baseUrl, tokenProvider, retry: { baseDelayMs: 20, maxDelayMs: 200 } })

/** Whether msal's loopback port refuses a connection: checked once, as getToken has settled by then. */
async function loopbackClosed(redirectUri: string): Promise<boolean> {
  return fetch(redirectUri.replace('//localhost', '//127.0.0.1'), { signal: AbortSignal.timeout(2000) }).then(
    () => false,
    () => true
  )
}

describe('browser sign-in (authorization code + PKCE, loopback redirect)', () => {
  it('the browser consents, msal redeems the code with its verifier, WhoAmI answers as the user; the next call is silent', async () => {
    const opened: string[] = []
    const dynamics = connector(browserProvider((url) => playBrowser(url, opened)))
    const me = await dynamics.whoAmI()
    expect(me.userId).toBe(local.sandbox.idOf('systemuser', 1))
    expect(opened).toHaveLength(1)
    const query = new URL(opened[0]).searchParams
    expect(new URL(opened[0]).pathname).toBe(`/${local.sandbox.info.tenantId}/oauth2/v2.0/authorize`)
    expect(query.get('response_type')).toBe('code')
    expect(query.get('code_challenge_method')).toBe('S256')
    expect(query.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(query.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/)
    expect(query.get('state')).toBeTruthy()
    await dynamics.count('account')
    expect(opened).toHaveLength(1)
    expect(await loopbackClosed(query.get('redirect_uri')!)).toBe(true)
  })

  it('a tampered code_challenge is refused at redemption (AADSTS50148) and surfaces as unauthorized with a hint', async () => {
    const provider = browserProvider((url) => {
      const tampered = new URL(url)
      tampered.searchParams.set('code_challenge', createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'))
      return playBrowser(tampered.href)
    })
    const error = (await provider.getToken().catch((e: unknown) => e)) as ConnectorError
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error.kind).toBe('unauthorized')
    expect(error.code).toBe('AADSTS50148')
    expect(error.hint).toMatch(/PKCE/)
  })

  it("openBrowser that never completes: a typed timeout within the limit, and msal's loopback port is released", async () => {
    let opened = ''
    const provider = browserProvider((url) => {
      opened = url
      return new Promise<void>(() => {})
    }, 400)
    const started = Date.now()
    const error = (await provider.getToken().catch((e: unknown) => e)) as ConnectorError
    expect(Date.now() - started).toBeLessThan(2000)
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error.kind).toBe('timeout')
    expect(error.service).toBe('dynamics-auth')
    expect(error.message).toMatch(/did not complete/)
    expect(await loopbackClosed(new URL(opened).searchParams.get('redirect_uri')!)).toBe(true)
  })

  it('cancel through the AbortSignal: kind canceled, loopback released', async () => {
    let opened = ''
    const controller = new AbortController()
    // The user cancels once the browser has opened on the sign-in page (the loopback is listening).
    const provider = browserProvider((url) => {
      opened = url
      queueMicrotask(() => controller.abort())
      return new Promise<void>(() => {})
    }, 60_000)
    const error = (await provider.getToken({ signal: controller.signal }).catch((e: unknown) => e)) as ConnectorError
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error.kind).toBe('canceled')
    expect(await loopbackClosed(new URL(opened).searchParams.get('redirect_uri')!)).toBe(true)
  })

  it('the user declines consent: access_denied with a hint', async () => {
    local.sandbox.setInteractiveConsent('decline')
    try {
      const error = (await browserProvider((url) => playBrowser(url))
        .getToken()
        .catch((e: unknown) => e)) as ConnectorError
      expect(error.kind).toBe('unauthorized')
      expect(error.code).toBe('AADSTS65004')
      expect(error.hint).toMatch(/declined/i)
    } finally {
      local.sandbox.setInteractiveConsent('approve')
    }
  })
})

describe('authorize and token endpoints over plain HTTP (wire format)', () => {
  const verifier = () => randomBytes(32).toString('base64url')
  const challengeOf = (v: string) => createHash('sha256').update(v).digest('base64url')
  const redirectUri = 'http://localhost:53123'

  async function authorize(extra: Record<string, string>): Promise<Response> {
    const { info } = local.sandbox
    const query = new URLSearchParams({
      client_id: info.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: `${local.baseUrl}/user_impersonation offline_access openid`,
      state: 'xyz',
      ...extra
    })
    return fetch(`${local.baseUrl}/${info.tenantId}/oauth2/v2.0/authorize?${query}`, { redirect: 'manual' })
  }

  async function redeem(code: string, codeVerifier: string) {
    const { info } = local.sandbox
    const response = await fetch(`${local.baseUrl}/${info.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: info.clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: codeVerifier,
        scope: `${local.baseUrl}/user_impersonation`
      })
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('query mode: 302 to the loopback with code and state; the code redeems once, with the right verifier only', async () => {
    const v1 = verifier()
    const first = await authorize({ code_challenge: challengeOf(v1), code_challenge_method: 'S256' })
    expect(first.status).toBe(302)
    const location = new URL(first.headers.get('location')!)
    expect(location.origin).toBe(redirectUri)
    expect(location.searchParams.get('state')).toBe('xyz')
    const code = location.searchParams.get('code')!
    const wrong = await redeem(code, verifier())
    expect(wrong.status).toBe(400)
    expect(wrong.body).toMatchObject({ error: 'invalid_grant', error_codes: [50148] })
    // The failed attempt burned the code.
    expect((await redeem(code, v1)).body.error).toBe('invalid_grant')

    const v2 = verifier()
    const second = await authorize({ code_challenge: challengeOf(v2), code_challenge_method: 'S256' })
    const code2 = new URL(second.headers.get('location')!).searchParams.get('code')!
    const ok = await redeem(code2, v2)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ token_type: 'Bearer' })
    expect(typeof ok.body.refresh_token).toBe('string')
    const again = await redeem(code2, v2)
    expect(again.body).toMatchObject({ error: 'invalid_grant', error_codes: [54005] })
  })

  it('form_post mode returns the self-submitting form; a non-loopback redirect URI gets an error page, not a redirect', async () => {
    const post = await authorize({ response_mode: 'form_post', code_challenge: challengeOf(verifier()), code_challenge_method: 'S256' })
    expect(post.status).toBe(200)
    const html = await post.text()
    expect(html).toContain(`action="${redirectUri}"`)
    expect(html).toMatch(/name="code" value="[^"]+"/)
    expect(html).toContain('name="state" value="xyz"')

    const { info } = local.sandbox
    const evil = await fetch(
      `${local.baseUrl}/${info.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: info.clientId, response_type: 'code', redirect_uri: 'https://evil.example/cb', scope: `${local.baseUrl}/user_impersonation` })}`,
      { redirect: 'manual' }
    )
    expect(evil.status).toBe(400)
    expect(evil.headers.get('location')).toBeNull()
    expect(await evil.text()).toContain('AADSTS50011')
  })

  it('a bad challenge method is sent back to the app as invalid_request with the state', async () => {
    const response = await authorize({ code_challenge: challengeOf(verifier()), code_challenge_method: 'S512' })
    const location = new URL(response.headers.get('location')!)
    expect(location.searchParams.get('error')).toBe('invalid_request')
    expect(location.searchParams.get('state')).toBe('xyz')
  })
})

describe('certificate sign-in (client assertion)', () => {
  it('the registered certificate signs in; WhoAmI answers as the application user', async () => {
    const me = await connector(certificateProvider(goodCert)).whoAmI()
    expect(me.userId).toBe(local.sandbox.applicationUserId)
  })

  it('a certificate that is not registered: unauthorized, AADSTS700027, with a hint', async () => {
    const error = (await connector(certificateProvider(otherCert))
      .whoAmI()
      .catch((e: unknown) => e)) as ConnectorError
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error.kind).toBe('unauthorized')
    expect(error.code).toBe('AADSTS700027')
    expect(error.message).toMatch(/key was not found/)
    expect(error.hint).toMatch(/certificate/i)
  })

  it('the right thumbprint with another private key fails the signature check', async () => {
    const forged = { ...goodCert, privateKey: otherCert.privateKey }
    const error = (await certificateProvider(forged)
      .getToken()
      .catch((e: unknown) => e)) as ConnectorError
    expect(error.code).toBe('AADSTS700027')
    expect(error.message).toMatch(/signature value did not match/)
  })

  it('hand-made RS256 assertions with x5t (SHA-1): accepted when valid; wrong audience, wrong issuer, expired are refused', async () => {
    const { createSign, X509Certificate } = await import('node:crypto')
    const { info } = local.sandbox
    const x5t = createHash('sha1').update(new X509Certificate(goodCert.cert).raw).digest('base64url')
    const now = Math.floor(Date.now() / 1000)
    const tokenUrl = `${local.baseUrl}/${info.tenantId}/oauth2/v2.0/token`
    const sign = (claims: Record<string, unknown>) => {
      const head = `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', x5t })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
      return `${head}.${createSign('RSA-SHA256').update(head).sign(goodCert.privateKey, 'base64url')}`
    }
    const base = { aud: tokenUrl, iss: info.clientId, sub: info.clientId, nbf: now, exp: now + 600, jti: randomBytes(8).toString('hex') }
    const post = async (claims: Record<string, unknown>) => {
      const response = await fetch(tokenUrl, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: info.clientId,
          scope: info.scope,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: sign(claims)
        })
      })
      return { status: response.status, body: (await response.json()) as { error?: string; error_codes?: number[]; access_token?: string } }
    }
    const ok = await post(base)
    expect(ok.status).toBe(200)
    expect(ok.body.access_token).toBeTruthy()
    expect((await post({ ...base, aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' })).body.error_codes).toEqual([700023])
    expect((await post({ ...base, iss: 'someone-else', sub: 'someone-else' })).body.error_codes).toEqual([700021])
    const expired = await post({ ...base, nbf: now - 7200, exp: now - 3600 })
    expect(expired.status).toBe(401)
    expect(expired.body.error_codes).toEqual([700024])
  })
})
