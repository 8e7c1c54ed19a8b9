import { randomUUID } from 'node:crypto'
import { CampaignConnector } from '../connectors/campaign/connector'
import { ImsTokenProvider } from '../connectors/campaign/auth'
import { ConfidentialTokenProvider, PublicClientTokenProvider, type DelegatedSignIn } from '../connectors/dynamics/auth'
import { DynamicsConnector } from '../connectors/dynamics/connector'
import { MsalNetworkModule } from '../connectors/dynamics/msal-network'
import { readCertificateFile, CertificateFileError } from '../connectors/http/certificates'
import { HttpClient, type HttpEvent } from '../connectors/http/client'
import { ConnectorError, isConnectorError, type ConnectorErrorInfo } from '../connectors/http/errors'
import { Network } from '../connectors/http/network'
import { registerSecret } from '../connectors/http/redact'
import type { RetryPolicy } from '../connectors/http/retry'
import { StaticTokenProvider, type TokenProvider } from '../connectors/token-provider'
import { cloudInfo, defaultAuthority, parseCloud } from '../../shared/clouds'
import {
  campaignBaseUrl,
  connectionProblem,
  ConnectionProfile,
  NewConnection,
  needsSecret,
  DynamicsConnection,
  type ConnectionSummary
} from '../../shared/connections'
import { secretKeys, type SecretStore } from './secrets'
import type { KeyValueStore } from './store'

