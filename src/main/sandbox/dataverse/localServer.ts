import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createDataverseSandbox, type DataverseSandbox, type DataverseSandboxOptions } from './index'

/**
 * Starts the sandbox alone on a loopback port (tests, CLI demos). The base URL has to
 * contain the port, so the server listens first and the sandbox is created second.
 * The app itself mounts `sandbox.handle` on its shared server instead.
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
  let sandbox: DataverseSandbox | undefined
  const server = createServer((req, res) => {
    const handled = sandbox ? sandbox.handle(req, res) : Promise.resolve(false)
    handled
      .then((ok) => {
        if (!ok) {
          res.writeHead(404, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ error: { code: '0x8006088a', message: `Resource not found for the segment '${req.url}'.` } }))
        }
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  sandbox = createDataverseSandbox({ ...options, baseUrl })
  return {
    sandbox,
    baseUrl,
    server,
    async accessToken() {
      const { info } = sandbox!
      const response = await fetch(`${baseUrl}/${info.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: info.clientId, client_secret: info.clientSecret, scope: info.scope })
      })
      if (!response.ok) throw new Error(`sandbox token request failed: ${response.status} ${await response.text()}`)
      return ((await response.json()) as { access_token: string }).access_token
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
