import type { IncomingMessage, ServerResponse } from 'node:http'

/** Reads a request body as text, refusing bodies over the limit (a sandbox is not a disk). */
export async function readBody(req: IncomingMessage, limitBytes = 64 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers)
  res.end()
}

/** A handler for the part of the URL space one simulated service owns; false = not mine. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

/**
 * A request listener that offers each request to the handlers in turn (the first that
 * claims it answers), then to `notFound`; a handler that throws ends in `failed`.
 */
export function routeRequests(
  handlers: () => readonly RouteHandler[],
  notFound: (req: IncomingMessage, res: ServerResponse) => void,
  failed: (req: IncomingMessage, res: ServerResponse, error: unknown) => void = (_req, res) => {
    if (!res.headersSent) res.writeHead(500)
    res.end()
  }
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      for (const handler of handlers()) if (await handler(req, res)) return
      if (!res.headersSent) notFound(req, res)
    })().catch((error: unknown) => failed(req, res, error))
  }
}
