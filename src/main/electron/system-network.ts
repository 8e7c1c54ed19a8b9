import * as tls from 'node:tls'
import type { Session } from 'electron'

/**
 * The operating system's network settings, as the desktop app can see them: the proxy for a
 * URL (Chromium's resolver — system settings, PAC scripts, WPAD) and the certificates of the
 * system store (Node's `tls.getCACertificates('system')`, in the Node versions that have it),
 * where IT installs the root of a TLS-inspecting proxy. Passed inward to the connections.
 */
export function systemNetwork(session: Session): { resolveProxy: (url: string) => Promise<string>; systemCa: () => string[] } {
  let certificates: string[] | undefined
  return {
    resolveProxy: (url) => session.resolveProxy(url),
    systemCa: () => (certificates ??= systemCertificates())
  }
}

function systemCertificates(): string[] {
  const read = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates
  if (typeof read !== 'function') return []
  try {
    return read('system')
  } catch {
    return []
  }
}
