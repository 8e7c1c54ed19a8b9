import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node'
import { Network } from '../http/network'

/**
 * msal-node's network module over a connection's `Network`: the OpenID discovery and the
 * token requests take the same proxy and trust the same extra CAs as the Dataverse calls
 * (msal's default client knows neither). msal reports a failed request only as text, so the
 * module keeps the last failure: the sign-in error can then name the proxy or certificate.
 *
 *   new ConfidentialClientApplication({
 *     auth: { clientId, clientSecret, authority, knownAuthorities: [authorityHost] },
 *     system: { networkClient: new MsalNetworkModule(network) }
 *   })
 */
export class MsalNetworkModule implements INetworkModule {
  /** The error of the last request that failed before an answer (cleared by `clearFailure`). */
  lastFailure: unknown
  /** Requests sent, by kind (diagnostics and tests). */
  readonly sent = { get: 0, post: 0 }

  constructor(
    readonly network: Network,
    private readonly ownsNetwork = false
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    this.sent.get++
    return this.send<T>('GET', url, options, timeout)
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.sent.post++
    return this.send<T>('POST', url, options)
  }

  clearFailure(): void {
    this.lastFailure = undefined
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number
  ): Promise<NetworkResponse<T>> {
    let response: Response
    try {
      response = await this.network.fetch(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? options?.body : undefined,
        signal: AbortSignal.timeout(timeout ?? 30_000)
      })
    } catch (error) {
      this.lastFailure = error
      throw error
    }
    const text = await response.text()
    let body: unknown
    try {
      body = text ? JSON.parse(text) : {}
    } catch {
      body = { error: 'invalid_response', error_description: text.slice(0, 500) }
    }
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      headers[name] = value
    })
    return { headers, body: body as T, status: response.status }
  }

  async close(): Promise<void> {
    if (this.ownsNetwork) await this.network.close()
  }
}

/**
 * An msal network module that trusts one extra CA (the sandbox's per-launch certificate) and
 * goes direct: for tests and tools pointed at the sandbox authority.
 */
export function createTrustingNetworkClient(caPem: string | string[]): MsalNetworkModule {
  return new MsalNetworkModule(
    new Network({ proxy: 'direct', ca: Array.isArray(caPem) ? caPem : [caPem], caSources: ['the sandbox certificate'] }),
    true
  )
}

/** The `auth` options that point msal-node at a sandbox authority without instance discovery. */
export function sandboxAuthOptions(authority: string): { authority: string; knownAuthorities: string[] } {
  return { authority, knownAuthorities: [new URL(authority).host] }
}
