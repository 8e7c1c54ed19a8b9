import type { Server } from 'node:http'
import { listenOnLoopback } from '../common/loopback'
import { createDataverseSandbox, type DataverseSandbox, type DataverseSandboxOptions } from './index'

/**
 * Starts the sandbox alone on a loopback port (tests, CLI demos). The base URL has to
 * contain the port, so the server listens first and the sandbox is created second.
 * The app itself serves both simulators on one server: see `startSandbox` in `../index.ts`.
 */
export interface LocalDataverseServer {
  sandbox: DataverseSandbox
  baseUrl: string
  server: Server
  /** A client-credentials access token fetched over plain HTTP (no msal; for tests and scripts). */
  accessToken(): Promise<string>
  close(): Promise<void>
}

export async function startLocalDataverseServer(
  options: Omit<DataverseSandboxOptions, 'baseUrl'>,
  port = 0
): Promise<LocalDataverseServer> {
  const listener = await listenOnLoopback({
    port,
    notFound: (req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ error: { code: '0x8006088a', message: `Resource not found for the segment '${req.url}'.` } }))
    }
  })
  const baseUrl = listener.origin
  const sandbox = createDataverseSandbox({ ...options, baseUrl })
  listener.mount([sandbox.handle])
  return {
    sandbox,
    baseUrl,
    server: listener.server,
    accessToken: () => clientCredentialsToken(baseUrl, sandbox),
    close: () => listener.close()
  }
}

/** A client-credentials token from the sandbox's token route on its plain-HTTP origin (no msal). */
export async function clientCredentialsToken(origin: string, sandbox: Pick<DataverseSandbox, 'info'>): Promise<string> {
  const { info } = sandbox
  const response = await fetch(`${origin.replace(/\/+$/, '')}/${info.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.clientId,
      client_secret: info.clientSecret,
      scope: info.scope
    })
  })
  if (!response.ok) throw new Error(`sandbox token request failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}
