import { randomUUID } from 'node:crypto'
import type { INetworkModule } from '@azure/msal-node'
import { CampaignConnector } from '../connectors/campaign/connector'
import { ImsTokenProvider } from '../connectors/campaign/auth'
import { ConfidentialTokenProvider, PublicClientTokenProvider, type DelegatedSignIn } from '../connectors/dynamics/auth'
import { DynamicsConnector } from '../connectors/dynamics/connector'
import { HttpClient, type HttpEvent } from '../connectors/http/client'
import { ConnectorError, isConnectorError, type ConnectorErrorInfo } from '../connectors/http/errors'
import { registerSecret } from '../connectors/http/redact'
import type { RetryPolicy } from '../connectors/http/retry'
import { StaticTokenProvider, type TokenProvider } from '../connectors/token-provider'
import { createTrustingNetworkClient } from '../sandbox/dataverse/msalNetworkClient'
import {
  campaignBaseUrl,
  ConnectionProfile,
  NewConnection,
  needsSecret,
  type ConnectionSummary,
  type DynamicsConnection
} from '../../shared/connections'
import { secretKeys, type SecretStore } from './secrets'
import type { KeyValueStore } from './store'

export * from '../../shared/connections'
import { UserFacingError } from '../contract/errors'
import { problemsFromZod } from '../../shared/mapping/problems'
import { formatProblem } from '../../shared/problems'

const STORE_KEY = 'connections'
/** The built-in pair shares one name, the one new mapping documents refer to; the system tells them apart. */
export const SANDBOX_NAME = 'Sandbox'
export const SANDBOX_DYNAMICS_ID = 'sandbox-dynamics'
export const SANDBOX_CAMPAIGN_ID = 'sandbox-campaign'
export const ENV_DYNAMICS_ID = 'env-dynamics'
export const ENV_CAMPAIGN_ID = 'env-campaign'

/** What a running sandbox tells the app (the lead maps startSandbox()'s info onto this). */
export interface SandboxConnectionInfo {
  dynamics?: {
    /** Web API base, ends with /api/data/v9.2/ */
    url: string
    /** https authority (after startAuthorityTls()) */
    authority: string
    tenantId: string
    clientId: string
    clientSecret: string
    /** PEM of the authority's per-launch certificate. */
    ca?: string
  }
  campaign?: {
    /** Campaign REST base, ends with /campaign/ */
    url: string
    imsUrl: string
    clientId: string
    clientSecret: string
    scopes: string[]
    orgId?: string
    dynamicsKeyField?: string
  }
}

export interface ConnectionServiceOptions {
  store: KeyValueStore
  secrets: SecretStore
  /** Environment variables for script connections (default process.env); see docs/connections.md. */
  env?: NodeJS.ProcessEnv
  /** The running sandbox, if any (read on each call, so it may start later). */
  sandbox?: () => SandboxConnectionInfo | undefined
  /** Device code / browser sign-in UI hooks. */
  interaction?: DelegatedSignIn
  http?: { onEvent?: (event: HttpEvent) => void; timeoutMs?: number; retry?: Partial<RetryPolicy> }
}

export type TestStepName = 'reach' | 'signIn' | 'metadata' | 'count'

export interface ConnectionTestStep {
  step: TestStepName
  ok: boolean
  ms: number
  /** What the step found ("signed in as application user …", "contact: 160 fields", "1,234 rows"). */
  detail?: string
  error?: ConnectorErrorInfo
}

export interface ConnectionTestReport {
  connectionId: string
  name: string
  system: 'dynamics' | 'campaign'
  ok: boolean
  steps: ConnectionTestStep[]
  /** One sentence: what worked, or what failed and what to do. */
  summary: string
}

const stepLabel: Record<TestStepName, string> = {
  reach: 'Reaching the service',
  signIn: 'Signing in',
  metadata: 'Reading metadata',
  count: 'Counting rows'
}

function nowIso(): string {
  return new Date().toISOString()
}

