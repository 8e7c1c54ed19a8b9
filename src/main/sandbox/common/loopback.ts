import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { routeRequests, type RouteHandler } from './http'

/**
 * A plain-HTTP loopback listener for simulated services. Sandboxes put absolute URLs in
 * their answers (nextLinks, hrefs, OData-EntityId), so they need the origin — port
 * included — before they exist: listen first, then build the sandboxes with `origin` and
 * `mount` their handlers. The first handler that claims a request answers it.
 */
export interface LoopbackServer {
  server: Server
  /** e.g. `http://127.0.0.1:53127` */
  origin: string
  port: number
  /** Sets the handlers requests go to (until then every request gets `notFound`). */
  mount(handlers: RouteHandler[]): void
  /** Stops listening and cuts open connections (keep-alive clients would hold close() otherwise). */
  close(): Promise<void>
}

export interface LoopbackOptions {
  /** 0 or undefined = any free port. */
  port?: number
  host?: string
  /** Answers requests no handler claims. */
  notFound: (req: IncomingMessage, res: ServerResponse) => void
  /** Answers requests whose handler threw (default: an empty 500). */
  failed?: (req: IncomingMessage, res: ServerResponse, error: unknown) => void
}

/**
 * Bytes of request line and headers the listener reads before it refuses a request (a bare 431).
 * Node's default is 16 KiB, under Dataverse's documented URL limit of 32,768 characters
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#maximum-url-length):
 * a 22 KB query would be refused here before the simulator answered it as the service does. At
 * 64 KiB every URL up to that limit — with a bearer token and the usual headers — reaches the
 * simulators, and a URL somewhat past it gets the service's own answer (414, http-handler.ts).
 */
export const MAX_REQUEST_HEAD_BYTES = 64 * 1024

export async function listenOnLoopback(options: LoopbackOptions): Promise<LoopbackServer> {
  let handlers: RouteHandler[] = []
  const server = createServer(
    { maxHeaderSize: MAX_REQUEST_HEAD_BYTES },
    routeRequests(() => handlers, options.notFound, options.failed)
  )
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return {
    server,
    origin: `http://${host}:${port}`,
    port,
    mount(next) {
      handlers = [...next]
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
