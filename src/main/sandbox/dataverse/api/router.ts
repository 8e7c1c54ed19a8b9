import { DataverseError, errors } from '../errors'
import { csdl } from '../metadata/csdl'
import { metadataRoute } from '../metadata/routes'
import { parsePrefer } from '../odata/prefer'
import { parseQueryOptions } from '../odata/query-options'
import { isRetrieveTotalRecordCount, retrieveTotalRecordCount } from './functions'
import { countCollection, queryCollection, retrieveOne } from './query'
import { parseEntityKey } from './keys'
import { bulkActionOf, bulkOperation } from './bulk'
import type { DataverseService } from './service'
import { errorResponse, jsonResponse, type ApiRequest, type ApiResponse } from './types'
import { createEntity, deleteEntity, patchEntity, propertyOperation, referenceOperation } from './writes'

/** Splits a path on '/' outside quotes (key values may contain slashes), then decodes each part. */
export function pathSegments(path: string): string[] {
  const segments: string[] = []
  let current = ''
  let quoted = false
  for (const ch of path) {
    if (ch === "'") quoted = !quoted
    if (ch === '/' && !quoted) {
      segments.push(current)
      current = ''
    } else current += ch
  }
  segments.push(current)
  return segments
    .filter((s, i) => s.length > 0 || i < segments.length - 1)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
}

function splitEntitySegment(segment: string): { name: string; key?: string } {
  const open = segment.indexOf('(')
  if (open < 0) return { name: segment }
  if (!segment.endsWith(')')) throw errors.segmentNotFound(segment)
  return { name: segment.slice(0, open), key: segment.slice(open + 1, -1) }
}

/** One Web API request (top-level or a $batch part) → response; errors become documented error bodies. */
export function routeApi(svc: DataverseService, req: ApiRequest): ApiResponse {
  try {
    return dispatch(svc, req)
  } catch (error) {
    if (error instanceof DataverseError) return errorResponse(error)
    const message = error instanceof Error ? error.message : String(error)
    return errorResponse(new DataverseError(500, '0x80040216', `An unexpected error occurred in the sandbox: ${message}`))
  }
}

function dispatch(svc: DataverseService, req: ApiRequest): ApiResponse {
  const segments = pathSegments(req.path)
  const options = parseQueryOptions(req.search)
  const prefs = parsePrefer(req.headers.prefer)
  const method = req.method.toUpperCase()
  const fullUrl = `${svc.apiUrl}${req.path}${req.search ? `?${req.search}` : ''}`

  if (segments.length === 0) {
    if (method !== 'GET') throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
    return jsonResponse(200, {
      '@odata.context': `${svc.apiUrl}$metadata`,
      value: [
        ...[...svc.catalog.byLogicalName.values()].map(({ def }) => ({
          name: def.entitySetName,
          kind: 'EntitySet',
          url: def.entitySetName
        })),
        { name: 'EntityDefinitions', kind: 'EntitySet', url: 'EntityDefinitions' },
        { name: 'WhoAmI', kind: 'FunctionImport', url: 'WhoAmI' },
        { name: 'RetrieveTotalRecordCount', kind: 'FunctionImport', url: 'RetrieveTotalRecordCount' }
      ]
    })
  }

  const [first, ...rest] = segments
  if (first === '$metadata') {
    return {
      status: 200,
      headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' },
      body: csdl(svc.catalog, options.other.annotations === 'true')
    }
  }
  if (first === 'WhoAmI' || first === 'WhoAmI()') {
    if (method !== 'GET' || rest.length) throw errors.noHttpResource(fullUrl)
    return jsonResponse(
      200,
      {
        '@odata.context': `${svc.apiUrl}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
        BusinessUnitId: svc.businessUnitId,
        UserId: svc.userId,
        OrganizationId: svc.organizationId
      },
      { 'x-ms-dop-hint': String(svc.dopHint) }
    )
  }
  if (first.startsWith('EntityDefinitions')) return metadataRoute(svc, method, segments, options)
  if (isRetrieveTotalRecordCount(first)) return retrieveTotalRecordCount(svc, method, first, rest, options, fullUrl)

  const { name, key } = splitEntitySegment(first)
  const table = svc.catalog.bySetName.get(name)
  if (!table) throw errors.segmentNotFound(name)

  if (key === undefined) {
    if (rest.length === 1 && rest[0] === '$count') {
      if (method !== 'GET') throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
      return countCollection(svc, table, options)
    }
    const bulk = rest.length === 1 ? bulkActionOf(rest[0]) : undefined
    if (bulk) return bulkOperation(svc, table, bulk, rest[0], req)
    if (rest.length) throw errors.segmentNotFound(rest[0])
    if (method === 'GET') return queryCollection(svc, table, req, options, prefs)
    if (method === 'POST') return createEntity(svc, table, req, options, prefs)
    throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
  }

  const entityKey = parseEntityKey(svc, table, key)
  if (rest.length === 0) {
    if (method === 'PATCH') return patchEntity(svc, table, entityKey, req, options, prefs)
    if (method === 'DELETE') return deleteEntity(svc, table, entityKey, req)
    if (method !== 'GET') throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
  }
  const row = entityKey.id ? svc.store.get(table.def.logicalName, entityKey.id) : undefined
  if (!row) throw errors.recordNotFound(table.def.logicalName, entityKey.id ?? entityKey.text)
  if (rest.length === 0) return retrieveOne(svc, table, row, req, options, prefs)
  if (rest.length === 2 && rest[1] === '$ref') return referenceOperation(svc, table, row, rest[0], req)
  if (rest.length === 1) return propertyOperation(svc, table, row, rest[0], req)
  throw errors.segmentNotFound(rest[1])
}
