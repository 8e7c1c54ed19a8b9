import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node'
import { Agent, fetch } from 'undici'

/**
 * An msal-node network client that trusts one extra CA (the sandbox's per-launch
 * certificate) for its own requests only. Pass it as `system.networkClient`; for a real
 * tenant leave it out and msal uses its default client and the system trust store.
 *
 *   new ConfidentialClientApplication({
 *     auth: { clientId, clientSecret, authority: info.authority, knownAuthorities: [authorityHost] },
 *     system: { networkClient: createTrustingNetworkClient(tls.ca) }
 *   })
 */
export function createTrustingNetworkClient(caPem: string | string[]): INetworkModule & { close(): Promise<void> } {
  const agent = new Agent({ connect: { ca: caPem } })
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      headers: options?.headers,
      body: method === 'POST' ? options?.body : undefined,
      dispatcher: agent,
      signal: timeout ? AbortSignal.timeout(timeout) : undefined
    })
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
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
    close: () => agent.close()
  }
}

/** The `auth` options that point msal-node at a sandbox authority without instance discovery. */
export function sandboxAuthOptions(authority: string): { authority: string; knownAuthorities: string[] } {
  return { authority, knownAuthorities: [new URL(authority).host] }
}