export * from '../../shared/connections'
import { ServiceError } from '../errors'
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
  /**
   * Which data the built-in sandbox holds (its snapshot file): the app's and the CLI's sandboxes
   * are different datasets, so the run journal must not share a flow's position between them.
   */
  sandboxDataset?: string
  /** Device code / browser sign-in UI hooks. */
  interaction?: DelegatedSignIn
  http?: { onEvent?: (event: HttpEvent) => void; timeoutMs?: number; retry?: Partial<RetryPolicy> }
  /**
   * What the desktop app knows of the operating system's network (passed in from the edge of
   * main): its proxy for a URL (`session.resolveProxy`) and its trusted certificates. Without
   * it, HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env` apply (CLI, browser mode).
   */
  network?: { resolveProxy?: (url: string) => Promise<string>; systemCa?: () => string[] }
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
  private readonly networks = new Map<string, Network>()

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
        cloud: 'public',
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
    return Promise.all(
      all.map(async (profile) => ({ profile, hasSecret: (await this.secretFor(profile)) !== undefined, needsSecret: needsSecret(profile) }))
    )
  }

  /** By id, or by name (mapping files refer to connections by name), optionally within one system. */
  resolve(idOrName: string, system?: ConnectionProfile['system']): ConnectionProfile {
    const all = [...this.stored(), ...this.builtIn()].filter((p) => system === undefined || p.system === system)
    const found =
      all.find((p) => p.id === idOrName) ??
      all.find((p) => p.name === idOrName) ??
      all.find((p) => p.name.toLowerCase() === idOrName.toLowerCase())
    if (!found) {
      const problems = envConnectionProblems(this.env)
      throw new ConnectorError({
        kind: 'notFound',
        service: 'http',
        message: `No connection named '${idOrName}'.${problems.length ? ` The environment variables define none because ${problems.join('; ')}.` : ''}`,
        hint: `Known connections: ${all.map((p) => p.name).join(', ') || 'none yet'}.`
      })
    }
    return found
  }

  /**
   * The service a connection reaches, for the run journal (positions and resumes are per
   * identity): the environment URL, the Campaign organization URL, or the sandbox's dataset.
   */
  identity(idOrName: string, system: ConnectionProfile['system']): string {
    const profile = this.resolve(idOrName, system)
    if (profile.source === 'sandbox') return `sandbox-${profile.system}:${this.options.sandboxDataset ?? 'default'}`
    if (profile.system === 'dynamics') return `dynamics:${profile.environmentUrl.replace(/\/+$/, '').toLowerCase()}`
    return `campaign:${campaignBaseUrl(profile).replace(/\/+$/, '').toLowerCase()}`
  }

  async create(input: NewConnection, secret?: string): Promise<ConnectionSummary> {
    const parsed = NewConnection.parse(input)
    const profiles = this.stored()
    if ([...profiles, ...this.builtIn()].some((p) => p.name.toLowerCase() === parsed.name.toLowerCase()))
      throw new ServiceError(`A connection named '${parsed.name}' already exists — choose another name.`)
    const profile = ConnectionProfile.parse({
      ...parsed,
      id: randomUUID(),
      readOnly: false,
      source: 'user',
      createdAt: nowIso(),
      updatedAt: nowIso()
    })
    checkProfile(profile)
    await this.save([...profiles, profile])
    if (secret) await this.setSecret(profile.id, secret)
    return { profile, hasSecret: secret !== undefined && secret !== '', needsSecret: needsSecret(profile) }
  }

  /** Changes a user profile. `secret`: a new value, '' to remove it, undefined to keep it. */
  async update(id: string, changes: Partial<NewConnection>, secret?: string): Promise<ConnectionSummary> {
    const profiles = this.stored()
    const at = profiles.findIndex((p) => p.id === id)
    if (at < 0) {
      if (this.builtIn().some((p) => p.id === id))
        throw new ServiceError(
          'Built-in connections (Sandbox, environment variables) cannot be edited — create your own connection instead.',
          'refused'
        )
      throw new ServiceError(`There is no connection with id '${id}' — it may have been deleted; refresh the list.`)
    }
    const current = profiles[at]
    if (changes.system && changes.system !== current.system)
      throw new ServiceError('A connection cannot change its system — create a new connection for the other system.')
    const merged = { ...current, ...changes, id, source: 'user', readOnly: false, createdAt: current.createdAt, updatedAt: nowIso() }
    const checked = ConnectionProfile.safeParse(merged)
    if (!checked.success) {
      // The contract takes any changes; say which one is wrong, at its path, as for any bad input.
      const problems = problemsFromZod(checked.error, merged).map((p) => ({ ...p, path: ['changes', ...p.path] }))
      throw new ServiceError(
        `connections/update: the changes are not valid — ${problems.map(formatProblem).join('; ')}`,
        'badInput',
        problems
      )
    }
    const next = checked.data
    checkProfile(next)
    if (profiles.some((p, i) => i !== at && p.name.toLowerCase() === next.name.toLowerCase()))
      throw new ServiceError(`A connection named '${next.name}' already exists — choose another name.`)
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
      if (this.builtIn().some((p) => p.id === id))
        throw new ServiceError('Built-in connections (Sandbox, environment variables) cannot be deleted.', 'refused')
      return
    }
    await this.save(profiles.filter((p) => p.id !== id))
    await this.clearSecrets(id)
    this.forget(id)
  }

  /** Stores the profile's secret: client secret, certificate private key (PEM) or bearer token, per its auth method. */
  async setSecret(id: string, secret: string): Promise<void> {
    const profile = this.stored().find((p) => p.id === id)
    if (!profile) throw new ServiceError(`There is no editable connection with id '${id}'.`)
    const key = secretKeyFor(profile)
    if (!key) throw new ServiceError(`Connection '${profile.name}' signs in interactively and stores no secret.`)
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
    const network = this.networks.get(id)
    this.networks.delete(id)
    void network?.close()
  }

  /**
   * The way a connection reaches its service and its sign-in service: its proxy setting (or
   * the system's), and the extra CAs (SYNC_STUDIO_CA_FILE, the connection's file, the system
   * store where the desktop app offers it, the sandbox's own certificate).
   */
  private network(profile: ConnectionProfile): Network {
    const cached = this.networks.get(profile.id)
    if (cached) return cached
    const ca: string[] = []
    const caSources: string[] = []
    const add = (file: string, label: string) => {
      try {
        ca.push(...readCertificateFile(file, label))
      } catch (error) {
        if (!(error instanceof CertificateFileError)) throw error
        throw new ConnectorError({
          kind: 'tls',
          service: profile.system === 'dynamics' ? 'dynamics' : 'campaign',
          code: 'CA_FILE',
          message: error.message,
          hint: 'The file must be a PEM bundle (Base-64 certificates). See "Proxy and certificates" in docs/connections.md.'
        })
      }
      caSources.push(file)
    }
    const globalFile = this.env.SYNC_STUDIO_CA_FILE?.trim()
    if (globalFile) add(globalFile, 'CA certificates file named by SYNC_STUDIO_CA_FILE,')
    if (profile.caFile) add(profile.caFile, `CA certificates file of connection '${profile.name}',`)
    const system = this.options.network?.systemCa?.() ?? []
    if (system.length) {
      ca.push(...system)
      caSources.push("the operating system's certificate store")
    }
    const sandbox = profile.source === 'sandbox' ? this.options.sandbox?.()?.dynamics?.ca : undefined
    if (sandbox) {
      // The sandbox authority is https with a per-launch certificate: trusted for the sandbox connections only.
      ca.push(sandbox)
      caSources.push('the sandbox certificate')
    }
    const network = new Network({
      // The sandbox is on this computer: never through a proxy.
      proxy: profile.source === 'sandbox' ? 'direct' : profile.proxy,
      ca,
      caSources,
      env: this.env,
      resolveProxy: this.options.network?.resolveProxy
    })
    this.networks.set(profile.id, network)
    return network
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
    if (profile.system !== 'dynamics')
      throw new ServiceError(`Connection '${profile.name}' is a Campaign connection — pick a Dynamics 365 connection here.`)
    const cached = this.dynamicsConnectors.get(profile.id)
    if (cached) return cached
    const connector = new DynamicsConnector({
      environmentUrl: profile.environmentUrl,
      apiUrl: profile.apiUrl,
      tokenProvider: await this.dynamicsTokenProvider(profile),
      fetch: this.network(profile).fetch,
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
    const problem = connectionProblem(profile)
    if (problem)
      throw new ConnectorError({
        kind: 'badRequest',
        service: 'dynamics',
        message: `Connection '${profile.name}': ${problem}.`,
        hint: 'Edit the connection: choose the cloud the environment is in, or correct the environment URL.'
      })
    const authority = profile.authority ?? defaultAuthority(profile.cloud, profile.tenantId)
    let knownAuthorities: string[] | undefined
    try {
      // Trusted as named: no instance discovery round trip (the clouds' hosts are Microsoft's own).
      knownAuthorities = [new URL(authority).host]
    } catch {
      knownAuthorities = undefined // checkAuthority() reports the bad URL
    }
    const base = {
      environmentUrl: profile.environmentUrl,
      tenantId: profile.tenantId,
      clientId: profile.clientId,
      authority,
      knownAuthorities,
      networkClient: new MsalNetworkModule(this.network(profile)),
      // Tokens survive the process (encrypted) for the user's and the environment's connections;
      // the sandbox's signing keys change per launch, so its tokens would not.
      cache: profile.source !== 'sandbox' ? { store: this.options.secrets, key: secretKeys.tokenCache(profile.id) } : undefined
    }
    if (profile.authMethod === 'clientSecret') {
      if (!secret) throw this.missingSecret(profile)
      return new ConfidentialTokenProvider({ ...base, clientSecret: secret })
    }
    if (profile.authMethod === 'certificate') {
      if (!secret || !profile.certificateThumbprint) throw this.missingSecret(profile)
      return new ConfidentialTokenProvider({
        ...base,
        certificate: { thumbprintSha256: profile.certificateThumbprint, privateKey: secret }
      })
    }
    return new PublicClientTokenProvider({ ...base, flow: profile.authMethod }, this.options.interaction)
  }

  async campaign(idOrName: string): Promise<CampaignConnector> {
    const profile = this.resolve(idOrName, 'campaign')
    if (profile.system !== 'campaign')
      throw new ServiceError(`Connection '${profile.name}' is a Dynamics 365 connection — pick a Campaign connection here.`)
    const cached = this.campaignConnectors.get(profile.id)
    if (cached) return cached
    const secret = await this.secretFor(profile)
    if (!secret) throw this.missingSecret(profile)
    registerSecret(secret)
    const network = this.network(profile)
    const tokenProvider: TokenProvider =
      profile.authMethod === 'bearerToken'
        ? new StaticTokenProvider(secret)
        : new ImsTokenProvider({
            imsUrl: profile.imsUrl,
            clientId: profile.apiKey,
            clientSecret: secret,
            scopes: profile.scopes,
            timeoutMs: this.options.http?.timeoutMs,
            fetch: network.fetch,
            cache: profile.source !== 'sandbox' ? { store: this.options.secrets, key: secretKeys.tokenCache(profile.id) } : undefined
          })
    const connector = new CampaignConnector({
      baseUrl: campaignBaseUrl(profile),
      apiKey: profile.apiKey,
      tokenProvider,
      fetch: network.fetch,
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
        : `Connected: ${steps
            .map((s) => s.detail)
            .filter(Boolean)
            .join('; ')}.`
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
          : new ConnectorError({
              kind: 'protocol',
              service: 'http',
              message: error instanceof Error ? error.message : String(error)
            }).toJSON()
        steps.push({ step, ok: false, ms: Date.now() - started, error: info })
        return false
      }
    }
    const { signal } = options
    if (profile.system === 'dynamics') {
      const apiUrl = (profile.apiUrl ?? `${new URL(profile.environmentUrl).origin}/api/data/v9.2/`).replace(/\/?$/, '/')
      if (!(await run('reach', () => reach(apiUrl, 'dynamics', this.network(profile), signal)))) return report()
      let connector: DynamicsConnector
      if (
        !(await run('signIn', async () => {
          connector = await this.dynamics(profile.id)
          const me = await connector.whoAmI(signal)
          return `signed in (user ${me.userId}${me.dopHint ? `, recommended parallelism ${me.dopHint}` : ''})`
        }))
      )
        return report()
      const table = options.table ?? profile.testTable
      if (!(await run('metadata', async () => `${table}: ${(await connector.getTable(table, signal)).fields.length} fields`)))
        return report()
      await run('count', async () => {
        const { count, limitExceeded } = await connector.count(table, { signal })
        if (count === undefined) return 'row count unknown (the answer had no @odata.count)'
        return `${limitExceeded ? 'at least ' : ''}${count.toLocaleString('en-US')} rows`
      })
      return report()
    }
    const baseUrl = campaignBaseUrl(profile)
    if (!(await run('reach', () => reach(baseUrl, 'campaign', this.network(profile), signal)))) return report()
    let connector: CampaignConnector
    if (
      !(await run('signIn', async () => {
        connector = await this.campaign(profile.id)
        const resources = await connector.listResources(signal)
        return `signed in (${resources.length} resources)`
      }))
    )
      return report()
    const resource = options.table ?? profile.testResource
    if (!(await run('metadata', async () => `${resource}: ${(await connector.getResource(resource, signal)).fields.length} fields`)))
      return report()
    await run('count', async () => `${(await connector.count(resource, { signal })).toLocaleString('en-US')} records`)
    return report()
  }

  /** Closes the connections' networks (their kept-alive sockets). */
  async dispose(): Promise<void> {
    this.dynamicsConnectors.clear()
    this.campaignConnectors.clear()
    const networks = [...this.networks.values()]
    this.networks.clear()
    await Promise.all(networks.map((n) => n.close()))
  }
}

/** An unauthenticated GET: any HTTP answer proves DNS, TLS (and the proxy) are right. */
async function reach(url: string, service: 'dynamics' | 'campaign', network: Network, signal?: AbortSignal): Promise<string> {
  const client = new HttpClient({ service, retry: { maxAttempts: 2, baseDelayMs: 100 }, timeoutMs: 15_000, fetch: network.fetch })
  const response = await client.request({ method: 'GET', url, signal, accept: [400, 401, 403, 404, 405, 500] })
  const route = await network.route(url)
  return `${new URL(url).host} answered (HTTP ${response.status}${route.proxy ? `, through the proxy ${route.proxy}` : ''})`
}

/** Checks what the schema cannot: the Campaign address, the cloud of the environment URL. */
function checkProfile(profile: ConnectionProfile): void {
  if (profile.system === 'campaign') campaignBaseUrl(profile)
  const problem = connectionProblem(profile)
  if (problem) throw new ServiceError(`${problem}.`)
}

function secretKeyFor(profile: ConnectionProfile): string | undefined {
  if (profile.system === 'campaign')
    return profile.authMethod === 'bearerToken' ? secretKeys.bearerToken(profile.id) : secretKeys.clientSecret(profile.id)
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
  if (d('URL') && !envConnectionProblems(env).some((p) => p.startsWith(`${ENV}DYNAMICS_`))) {
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
      cloud: d('CLOUD') ? parseCloud(d('CLOUD')!) : undefined,
      proxy: d('PROXY'),
      caFile: d('CA_FILE'),
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
      proxy: c('PROXY'),
      caFile: c('CA_FILE'),
      dynamicsKeyField: c('KEY_FIELD') ?? 'cusDynamicsContactId',
      testResource: c('TEST_RESOURCE') ?? 'profile'
    })
    if (parsed.success) out.push(parsed.data)
  }
  return out
}