/**
 * Connection profiles (create, edit, delete, list, test) and the connectors built from them.
 * Profiles persist in the KeyValueStore without secrets; secrets go to the SecretStore.
 * Besides the user's profiles there is a read-only sandbox pair (when a sandbox runs) and
 * a pair from environment variables (scripts, CI).
 */
export class ConnectionService {
  private readonly dynamicsConnectors = new Map<string, DynamicsConnector>()
  private readonly campaignConnectors = new Map<string, CampaignConnector>()
  private readonly networkClients: Array<{ close(): Promise<void> }> = []

  constructor(private readonly options: ConnectionServiceOptions) {}

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env
  }

  // ---------------------------------------------------------------- profiles

  private stored(): ConnectionProfile[] {
    const raw = this.options.store.get(STORE_KEY)
    if (!Array.isArray(raw)) return []
    const out: ConnectionProfile[] = []
    for (const item of raw) {
      const parsed = ConnectionProfile.safeParse(item)
      if (parsed.success) out.push(parsed.data)
    }
    return out
  }

  private async save(profiles: ConnectionProfile[]): Promise<void> {
    await this.options.store.set(
      STORE_KEY,
      profiles.filter((p) => p.source === 'user')
    )
  }

  private builtIn(): ConnectionProfile[] {
    const out: ConnectionProfile[] = []
    const sandbox = this.options.sandbox?.()
    if (sandbox?.dynamics) {
      out.push({
        id: SANDBOX_DYNAMICS_ID,
        name: SANDBOX_NAME,
        system: 'dynamics',
        readOnly: true,
        source: 'sandbox',
        environmentUrl: new URL(sandbox.dynamics.url).origin,
        apiUrl: sandbox.dynamics.url,
        tenantId: sandbox.dynamics.tenantId,
        clientId: sandbox.dynamics.clientId,
        authMethod: 'clientSecret',
        authority: sandbox.dynamics.authority,
        testTable: 'contact'
      })
    }
    if (sandbox?.campaign) {
      out.push({
        id: SANDBOX_CAMPAIGN_ID,
        name: SANDBOX_NAME,
        system: 'campaign',
        readOnly: true,
        source: 'sandbox',
        baseUrl: sandbox.campaign.url,
        orgId: sandbox.campaign.orgId,
        authMethod: 'oauthServerToServer',
        imsUrl: sandbox.campaign.imsUrl,
        apiKey: sandbox.campaign.clientId,
        scopes: sandbox.campaign.scopes,
        dynamicsKeyField: sandbox.campaign.dynamicsKeyField ?? 'cusDynamicsContactId',
        testResource: 'profile'
      })
    }
    return [...out, ...connectionsFromEnv(this.env)]
  }

  /** Every profile: the user's, then the sandbox pair, then the environment pair. */
  async list(): Promise<ConnectionSummary[]> {
    const all = [...this.stored(), ...this.builtIn()]
    return Promise.all(all.map(async (profile) => ({ profile, hasSecret: (await this.secretFor(profile)) !== undefined, needsSecret: needsSecret(profile) })))
  }

  /** By id, or by name (mapping files refer to connections by name), optionally within one system. */
  resolve(idOrName: string, system?: ConnectionProfile['system']): ConnectionProfile {
    const all = [...this.stored(), ...this.builtIn()].filter((p) => system === undefined || p.system === system)
    const found = all.find((p) => p.id === idOrName) ?? all.find((p) => p.name === idOrName) ?? all.find((p) => p.name.toLowerCase() === idOrName.toLowerCase())
    if (!found) throw new ConnectorError({ kind: 'notFound', service: 'http', message: `No connection named '${idOrName}'.`, hint: `Known connections: ${all.map((p) => p.name).join(', ') || 'none yet'}.` })
    return found
  }

  async create(input: NewConnection, secret?: string): Promise<ConnectionSummary> {
    const parsed = NewConnection.parse(input)
    const profiles = this.stored()
    if ([...profiles, ...this.builtIn()].some((p) => p.name.toLowerCase() === parsed.name.toLowerCase()))
      throw new UserFacingError(`A connection named '${parsed.name}' already exists — choose another name.`)
    const profile = ConnectionProfile.parse({ ...parsed, id: randomUUID(), readOnly: false, source: 'user', createdAt: nowIso(), updatedAt: nowIso() })
    if (profile.system === 'campaign') campaignBaseUrl(profile)
    await this.save([...profiles, profile])
    if (secret) await this.setSecret(profile.id, secret)
    return { profile, hasSecret: secret !== undefined && secret !== '', needsSecret: needsSecret(profile) }
  }

  /** Changes a user profile. `secret`: a new value, '' to remove it, undefined to keep it. */
  async update(id: string, changes: Partial<NewConnection>, secret?: string): Promise<ConnectionSummary> {
    const profiles = this.stored()
    const at = profiles.findIndex((p) => p.id === id)
    if (at < 0) {
      if (this.builtIn().some((p) => p.id === id)) throw new UserFacingError('Built-in connections (Sandbox, environment variables) cannot be edited — create your own connection instead.', 'refused')
      throw new UserFacingError(`There is no connection with id '${id}' — it may have been deleted; refresh the list.`)
    }
    const current = profiles[at]
    if (changes.system && changes.system !== current.system) throw new UserFacingError('A connection cannot change its system — create a new connection for the other system.')
    const merged = { ...current, ...changes, id, source: 'user', readOnly: false, createdAt: current.createdAt, updatedAt: nowIso() }
    const checked = ConnectionProfile.safeParse(merged)
    if (!checked.success) {
      // The contract takes any changes; say which one is wrong, at its path, as for any bad input.
      const problems = problemsFromZod(checked.error, merged).map((p) => ({ ...p, path: ['changes', ...p.path] }))
      throw new UserFacingError(`connections/update: the changes are not valid — ${problems.map(formatProblem).join('; ')}`, 'badInput', problems)
    }
    const next = checked.data
    if (profiles.some((p, i) => i !== at && p.name.toLowerCase() === next.name.toLowerCase())) throw new UserFacingError(`A connection named '${next.name}' already exists — choose another name.`)
    profiles[at] = next
    await this.save(profiles)
    if (secret === '') await this.clearSecrets(id)
    else if (secret !== undefined) await this.setSecret(id, secret)
    this.forget(id)
    return { profile: next, hasSecret: (await this.secretFor(next)) !== undefined, needsSecret: needsSecret(next) }
  }

  async delete(id: string): Promise<void> {
    const profiles = this.stored()
    if (!profiles.some((p) => p.id === id)) {
      if (this.builtIn().some((p) => p.id === id)) throw new UserFacingError('Built-in connections (Sandbox, environment variables) cannot be deleted.', 'refused')
      return
    }
    await this.save(profiles.filter((p) => p.id !== id))
    await this.clearSecrets(id)
    this.forget(id)
  }

  /** Stores the profile's secret: client secret, certificate private key (PEM) or bearer token, per its auth method. */
  async setSecret(id: string, secret: string): Promise<void> {
    const profile = this.stored().find((p) => p.id === id)
    if (!profile) throw new UserFacingError(`There is no editable connection with id '${id}'.`)
    const key = secretKeyFor(profile)
    if (!key) throw new UserFacingError(`Connection '${profile.name}' signs in interactively and stores no secret.`)
    registerSecret(secret)
    await this.options.secrets.set(key, secret)
    this.forget(id)
  }

  /** Removes every secret of a connection, the persisted token cache included (sign out). */
  async clearSecrets(id: string): Promise<void> {
    const prefix = secretKeys.prefix(id)
    for (const key of await this.options.secrets.keys()) if (key.startsWith(prefix)) await this.options.secrets.delete(key)
    this.forget(id)
  }

  /** Forgets cached tokens and the persisted msal cache, keeping the stored secret. */
  async signOut(id: string): Promise<void> {
    await this.options.secrets.delete(secretKeys.tokenCache(id))
    this.forget(id)
  }

  private forget(id: string): void {
    this.dynamicsConnectors.delete(id)
    this.campaignConnectors.delete(id)
  }

  private async secretFor(profile: ConnectionProfile): Promise<string | undefined> {
    if (profile.source === 'sandbox') {
      const sandbox = this.options.sandbox?.()
      return profile.system === 'dynamics' ? sandbox?.dynamics?.clientSecret : sandbox?.campaign?.clientSecret
    }
    if (profile.source === 'env') return envSecret(this.env, profile)
    const key = secretKeyFor(profile)
    return key ? this.options.secrets.get(key) : undefined
  }

  // ---------------------------------------------------------------- connectors

  private missingSecret(profile: ConnectionProfile): ConnectorError {
    return new ConnectorError({
      kind: 'unauthorized',
      service: profile.system === 'dynamics' ? 'dynamics-auth' : 'campaign-ims',
      message: `Connection '${profile.name}' has no stored ${profile.system === 'dynamics' && profile.authMethod === 'certificate' ? 'certificate key' : profile.authMethod === 'bearerToken' ? 'token' : 'client secret'}.`,
      hint: 'Edit the connection and enter the secret.'
    })
  }

  /** A connector for a Dynamics connection, cached so tokens and metadata are reused. */
  async dynamics(idOrName: string): Promise<DynamicsConnector> {
    const profile = this.resolve(idOrName, 'dynamics')
    if (profile.system !== 'dynamics') throw new UserFacingError(`Connection '${profile.name}' is a Campaign connection — pick a Dynamics 365 connection here.`)
    const cached = this.dynamicsConnectors.get(profile.id)
    if (cached) return cached
    const connector = new DynamicsConnector({
      environmentUrl: profile.environmentUrl,
      apiUrl: profile.apiUrl,
      tokenProvider: await this.dynamicsTokenProvider(profile),
      ...this.options.http
    })
    this.dynamicsConnectors.set(profile.id, connector)
    return connector
  }

  private async dynamicsTokenProvider(profile: DynamicsConnection): Promise<TokenProvider> {
    const secret = await this.secretFor(profile)
    if (profile.authMethod === 'bearerToken') {
      if (!secret) throw this.missingSecret(profile)
      registerSecret(secret)
      return new StaticTokenProvider(secret)
    }
    let networkClient: INetworkModule | undefined
    let knownAuthorities: string[] | undefined
    const sandbox = profile.source === 'sandbox' ? this.options.sandbox?.()?.dynamics : undefined
    if (sandbox?.ca) {
      // The sandbox authority is https with a per-launch certificate: trust it for msal only.
      const client = createTrustingNetworkClient(sandbox.ca)
      this.networkClients.push(client)
      networkClient = client
    }
    if (profile.authority) knownAuthorities = [new URL(profile.authority).host]
    const base = {
      environmentUrl: profile.environmentUrl,
      tenantId: profile.tenantId,
      clientId: profile.clientId,
      authority: profile.authority,
      knownAuthorities,
      networkClient,
      cache: profile.source === 'user' ? { store: this.options.secrets, key: secretKeys.tokenCache(profile.id) } : undefined
    }
    if (profile.authMethod === 'clientSecret') {
      if (!secret) throw this.missingSecret(profile)
      return new ConfidentialTokenProvider({ ...base, clientSecret: secret })
    }
    if (profile.authMethod === 'certificate') {
      if (!secret || !profile.certificateThumbprint) throw this.missingSecret(profile)
      return new ConfidentialTokenProvider({ ...base, certificate: { thumbprintSha256: profile.certificateThumbprint, privateKey: secret } })
    }
    return new PublicClientTokenProvider({ ...base, flow: profile.authMethod }, this.options.interaction)
  }

  async campaign(idOrName: string): Promise<CampaignConnector> {
    const profile = this.resolve(idOrName, 'campaign')
    if (profile.system !== 'campaign') throw new UserFacingError(`Connection '${profile.name}' is a Dynamics 365 connection — pick a Campaign connection here.`)
    const cached = this.campaignConnectors.get(profile.id)
    if (cached) return cached
    const secret = await this.secretFor(profile)
    if (!secret) throw this.missingSecret(profile)
    registerSecret(secret)
    const tokenProvider: TokenProvider =
      profile.authMethod === 'bearerToken'
        ? new StaticTokenProvider(secret)
        : new ImsTokenProvider({ imsUrl: profile.imsUrl, clientId: profile.apiKey, clientSecret: secret, scopes: profile.scopes, timeoutMs: this.options.http?.timeoutMs })
    const connector = new CampaignConnector({
      baseUrl: campaignBaseUrl(profile),
      apiKey: profile.apiKey,
      tokenProvider,
      dynamicsKeyField: profile.dynamicsKeyField,
      ...this.options.http
    })
    this.campaignConnectors.set(profile.id, connector)
    return connector
  }

  // ---------------------------------------------------------------- test

  /**
   * Reach the service, sign in, read one table's metadata, count its rows. Stops at the
   * first failure and says what failed (DNS, TLS, refused, 401, 403, throttled) and what to do.
   */
  async test(idOrName: string, options: { signal?: AbortSignal; table?: string } = {}): Promise<ConnectionTestReport> {
    const profile = this.resolve(idOrName)
    const steps: ConnectionTestStep[] = []
    const report = (): ConnectionTestReport => {
      const failed = steps.find((s) => !s.ok)
      const summary = failed
        ? `${stepLabel[failed.step]} failed${failed.error?.status ? ` (HTTP ${failed.error.status}${failed.error.code ? `, ${failed.error.code}` : ''})` : failed.error?.code ? ` (${failed.error.code})` : ''}: ${failed.error?.message ?? 'unknown error'} — ${failed.error?.hint ?? ''}`.trim()
        : `Connected: ${steps.map((s) => s.detail).filter(Boolean).join('; ')}.`
      return { connectionId: profile.id, name: profile.name, system: profile.system, ok: !failed, steps, summary }
    }
    const run = async (step: TestStepName, action: () => Promise<string>): Promise<boolean> => {
      const started = Date.now()
      try {
        const detail = await action()
        steps.push({ step, ok: true, ms: Date.now() - started, detail })
        return true
      } catch (error) {
        const info = isConnectorError(error)
          ? error.toJSON()
          : new ConnectorError({ kind: 'protocol', service: 'http', message: error instanceof Error ? error.message : String(error) }).toJSON()
        steps.push({ step, ok: false, ms: Date.now() - started, error: info })
        return false
      }
    }
    const { signal } = options
    if (profile.system === 'dynamics') {
      const apiUrl = (profile.apiUrl ?? `${new URL(profile.environmentUrl).origin}/api/data/v9.2/`).replace(/\/?$/, '/')
      if (!(await run('reach', () => reach(apiUrl, 'dynamics', signal)))) return report()
      let connector: DynamicsConnector
      if (!(await run('signIn', async () => {
        connector = await this.dynamics(profile.id)
        const me = await connector.whoAmI(signal)
        return `signed in (user ${me.userId}${me.dopHint ? `, recommended parallelism ${me.dopHint}` : ''})`
      })))
        return report()
      const table = options.table ?? profile.testTable
      if (!(await run('metadata', async () => `${table}: ${(await connector.getTable(table, signal)).fields.length} fields`))) return report()
      await run('count', async () => {
        const { count, limitExceeded } = await connector.count(table, { signal })
        return `${limitExceeded ? 'at least ' : ''}${count.toLocaleString('en-US')} rows`
      })
      return report()
    }
    const baseUrl = campaignBaseUrl(profile)
    if (!(await run('reach', () => reach(baseUrl, 'campaign', signal)))) return report()
    let connector: CampaignConnector
    if (!(await run('signIn', async () => {
      connector = await this.campaign(profile.id)
      const resources = await connector.listResources(signal)
      return `signed in (${resources.length} resources)`
    })))
      return report()
    const resource = options.table ?? profile.testResource
    if (!(await run('metadata', async () => `${resource}: ${(await connector.getResource(resource, signal)).fields.length} fields`))) return report()
    await run('count', async () => `${(await connector.count(resource, { signal })).toLocaleString('en-US')} records`)
    return report()
  }

  /** Closes network clients made for the sandbox authority. */
  async dispose(): Promise<void> {
    this.dynamicsConnectors.clear()
    this.campaignConnectors.clear()
    await Promise.all(this.networkClients.splice(0).map((c) => c.close()))
  }
}

