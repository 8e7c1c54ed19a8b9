import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import type { Dispatch } from './contract/dispatcher'
import type { EventHub } from './contract/event-hub'
import { CONTENT_SECURITY_POLICY } from './security'

/**
 * Browser mode: the same contract as Electron IPC, over HTTP on 127.0.0.1.
 *
 * - Every API request carries `Authorization: Bearer <token>`; the token is random per
 *   launch and reaches the page only through the URL fragment, which browsers never send.
 * - Host must be our own loopback host (defeats DNS rebinding); Origin, when present,
 *   must be our own origin (defeats other pages on this machine).
 * - Calls are POST with a JSON body, so a cross-site form cannot make one, and no CORS
 *   headers are ever sent, so a cross-origin script cannot read an answer.
 */

export interface WebServerOptions {
  dispatch: Dispatch
  events: EventHub
  rendererFolder: string
  port?: number
  host?: string
  token?: string
}

export interface WebServer {
  url: string
  /** The URL to open, with the token in the fragment. */
  launchUrl: string
  token: string
  port: number
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2'
}

const MAX_BODY_BYTES = 25_000_000

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff'
  })
  res.end(text)
}

function refuse(res: ServerResponse, status: 400 | 401 | 403 | 404 | 405 | 413 | 415, message: string): void {
  sendJson(res, status, { ok: false, error: { code: 'refused', message } })
}

/** `application/json`, with or without parameters (`; charset=utf-8`) — not a prefix such as `application/jsonp`. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false
  return header.split(';')[0].trim().toLowerCase() === 'application/json'
}

/** A path segment decoded, or undefined when its %-encoding is malformed (`%E0%A4%A`). */
function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new Error('tooLarge')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? JSON.parse(text) : {}
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(32).toString('base64url')
  let allowedHosts = new Set<string>()
  let allowedOrigins = new Set<string>()
  const streams = new Set<ServerResponse>()

  const unsubscribe = options.events.subscribe((name, payload) => {
    const frame = `event: message\ndata: ${JSON.stringify({ name, payload })}\n\n`
    for (const stream of streams) stream.write(frame)
  })

  const authorised = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? ''
    return header.startsWith('Bearer ') && sameSecret(header.slice(7), token)
  }

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const path = decoded(pathname)
    if (path === undefined) return refuse(res, 400, 'The address is not valid (malformed %-encoding).')
    const relative = pathname === '/' ? 'index.html' : path.replace(/^\/+/, '')
    const file = normalize(join(options.rendererFolder, relative))
    if (!file.startsWith(normalize(options.rendererFolder) + sep)) return refuse(res, 404, 'not found')
    try {
      const info = await stat(file)
      if (!info.isFile()) return refuse(res, 404, 'not found')
      res.writeHead(200, {
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Length': info.size,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': relative === 'index.html' ? 'no-store' : 'max-age=3600'
      })
      if (req.method === 'HEAD') return void res.end()
      createReadStream(file).pipe(res)
    } catch {
      refuse(res, 404, 'not found')
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!allowedHosts.has(req.headers.host ?? '')) return refuse(res, 403, 'Refused: this server answers only to its own loopback address.')
    const origin = req.headers.origin
    if (origin !== undefined && !allowedOrigins.has(origin))
      return refuse(res, 403, 'Refused: requests from another origin are not allowed.')
    let pathname: string
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname
    } catch {
      return refuse(res, 400, 'The address is not valid.')
    }

    if (pathname.startsWith('/api/')) {
      if (!authorised(req)) return refuse(res, 401, 'Refused: a valid session token is required (open the URL that Sync Studio printed).')
      if (pathname === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' })
        res.write(': connected\n\n')
        streams.add(res)
        req.on('close', () => streams.delete(res))
        return
      }
      if (pathname.startsWith('/api/call/')) {
        if (req.method !== 'POST') return refuse(res, 405, 'Calls are POST requests.')
        if (!isJsonContentType(req.headers['content-type']))
          return refuse(res, 415, 'Calls carry a JSON body (Content-Type: application/json).')
        const name = decoded(pathname.slice('/api/call/'.length))
        if (name === undefined) return refuse(res, 400, 'The call name is not valid (malformed %-encoding).')
        let input: unknown
        try {
          input = await readJson(req)
        } catch (error) {
          if (error instanceof Error && error.message === 'tooLarge') return refuse(res, 413, 'The request is too large.')
          return sendJson(res, 400, { ok: false, error: { code: 'badInput', message: 'The request body is not valid JSON.' } })
        }
        const result = await options.dispatch(name, input)
        const status = result.ok ? 200 : result.error.code === 'unknownCall' ? 404 : result.error.code === 'badInput' ? 400 : 200
        return sendJson(res, status, result)
      }
      return refuse(res, 404, 'not found')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'not allowed')
    return serveStatic(req, res, pathname)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'failed', message: 'internal error' } })
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`])
  allowedOrigins = new Set([`http://${host}:${port}`, `http://localhost:${port}`])
  const url = `http://${host}:${port}/`
  return {
    url,
    launchUrl: `${url}#token=${token}`,
    token,
    port,
    close: async () => {
      unsubscribe()
      for (const stream of streams) stream.end()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // Browsers keep idle connections open; end them so closing never waits on a tab.
      server.closeAllConnections()
      await closed
    }
  }
}
