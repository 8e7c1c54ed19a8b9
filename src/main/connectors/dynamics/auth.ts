import {
  AuthError,
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AuthenticationResult,
  type Configuration,
  type DeviceCodeRequest,
  type ICachePlugin,
  type INetworkModule,
  type TokenCacheContext
} from '@azure/msal-node'
import { ConnectorError, classifyNetworkError, networkHint } from '../http/errors'
import { redact, registerSecret } from '../http/redact'
import { abortError } from '../http/retry'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TokenProvider, TokenStore } from '../token-provider'
import type { MsalNetworkModule } from './msal-network'

type DeviceCodeResponse = Parameters<DeviceCodeRequest['deviceCodeCallback']>[0]

export type DynamicsAuthMethod = 'clientSecret' | 'certificate' | 'deviceCode' | 'interactive' | 'bearerToken'

export interface DynamicsAuthOptions {
  /** `https://contoso.crm.dynamics.com` (any https host; a path or trailing slash is ignored). */
  environmentUrl: string
  tenantId: string
  clientId: string
  /** Full authority URL; default `https://login.microsoftonline.com/<tenantId>`. */
  authority?: string
  /** Hosts msal may trust without instance discovery (sandbox, sovereign clouds). */
  knownAuthorities?: string[]
  /** msal network module: the connection's proxy and CAs (MsalNetworkModule); default msal's own. */
  networkClient?: INetworkModule | MsalNetworkModule
  /** Where the msal token cache is persisted (the app's encrypted secret store; omit: memory only). */
  cache?: { store: TokenStore; key: string }
  /** Explicit scope; default derived from the environment URL. */
  scope?: string
}

/** `https://org.crm.dynamics.com/.default` from any form of the environment URL. */
export function dynamicsScope(environmentUrl: string): string {
  return `${environmentOrigin(environmentUrl)}/.default`
}

export function environmentOrigin(environmentUrl: string): string {
  const url = new URL(environmentUrl.includes('://') ? environmentUrl : `https://${environmentUrl}`)
  return url.origin
}

/** An msal cache plugin that keeps the serialized cache in the given store (the app's secret store encrypts it). */
export function secretStoreCachePlugin(store: TokenStore, key: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext) {
      const saved = await store.get(key)
      if (saved) context.tokenCache.deserialize(saved)
    },
    async afterCacheAccess(context: TokenCacheContext) {
      if (context.cacheHasChanged) await store.set(key, context.tokenCache.serialize())
    }
  }
}

/**
 * msal-node refuses anything but an https authority (`authority_uri_insecure`), deep inside
 * its first request: say so up front, in words, before any sign-in is tried.
 */
export function checkAuthority(authority: string): void {
  let url: URL
  try {
    url = new URL(authority)
  } catch {
    throw new ConnectorError({
      kind: 'badRequest',
      service: 'dynamics-auth',
      code: 'authority_invalid',
      message: `The authority "${authority}" is not a URL.`,
      hint: 'Write it as https://login.microsoftonline.com/<tenant id>, or leave it empty and choose the cloud.'
    })
  }
  if (url.protocol !== 'https:')
    throw new ConnectorError({
      kind: 'badRequest',
      service: 'dynamics-auth',
      code: 'authority_uri_insecure',
      message: `The authority ${url.origin} uses ${url.protocol.replace(':', '')}: Microsoft's sign-in library only talks to https:// authorities.`,
      hint: "Use the https:// address of your cloud's sign-in service (https://login.microsoftonline.com/<tenant id> for the public cloud), or leave the authority empty and choose the cloud."
    })
}

function msalConfig(options: DynamicsAuthOptions, extra: Partial<Configuration['auth']> = {}): Configuration {
  checkAuthority(options.authority ?? `https://login.microsoftonline.com/${options.tenantId}`)
  return {
    auth: {
      clientId: options.clientId,
      authority: options.authority ?? `https://login.microsoftonline.com/${options.tenantId}`,
      ...(options.knownAuthorities ? { knownAuthorities: options.knownAuthorities } : {}),
      ...extra
    },
    cache: options.cache ? { cachePlugin: secretStoreCachePlugin(options.cache.store, options.cache.key) } : undefined,
    system: options.networkClient ? { networkClient: options.networkClient } : undefined
  }
}

