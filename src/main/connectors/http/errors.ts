import { ServiceError } from '../../errors'
import { redact, redactUrl } from './redact'

/**
 * Every failure a connector reports. `kind` is what the caller branches on; `message` says
 * what the service said (secrets and tokens removed); `hint` says what the user can do.
 */
export const errorKinds = [
  'dns',
  'tls',
  'unauthorized',
  'forbidden',
  'notFound',
  'throttled',
  'badRequest',
  /** 409/412: a concurrency or duplicate-key conflict. */
  'conflict',
  'server',
  'network',
  'timeout',
  'canceled',
  /** A stored change-tracking (delta) link is no longer valid: do a full resync. */
  'deltaExpired',
  /** The response could not be understood (not JSON where JSON was expected, missing fields). */
  'protocol'
] as const
export type ErrorKind = (typeof errorKinds)[number]

export type ServiceName = 'dynamics' | 'dynamics-auth' | 'campaign' | 'campaign-ims' | 'http'

export interface ConnectorErrorInit {
  kind: ErrorKind
  service: ServiceName
  message: string
  status?: number
  /** The service's own error code: `0x80072322`, `401013`, `AADSTS7000215`, `RST-360011`. */
  code?: string
  hint?: string
  /** Method and URL (without query secrets) of the failed request. */
  request?: string
  /** Milliseconds the service asked to wait (429 Retry-After). */
  retryAfterMs?: number
  /** Service request id for a support ticket (Dataverse REQ_ID, x-request-id). */
  requestId?: string
  cause?: unknown
}

export class ConnectorError extends ServiceError {
  readonly kind: ErrorKind
  readonly service: ServiceName
  readonly status?: number
  readonly code?: string
  readonly hint: string
  readonly request?: string
  readonly retryAfterMs?: number
  readonly requestId?: string

  constructor(init: ConnectorErrorInit) {
    super(redact(init.message), 'failed', undefined, init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'ConnectorError'
    this.kind = init.kind
    this.service = init.service
    this.status = init.status
    this.code = init.code
    this.hint = redact(init.hint ?? defaultHint(init.kind, init.service, init.status))
    this.request = init.request ? redact(init.request) : undefined
    this.retryAfterMs = init.retryAfterMs
    this.requestId = init.requestId
  }

  /** What the service said, then what the user can do about it. */
  override get userMessage(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message
  }

  /** A plain, secret-free object for logs, reports and the renderer. */
  toJSON(): ConnectorErrorInfo {
    return {
      kind: this.kind,
      service: this.service,
      status: this.status,
      code: this.code,
      message: this.message,
      hint: this.hint,
      request: this.request,
      requestId: this.requestId
    }
  }
}

export interface ConnectorErrorInfo {
  kind: ErrorKind
  service: ServiceName
  status?: number
  code?: string
  message: string
  hint: string
  request?: string
  requestId?: string
}

export function isConnectorError(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError
}

const serviceLabel: Record<ServiceName, string> = {
  dynamics: 'Dynamics 365',
  'dynamics-auth': 'Microsoft Entra ID',
  campaign: 'Adobe Campaign',
  'campaign-ims': 'Adobe IMS',
  http: 'the service'
}

export function defaultHint(kind: ErrorKind, service: ServiceName, status?: number): string {
  const label = serviceLabel[service]
  switch (kind) {
    case 'dns':
      return `The host name of ${label} could not be resolved. Check the URL in the connection (typing, region suffix) and your network or VPN.`
    case 'tls':
      return `The secure connection to ${label} failed (certificate not trusted or expired). Check the URL, and whether a proxy replaces certificates on your network.`
    case 'unauthorized':
      return service === 'campaign' || service === 'campaign-ims'
        ? 'Sign-in was refused: check the client id (API key), client secret and scopes of the Adobe Developer Console credential.'
        : 'Sign-in was refused: check the tenant id, client id and secret (or sign in again). An expired secret must be renewed in Entra ID.'
    case 'forbidden':
      return service === 'campaign'
        ? 'The credential is not allowed here: check the organization id in the URL, the API key, and that the credential has the Campaign product profile.'
        : 'Signed in, but not allowed: the user or application user lacks a privilege. Give its security role read/write access to this table.'
    case 'notFound':
      return 'The table, resource or record does not exist (names are case-sensitive). Refresh the schema, or check the environment URL.'
    case 'throttled':
      return `${label} is limiting requests. The connector waits and retries; if this persists, lower the concurrency or run at a quieter time.`
    case 'badRequest':
      return 'The service rejected the request. The message names the field or value at fault.'
    case 'conflict':
      return 'The record changed meanwhile or a record with the same key already exists. Re-read it and retry, or use upsert.'
    case 'server':
      return `${label} had an internal error${status ? ` (HTTP ${status})` : ''}. Retry later; if it repeats for one record, check that record's values.`
    case 'network':
      return `The connection to ${label} was refused or dropped. Check the URL and port, your network, proxy or firewall.`
    case 'timeout':
      return `${label} did not answer in time. Retry; for large reads use a smaller page size.`
    case 'canceled':
      return 'The operation was canceled.'
    case 'deltaExpired':
      return 'The stored change-tracking link expired (older than the retention period). Run a full resync; it stores a new link.'
    case 'protocol':
      return `${label} answered in an unexpected format. Check that the URL points at the right service.`
  }
}

export function kindForStatus(status: number): ErrorKind {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404 || status === 410) return 'notFound'
  if (status === 408) return 'timeout'
  if (status === 409 || status === 412) return 'conflict'
  if (status === 429) return 'throttled'
  if (status >= 500) return 'server'
  return 'badRequest'
}

