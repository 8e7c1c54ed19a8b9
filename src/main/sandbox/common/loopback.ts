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

export async function listenOnLoopback(options: LoopbackOptions): Promise<LoopbackServer> {
  let handlers: RouteHandler[] = []
  const server = createServer(routeRequests(() => handlers, options.notFound, options.failed))
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
