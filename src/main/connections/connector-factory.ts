import { ImsTokenProvider } from '../connectors/campaign/auth'
import { CampaignConnector } from '../connectors/campaign/connector'
import { ConfidentialTokenProvider, PublicClientTokenProvider, type DelegatedSignIn } from '../connectors/dynamics/auth'
import { DynamicsConnector } from '../connectors/dynamics/connector'
import { MsalNetworkModule } from '../connectors/dynamics/msal-network'
import { CertificateFileError, readCertificateFile } from '../connectors/http/certificates'
import type { HttpEvent } from '../connectors/http/client'
import { ConnectorError } from '../connectors/http/errors'
import { Network } from '../connectors/http/network'
import { registerSecret } from '../connectors/http/redact'
import type { RetryPolicy } from '../connectors/http/retry'
import { StaticTokenProvider, type TokenProvider } from '../connectors/token-provider'
import { defaultAuthority } from '../../shared/clouds'
import {
  campaignBaseUrl,
  connectionProblem,
  type CampaignConnection,
  type ConnectionProfile,
  type DynamicsConnection
} from '../../shared/connections'
import { secretKeys, type SecretStore } from '../workspace/secrets'
import type { SandboxConnectionInfo } from './sandbox-profiles'

export interface ConnectorFactoryOptions {
  /** Where token caches persist (encrypted), beside the connections' secrets. */
  secrets: SecretStore
  /** A profile's secret, wherever it comes from (secret store, environment, sandbox). */
  secretFor: (profile: ConnectionProfile) => Promise<string | undefined>
  env: () => NodeJS.ProcessEnv
  sandbox?: () => SandboxConnectionInfo | undefined
  /** Device code / browser sign-in UI hooks. */
  interaction?: DelegatedSignIn
  /** `bulkTimeoutMs`: Dynamics bulk writes and `$batch` (DynamicsConnectorOptions; tests shorten it to provoke a write with no answer). */
  http?: { onEvent?: (event: HttpEvent) => void; timeoutMs?: number; bulkTimeoutMs?: number; retry?: Partial<RetryPolicy> }
  /**
   * What the desktop app knows of the operating system's network (passed in from the edge of
   * main): its proxy for a URL (`session.resolveProxy`) and its trusted certificates. Without
   * it, HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env` apply (CLI, browser mode).
   */
  network?: { resolveProxy?: (url: string) => Promise<string>; systemCa?: () => string[] }
}

/**
 * Builds the connectors of a profile — its network (proxy, CAs), its sign-in (msal-node for
 * Dynamics, IMS for Campaign, or a static token) — and caches them per connection, so tokens,
 * metadata and kept-alive sockets are reused until the profile changes.
 */
export class ConnectorFactory {
  private readonly dynamicsConnectors = new Map<string, DynamicsConnector>()
  private readonly campaignConnectors = new Map<string, CampaignConnector>()
  private readonly networks = new Map<string, Network>()

  constructor(private readonly options: ConnectorFactoryOptions) {}

  /**
   * The way a connection reaches its service and its sign-in service: its proxy setting (or
   * the system's), and the extra CAs (SYNC_STUDIO_CA_FILE, the connection's file, the system
   * store where the desktop app offers it, the sandbox's own certificate).
   */
  network(profile: ConnectionProfile): Network {
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
    const globalFile = this.options.env().SYNC_STUDIO_CA_FILE?.trim()
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
      env: this.options.env(),
      resolveProxy: this.options.network?.resolveProxy
    })
    this.networks.set(profile.id, network)
    return network
  }

  private missingSecret(profile: ConnectionProfile): ConnectorError {
    return new ConnectorError({
      kind: 'unauthorized',
      service: profile.system === 'dynamics' ? 'dynamics-auth' : 'campaign-ims',
      message: `Connection '${profile.name}' has no stored ${profile.system === 'dynamics' && profile.authMethod === 'certificate' ? 'certificate key' : profile.authMethod === 'bearerToken' ? 'token' : 'client secret'}.`,
      hint: 'Edit the connection and enter the secret.'
    })
  }

  /** A connector for a Dynamics connection, cached so tokens and metadata are reused. */
  async dynamics(profile: DynamicsConnection): Promise<DynamicsConnector> {
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
    const secret = await this.options.secretFor(profile)
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

  /** A connector for a Campaign connection, cached so tokens and schemas are reused. */
  async campaign(profile: CampaignConnection): Promise<CampaignConnector> {
    const cached = this.campaignConnectors.get(profile.id)
    if (cached) return cached
    const secret = await this.options.secretFor(profile)
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
      ...(profile.modifiedSinceFilter ? { modifiedSinceFilter: modifiedSinceFilterOf(profile.modifiedSinceFilter) } : {}),
      ...this.options.http
    })
    this.campaignConnectors.set(profile.id, connector)
    return connector
  }
  /** Drops a connection's connectors and network (its profile or secret changed). */
  forget(id: string): void {
    this.dynamicsConnectors.delete(id)
    this.campaignConnectors.delete(id)
    const network = this.networks.get(id)
    this.networks.delete(id)
    void network?.close()
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

/** A custom filter's name → its parameter as Campaign generates it: `byModifiedSince` → `modifiedSince_parameter`. */
export function modifiedSinceFilterOf(name: string): { name: string; param: string } {
  const bare = name.replace(/^by/, '')
  return { name, param: `${bare.charAt(0).toLowerCase()}${bare.slice(1)}_parameter` }
}
