import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { readBody, sendJson } from '../../common/http'
import { CertificateRegistry } from './client-assertion'
import { clientInfo, TokenSigner, unsignedIdToken, type TokenClaims } from './tokens'

/**
 * The Entra ID (v2.0 endpoint) side of the sandbox: OpenID configuration, the token
 * endpoint (client credentials with a secret or a certificate assertion, authorization code
 * with PKCE, device code, refresh token), the authorize endpoint (an auto-consent "browser"
 * page for loopback redirect URIs) and the device-code verification page. Error bodies follow Entra's `{error, error_description: "AADSTS…",
 * error_codes, timestamp, trace_id, correlation_id, error_uri}` shape.
 */
export interface IdentityOptions {
  tenantId: string
  clientId: string
  clientSecret: string
  /** The Dataverse resource (`http://127.0.0.1:4500`): scopes must be `<resource>/.default`. */
  resource: string
  tokenLifetimeSeconds: number
  /** systemuserid the application (client credentials) acts as. */
  applicationUserId: string
  /** systemuserid a device-code sign-in acts as. */
  interactiveUserId: string
  interactiveUserName: string
  interactiveUserUpn: string
  autoApproveDeviceCodes: boolean
  deviceCodeIntervalSeconds: number
  /** Public certificates (PEM) registered as credentials of the app (certificate sign-in). */
  certificates: string[]
  /**
   * Registered redirect URIs for the authorization-code flow. A loopback entry
   * (`http://localhost`, `http://127.0.0.1`) matches any port, as Entra does for
   * "Mobile and desktop applications" platforms.
   */
  redirectUris: string[]
  /** What the simulated user does on the authorize page (default: consent). */
  interactiveConsent: 'approve' | 'decline'
  now: () => number
}

/** Authorization codes live about ten minutes in Entra. */
const AUTHORIZATION_CODE_TTL_MS = 10 * 60_000

const identityPath =
  /^\/(devicelogin|common\/discovery\/instance|[^/]+\/(oauth2\/v2\.0\/(token|devicecode|authorize)|v2\.0\/\.well-known\/openid-configuration|discovery\/v2\.0\/keys))$/

interface DeviceCode {
  deviceCode: string
  userCode: string
  clientId: string
  scope: string
  expiresAt: number
  state: 'pending' | 'approved' | 'declined'
}

interface AuthorizationCode {
  clientId: string
  redirectUri: string
  scope: string
  userId: string
  codeChallenge?: string
  codeChallengeMethod?: 'plain' | 'S256'
  nonce?: string
  expiresAt: number
  redeemed: boolean
}

interface OAuthProblem {
  status: number
  error: string
  code: number
  message: string
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** base64url(SHA-256(ASCII(code_verifier))) — RFC 7636 §4.2 S256. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

interface RefreshGrant {
  clientId: string
  scope: string
  userId: string
}

export class IdentityProvider {
  readonly signer = new TokenSigner()
  private readonly deviceCodes = new Map<string, DeviceCode>()
  private readonly refreshTokens = new Map<string, RefreshGrant>()
  private readonly authorizationCodes = new Map<string, AuthorizationCode>()
  readonly certificates = new CertificateRegistry()

  constructor(readonly options: IdentityOptions) {
    for (const pem of options.certificates) this.certificates.add(pem)
  }

  private tenantMatches(segment: string): boolean {
    return segment === this.options.tenantId || segment === 'organizations' || segment === 'common'
  }

  /** True when the path belongs to the identity side (any tenant segment, so a wrong tenant gets Entra's error). */
  owns(pathname: string): boolean {
    return identityPath.test(pathname)
  }

