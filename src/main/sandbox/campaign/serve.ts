import type { Server } from 'node:http'
import { listenOnLoopback } from '../common/loopback'
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
 * of connectors. The app serves both simulators on one server: see `startSandbox` in `../index.ts`.
 */
export async function serveCampaignSandbox(options: Omit<CampaignSandboxOptions, 'baseUrl'>, port = 0): Promise<ServedCampaignSandbox> {
  const listener = await listenOnLoopback({
    port,
    notFound: (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
    },
    failed: (_req, res, error) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' })
      res.end(String(error))
    }
  })
  const sandbox = createCampaignSandbox({ ...options, baseUrl: listener.origin })
  listener.mount([sandbox.handle])
  return { sandbox, server: listener.server, origin: listener.origin, close: () => listener.close() }
}