/** msal's errors (Entra's AADSTS codes, network failures) as ConnectorErrors with a hint. */
export function authError(error: unknown, networkFailure?: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error
  if (error instanceof AuthError && networkFailure !== undefined) {
    // msal keeps only the text of a failed request: the module's last failure knows the proxy and the certificate.
    const failure = classifyNetworkError(networkFailure)
    return new ConnectorError({
      kind: failure.kind,
      service: 'dynamics-auth',
      code: failure.code,
      message: `Could not reach the sign-in service${failure.route?.proxy ? ` through the proxy ${failure.route.proxy}` : ''}: ${failure.message}`,
      hint: networkHint(failure, 'dynamics-auth'),
      cause: error
    })
  }
  if (error instanceof AuthError) {
    const text = `${error.errorCode}: ${error.errorMessage}`
    if (
      error.errorCode === 'authority_uri_insecure' ||
      error.errorCode === 'url_parse_error' ||
      error.errorCode === 'invalid_authority_type'
    )
      return new ConnectorError({
        kind: 'badRequest',
        service: 'dynamics-auth',
        code: error.errorCode,
        message: redact(text),
        hint: "The authority must be your cloud's https:// sign-in address with the tenant, e.g. https://login.microsoftonline.com/<tenant id>.",
        cause: error
      })
    const aad = /AADSTS(\d+)/.exec(error.errorMessage)?.[0]
    const code = aad ?? error.errorCode
    if (/network|endpoints_resolution|ENOTFOUND|ECONNREFUSED|fetch failed/i.test(text)) {
      const failure = classifyNetworkError(error)
      const kind = /ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text) ? 'dns' : failure.kind
      return new ConnectorError({
        kind,
        service: 'dynamics-auth',
        code: error.errorCode,
        message: `Could not reach the sign-in service: ${text}`,
        hint:
          kind === 'dns'
            ? 'The authority host could not be resolved: check the tenant id and the network.'
            : networkHint(failure, 'dynamics-auth'),
        cause: error
      })
    }
    let hint: string | undefined
    let kind: ConnectorError['kind'] = 'unauthorized'
    if (aad === 'AADSTS7000215')
      hint =
        'The client secret is wrong or expired. Copy the secret *value* (not its id) from Entra ID > App registrations > Certificates & secrets.'
    else if (aad === 'AADSTS700016') hint = 'No application with this client id exists in this tenant. Check the client id and tenant id.'
    else if (aad === 'AADSTS90002') hint = 'The tenant was not found. Check the tenant id (a GUID or contoso.onmicrosoft.com).'
    else if (aad === 'AADSTS500011') hint = 'The environment URL is not a Dynamics resource this tenant knows. Check the environment URL.'
    else if (aad === 'AADSTS1002012' || error.errorCode === 'invalid_scope') {
      hint = 'The scope was refused: client credentials need `<environment-url>/.default`.'
      kind = 'badRequest'
    } else if (error.errorCode === 'expired_token' || error.errorCode === 'code_expired')
      hint = 'The device code expired before sign-in completed. Start again.'
    else if (aad === 'AADSTS700027')
      hint =
        'The certificate was refused: it is not uploaded to this app registration, it expired, or the thumbprint/private key do not belong to it. Upload the public certificate under Entra ID > App registrations > Certificates & secrets and use its SHA-256 thumbprint.'
    else if (aad === 'AADSTS700024') hint = "The certificate assertion is outside its valid time range: check this computer's clock."
    else if (aad === 'AADSTS700021' || aad === 'AADSTS700023')
      hint = 'The certificate assertion names another app or token endpoint: check the client id and the authority.'
    else if (aad === 'AADSTS50148' || aad === 'AADSTS501481')
      hint =
        'The sign-in service refused the PKCE proof (code_verifier). Start the browser sign-in again; if it repeats, something between the browser and the app altered the request.'
    else if (aad === 'AADSTS54005' || aad === 'AADSTS70008') hint = 'The browser sign-in code was already used or expired. Sign in again.'
    else if (aad === 'AADSTS50011')
      hint = 'Register `http://localhost` as a "Mobile and desktop applications" redirect URI on the app registration.'
    else if (aad === 'AADSTS65004' || error.errorCode === 'access_denied')
      hint = 'Consent was declined in the browser. Sign in again and accept, or ask an admin to grant consent.'
    else if (error.errorCode === 'authorization_declined' || /declined/i.test(text)) hint = 'Sign-in was declined in the browser.'
    return new ConnectorError({ kind, service: 'dynamics-auth', code, message: redact(text), hint, cause: error })
  }
  const failure = classifyNetworkError(error)
  return new ConnectorError({
    kind: failure.kind,
    service: 'dynamics-auth',
    message: `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`,
    hint: networkHint(failure, 'dynamics-auth'),
    cause: error
  })
}

