import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson } from './common/http'
import { listenOnLoopback, type LoopbackServer } from './common/loopback'

/**
 * The embedded sandbox's HTTP side: one loopback server for both simulated services
 * (Dataverse owns `/api/data/v9.2/**` and the Entra-style identity routes, Campaign owns
 * `/ims/**`, `/campaign/**` and `/<orgId>/campaign/**`). What neither claims gets the
 * documented 404 below, which names the two base URLs so a mistyped URL is easy to fix.
 */
export const notFoundCode = 'SandboxNotFound'

export interface SandboxNotFoundBody {
  error: {
    code: typeof notFoundCode
    message: string
    services: { dynamics: string; campaign: string }
  }
}

/** Hosts the sandbox may listen on: loopback only (its credentials are public). */
export const loopbackHosts = ['127.0.0.1', 'localhost'] as const

export function notFoundResponder(services: () => { dynamics: string; campaign: string }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]
    const urls = services()
    const body: SandboxNotFoundBody = {
      error: {
        code: notFoundCode,
        message: `Nothing in the Sync Studio sandbox answers ${req.method ?? 'GET'} ${path}. Dynamics 365 is at ${urls.dynamics} and Adobe Campaign at ${urls.campaign}.`,
        services: urls
      }
    }
    sendJson(res, 404, body)
  }
}

/**
 * Listens on `host:port` (0 = any free port) before any service exists: the services put
 * absolute URLs in their answers, so they are built with the origin afterwards and mounted.
 */
export async function listenSandboxHttp(options: {
  port: number
  host: string
  services: () => { dynamics: string; campaign: string }
}): Promise<LoopbackServer> {
  if (!(loopbackHosts as readonly string[]).includes(options.host)) {
    throw new Error(
      `the sandbox listens on loopback only (${loopbackHosts.join(' or ')}), not on "${options.host}": its credentials are public`
    )
  }
  try {
    return await listenOnLoopback({
      port: options.port,
      host: options.host,
      notFound: notFoundResponder(options.services),
      failed: (_req, res, error) => {
        if (res.headersSent) return void res.end()
        sendJson(res, 500, {
          error: {
            code: 'SandboxFailure',
            message: `The sandbox failed on this request: ${error instanceof Error ? error.message : String(error)}`
          }
        })
      }
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${options.port} on ${options.host} is already in use — pick another port, or 0 for any free port`, {
        cause: error
      })
    }
    throw error
  }
}
