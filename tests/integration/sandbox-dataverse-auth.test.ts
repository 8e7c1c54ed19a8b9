import { ConfidentialClientApplication, PublicClientApplication, ServerError } from '@azure/msal-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTrustingNetworkClient, sandboxAuthOptions } from '../../src/main/connectors/dynamics/msal-network'
import type { TlsListener } from '../../src/main/sandbox/dataverse/index'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/** Real msal-node against the sandbox's https authority; real HTTP against the Web API. */
let local: LocalDataverseServer
let tls: TlsListener
let clock = Date.now()
let networkClient: ReturnType<typeof createTrustingNetworkClient>

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 11, contacts: 50, now: () => clock })
  tls = await local.sandbox.startAuthorityTls()
  networkClient = createTrustingNetworkClient(local.sandbox.info.ca!)
})

afterAll(async () => {
  await networkClient.close()
  await tls.close()
  await local.close()
})

function confidentialClient(secret: string): ConfidentialClientApplication {
  const { info } = local.sandbox
  return new ConfidentialClientApplication({
    auth: { clientId: info.clientId, clientSecret: secret, ...sandboxAuthOptions(info.authority) },
    system: { networkClient }
  })
}

describe('Entra-style authority', () => {
  it('is https and publishes an OpenID configuration msal accepts', async () => {
    const { info } = local.sandbox
    expect(info.authority).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/)
    const response = await networkClient.sendGetRequestAsync<Record<string, string>>(
      `${info.authority}/v2.0/.well-known/openid-configuration`
    )
    expect(response.status).toBe(200)
    expect(response.body.token_endpoint).toBe(`${info.authority}/oauth2/v2.0/token`)
    expect(response.body.issuer).toBe(`${tls.origin}/${info.tenantId}/v2.0`)
    expect(response.body.jwks_uri).toBeTruthy()
  })

  it('a real ConfidentialClientApplication gets a token the Web API accepts', async () => {
    const { info } = local.sandbox
    const result = await confidentialClient(info.clientSecret).acquireTokenByClientCredential({ scopes: [info.scope] })
    expect(result?.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(result?.tokenType).toBe('Bearer')
    const whoAmI = await fetch(`${info.url}WhoAmI`, {
      headers: { Authorization: `Bearer ${result!.accessToken}`, Accept: 'application/json' }
    })
    expect(whoAmI.status).toBe(200)
    const body = (await whoAmI.json()) as Record<string, string>
    expect(body.UserId).toBe(local.sandbox.applicationUserId)
  })

  it('a bad secret gets invalid_client / AADSTS7000215 through msal', async () => {
    const { info } = local.sandbox
    const error = await confidentialClient('not-the-secret')
      .acquireTokenByClientCredential({ scopes: [info.scope] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ServerError)
    expect((error as ServerError).errorCode).toBe('invalid_client')
    expect((error as ServerError).errorMessage).toContain('AADSTS7000215: Invalid client secret provided.')
  })

  it('documents the raw token endpoint errors: wrong scope resource, missing /.default, unknown client', async () => {
    const { info } = local.sandbox
    const post = (form: Record<string, string>) =>
      fetch(info.tokenUrl.replace(tls.origin, local.baseUrl), { method: 'POST', body: new URLSearchParams(form) })
    const base = { grant_type: 'client_credentials', client_id: info.clientId, client_secret: info.clientSecret }
    let response = await post({ ...base, scope: 'https://other.crm.dynamics.com/.default' })
    expect(response.status).toBe(400)
    let body = (await response.json()) as { error: string; error_codes: number[]; error_description: string }
    expect(body.error).toBe('invalid_resource')
    expect(body.error_codes).toEqual([500011])
    response = await post({ ...base, scope: `${local.baseUrl}/user_impersonation` })
    body = (await response.json()) as typeof body
    expect(body.error).toBe('invalid_scope')
    expect(body.error_description).toMatch(/^AADSTS1002012: /)
    response = await post({ ...base, client_id: '00000000-0000-0000-0000-000000000000', scope: info.scope })
    body = (await response.json()) as typeof body
    expect(response.status).toBe(400)
    expect(body.error).toBe('unauthorized_client')
    expect(body.error_codes).toEqual([700016])
  })

  it('device code: msal polls until the sandbox user approves, then the token works', async () => {
    const { info } = local.sandbox
    const pca = new PublicClientApplication({
      auth: { clientId: info.clientId, ...sandboxAuthOptions(info.authority) },
      system: { networkClient }
    })
    let message = ''
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [`${local.baseUrl}/user_impersonation`],
      deviceCodeCallback: (response) => {
        message = response.message
        setTimeout(() => local.sandbox.approveDeviceCode(response.userCode), 100)
      }
    })
    expect(message).toMatch(/open the page https:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code [A-Z0-9]{9}/)
    expect(result?.account?.username).toBe('alex.admin@contoso.example')
    const whoAmI = await fetch(`${info.url}WhoAmI`, { headers: { Authorization: `Bearer ${result!.accessToken}` } })
    expect(((await whoAmI.json()) as { UserId: string }).UserId).toBe(local.sandbox.idOf('systemuser', 1))
  })
})

describe('bearer validation on the Web API', () => {
  it('no token: 401 with WWW-Authenticate pointing at the authority and resource', async () => {
    const response = await fetch(`${local.sandbox.info.url}contacts`)
    expect(response.status).toBe(401)
    const challenge = response.headers.get('www-authenticate') ?? ''
    expect(challenge).toBe(`Bearer authorization_uri=${local.sandbox.info.authority}/oauth2/authorize, resource_id=${local.baseUrl}/`)
  })

  it('forged and expired tokens: 401 invalid_token', async () => {
    const { info } = local.sandbox
    const forged = await fetch(`${info.url}WhoAmI`, { headers: { Authorization: 'Bearer aaa.bbb.ccc' } })
    expect(forged.status).toBe(401)
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const token = await fetch(info.tokenUrl.replace(tls.origin, local.baseUrl), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.clientId,
        client_secret: info.clientSecret,
        scope: info.scope
      })
    })
    const { access_token, expires_in } = (await token.json()) as { access_token: string; expires_in: number }
    expect(expires_in).toBe(3599)
    const ok = await fetch(`${info.url}WhoAmI`, { headers: { Authorization: `Bearer ${access_token}` } })
    expect(ok.status).toBe(200)
    clock += 3600_000
    try {
      const expired = await fetch(`${info.url}WhoAmI`, { headers: { Authorization: `Bearer ${access_token}` } })
      expect(expired.status).toBe(401)
      expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/^ExpiredAuthTicket/)
    } finally {
      clock -= 3600_000
    }
  })
})
