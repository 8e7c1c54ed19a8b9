import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody, sendJson } from '../common/http'
import type { CampaignSettings } from './options'

interface IssuedToken {
  clientId: string
  scopes: string[]
  expiresAt: number
  revoked: boolean
}

export type TokenCheck = { ok: true; token: IssuedToken } | { ok: false }

/**
 * Adobe IMS, OAuth server-to-server (https://developer.adobe.com/developer-console/docs/guides/authentication/ServerToServerAuthentication/ims): `POST /ims/token/v3` with a form body,
 * answering `{access_token, token_type: "bearer", expires_in}` (seconds). No refresh tokens.
 */
export class ImsTokens {
  private readonly tokens = new Map<string, IssuedToken>()

  constructor(private readonly settings: CampaignSettings) {}

  private nowMs(): number {
    return this.settings.now().getTime()
  }

  async handleToken(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'method_not_allowed', error_description: 'use POST' }, { Allow: 'POST' })
      return
    }
    // Parameters may be in the body or the query string; the body is recommended.
    const params = new URLSearchParams(url.search)
    const body = await readBody(req)
    const type = String(req.headers['content-type'] ?? '')
    if (body && !type.includes('application/x-www-form-urlencoded')) {
      sendJson(res, 400, { error: 'invalid_request', error_description: 'Content-Type must be application/x-www-form-urlencoded' })
      return
    }
    for (const [k, v] of new URLSearchParams(body)) params.set(k, v)

    const grantType = params.get('grant_type')
    const clientId = params.get('client_id')
    const clientSecret = params.get('client_secret')
    const scope = params.get('scope')
    if (!clientId) return imsError(res, 400, 'invalid_request', 'missing client_id parameter')
    if (clientId !== this.settings.clientId) return imsError(res, 400, 'invalid_client', 'invalid client_id parameter')
    if (!clientSecret || clientSecret !== this.settings.clientSecret) {
      return imsError(res, 401, 'invalid_client', 'invalid client_secret parameter')
    }
    if (grantType !== 'client_credentials') return imsError(res, 400, 'unsupported_grant_type', 'unsupported grant_type parameter')
    if (!scope) return imsError(res, 400, 'invalid_scope', 'missing scope parameter')
    // The documented separator is a comma; spaces are tolerated because OAuth libraries join with them.
    const scopes = scope.split(/[,\s]+/).filter(Boolean)
    const unknown = scopes.filter((s) => !this.settings.scopes.includes(s))
    if (unknown.length > 0) return imsError(res, 400, 'invalid_scope', `invalid scope: ${unknown.join(',')}`)

    const accessToken = this.mint(clientId, scopes)
    sendJson(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: this.settings.tokenTtlSeconds })
  }

  /** The token diagnostics endpoint (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/troubleshooting). */
  handleProfile(req: IncomingMessage, res: ServerResponse): void {
    const check = this.check(bearerOf(req))
    if (!check.ok) return imsError(res, 401, 'invalid_token', 'invalid or expired token')
    sendJson(res, 200, {
      account_type: 'type3',
      email: `${check.token.clientId}@techacct.adobe.com`,
      projectedProductContext: check.token.scopes.includes('additional_info.projectedProductContext')
        ? [
            {
              prodCtx: {
                serviceCode: 'dma_tartan',
                organization_id: this.settings.orgId,
                owningEntity: `${this.settings.orgId.toUpperCase()}0000000000000000@AdobeOrg`,
                statusCode: 'ACTIVE'
              }
            }
          ]
        : []
    })
  }

  /** A JWT-shaped opaque token, as IMS issues; only this sandbox's map decides validity. */
  private mint(clientId: string, scopes: string[]): string {
    const created = this.nowMs()
    const header = { alg: 'RS256', x5u: 'ims_na1-key-at-1.cer', kid: 'ims_na1-key-at-1', itt: 'at' }
    const payload = {
      id: randomBytes(8).toString('hex'),
      type: 'access_token',
      client_id: clientId,
      user_id: `${clientId.toUpperCase()}@techacct.adobe.com`,
      as: 'ims-na1',
      scope: scopes.join(','),
      created_at: String(created),
      expires_in: String(this.settings.tokenTtlSeconds * 1000)
    }
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const token = `${encode(header)}.${encode(payload)}.${randomBytes(48).toString('base64url')}`
    this.tokens.set(token, { clientId, scopes, expiresAt: created + this.settings.tokenTtlSeconds * 1000, revoked: false })
    return token
  }

  check(token: string | undefined): TokenCheck {
    const issued = token ? this.tokens.get(token) : undefined
    if (!issued || issued.revoked || issued.expiresAt <= this.nowMs()) return { ok: false }
    return { ok: true, token: issued }
  }

  revoke(token: string): void {
    const issued = this.tokens.get(token)
    if (issued) issued.revoked = true
  }

  /** Test hook: every token issued so far becomes invalid (the next call answers 401013). */
  expireAll(): void {
    for (const issued of this.tokens.values()) issued.revoked = true
  }
}

export function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? header.match(/^Bearer\s+(\S+)$/i) : null
  return match ? match[1] : undefined
}

function imsError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description })
}