function msalModule(client: DynamicsAuthOptions['networkClient']): MsalNetworkModule | undefined {
  return client && 'clearFailure' in client ? client : undefined
}

/** Renew 5 minutes before expiry (or at 90% of a short lifetime). */
/** The token a sign-in returned and when to renew it; a result without one is a failed sign-in. */
function tokenFrom(result: AuthenticationResult | null, noTokenMessage: string): { value: string; renewAt: number } {
  if (!result?.accessToken) throw new ConnectorError({ kind: 'unauthorized', service: 'dynamics-auth', message: noTokenMessage })
  return { value: result.accessToken, renewAt: renewAt(result) }
}

/** Signs out: every account msal keeps in its token cache goes. */
async function forgetAccounts(app: ConfidentialClientApplication | PublicClientApplication): Promise<void> {
  const cache = app.getTokenCache()
  for (const account of await cache.getAllAccounts()) await cache.removeAccount(account)
}

function renewAt(result: AuthenticationResult): number {
  const expires = result.expiresOn?.getTime() ?? Date.now() + 3_600_000
  const lifetime = Math.max(0, expires - Date.now())
  return expires - Math.min(5 * 60_000, lifetime / 10)
}

/** How long a failed browser sign-in waits for msal to close its loopback after our error response. */
const LOOPBACK_RELEASE_MS = 5_000

/**
 * Ends a pending msal loopback sign-in: posts an OAuth error response (form_post, as msal
 * expects) with the request's state to its redirect URI, so msal settles and closes the port.
 */
async function cancelLoopbackSignIn(authorizeUrl: string): Promise<void> {
  try {
    const query = new URL(authorizeUrl).searchParams
    const redirectUri = query.get('redirect_uri')
    const state = query.get('state')
    if (!redirectUri || !state || !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(redirectUri)) return
    // msal's loopback listens on 127.0.0.1 whatever the URI says.
    await fetch(redirectUri.replace('//localhost', '//127.0.0.1'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        error: 'access_denied',
        error_description: 'Sign-in canceled by Sync Studio (timed out or canceled).',
        state
      }).toString(),
      signal: AbortSignal.timeout(5000)
    })
  } catch {
    // the loopback is already gone
  }
}

/** App-only sign-in (S2S) with a client secret or a certificate. msal caches and refreshes. */
export class ConfidentialTokenProvider implements TokenProvider {
  readonly method: string
  private readonly app: ConfidentialClientApplication
  private readonly scope: string
  private readonly network: MsalNetworkModule | undefined
  private token: { value: string; renewAt: number } | undefined
  private pending: Promise<string> | undefined

  constructor(
    options: DynamicsAuthOptions & { clientSecret?: string; certificate?: { thumbprintSha256: string; privateKey: string; x5c?: string } }
  ) {
    if (!options.clientSecret && !options.certificate) throw new Error('a client secret or a certificate is required')
    registerSecret(options.clientSecret)
    this.method = options.clientSecret ? 'client secret' : 'certificate'
    this.scope = options.scope ?? dynamicsScope(options.environmentUrl)
    this.network = msalModule(options.networkClient)
    this.app = new ConfidentialClientApplication(
      msalConfig(options, options.clientSecret ? { clientSecret: options.clientSecret } : { clientCertificate: options.certificate })
    )
  }

