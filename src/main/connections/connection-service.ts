import { randomUUID } from 'node:crypto'
import type { CampaignConnector } from '../connectors/campaign/connector'
import type { DynamicsConnector } from '../connectors/dynamics/connector'
import { ConnectorError } from '../connectors/http/errors'
import { registerSecret } from '../connectors/http/redact'
import { ServiceError } from '../errors'
import {
  campaignBaseUrl,
  connectionProblem,
  ConnectionProfile,
  NewConnection,
  needsSecret,
  type ConnectionSummary
} from '../../shared/connections'
import { problemsFromZod } from '../../shared/mapping/problems'
import { formatProblem } from '../../shared/problems'
import { secretKeys, type SecretStore } from '../workspace/secrets'
import type { KeyValueStore } from '../workspace/store'
import { ConnectorFactory, type ConnectorFactoryOptions } from './connector-factory'
import { connectionsFromEnv, envConnectionProblems, envSecret } from './environment-profiles'
import { sandboxProfiles, type SandboxConnectionInfo } from './sandbox-profiles'
import { ProfileStorage, secretKeyFor } from './storage'
import { testConnection, type ConnectionTestReport } from './test-connection'

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
  interaction?: ConnectorFactoryOptions['interaction']
  http?: ConnectorFactoryOptions['http']
  network?: ConnectorFactoryOptions['network']
}

function nowIso(): string {
  return new Date().toISOString()
}

/** The error code of a connection name that nothing here defines (`validate` reports it as an error of the document). */
export const NO_SUCH_CONNECTION = 'noSuchConnection'

/**
 * Connection profiles (create, edit, delete, list, test) and the connectors built from them.
 * Profiles persist in the KeyValueStore without secrets (storage.ts); secrets go to the
 * SecretStore. Besides the user's profiles there is a read-only sandbox pair (when a sandbox
 * runs, sandbox-profiles.ts) and a pair from environment variables (environment-profiles.ts).
 */
export class ConnectionService {
  private readonly profiles: ProfileStorage
  private readonly connectors: ConnectorFactory

  constructor(private readonly options: ConnectionServiceOptions) {
    this.profiles = new ProfileStorage(options.store)
    this.connectors = new ConnectorFactory({
      secrets: options.secrets,
      secretFor: (profile) => this.secretFor(profile),
      env: () => this.env,
      sandbox: options.sandbox,
      interaction: options.interaction,
      http: options.http,
      network: options.network
    })
  }

  private get env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env
  }

  private builtIn(): ConnectionProfile[] {
    return [...sandboxProfiles(this.options.sandbox?.()), ...connectionsFromEnv(this.env)]
  }

  /** Every profile: the user's, then the sandbox pair, then the environment pair. */
  async list(): Promise<ConnectionSummary[]> {
    const all = [...this.profiles.read(), ...this.builtIn()]
    return Promise.all(
      all.map(async (profile) => ({ profile, hasSecret: (await this.secretFor(profile)) !== undefined, needsSecret: needsSecret(profile) }))
    )
  }

  /** By id, or by name (mapping files refer to connections by name), optionally within one system. */
  resolve(idOrName: string, system?: ConnectionProfile['system']): ConnectionProfile {
    const all = [...this.profiles.read(), ...this.builtIn()].filter((p) => system === undefined || p.system === system)
    const found =
      all.find((p) => p.id === idOrName) ??
      all.find((p) => p.name === idOrName) ??
      all.find((p) => p.name.toLowerCase() === idOrName.toLowerCase())
    if (!found) {
      const problems = envConnectionProblems(this.env)
      throw new ConnectorError({
        kind: 'notFound',
        service: 'http',
        code: NO_SUCH_CONNECTION,
        // Said in the message too: a run's flow error shows the message, not the hint.
        message:
          `No connection named '${idOrName}'.` +
          (idOrName.toLowerCase() === 'sandbox'
            ? ' The built-in Sandbox is there in the app, and on the command line with --sandbox.'
            : '') +
          (problems.length ? ` The environment variables define none because ${problems.join('; ')}.` : ''),
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
    const profiles = this.profiles.read()
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
    await this.profiles.write([...profiles, profile])
    if (secret) await this.setSecret(profile.id, secret)
    return { profile, hasSecret: secret !== undefined && secret !== '', needsSecret: needsSecret(profile) }
  }

  /** Changes a user profile. `secret`: a new value, '' to remove it, undefined to keep it. */
  async update(id: string, changes: Partial<NewConnection>, secret?: string): Promise<ConnectionSummary> {
    const profiles = this.profiles.read()
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
    await this.profiles.write(profiles)
    if (secret === '') await this.clearSecrets(id)
    else if (secret !== undefined) await this.setSecret(id, secret)
    this.forget(id)
    return { profile: next, hasSecret: (await this.secretFor(next)) !== undefined, needsSecret: needsSecret(next) }
  }

  async delete(id: string): Promise<void> {
    const profiles = this.profiles.read()
    if (!profiles.some((p) => p.id === id)) {
      if (this.builtIn().some((p) => p.id === id))
        throw new ServiceError('Built-in connections (Sandbox, environment variables) cannot be deleted.', 'refused')
      return
    }
    await this.profiles.write(profiles.filter((p) => p.id !== id))
    await this.clearSecrets(id)
    this.forget(id)
  }

  /** Stores the profile's secret: client secret, certificate private key (PEM) or bearer token, per its auth method. */
  async setSecret(id: string, secret: string): Promise<void> {
    const profile = this.profiles.read().find((p) => p.id === id)
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
    this.connectors.forget(id)
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

  /** A connector for a Dynamics connection, cached so tokens and metadata are reused. */
  async dynamics(idOrName: string): Promise<DynamicsConnector> {
    const profile = this.resolve(idOrName, 'dynamics')
    if (profile.system !== 'dynamics')
      throw new ServiceError(`Connection '${profile.name}' is a Campaign connection — pick a Dynamics 365 connection here.`)
    return this.connectors.dynamics(profile)
  }

  async campaign(idOrName: string): Promise<CampaignConnector> {
    const profile = this.resolve(idOrName, 'campaign')
    if (profile.system !== 'campaign')
      throw new ServiceError(`Connection '${profile.name}' is a Dynamics 365 connection — pick a Campaign connection here.`)
    return this.connectors.campaign(profile)
  }

  /** Reach, sign in, read metadata, count (test-connection.ts). */
  async test(idOrName: string, options: { signal?: AbortSignal; table?: string } = {}): Promise<ConnectionTestReport> {
    return testConnection(this.resolve(idOrName), this.connectors, options)
  }

  /** Closes the connections' networks (their kept-alive sockets). */
  async dispose(): Promise<void> {
    await this.connectors.dispose()
  }
}

/** Checks what the schema cannot: the Campaign address, the cloud of the environment URL. */
function checkProfile(profile: ConnectionProfile): void {
  if (profile.system === 'campaign') campaignBaseUrl(profile)
  const problem = connectionProblem(profile)
  if (problem) throw new ServiceError(`${problem}.`)
}