/** An unauthenticated GET: any HTTP answer proves DNS, TLS and the port are right. */
async function reach(url: string, service: 'dynamics' | 'campaign', signal?: AbortSignal): Promise<string> {
  const client = new HttpClient({ service, retry: { maxAttempts: 2, baseDelayMs: 100 }, timeoutMs: 15_000 })
  const response = await client.request({ method: 'GET', url, signal, accept: [400, 401, 403, 404, 405, 500] })
  return `${new URL(url).host} answered (HTTP ${response.status})`
}

function secretKeyFor(profile: ConnectionProfile): string | undefined {
  if (profile.system === 'campaign') return profile.authMethod === 'bearerToken' ? secretKeys.bearerToken(profile.id) : secretKeys.clientSecret(profile.id)
  switch (profile.authMethod) {
    case 'clientSecret':
      return secretKeys.clientSecret(profile.id)
    case 'certificate':
      return secretKeys.certificateKey(profile.id)
    case 'bearerToken':
      return secretKeys.bearerToken(profile.id)
    default:
      return undefined
  }
}

const ENV = 'SYNC_STUDIO_'

function envSecret(env: NodeJS.ProcessEnv, profile: ConnectionProfile): string | undefined {
  const prefix = profile.system === 'dynamics' ? `${ENV}DYNAMICS_` : `${ENV}CAMPAIGN_`
  return (profile.authMethod === 'bearerToken' ? env[`${prefix}TOKEN`] : env[`${prefix}CLIENT_SECRET`]) || undefined
}

