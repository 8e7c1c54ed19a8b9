import { FaultInjector, type FaultSettings } from '../common/faults'
import type { RouteHandler } from '../common/http'
import { DataverseService } from './api/service'
import { IdentityProvider } from './auth/identity'
import { startTlsListener, type TlsListener, type TlsListenerOptions } from '../common/tls'
import { nameGuid } from './data/ids'
import { isoSeconds } from './data/time'
import { DataStore } from './data/store'
import { apiPrefix, createHandler } from './http-handler'
import type { LookupValue, Row } from './schema/model'
import { ServiceProtection, type ServiceProtectionLimits } from './service-protection'
import { Catalog, isLookup } from './tables/catalog'

export type { ServiceProtectionLimits } from './service-protection'
export { documentedLimits } from './service-protection'
export type { FaultSettings } from '../common/faults'
export {
  createSandboxTlsMaterial,
  startTlsListener,
  type SandboxTlsMaterial,
  type TlsListener,
  type TlsListenerOptions
} from '../common/tls'

/** Sandbox credentials. Not secrets: they only open the local simulator. */
export const DATAVERSE_SANDBOX_TENANT_ID = '8d1c5e3a-5b1f-4c3e-9a57-5a4d1e2f0c11'
export const DATAVERSE_SANDBOX_CLIENT_ID = '51f81489-12ee-4a9e-aaae-a2591f45987d'
export const DATAVERSE_SANDBOX_CLIENT_SECRET = 'sandbox-secret~not-a-real-credential'
/** Default change-tracking token lifetime: the documented 7 days (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems). */
export const DEFAULT_DELTA_TOKEN_TTL_MS = 7 * 86_400_000

export interface DataverseSandboxOptions {
  seed: number
  /** Number of contact rows (a few hundred .. 1,000,000); rows are generated lazily. */
  contacts: number
  /** e.g. 'http://127.0.0.1:4500' — absolute links (@odata.nextLink, OData-EntityId, @odata.context) use it. */
  baseUrl: string
  tenantId?: string
  clientId?: string
  clientSecret?: string
  limits?: Partial<ServiceProtectionLimits>
  faults?: Partial<FaultSettings>
  /** Change-tracking token expiry (default 7 days). */
  deltaTokenTtlMs?: number
  /** Access-token lifetime in seconds (default 3599, like Entra). */
  tokenLifetimeSeconds?: number
  /** Value of the x-ms-dop-hint header (default 4). */
  dopHint?: number
  /** Approve device-code sign-ins immediately (tests, demos); otherwise use /devicelogin or approveDeviceCode(). */
  autoApproveDeviceCodes?: boolean
  /** Poll interval the device-code endpoint tells clients to use (default 1 s; Entra says 5). */
  deviceCodeIntervalSeconds?: number
  /**
   * Public certificates (PEM) registered as credentials of the app, for certificate
   * (client assertion) sign-in. More can be added at run time with `registerCertificate`.
   */
  certificates?: string[]
  /** Registered redirect URIs for browser sign-in (default `['http://localhost']`: any loopback port). */
  redirectUris?: string[]
  /** What the simulated user does on the authorize page: consent (default) or decline. */
  interactiveConsent?: 'approve' | 'decline'
  /** Clock override (tests of token and delta-token expiry). */
  now?: () => number
}

export interface DataverseSandboxInfo {
  /** Ends with /api/data/v9.2/ */
  url: string
  /** The Entra-style authority: https once startAuthorityTls() ran (msal-node needs https), http before. */
  authority: string
  tokenUrl: string
  deviceCodeUrl: string
  /** The authorize endpoint (browser sign-in, authorization code + PKCE). */
  authorizeUrl: string
  tenantId: string
  clientId: string
  clientSecret: string
  /** The scope a confidential client asks for: `<baseUrl>/.default`. */
  scope: string
  /** PEM the client must trust for the https authority (after startAuthorityTls()). */
  ca?: string
}

export interface DataverseSandbox {
  handle: RouteHandler
  info: DataverseSandboxInfo
  faults: FaultInjector
  /** Service protection counters; tests can change limits at run time or reset them. */
  protection: ServiceProtection
  /** Change or create a row as if a user did it in Dynamics. Values use logical names; lookups as {id, table}. */
  touch(table: string, id: string, changes: Record<string, unknown>): void
  /** Delete a row as if a user did it in Dynamics. */
  remove(table: string, id: string): void
  snapshot(): unknown
  restore(state: unknown): void
  /** Starts the HTTPS listener for the authority (msal-node refuses http authorities). */
  startAuthorityTls(options?: TlsListenerOptions & { extraHandlers?: RouteHandler[] }): Promise<TlsListener>
  /** Completes a pending device-code sign-in (what the user does on /devicelogin). */
  approveDeviceCode(userCode: string, approve?: boolean): boolean
  pendingDeviceCodes(): string[]
  /** Registers a public certificate (PEM) as an app credential; returns its SHA-1 and SHA-256 thumbprints (hex). */
  registerCertificate(pem: string): { thumbprint: string; thumbprintSha256: string }
  /** Removes a registered certificate by either thumbprint. */
  removeCertificate(thumbprint: string): boolean
  /** Changes what the simulated user does on the authorize page. */
  setInteractiveConsent(decision: 'approve' | 'decline'): void
  /** The id of generated row `index` of a table (for tests and demos). */
  idOf(table: string, index: number): string
  /** The application user's systemuserid (what WhoAmI returns for client-credential tokens). */
  applicationUserId: string
}