  /**
   * One token for every request until shortly before it expires. Concurrent callers share one
   * acquisition: msal does not, and each of its parallel calls ran its own OpenID discovery and
   * token request (4 of each for one `schema` command).
   */
  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    if (options.signal?.aborted) throw abortError(options.signal, 'dynamics-auth')
    if (!options.forceRefresh && this.token && Date.now() < this.token.renewAt) return this.token.value
    if (options.forceRefresh) this.token = undefined
    this.pending ??= this.acquire(options.forceRefresh === true).finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async acquire(forceRefresh: boolean): Promise<string> {
    let result: AuthenticationResult | null
    this.network?.clearFailure()
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: forceRefresh })
    } catch (error) {
      throw authError(error, this.network?.lastFailure)
    }
    this.token = tokenFrom(result, 'The sign-in service returned no access token.')
    return this.token.value
  }

  async signOut(): Promise<void> {
    this.token = undefined
    await forgetAccounts(this.app)
  }
}

export interface DelegatedSignIn {
  /** Device code: show `message` (or verificationUri + userCode) to the user. */
  onDeviceCode?: (response: Pick<DeviceCodeResponse, 'userCode' | 'verificationUri' | 'message' | 'expiresIn'>) => void
  /** Interactive: open this URL in the system browser (Electron: shell.openExternal). */
  openBrowser?: (url: string) => Promise<void>
  /** How long an interactive sign-in may take before it is abandoned (msal issue #7306). */
  interactiveTimeoutMs?: number
}

/**
 * Delegated sign-in as a user: device code, or the system browser with msal's loopback
 * redirect (register `http://localhost` as a "Mobile and desktop" redirect URI). Tokens are
 * refreshed silently from the (persisted) cache; sign-in runs again only when that fails.
 */
export class PublicClientTokenProvider implements TokenProvider {
  readonly method: string
  private readonly app: PublicClientApplication
  private readonly scope: string
  private pending: Promise<string> | undefined

  constructor(
    options: DynamicsAuthOptions & { flow: 'deviceCode' | 'interactive' },
    private readonly interaction: DelegatedSignIn = {}
  ) {
    this.method = options.flow === 'deviceCode' ? 'device code' : 'browser sign-in'
    this.flow = options.flow
    this.scope = options.scope ?? `${environmentOrigin(options.environmentUrl)}/user_impersonation`
    this.network = msalModule(options.networkClient)
    this.app = new PublicClientApplication(msalConfig(options))
  }

  private readonly network: MsalNetworkModule | undefined

  private readonly flow: 'deviceCode' | 'interactive'

  /** Whether a cached account exists (the user signed in before on this machine). */
  async hasAccount(): Promise<boolean> {
    return (await this.app.getTokenCache().getAllAccounts()).length > 0
  }

  private token: { value: string; renewAt: number } | undefined
  private acquiring: Promise<string> | undefined

