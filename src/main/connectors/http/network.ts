import { rootCertificates } from 'node:tls'
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici'

/**
 * How a connection reaches the internet: through which proxy (none, one named in the
 * connection, the HTTPS_PROXY / HTTP_PROXY / NO_PROXY variables, or the operating system's
 * settings as Electron resolves them), trusting which extra certificate authorities (the
 * company root a TLS-inspecting proxy signs with). Every request of a connection — the
 * service's and the sign-in service's — goes through one `Network`. See docs/connections.md.
 */
export interface NetworkOptions {
  /**
   * `undefined`/`'system'`: the proxy variables (or `resolveProxy` when given);
   * `'direct'`: no proxy; otherwise a proxy URL (`http://proxy.contoso.com:8080`).
   */
  proxy?: string
  /** Extra trusted CAs (PEM texts), added to Node's bundled roots, never replacing them. */
  ca?: string[]
  /** Where the extra CAs came from (file paths, "the system store"), for error messages. */
  caSources?: string[]
  /** Environment with HTTPS_PROXY / HTTP_PROXY / NO_PROXY (default process.env). */
  env?: NodeJS.ProcessEnv
  /**
   * The operating system's proxy for a URL, as a PAC result (`"PROXY host:port; DIRECT"`);
   * Electron passes `session.resolveProxy`. Used for `'system'` instead of the variables.
   */
  resolveProxy?: (url: string) => Promise<string>
}

/** Which way a request went: for error messages and tests. */
export interface NetworkRoute {
  /** The proxy URL, or undefined for a direct connection. */
  proxy?: string
  /** Where the proxy setting came from ("HTTPS_PROXY", "the connection", "the system settings"). */
  proxySource?: string
  caSources: string[]
}

/** A fetch error annotated with the route it took (the hint names the proxy or the CA files). */
export class NetworkRouteError extends Error {
  constructor(
    readonly route: NetworkRoute,
    cause: unknown
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'NetworkRouteError'
  }
}

export class Network {
  private readonly ca: string[] | undefined
  private readonly agents = new Map<string, Dispatcher>()
  private readonly routes = new Map<string, Promise<NetworkRoute>>()

  constructor(readonly options: NetworkOptions = {}) {
    // `ca` replaces Node's roots: keep them, so public services stay trusted.
    this.ca = options.ca?.length ? [...rootCertificates, ...options.ca] : undefined
  }

  /** The route for a URL (proxy choice cached per origin: a PAC answer rarely depends on the path). */
  route(url: string): Promise<NetworkRoute> {
    const origin = new URL(url).origin
    let route = this.routes.get(origin)
    if (!route) {
      route = this.resolve(url)
      this.routes.set(origin, route)
    }
    return route
  }

  private async resolve(url: string): Promise<NetworkRoute> {
    const caSources = this.options.caSources ?? []
    const setting = this.options.proxy?.trim()
    if (setting === 'direct') return { caSources }
    if (setting && setting !== 'system')
      return { proxy: normalizeProxyUrl(setting), proxySource: "the connection's proxy setting", caSources }
    if (this.options.resolveProxy) {
      const proxy = proxyFromPac(await this.options.resolveProxy(url))
      return proxy ? { proxy, proxySource: "the system's proxy settings", caSources } : { caSources }
    }
    const fromEnv = proxyFromEnv(url, this.options.env ?? process.env)
    return fromEnv ? { proxy: fromEnv.proxy, proxySource: fromEnv.variable, caSources } : { caSources }
  }

  /** The undici dispatcher for a URL (one per proxy, reused: connections are kept alive). */
  async dispatcherFor(url: string): Promise<{ dispatcher: Dispatcher; route: NetworkRoute }> {
    const route = await this.route(url)
    const key = route.proxy ?? 'direct'
    let dispatcher = this.agents.get(key)
    if (!dispatcher) {
      const tls = this.ca ? { ca: this.ca } : undefined
      dispatcher = route.proxy ? new ProxyAgent({ uri: route.proxy, requestTls: tls, proxyTls: tls }) : new Agent({ connect: tls })
      this.agents.set(key, dispatcher)
    }
    return { dispatcher, route }
  }

  /** A fetch that goes this network's way; a failure carries its route (NetworkRouteError). */
  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const { dispatcher, route } = await this.dispatcherFor(url)
    try {
      // undici's own fetch: a dispatcher from this undici is not for Node's bundled copy.
      return (await undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher })) as unknown as Response
    } catch (error) {
      if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') throw error
      throw new NetworkRouteError(route, error)
    }
  }) as typeof fetch

  async close(): Promise<void> {
    const agents = [...this.agents.values()]
    this.agents.clear()
    await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)))
  }
}

/** `proxy:8080` → `http://proxy:8080/`; anything but http(s) is refused with a clear message. */
export function normalizeProxyUrl(value: string): string {
  const text = value.includes('://') ? value : `http://${value}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`the proxy "${value}" is not a URL — write it as http://proxy.example.com:8080`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`the proxy "${value}" uses ${url.protocol} — only http:// and https:// proxies are supported (no SOCKS)`)
  return url.href
}

/** The first `PROXY`/`HTTPS` entry of a PAC result; `DIRECT` (or only SOCKS) means none. */
export function proxyFromPac(pac: string): string | undefined {
  for (const entry of pac.split(';')) {
    const [kind, hostPort] = entry.trim().split(/\s+/)
    if (!hostPort) {
      if (kind?.toUpperCase() === 'DIRECT') return undefined
      continue
    }
    if (kind.toUpperCase() === 'PROXY' || kind.toUpperCase() === 'HTTP') return `http://${hostPort}/`
    if (kind.toUpperCase() === 'HTTPS') return `https://${hostPort}/`
  }
  return undefined
}

/**
 * The proxy the usual variables name for a URL (curl's rules): HTTPS_PROXY for https, HTTP_PROXY
 * for http, lowercase variants first; NO_PROXY lists hosts, `.suffix`/`suffix` domains,
 * `host:port`, or `*`.
 */
export function proxyFromEnv(url: string, env: NodeJS.ProcessEnv): { proxy: string; variable: string } | undefined {
  const target = new URL(url)
  const names = target.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY']
  const variable = names.find((name) => env[name]?.trim())
  if (!variable) return undefined
  if (bypassed(target, env.no_proxy ?? env.NO_PROXY ?? '')) return undefined
  return { proxy: normalizeProxyUrl(env[variable]!.trim()), variable }
}

function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    if (entry === '*') return true
    const [entryHost, entryPort] = entry.startsWith('[') ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]] : entry.split(':')
    if (entryPort && entryPort !== port) continue
    const bare = entryHost.replace(/^\*?\./, '')
    if (host === bare || host.endsWith(`.${bare}`)) return true
  }
  return false
}
