import { HttpClient } from '../http/client'
import { ConnectorError, isConnectorError } from '../http/errors'
import { registerSecret } from '../http/redact'
import type { TokenProvider, TokenStore } from '../token-provider'

export const DEFAULT_IMS_URL = 'https://ims-na1.adobelogin.com/ims/token/v3'
/** The scope list seen in real ACS integrations (docs/sandbox-campaign.md); configurable per connection. */
export const DEFAULT_CAMPAIGN_SCOPES = [
  'openid',
  'AdobeID',
  'campaign_sdk',
  'additional_info.projectedProductContext',
  'campaign_config_server_general',
  'deliverability_service_general'
]

export interface ImsOptions {
  /** The full token endpoint (default `https://ims-na1.adobelogin.com/ims/token/v3`). */
  imsUrl?: string
  clientId: string
  clientSecret: string
  scopes?: string[]
  /** Renew this long before expiry (default 5 minutes, or a tenth of the lifetime if shorter). */
  renewBeforeMs?: number
  fetch?: typeof fetch
  timeoutMs?: number
  /**
   * Where the token is kept between runs, encrypted (the connection's secret store): the next
   * command reuses it until shortly before it expires instead of asking IMS again.
   */
  cache?: { store: TokenStore; key: string }
}

interface SavedToken {
  value: string
  renewAt: number
  /** What the token was issued for: a changed credential must not reuse it. */
  issuedFor: string
}

/**
 * Adobe IMS OAuth server-to-server (client credentials). One token serves every call until
 * shortly before it expires; concurrent callers share one request (Adobe throttles
 * integrations that generate too many tokens). `forceRefresh` after a 401013.
 */
export class ImsTokenProvider implements TokenProvider {
  readonly method = 'OAuth server-to-server'
  private token: { value: string; renewAt: number } | undefined
  private pending: Promise<string> | undefined
  private readonly http: HttpClient
  /** How many token requests were sent (diagnostics and tests). */
  requests = 0

  constructor(private readonly options: ImsOptions) {
    registerSecret(options.clientSecret)
    this.http = new HttpClient({
      service: 'campaign-ims',
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { maxAttempts: 3 }
    })
  }

  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    if (!options.forceRefresh && this.token && Date.now() < this.token.renewAt) return this.token.value
    if (options.forceRefresh) this.token = undefined
    this.pending ??= (options.forceRefresh ? this.fetchToken(options.signal) : this.savedOrFetch(options.signal)).finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private loaded = false

  private get issuedFor(): string {
    return JSON.stringify([this.options.imsUrl ?? DEFAULT_IMS_URL, this.options.clientId, this.options.scopes ?? []])
  }

  private async savedOrFetch(signal?: AbortSignal): Promise<string> {
    const cache = this.options.cache
    if (cache && !this.loaded) {
      this.loaded = true
      try {
        const saved = JSON.parse((await cache.store.get(cache.key)) ?? 'null') as SavedToken | null
        if (saved && saved.issuedFor === this.issuedFor && typeof saved.value === 'string' && Date.now() < saved.renewAt) {
          registerSecret(saved.value)
          this.token = { value: saved.value, renewAt: saved.renewAt }
          return saved.value
        }
      } catch {
        // an unreadable saved token is simply not reused
      }
    }
    return this.fetchToken(signal)
  }

  private async fetchToken(signal?: AbortSignal): Promise<string> {
    const { clientId, clientSecret } = this.options
    const scopes = this.options.scopes?.length ? this.options.scopes : DEFAULT_CAMPAIGN_SCOPES
    this.requests++
    let body: { access_token?: string; expires_in?: number | string }
    try {
      const response = await this.http.request({
        method: 'POST',
        url: this.options.imsUrl ?? DEFAULT_IMS_URL,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret,
          scope: scopes.join(',')
        }).toString(),
        // Asking twice for a token is harmless.
        idempotent: true,
        signal
      })
      body = response.json()
    } catch (error) {
      throw imsError(error)
    }
    if (!body.access_token)
      throw new ConnectorError({
        kind: 'protocol',
        service: 'campaign-ims',
        message: 'Adobe IMS answered without an access_token.',
        hint: 'Check that the IMS URL is the token endpoint (…/ims/token/v3).'
      })
    // expires_in is seconds for OAuth S2S (the old JWT exchange used milliseconds: tolerate both).
    let lifetimeMs = Number(body.expires_in ?? 3600) * 1000
    if (lifetimeMs > 400 * 86_400_000) lifetimeMs = Number(body.expires_in) // milliseconds already
    const margin = Math.min(this.options.renewBeforeMs ?? 5 * 60_000, lifetimeMs / 10)
    this.token = { value: body.access_token, renewAt: Date.now() + lifetimeMs - margin }
    registerSecret(body.access_token)
    const cache = this.options.cache
    if (cache) {
      const saved: SavedToken = { ...this.token, issuedFor: this.issuedFor }
      await cache.store.set(cache.key, JSON.stringify(saved)).catch(() => undefined)
    }
    return body.access_token
  }

  async signOut(): Promise<void> {
    this.token = undefined
    if (this.options.cache) await this.options.cache.store.delete(this.options.cache.key)
  }
}

function imsError(error: unknown): ConnectorError {
  if (!isConnectorError(error))
    return new ConnectorError({ kind: 'network', service: 'campaign-ims', message: String(error), cause: error })
  if (error.kind === 'unauthorized' || (error.kind === 'badRequest' && /invalid_client/.test(`${error.code} ${error.message}`))) {
    const unknownClient = error.status === 400
    return new ConnectorError({
      kind: 'unauthorized',
      service: 'campaign-ims',
      status: error.status,
      code: error.code,
      message: error.message,
      hint: unknownClient
        ? 'Adobe IMS does not know this client id. Copy the Client ID (API key) of the OAuth Server-to-Server credential from the Adobe Developer Console.'
        : 'The client secret was refused. Copy the current client secret of the OAuth Server-to-Server credential (secrets can be rotated in the Developer Console).'
    })
  }
  if (error.kind === 'badRequest' && /invalid_scope/.test(`${error.code} ${error.message}`)) {
    return new ConnectorError({
      kind: 'badRequest',
      service: 'campaign-ims',
      status: error.status,
      code: error.code,
      message: error.message,
      hint: 'A scope is not granted to this credential. Use exactly the scopes listed on the credential page in the Developer Console.'
    })
  }
  return error
}