export function createDataverseSandbox(options: DataverseSandboxOptions): DataverseSandbox {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const now = options.now ?? Date.now
  const tenantId = options.tenantId ?? DATAVERSE_SANDBOX_TENANT_ID
  const clientId = options.clientId ?? DATAVERSE_SANDBOX_CLIENT_ID
  const clientSecret = options.clientSecret ?? DATAVERSE_SANDBOX_CLIENT_SECRET
  const catalog = new Catalog()
  const store = new DataStore(catalog, options.seed, options.contacts)
  const applicationUserId = store.ctx.idOf('systemuser', 0)
  const interactiveUserId = store.ctx.idOf('systemuser', 1)
  const svc = new DataverseService(
    catalog,
    store,
    `${baseUrl}${apiPrefix}`,
    applicationUserId,
    nameGuid(`businessunit:${options.seed}`),
    nameGuid(`organization:${options.seed}`),
    options.deltaTokenTtlMs ?? DEFAULT_DELTA_TOKEN_TTL_MS,
    options.dopHint ?? 4,
    now
  )
  const identity = new IdentityProvider({
    tenantId,
    clientId,
    clientSecret,
    resource: baseUrl,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    applicationUserId,
    interactiveUserId,
    interactiveUserName: 'Alex Admin',
    interactiveUserUpn: 'alex.admin@contoso.example',
    autoApproveDeviceCodes: options.autoApproveDeviceCodes ?? false,
    deviceCodeIntervalSeconds: options.deviceCodeIntervalSeconds ?? 1,
    certificates: options.certificates ?? [],
    redirectUris: options.redirectUris ?? ['http://localhost'],
    interactiveConsent: options.interactiveConsent ?? 'approve',
    now
  })
  const protection = new ServiceProtection(options.limits, now)
  const faults = new FaultInjector(options.faults, options.seed)
  let authorityOrigin = baseUrl
  let tlsCa: string | undefined

  const handle = createHandler({ svc, identity, protection, faults, authorityBase: () => authorityOrigin })

  const info: DataverseSandboxInfo = {
    url: svc.apiUrl,
    get authority() {
      return `${authorityOrigin}/${tenantId}`
    },
    get tokenUrl() {
      return `${authorityOrigin}/${tenantId}/oauth2/v2.0/token`
    },
    get deviceCodeUrl() {
      return `${authorityOrigin}/${tenantId}/oauth2/v2.0/devicecode`
    },
    get authorizeUrl() {
      return `${authorityOrigin}/${tenantId}/oauth2/v2.0/authorize`
    },
    tenantId,
    clientId,
    clientSecret,
    scope: `${baseUrl}/.default`,
    get ca() {
      return tlsCa
    }
  }

  /** Applies user-style changes: logical names; lookups as {id, table} or a GUID for single-target lookups. */
  function touch(table: string, id: string, changes: Record<string, unknown>): void {
    const index = catalog.table(table)
    const row: Row = {}
    for (const [name, value] of Object.entries(changes)) {
      const column = index.columns.get(name)
      if (!column) throw new Error(`${table} has no column ${name}`)
      if (isLookup(column) && typeof value === 'string') {
        row[name] = { id: value.toLowerCase(), table: column.targets?.[0] ?? '' } satisfies LookupValue
      } else row[name] = value
    }
    const existing = store.get(table, id)
    const stamp = isoSeconds(now())
    if (existing) {
      const updated: Row = { ...existing, ...row, modifiedon: changes.modifiedon ?? stamp }
      index.def.derive?.(updated)
      store.replace(table, updated)
    } else {
      const created: Row = {
        createdon: stamp,
        modifiedon: stamp,
        statecode: 0,
        statuscode: 1,
        ...row,
        [index.def.primaryId]: id.toLowerCase()
      }
      index.def.derive?.(created)
      store.insert(table, created)
    }
  }

  return {
    handle,
    info,
    faults,
    protection,
    touch,
    remove(table, id) {
      if (!store.delete(table, id)) throw new Error(`${table} ${id} does not exist`)
    },
    snapshot: () => store.snapshot(),
    restore: (state) => store.restore(state),
    async startAuthorityTls(tlsOptions = {}) {
      const { extraHandlers = [], ...listenerOptions } = tlsOptions
      const listener = await startTlsListener([handle, ...extraHandlers], listenerOptions)
      authorityOrigin = listener.origin
      tlsCa = listener.tls.ca
      return listener
    },
    approveDeviceCode: (userCode, approve = true) => identity.completeDeviceCode(userCode, approve),
    pendingDeviceCodes: () => identity.pendingDeviceCodes(),
    registerCertificate(pem) {
      const { thumbprint, thumbprintSha256 } = identity.certificates.add(pem)
      return { thumbprint, thumbprintSha256 }
    },
    removeCertificate: (thumbprint) => identity.certificates.remove(thumbprint),
    setInteractiveConsent(decision) {
      identity.options.interactiveConsent = decision
    },
    idOf: (table, index) => store.ctx.idOf(table, index),
    applicationUserId
  }
}
