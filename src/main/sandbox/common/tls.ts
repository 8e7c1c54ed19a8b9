import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { generate } from 'selfsigned'
import { routeRequests, type RouteHandler } from './http'

/**
 * msal-node only accepts `https:` authorities, so the sandbox's Entra-style endpoints
 * also listen on a loopback HTTPS port with a certificate made fresh per launch. Clients
 * trust exactly that certificate (see src/main/connectors/dynamics/msal-network.ts) — nothing is added to the
 * system trust store and nothing outside the process trusts it.
 */
export interface SandboxTlsMaterial {
  key: string
  cert: string
  /** The PEM a client passes as its CA: the certificate is its own trust anchor. */
  ca: string
}

export async function createSandboxTlsMaterial(): Promise<SandboxTlsMaterial> {
  const now = new Date()
  const pems = await generate([{ name: 'commonName', value: 'Sync Studio sandbox (loopback)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' }
        ]
      }
    ]
  })
  return { key: pems.private, cert: pems.cert, ca: pems.cert }
}

export interface TlsListener {
  /** `https://127.0.0.1:<port>` */
  origin: string
  port: number
  tls: SandboxTlsMaterial
  server: Server
  close(): Promise<void>
}

export interface TlsListenerOptions {
  /** 0 or undefined = any free port. */
  port?: number
  /** Default 127.0.0.1 (the certificate names 127.0.0.1 and localhost). */
  host?: string
  /** Default: a fresh certificate. */
  tls?: SandboxTlsMaterial
  /** Answers requests no handler claims (default: 404 `{"error":"not_found"}`). */
  notFound?: (req: IncomingMessage, res: ServerResponse) => void
}

/** Serves route handlers (first that claims a request wins) over HTTPS on loopback. */
export async function startTlsListener(handlers: RouteHandler[], options: TlsListenerOptions = {}): Promise<TlsListener> {
  const tls = options.tls ?? (await createSandboxTlsMaterial())
  const host = options.host ?? '127.0.0.1'
  const server = createServer(
    { key: tls.key, cert: tls.cert },
    routeRequests(
      () => handlers,
      options.notFound ??
        ((_req, res) => {
          res.writeHead(404, { 'Content-Type': 'application/json' })
          res.end(JSON.stringify({ error: 'not_found' }))
        })
    )
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    origin: `https://${host}:${port}`,
    port,
    tls,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