/**
 * Connections from environment variables (documented in docs/connections.md), so scripts
 * and CI run without interactive sign-in. A `…_TOKEN` wins over a client secret.
 */
export function connectionsFromEnv(env: NodeJS.ProcessEnv): ConnectionProfile[] {
  const out: ConnectionProfile[] = []
  const d = (name: string) => env[`${ENV}DYNAMICS_${name}`]?.trim() || undefined
  const c = (name: string) => env[`${ENV}CAMPAIGN_${name}`]?.trim() || undefined
  if (d('URL')) {
    const parsed = ConnectionProfile.safeParse({
      id: ENV_DYNAMICS_ID,
      name: d('NAME') ?? 'Environment (Dynamics 365)',
      system: 'dynamics',
      readOnly: true,
      source: 'env',
      environmentUrl: d('URL'),
      apiUrl: d('API_URL'),
      tenantId: d('TENANT_ID') ?? '',
      clientId: d('CLIENT_ID') ?? '',
      authority: d('AUTHORITY'),
      authMethod: d('TOKEN') ? 'bearerToken' : d('CLIENT_SECRET') ? 'clientSecret' : 'deviceCode',
      testTable: d('TEST_TABLE') ?? 'contact'
    })
    if (parsed.success) out.push(parsed.data)
  }
  if (c('URL') || c('ORG_ID')) {
    const parsed = ConnectionProfile.safeParse({
      id: ENV_CAMPAIGN_ID,
      name: c('NAME') ?? 'Environment (Adobe Campaign)',
      system: 'campaign',
      readOnly: true,
      source: 'env',
      baseUrl: c('URL'),
      orgId: c('ORG_ID'),
      authMethod: c('TOKEN') ? 'bearerToken' : 'oauthServerToServer',
      ...(c('IMS_URL') ? { imsUrl: c('IMS_URL') } : {}),
      apiKey: c('CLIENT_ID') ?? c('API_KEY') ?? '',
      scopes: (c('SCOPES') ?? '').split(/[,\s]+/).filter(Boolean),
      dynamicsKeyField: c('KEY_FIELD') ?? 'cusDynamicsContactId',
      testResource: c('TEST_RESOURCE') ?? 'profile'
    })
    if (parsed.success) out.push(parsed.data)
  }
  return out
}