/** Error codes of Node's networking stack, grouped by what they mean to a user. */
const dnsCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME', 'EAI_FAIL'])
const timeoutCodes = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'EADDRNOTAVAIL'
])

/** The innermost `code` of an error chain (fetch wraps the socket error in `cause`). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  let code: string | undefined
  for (let depth = 0; current && depth < 6; depth++) {
    const c = (current as { code?: unknown }).code
    if (typeof c === 'string') code = c
    current = (current as { cause?: unknown }).cause
  }
  return code
}

function chainMessages(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current && depth < 6; depth++) {
    if (current instanceof Error) parts.push(current.message)
    current = (current as { cause?: unknown }).cause
  }
  return parts.join(': ')
}

export type NetworkFailure = {
  kind: 'dns' | 'tls' | 'network' | 'timeout'
  code: string
  beforeSend: boolean
  message: string
  /** The proxy and extra CAs the request went through, when it used a connection's Network. */
  route?: { proxy?: string; proxySource?: string; caSources: string[] }
  /** The proxy refused the tunnel with this status (407 wants authentication, 403 forbids the host). */
  proxyStatus?: number
}

function routeOf(error: unknown): NetworkFailure['route'] {
  let current: unknown = error
  for (let depth = 0; current && depth < 6; depth++) {
    const route = (current as { route?: NetworkFailure['route'] }).route
    if (route && Array.isArray(route.caSources)) return route
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * What a thrown fetch error means. `beforeSend` is true when the request cannot have reached
 * the service (DNS, refused, TLS handshake), so even a non-idempotent request may be retried.
 */
export function classifyNetworkError(error: unknown): NetworkFailure {
  const failure = classifyChain(error)
  const route = routeOf(error)
  if (!route) return failure
  const proxyStatus = /Proxy response \((\d{3})\)/.exec(failure.message)?.[1]
  if (proxyStatus)
    return { ...failure, kind: 'network', code: `PROXY_${proxyStatus}`, beforeSend: true, route, proxyStatus: Number(proxyStatus) }
  return { ...failure, route }
}

function classifyChain(error: unknown): NetworkFailure {
  const code = errorCode(error) ?? ''
  const text = chainMessages(error)
  if (dnsCodes.has(code)) return { kind: 'dns', code, beforeSend: true, message: text }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME_MISMATCH/i.test(code) || /certificate|ssl|tls/i.test(text))
    return { kind: 'tls', code: code || 'TLS', beforeSend: true, message: text }
  if (timeoutCodes.has(code)) return { kind: 'timeout', code, beforeSend: code === 'UND_ERR_CONNECT_TIMEOUT', message: text }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' || code === 'ENETDOWN')
    return { kind: 'network', code, beforeSend: true, message: text }
  if (networkCodes.has(code) || /socket hang up|other side closed|terminated/i.test(text))
    return { kind: 'network', code: code || 'ECONNRESET', beforeSend: false, message: text }
  return { kind: 'network', code: code || 'UNKNOWN', beforeSend: false, message: text }
}

const proxyDocs = 'See "Proxy and certificates" in docs/connections.md.'

export function networkHint(failure: NetworkFailure, service: ServiceName): string {
  const label = serviceLabel[service]
  // A proxy URL may carry a user and password (HTTPS_PROXY=http://user:pass@host): never shown.
  const proxy = failure.route?.proxy ? redactUrl(failure.route.proxy) : undefined
  const from = failure.route?.proxySource ? ` (from ${failure.route.proxySource})` : ''
  if (proxy) {
    if (failure.proxyStatus === 407)
      return `The proxy ${proxy}${from} wants authentication (HTTP 407). Sync Studio cannot sign in to proxies: ask IT for a proxy that lets this computer through, or for an exception for ${label}. ${proxyDocs}`
    if (failure.proxyStatus)
      return `The proxy ${proxy}${from} refused to open a connection to ${label} (HTTP ${failure.proxyStatus}). Ask IT to allow the host, or check the URL. ${proxyDocs}`
    if (failure.kind === 'dns')
      return `The proxy host of ${proxy}${from} could not be resolved. Check the proxy address, or set the connection to "No proxy". ${proxyDocs}`
    if (failure.code === 'ECONNREFUSED' || failure.code === 'EHOSTUNREACH' || failure.code === 'ENETUNREACH')
      return `The proxy ${proxy}${from} could not be reached (${failure.code}). Check its host and port, or set the connection to "No proxy". ${proxyDocs}`
  }
  if (failure.kind === 'tls') return tlsHint(failure, label)
  if (failure.code === 'ECONNREFUSED')
    return `Nothing is listening at that address: check the URL and port of ${label}, or whether the service (or the sandbox) is running.`
  return defaultHint(failure.kind, service)
}

const untrustedCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
])

function tlsHint(failure: NetworkFailure, label: string): string {
  const { code } = failure
  const extra = failure.route?.caSources ?? []
  const trusted = extra.length ? ` The extra authorities trusted now (${extra.join(', ')}) did not sign it either.` : ''
  const via = failure.route?.proxy ? ` through the proxy ${failure.route.proxy}` : ''
  if (code === 'CERT_HAS_EXPIRED')
    return `The certificate presented for ${label}${via} has expired (or this computer's clock is wrong). ${proxyDocs}`
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `The certificate presented for ${label}${via} is for another host name. Check the URL; a proxy that inspects TLS must issue certificates for the host asked for. ${proxyDocs}`
  if (untrustedCodes.has(code) || /self[- ]signed|unable to (verify|get)/i.test(failure.message))
    return `The certificate presented for ${label}${via} is signed by an authority this app does not trust (${code}). Behind a TLS-inspecting proxy, export your company's root certificate (PEM) and name it in the connection's "CA certificates file" or in SYNC_STUDIO_CA_FILE.${trusted} ${proxyDocs}`
  return `The secure connection to ${label}${via} failed (${code}). Check the URL, and whether a proxy replaces certificates on your network. ${proxyDocs}`
}
