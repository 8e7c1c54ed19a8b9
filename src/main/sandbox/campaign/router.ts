import type { IncomingMessage, ServerResponse } from 'node:http'
import { readBody, sendJson, type RouteHandler } from '../common/http'
import { EngineError, OOPS, engine, sendEngineError } from './errors'
import type { Gateway } from './gateway'
import { historyRoutes, mirrorPageHtml } from './history'
import type { ImsTokens } from './ims'
import { familyListing, resourceTypeDocument } from './metadata'
import type { CampaignModel } from './model'
import { resourceRoutes, filtersRoute as resourceFilters } from './records-routes'
import { isFamily, ok, type CampaignRequest, type Reply } from './reply'
import type { Family } from './resources'

/**
 * URL layout: IMS under `/ims/…`; Campaign under `/<orgId>/campaign/…` like the real
 * `https://mc.adobe.io/<ORGANIZATION>/campaign/…` (another org answers 403023, a path without
 * an org the documented 500 "Oops… Check your URI"). Mirror pages (`/campaign/m/…`) are web
 * pages, not API calls. Everything else is not ours (returns false) so the Dataverse handler
 * can take it.
 */
export function createCampaignHandler(model: CampaignModel, ims: ImsTokens, gateway: Gateway): RouteHandler {
  return async (req, res) => {
    let url = new URL(req.url ?? '/', 'http://sandbox.invalid')
    // Adobe's SDK sends the relative `next` href as one encoded path parameter
    // (getDataFromRelativeUrl: `/campaign/profileAndServices%2Fprofile%3F_lineCount%3D10…`):
    // the path is decoded once, its `?` starting the query [INF, docs/sandbox-campaign.md].
    if (/%2F|%3F/i.test(url.pathname) && url.search === '') {
      try {
        url = new URL(decodeURIComponent(url.pathname), 'http://sandbox.invalid')
      } catch {
        // Not decodable: routed as it came, and refused below.
      }
    }
    const path = url.pathname
    if (path === '/ims/token/v3') {
      await ims.handleToken(req, res, url)
      return true
    }
    if (path === '/ims/profile/v1') {
      ims.handleProfile(req, res)
      return true
    }
    if (path.startsWith('/ims/')) {
      sendJson(res, 404, { error: 'not_found', error_description: `no IMS endpoint at ${path}` })
      return true
    }
    const match = path.match(/^\/(?:([^/]+)\/)?campaign(?:\/(.*))?$/)
    if (!match) return false
    const orgInPath = match[1] === undefined ? undefined : decodeURIComponent(match[1])
    let segments: string[]
    try {
      segments = (match[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent)
    } catch {
      sendJson(res, 500, { code: 500, message: OOPS })
      return true
    }
    // Mirror pages are public web pages, not API calls: no gateway.
    if (segments[0] === 'm' && segments.length === 2 && req.method === 'GET') {
      mirrorPage(model, res, segments[1])
      return true
    }
    // Documented for a URI that reaches no instance: 500 (or 502, `uriErrorStatus`) "Oops. Something went wrong. Check your URI and try again."
    if (orgInPath === undefined) {
      const status = model.settings.uriErrorStatus
      sendJson(res, status, { code: status, message: OOPS })
      return true
    }
    if (await gateway.intercept(req, res, orgInPath)) return true

    if (segments.length > 0) segments[segments.length - 1] = segments[segments.length - 1].replace(/\.json$/, '')
    let bodyCache: Promise<Record<string, unknown>> | undefined
    const request: CampaignRequest = {
      method: req.method ?? 'GET',
      base: `${model.settings.baseUrl}/${encodeURIComponent(orgInPath)}/campaign/`,
      segments,
      query: url.searchParams,
      body: () => (bodyCache ??= parseJsonBody(req))
    }
    try {
      const reply = await dispatch(model, request)
      writeReply(res, reply)
    } catch (error) {
      if (error instanceof EngineError) sendEngineError(res, model.settings.engineErrorFormat, error.status, error.message)
      else sendEngineError(res, model.settings.engineErrorFormat, 500, `${engine.generic().message} ${(error as Error).message}`)
    }
    return true
  }
}

async function dispatch(model: CampaignModel, request: CampaignRequest): Promise<Reply> {
  const [first, second, ...rest] = request.segments
  // Anything else under the org — privacy requests, workflows, transactional events, org units,
  // which this sandbox does not implement — is the engine's "no such route": 404 rc=-2003
  // (https://github.com/adobe/aio-lib-campaign-standard/issues/51).
  if (!isFamily(first)) throw engine.noRoute()
  const family: Family = first
  if (second === undefined) {
    if (request.method !== 'GET') throw engine.noRoute()
    return ok(familyListing(model, request.base, family))
  }
  if (second === 'resourceType') {
    if (request.method !== 'GET' || rest.length === 0) throw engine.noRoute()
    const resource = resolveResourceType(model, family, rest[0])
    if (rest.length === 1) return ok(resourceTypeDocument(model, request.base, family, resource))
    if (rest.length === 2 && rest[1] === 'filters') return resourceFilters(model, family, resource)
    throw engine.noRoute()
  }
  if (second === 'history' && family !== 'customResources') return historyRoutes(model, request, family, rest)
  const resource = model.resource(second, family)
  if (!resource || resource.name === 'subscription' || resource.name === 'historyEvent') throw engine.noRoute()
  return resourceRoutes(model, request, family, resource, rest)
}

/** `resourceType/<name>` or the `resourceType/<PKEY>/filters` form the metadata links to. */
function resolveResourceType(model: CampaignModel, family: Family, segment: string) {
  let name = segment
  if (segment.startsWith('@')) {
    const plain = model.codec.decode(segment)
    const match = plain?.match(/^resourceType\/[^/]+\/(.+)$/)
    if (!match) throw engine.noRoute()
    name = match[1]
  }
  const resource = model.resource(name, family)
  if (!resource || resource.name === 'subscription') throw engine.noRoute()
  return resource
}

async function parseJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req)
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw engine.generic('JSON parsing error: the request body is not valid JSON.')
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw engine.generic('The request body must be a JSON object.')
  return parsed as Record<string, unknown>
}

function writeReply(res: ServerResponse, reply: Reply): void {
  if (reply.json !== undefined) return sendJson(res, reply.status, reply.json, reply.headers)
  if (reply.raw) {
    res.writeHead(reply.status, {
      'Content-Type': reply.raw.contentType,
      'Content-Length': Buffer.byteLength(reply.raw.text),
      ...reply.headers
    })
    res.end(reply.raw.text)
    return
  }
  res.writeHead(reply.status, { 'Content-Length': '0', ...reply.headers })
  res.end()
}

function mirrorPage(model: CampaignModel, res: ServerResponse, token: string): void {
  const plain = model.codec.decode(`@${token}`)
  const id = Number(plain?.match(/^mirror\/(\d+)$/)?.[1])
  const log = model.store.raw.broadLogs.find((b) => b.id === id)
  const delivery = log && model.store.raw.deliveries.find((d) => d.id === log.deliveryId)
  if (!log || !delivery) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('This page is no longer available.')
    return
  }
  const html = mirrorPageHtml(delivery, log)
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) })
  res.end(html)
}
