import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import { dropConnection, type FaultInjector } from '../common/faults'
import { readBody, type RouteHandler } from '../common/http'
import { executeBatch } from './api/batch'
import { routeApi } from './api/router'
import type { DataverseService } from './api/service'
import { errorResponse, type ApiResponse } from './api/types'
import type { IdentityProvider } from './auth/identity'
import { DataverseError } from './errors'
import type { ServiceProtection } from './service-protection'

/**
 * The node-facing edge: identity routes, then for `/api/data/v9.2/**` the order a real
 * request meets things — bearer validation (401 + WWW-Authenticate), service protection
 * (429), injected latency/drops/throttles/5xx, then the API.
 */
export const apiPrefix = '/api/data/v9.2/'
/**
 * Dataverse's documented URL limit (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#maximum-url-length;
 * requests inside a `$batch` body may be longer). The 414 and its error body for a longer URL
 * are inferred (the page names the limit, not the answer): see docs/sandbox-dataverse.md.
 */
const maxUrlLength = 32_768

export interface HandlerParts {
  svc: DataverseService
  identity: IdentityProvider
  protection: ServiceProtection
  faults: FaultInjector
  /** Where `authorization_uri` in WWW-Authenticate points (https once the TLS listener runs). */
  authorityBase: () => string
}

/** Chunked bodies are encoded in ~64 KB pieces: one pass, no whole-page string or Buffer. */
function sendChunks(res: ServerResponse, response: ApiResponse, chunks: string[], extra: Record<string, string>): void {
  const pieces: Buffer[] = []
  let length = 0
  let piece: string[] = []
  let size = 0
  const flush = () => {
    const buffer = Buffer.from(piece.join(''), 'utf8')
    pieces.push(buffer)
    length += buffer.length
    piece = []
    size = 0
  }
  for (const chunk of chunks) {
    piece.push(chunk)
    size += chunk.length
    if (size >= 65_536) flush()
  }
  flush()
  res.writeHead(response.status, { ...extra, ...response.headers, 'Content-Length': length })
  res.cork()
  for (const buffer of pieces) res.write(buffer)
  res.uncork()
  res.end()
}

function send(res: ServerResponse, response: ApiResponse, extra: Record<string, string>): void {
  if (response.chunks) return sendChunks(res, response, response.chunks, extra)
  const body = response.body === undefined ? undefined : Buffer.from(response.body, 'utf8')
  const headers: Record<string, string | number> = { ...extra, ...response.headers }
  if (body) headers['Content-Length'] = body.length
  res.writeHead(response.status, headers)
  res.end(body)
}

export function createHandler(parts: HandlerParts): RouteHandler {
  const { svc, identity, protection, faults } = parts
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid')
    if (identity.owns(url.pathname)) {
      await identity.handle(req, res, url.pathname)
      return true
    }
    if (url.pathname !== apiPrefix.slice(0, -1) && !url.pathname.startsWith(apiPrefix)) return false

    const common: Record<string, string> = { REQ_ID: randomUUID(), 'x-ms-service-request-id': randomUUID() }
    const decision = faults.decide()

    const resource = identity.options.resource.replace(/\/$/, '')
    const challenge = `Bearer authorization_uri=${parts.authorityBase()}/${identity.options.tenantId}/oauth2/authorize, resource_id=${resource}/`
    const auth = req.headers.authorization
    if (!auth || !/^Bearer\s+/i.test(auth)) {
      res.writeHead(401, { ...common, 'WWW-Authenticate': challenge, 'Content-Length': 0 })
      res.end()
      return true
    }
    const verified = identity.signer.verify(auth.replace(/^Bearer\s+/i, ''), Math.floor(svc.now() / 1000))
    if ('problem' in verified || verified.claims.aud !== resource) {
      const expired = 'problem' in verified && verified.problem === 'expired'
      send(
        res,
        errorResponse(
          new DataverseError(
            401,
            '',
            expired
              ? 'ExpiredAuthTicket: The access token has expired.'
              : 'InvalidAuthTicket: The access token is not valid for this environment.'
          )
        ),
        {
          ...common,
          'WWW-Authenticate': `${challenge}, error="invalid_token"`
        }
      )
      return true
    }
    const user = verified.claims.oid

    let admission: ReturnType<ServiceProtection['admit']>
    try {
      admission = protection.admit(user)
    } catch (error) {
      if (error instanceof DataverseError) {
        send(res, errorResponse(error), common)
        return true
      }
      throw error
    }
    try {
      // The body is taken in before the injected latency: a client that gives up meanwhile
      // (its timeout) does not stop the request, which runs to the end and writes, as on the service.
      const pendingBody = req.method === 'GET' || req.method === 'HEAD' ? Promise.resolve('') : readBody(req)
      pendingBody.catch(() => undefined)
      // Injected latency counts as time on the server: it holds a concurrency slot and execution time.
      await faults.delay()
      if (decision === 'drop') {
        dropConnection(req, res)
        return true
      }
      if (decision === 'throttle') {
        const { requestsPerWindow, windowMs } = protection.current
        const error = new DataverseError(
          429,
          '0x80072322',
          `Number of requests exceeded the limit of ${requestsPerWindow} over time window of ${windowMs / 1000} seconds.`,
          {
            'Retry-After': String(faults.current.retryAfterSeconds)
          }
        )
        send(res, errorResponse(error), common)
        return true
      }
      if (decision === 'serverError') {
        send(
          res,
          errorResponse(
            new DataverseError(
              503,
              '0x80040216',
              'An unexpected error occurred. The service is temporarily unavailable (injected by the sandbox).'
            )
          ),
          common
        )
        return true
      }
      if ((req.url ?? '').length > maxUrlLength) {
        send(
          res,
          errorResponse(
            new DataverseError(
              414,
              '0x0',
              `The request URL is longer than ${maxUrlLength} characters. Use $batch to send long GET requests.`
            )
          ),
          common
        )
        return true
      }
      const body = await pendingBody
      const rawPath = (req.url ?? '').split('?')[0]
      const path = rawPath.length > apiPrefix.length ? rawPath.slice(apiPrefix.length) : ''
      const search = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?') + 1) : ''
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : (value ?? '')
      // Route code is synchronous, so the caller identity cannot leak between requests.
      svc.userId = user
      const apiRequest = { method: req.method ?? 'GET', path, search, headers, body }
      let response: ApiResponse
      if (path === '$batch') {
        response =
          req.method === 'POST'
            ? (() => {
                try {
                  return executeBatch(svc, apiRequest)
                } catch (error) {
                  if (error instanceof DataverseError) return errorResponse(error)
                  throw error
                }
              })()
            : errorResponse(new DataverseError(405, '0x0', 'The $batch endpoint only accepts POST.'))
      } else {
        response = routeApi(svc, apiRequest)
      }
      send(res, response, { ...common, ...admission.headers, 'x-ms-dop-hint': String(svc.dopHint) })
      return true
    } finally {
      admission.finish()
    }
  }
}