  /** One token until shortly before expiry; concurrent callers share one silent refresh or sign-in. */
  async getToken(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<string> {
    if (options.signal?.aborted) throw abortError(options.signal, 'dynamics-auth')
    if (!options.forceRefresh && this.token && Date.now() < this.token.renewAt) return this.token.value
    if (options.forceRefresh) this.token = undefined
    this.acquiring ??= this.acquire(options.forceRefresh === true, options.signal).finally(() => {
      this.acquiring = undefined
    })
    return this.acquiring
  }

  private async acquire(forceRefresh: boolean, signal?: AbortSignal): Promise<string> {
    const accounts = await this.app.getTokenCache().getAllAccounts()
    if (accounts.length > 0) {
      try {
        const result = await this.app.acquireTokenSilent({ account: accounts[0], scopes: [this.scope], forceRefresh })
        if (result?.accessToken) {
          this.token = { value: result.accessToken, renewAt: renewAt(result) }
          return result.accessToken
        }
      } catch (error) {
        if (!(error instanceof InteractionRequiredAuthError) && !(error instanceof AuthError)) throw authError(error)
        // fall through to an interactive sign-in
      }
    }
    // One sign-in at a time, however many requests are waiting for it.
    this.pending ??= this.signIn(signal).finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async signIn(signal?: AbortSignal): Promise<string> {
    let result: AuthenticationResult | null
    this.network?.clearFailure()
    try {
      if (this.flow === 'deviceCode') {
        const request = {
          scopes: [this.scope],
          deviceCodeCallback: (response: DeviceCodeResponse) =>
            this.interaction.onDeviceCode?.({
              userCode: response.userCode,
              verificationUri: response.verificationUri,
              message: response.message,
              expiresIn: response.expiresIn
            }),
          cancel: false
        }
        const onAbort = () => {
          request.cancel = true
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        try {
          result = await this.app.acquireTokenByDeviceCode(request)
        } finally {
          signal?.removeEventListener('abort', onAbort)
        }
        if (signal?.aborted) throw abortError(signal, 'dynamics-auth')
      } else {
        const openBrowser = this.interaction.openBrowser
        if (!openBrowser)
          throw new ConnectorError({
            kind: 'unauthorized',
            service: 'dynamics-auth',
            message: 'Browser sign-in needs a way to open the system browser.',
            hint: 'Use device code sign-in in scripts.'
          })
        result = await this.browserSignIn(openBrowser, signal)
      }
    } catch (error) {
      throw authError(error, this.network?.lastFailure)
    }
    this.token = tokenFrom(result, 'Sign-in returned no access token.')
    return this.token.value
  }

  /**
   * The system browser and msal's loopback redirect. msal's loopback server waits for the
   * browser for ever (issue #7306) and has no cancel: when we give up (timeout or cancel) we
   * release openBrowser and post an error response to the loopback, so msal finishes its flow
   * and closes the port — and we fail only once it has, so nothing of a failed sign-in is
   * left listening.
   */
  private async browserSignIn(openBrowser: (url: string) => Promise<void>, signal?: AbortSignal): Promise<AuthenticationResult> {
    if (signal?.aborted) throw abortError(signal, 'dynamics-auth')
    const timeoutMs = this.interaction.interactiveTimeoutMs ?? 5 * 60_000
    let authorizeUrl: string | undefined
    let gaveUp = false
    let releaseBrowser: () => void = () => {}
    const browserReleased = new Promise<void>((resolve) => (releaseBrowser = resolve))
    let giveUp: (error: ConnectorError) => void = () => {}
    const stopped = new Promise<ConnectorError>((resolve) => {
      giveUp = (error) => {
        if (gaveUp) return
        gaveUp = true
        releaseBrowser()
        if (authorizeUrl) void cancelLoopbackSignIn(authorizeUrl)
        resolve(error)
      }
    })
    const timer = setTimeout(
      () =>
        giveUp(
          new ConnectorError({
            kind: 'timeout',
            service: 'dynamics-auth',
            message: `Browser sign-in did not complete within ${Math.round(timeoutMs / 1000)} s.`,
            hint: 'Sign in again; if the browser showed success but the app did not notice, use device code sign-in.'
          })
        ),
      timeoutMs
    )
    const onAbort = () => giveUp(abortError(signal!, 'dynamics-auth'))
    signal?.addEventListener('abort', onAbort, { once: true })
    const flow = this.app.acquireTokenInteractive({
      scopes: [this.scope],
      openBrowser: (url: string) => {
        authorizeUrl = url
        // Given up before msal got this far: its loopback is listening already, end it too.
        if (gaveUp) void cancelLoopbackSignIn(url)
        return Promise.race([openBrowser(url), browserReleased])
      },
      successTemplate: 'Signed in to Sync Studio. You can close this window.'
    })
    const settled = flow.then(
      () => undefined,
      () => undefined
    )
    try {
      const first = await Promise.race([flow.then((value) => ({ value })), stopped.then((error) => ({ error }))])
      if ('value' in first) return first.value
      // msal closes its loopback as its flow ends (on our error response); a loopback that
      // cannot be reached any more ends nothing, so the wait is bounded.
      await Promise.race([settled, sleep(LOOPBACK_RELEASE_MS, undefined, { ref: false })])
      throw first.error
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async signOut(): Promise<void> {
    this.token = undefined
    await forgetAccounts(this.app)
  }
}
