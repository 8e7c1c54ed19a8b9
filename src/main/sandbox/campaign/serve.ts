import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCampaignSandbox, type CampaignSandbox, type CampaignSandboxOptions } from './index'

export interface ServedCampaignSandbox {
  sandbox: CampaignSandbox
  server: Server
  /** e.g. http://127.0.0.1:53127 */
  origin: string
  close(): Promise<void>
}

/**
 * A standalone Campaign sandbox on 127.0.0.1 (port 0 = any free port), for integration tests
 * of connectors. The app mounts `handle` next to the Dataverse handler instead.
 */
export async function serveCampaignSandbox(options: Omit<CampaignSandboxOptions, 'baseUrl'>, port = 0): Promise<ServedCampaignSandbox> {
  let sandbox: CampaignSandbox | undefined
  const server = createServer((req, res) => {
    sandbox!.handle(req, res).then(
      (handled) => {
        if (!handled && !res.headersSent) {
          res.writeHead(404, { 'Content-Type': 'text/plain' })
          res.end('not found')
        }
      },
      (error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(String(error))
      }
    )
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  sandbox = createCampaignSandbox({ ...options, baseUrl: origin })
  return {
    sandbox,
    server,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