  private origin(req: IncomingMessage): string {
    const tls = (req.socket as TLSSocket).encrypted === true
    return `${tls ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (pathname === '/devicelogin') return this.deviceLoginPage(req, res)
    if (pathname === '/common/discovery/instance') return this.instanceDiscovery(req, res)
    const [, tenant, ...rest] = pathname.split('/')
    const route = rest.join('/')
    if (!this.tenantMatches(tenant)) {
      return this.error(
        res,
        400,
        'invalid_tenant',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`
      )
    }
    const origin = this.origin(req)
    if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') return this.openIdConfiguration(res, origin, tenant)
    if (req.method === 'GET' && route === 'discovery/v2.0/keys') return sendJson(res, 200, { keys: [] })
    if (req.method === 'POST' && route === 'oauth2/v2.0/token') return this.token(req, res, origin, tenant)
    if (req.method === 'POST' && route === 'oauth2/v2.0/devicecode') return this.deviceCode(req, res, origin)
    if (req.method === 'GET' && route === 'oauth2/v2.0/authorize') return this.authorize(req, res, tenant)
    return this.error(
      res,
      404,
      'invalid_request',
      900561,
      `The endpoint '${pathname}' does not exist or does not accept ${req.method} requests.`
    )
  }

  private openIdConfiguration(res: ServerResponse, origin: string, tenant: string): void {
    const base = `${origin}/${tenant}`
    sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${this.options.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'oid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'sandbox.invalid',
      cloud_graph_host_name: 'graph.sandbox.invalid',
      msgraph_host: 'graph.sandbox.invalid',
      rbac_url: 'https://pas.sandbox.invalid'
    })
  }

  private instanceDiscovery(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? '127.0.0.1'
    sendJson(res, 200, {
      tenant_discovery_endpoint: `${this.origin(req)}/${this.options.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }]
    })
  }

  private error(res: ServerResponse, status: number, error: string, code: number, message: string): void {
    sendJson(res, status, this.errorBody(error, code, message))
  }

  private errorBody(error: string, code: number, message: string): Record<string, unknown> {
    const traceId = randomUUID()
    const correlationId = randomUUID()
    const timestamp = new Date(this.options.now())
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z')
    return {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`
    }
  }

  private async form(req: IncomingMessage): Promise<URLSearchParams> {
    const body = await readBody(req, 1024 * 1024)
    const params = new URLSearchParams(body)
    // client_secret_basic: credentials in the Authorization header.
    const auth = req.headers.authorization
    if (auth?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')
      if (!params.has('client_id')) params.set('client_id', decodeURIComponent(id))
      if (!params.has('client_secret')) params.set('client_secret', decodeURIComponent(secret ?? ''))
    }
    return params
  }

  /** Checks `<resource>/.default` (or `/user_impersonation` for delegated flows). */
  private checkScope(res: ServerResponse, scope: string, delegated: boolean): string | undefined {
    const result = this.scopeCheck(scope, delegated)
    if ('problem' in result) {
      this.error(res, result.problem.status, result.problem.error, result.problem.code, result.problem.message)
      return undefined
    }
    return result.scope
  }

  private scopeCheck(scope: string, delegated: boolean): { scope: string } | { problem: OAuthProblem } {
    const scopes = scope.split(' ').filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s))
    const resource = this.options.resource.replace(/\/$/, '')
    const target = scopes[0]
    if (!target) {
      return {
        problem: {
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
          message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
        }
      }
    }
    const match = /^(.*)\/(\.default|user_impersonation)$/.exec(target)
    if (!match || (!delegated && match[2] !== '.default')) {
      return {
        problem: {
          status: 400,
          error: 'invalid_scope',
          code: 1002012,
          message: `The provided value for scope ${target} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
        }
      }
    }
    if (match[1].replace(/\/$/, '') !== resource) {
      return {
        problem: {
          status: 400,
          error: 'invalid_resource',
          code: 500011,
          message: `The resource principal named ${match[1]} was not found in the tenant named ${this.options.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`
        }
      }
    }
    return { scope: target }
  }

  private issue(clientId: string, userId: string, scope: string, origin: string, delegated: boolean): Record<string, unknown> {
    const now = Math.floor(this.options.now() / 1000)
    const lifetime = this.options.tokenLifetimeSeconds
    const claims: TokenClaims = {
      aud: this.options.resource.replace(/\/$/, ''),
      iss: `${origin}/${this.options.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      tid: this.options.tenantId,
      appid: clientId,
      oid: userId,
      sub: userId,
      ver: '1.0',
      ...(delegated ? { scp: 'user_impersonation', name: this.options.interactiveUserName } : {})
    }
    return {
      token_type: 'Bearer',
      scope,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: this.signer.sign(claims)
    }
  }

  private async token(req: IncomingMessage, res: ServerResponse, origin: string, tenant: string): Promise<void> {
    const form = await this.form(req)
    const grant = form.get('grant_type')
    const clientId = form.get('client_id') ?? ''
    if (clientId !== this.options.clientId) {
      return this.error(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
      )
    }
    if (grant === 'client_credentials') {
      const secret = form.get('client_secret')
      const assertion = form.get('client_assertion')
      if (assertion && !secret) {
        const problem = this.certificates.verify(form.get('client_assertion_type'), assertion, {
          clientId,
          audiences: this.assertionAudiences(origin, tenant),
          nowMs: this.options.now()
        })
        if (problem) return this.error(res, problem.status, problem.error, problem.code, problem.message)
      } else if (secret !== this.options.clientSecret) {
        if (!secret && !form.get('client_assertion')) {
          return this.error(
            res,
            401,
            'invalid_client',
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
          )
        }
        return this.error(
          res,
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`
        )
      }
      const scope = this.checkScope(res, form.get('scope') ?? '', false)
      if (!scope) return
      return sendJson(res, 200, this.issue(clientId, this.options.applicationUserId, scope, origin, false))
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:device_code' || grant === 'device_code') {
      const entry = this.deviceCodes.get(form.get('device_code') ?? '')
      if (!entry) return this.error(res, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.')
      if (this.options.now() > entry.expiresAt)
        return this.error(
          res,
          400,
          'expired_token',
          70020,
          'The provided value for the input parameter device_code is not valid. This code has expired.'
        )
      if (entry.state === 'declined') return this.error(res, 400, 'authorization_declined', 70019, 'The user declined the sign-in.')
      if (entry.state === 'pending')
        return this.error(
          res,
          400,
          'authorization_pending',
          70016,
          'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'
        )
      this.deviceCodes.delete(entry.deviceCode)
      return sendJson(res, 200, this.delegatedTokens(clientId, entry.scope, origin))
    }
    if (grant === 'authorization_code') return this.redeemCode(res, form, clientId, origin)
    if (grant === 'refresh_token') {
      const refresh = this.refreshTokens.get(form.get('refresh_token') ?? '')
      if (!refresh || refresh.clientId !== clientId)
        return this.error(res, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.')
      const scope = this.checkScope(res, form.get('scope') ?? refresh.scope, true)
      if (!scope) return
      return sendJson(res, 200, this.delegatedTokens(clientId, scope, origin))
    }
    return this.error(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`)
  }

  /** Token endpoint URLs a client assertion's `aud` may name. */
  private assertionAudiences(origin: string, tenant: string): string[] {
    const tenants = [...new Set([this.options.tenantId, tenant])]
    return tenants.flatMap((t) => [`${origin}/${t}/oauth2/v2.0/token`, `${origin}/${t}/oauth2/token`])
  }

  /** Whether a redirect URI is registered; loopback URIs match on scheme, host and path, any port. */
  private redirectAllowed(value: string): boolean {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      return false
    }
    const loopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]'
    return this.options.redirectUris.some((registered) => {
      const r = new URL(registered)
      if (loopback(r.hostname) && r.protocol === 'http:') {
        return (
          url.protocol === 'http:' &&
          url.hostname === r.hostname &&
          url.pathname.replace(/\/$/, '') === r.pathname.replace(/\/$/, '') &&
          !url.hash
        )
      }
      return url.href === r.href
    })
  }

  /** An error page the "browser" shows when the request cannot be sent back to the app. */
  private errorPage(res: ServerResponse, status: number, code: number, message: string): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'",
      'x-ms-aadsts-code': String(code)
    })
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Sign in to your account</title></head><body>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error">AADSTS${code}: ${escapeHtml(message)}</p>
</body></html>`)
  }

  /**
   * Sends the authorization response to the app's redirect URI: a 302 with the parameters in
   * the query (default for `code`) or fragment, or for `response_mode=form_post` the
   * self-submitting HTML form Entra uses (msal-node's loopback accepts only form_post).
   */
  private respondToApp(res: ServerResponse, redirectUri: string, mode: string, params: Record<string, string>): void {
    if (mode === 'form_post') {
      const nonce = randomBytes(16).toString('base64')
      const inputs = Object.entries(params)
        .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}" />`)
        .join('')
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; form-action ${new URL(redirectUri).origin}`
      })
      res.end(
        `<html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${escapeHtml(redirectUri)}">${inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit" /></noscript></form><script nonce="${nonce}">document.forms[0].submit();</script></body></html>`
      )
      return
    }
    const url = new URL(redirectUri)
    const encoded = new URLSearchParams(params).toString()
    if (mode === 'fragment') url.hash = encoded
    else for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
    res.writeHead(302, { Location: url.href, 'Cache-Control': 'no-store', 'Content-Length': 0 })
    res.end()
  }

  /**
   * `GET /{tenant}/oauth2/v2.0/authorize`: the browser step of the authorization-code flow.
   * The sandbox plays a signed-in user who consents at once (or declines, see
   * `interactiveConsent`) and sends a single-use code back to the loopback redirect URI.
   */
  private authorize(req: IncomingMessage, res: ServerResponse, tenant: string): void {
    const query = new URL(req.url ?? '/', 'http://sandbox.invalid').searchParams
    const clientId = query.get('client_id') ?? ''
    if (clientId !== this.options.clientId) {
      return this.errorPage(
        res,
        400,
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
      )
    }
    const redirectUri = query.get('redirect_uri') ?? ''
    if (!this.redirectAllowed(redirectUri)) {
      return this.errorPage(
        res,
        400,
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`
      )
    }
    const responseType = query.get('response_type') ?? ''
    const mode = query.get('response_mode') ?? (responseType === 'code' ? 'query' : 'fragment')
    if (!['query', 'fragment', 'form_post'].includes(mode)) {
      return this.errorPage(
        res,
        400,
        900144,
        `The value '${mode}' of the parameter 'response_mode' is not supported. Use query, fragment or form_post.`
      )
    }
    const state = query.get('state')
    const fail = (problem: Omit<OAuthProblem, 'status'>) => {
      const body = this.errorBody(problem.error, problem.code, problem.message)
      const params: Record<string, string> = {
        error: problem.error,
        error_description: String(body.error_description),
        error_uri: String(body.error_uri)
      }
      if (state !== null) params.state = state
      this.respondToApp(res, redirectUri, mode, params)
    }
    if (!responseType)
      return fail({
        error: 'invalid_request',
        code: 900144,
        message: "The request body must contain the following parameter: 'response_type'."
      })
    if (responseType !== 'code')
      return fail({
        error: 'unsupported_response_type',
        code: 700054,
        message: `response_type '${responseType}' is not enabled for the application.`
      })
    const scoped = this.scopeCheck(query.get('scope') ?? '', true)
    if ('problem' in scoped) return fail(scoped.problem)
    const challenge = query.get('code_challenge') ?? undefined
    const method = query.get('code_challenge_method') ?? (challenge ? 'plain' : undefined)
    if (method !== undefined && method !== 'plain' && method !== 'S256') {
      return fail({
        error: 'invalid_request',
        code: 501491,
        message: `Invalid code_challenge_method '${method}'. Supported values are 'plain' and 'S256'.`
      })
    }
    if (challenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
      return fail({ error: 'invalid_request', code: 501491, message: 'Invalid size of Code_Challenge parameter.' })
    }
    if (this.options.interactiveConsent === 'decline') {
      return fail({ error: 'access_denied', code: 65004, message: 'User declined to consent to access the app.' })
    }
    const code = `1.${randomBytes(48).toString('base64url')}`
    this.authorizationCodes.set(code, {
      clientId,
      redirectUri,
      scope: scoped.scope,
      userId: this.options.interactiveUserId,
      codeChallenge: challenge,
      codeChallengeMethod: method as AuthorizationCode['codeChallengeMethod'],
      nonce: query.get('nonce') || undefined,
      expiresAt: this.options.now() + AUTHORIZATION_CODE_TTL_MS,
      redeemed: false
    })
    const params: Record<string, string> = { code, client_info: clientInfo(this.options.interactiveUserId, this.options.tenantId) }
    if (state !== null) params.state = state
    params.session_state = randomUUID()
    this.respondToApp(res, redirectUri, mode, params)
  }

  /** `grant_type=authorization_code`: single use, same client and redirect URI, PKCE verified. */
  private redeemCode(res: ServerResponse, form: URLSearchParams, clientId: string, origin: string): void {
    const code = form.get('code') ?? ''
    const entry = this.authorizationCodes.get(code)
    if (!entry || entry.clientId !== clientId)
      return this.error(res, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.')
    if (entry.redeemed)
      return this.error(
        res,
        400,
        'invalid_grant',
        54005,
        'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'
      )
    if (this.options.now() > entry.expiresAt) {
      this.authorizationCodes.delete(code)
      return this.error(
        res,
        400,
        'invalid_grant',
        70008,
        'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'
      )
    }
    if ((form.get('redirect_uri') ?? '') !== entry.redirectUri) {
      return this.error(
        res,
        400,
        'invalid_grant',
        50011,
        `The redirect URI '${form.get('redirect_uri') ?? ''}' specified in the request does not match the redirect URI used in the authorization request.`
      )
    }
    if (entry.codeChallenge !== undefined) {
      const verifier = form.get('code_verifier') ?? ''
      const expected = Buffer.from(entry.codeChallenge, 'ascii')
      const actual = Buffer.from(entry.codeChallengeMethod === 'S256' ? pkceChallenge(verifier) : verifier, 'ascii')
      const ok = /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) && actual.length === expected.length && timingSafeEqual(actual, expected)
      if (!ok) {
        // A failed PKCE check burns the code: it cannot be retried with other verifiers.
        this.authorizationCodes.delete(code)
        return this.error(
          res,
          400,
          'invalid_grant',
          50148,
          'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.'
        )
      }
    }
    entry.redeemed = true
    return sendJson(res, 200, this.delegatedTokens(clientId, entry.scope, origin, entry.nonce))
  }

  private delegatedTokens(clientId: string, scope: string, origin: string, nonce?: string): Record<string, unknown> {
    const { interactiveUserId: userId, tenantId } = this.options
    const now = Math.floor(this.options.now() / 1000)
    const refreshToken = randomBytes(32).toString('base64url')
    this.refreshTokens.set(refreshToken, { clientId, scope, userId })
    return {
      ...this.issue(clientId, userId, scope, origin, true),
      refresh_token: refreshToken,
      id_token: unsignedIdToken({
        aud: clientId,
        iss: `${origin}/${tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: this.options.interactiveUserName,
        oid: userId,
        preferred_username: this.options.interactiveUserUpn,
        sub: userId,
        tid: tenantId,
        ver: '2.0',
        ...(nonce ? { nonce } : {})
      }),
      client_info: clientInfo(userId, tenantId)
    }
  }

  private async deviceCode(req: IncomingMessage, res: ServerResponse, origin: string): Promise<void> {
    const form = await this.form(req)
    const clientId = form.get('client_id') ?? ''
    if (clientId !== this.options.clientId) {
      return this.error(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.options.tenantId}'.`
      )
    }
    const scope = this.checkScope(res, form.get('scope') ?? '', true)
    if (!scope) return
    const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    const userCode = Array.from(randomBytes(9), (b) => letters[b % letters.length]).join('')
    const entry: DeviceCode = {
      deviceCode: randomBytes(32).toString('base64url'),
      userCode,
      clientId,
      scope,
      expiresAt: this.options.now() + 900_000,
      state: this.options.autoApproveDeviceCodes ? 'approved' : 'pending'
    }
    this.deviceCodes.set(entry.deviceCode, entry)
    const verificationUri = `${origin}/devicelogin`
    sendJson(res, 200, {
      user_code: userCode,
      device_code: entry.deviceCode,
      verification_uri: verificationUri,
      expires_in: 900,
      interval: this.options.deviceCodeIntervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`
    })
  }

  /** Completes (or declines) a pending device-code sign-in, as the user would in the browser. */
  completeDeviceCode(userCode: string, approve = true): boolean {
    for (const entry of this.deviceCodes.values()) {
      if (entry.userCode === userCode.trim().toUpperCase() && entry.state === 'pending') {
        entry.state = approve ? 'approved' : 'declined'
        return true
      }
    }
    return false
  }

  pendingDeviceCodes(): string[] {
    return [...this.deviceCodes.values()].filter((e) => e.state === 'pending').map((e) => e.userCode)
  }

  private async deviceLoginPage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let message = ''
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req, 64 * 1024))
      const ok = this.completeDeviceCode(form.get('user_code') ?? '', form.get('action') !== 'decline')
      message = ok
        ? '<p><strong>Done.</strong> You can close this window and return to Sync Studio.</p>'
        : '<p><strong>That code is not valid or has expired.</strong></p>'
    }
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Sandbox sign-in</title></head><body>
<h1>Sync Studio sandbox sign-in</h1>
<p>Signing in as <em>${this.options.interactiveUserName}</em> (${this.options.interactiveUserUpn}) to the Dataverse sandbox.</p>
${message}
<form method="post"><label>Code <input name="user_code" autocomplete="off" autofocus></label>
<button name="action" value="approve">Continue</button> <button name="action" value="decline">Cancel</button></form>
</body></html>`
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; form-action 'self'" })
    res.end(html)
  }
}
