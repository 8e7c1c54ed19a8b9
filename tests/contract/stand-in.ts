import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A stand-in service on real HTTP that answers the documented samples; it records what it was asked. */
export interface StandIn {
  origin: string
  requests: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }[]
  close(): Promise<void>
}

export async function standIn(
  answer: (method: string, url: string) => { status: number; headers?: Record<string, string>; body: unknown }
): Promise<StandIn> {
  const requests: StandIn['requests'] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body })
      const reply = answer(req.method ?? 'GET', req.url ?? '/')
      const text = JSON.stringify(reply.body)
      res.writeHead(reply.status, { 'Content-Type': 'application/json; odata.metadata=minimal', ...reply.headers })
      res.end(text)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Replaces the documented placeholders in a sample with real values, everywhere in it. */
export function fill<T>(value: T, replacements: Record<string, string>): T {
  let text = JSON.stringify(value)
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to)
  return JSON.parse(text) as T
}