/**
 * What is wrong with the connection environment variables, one sentence per variable (an
 * invalid variable must not make its connection silently disappear).
 */
export function envConnectionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = []
  const d = (name: string) => env[`${ENV}DYNAMICS_${name}`]?.trim() || undefined
  if (d('URL')) {
    const cloud = d('CLOUD')
    if (cloud && !parseCloud(cloud))
      problems.push(
        `${ENV}DYNAMICS_CLOUD="${cloud}" is not a cloud: use one of ${Object.values(cloudInfo)
          .map((i) => i.envName)
          .join(', ')}`
      )
    const parsed = DynamicsEnvCheck.safeParse({
      environmentUrl: d('URL'),
      apiUrl: d('API_URL'),
      authority: d('AUTHORITY'),
      proxy: d('PROXY')
    })
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push(`${ENV}DYNAMICS_${envNames[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
    else {
      const mismatch = connectionProblem({ system: 'dynamics', environmentUrl: d('URL'), cloud: cloud ? parseCloud(cloud) : 'public' })
      if (mismatch)
        problems.push(`${ENV}DYNAMICS_URL: ${mismatch.replace(/^environmentUrl: /, '')}${cloud ? '' : ` (set ${ENV}DYNAMICS_CLOUD)`}`)
    }
  }
  return problems
}

const envNames: Record<string, string> = { environmentUrl: 'URL', apiUrl: 'API_URL', authority: 'AUTHORITY', proxy: 'PROXY' }
const DynamicsEnvCheck = DynamicsConnection.pick({ environmentUrl: true, apiUrl: true, authority: true, proxy: true })
