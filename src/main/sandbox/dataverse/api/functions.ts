import { DataverseError, errors } from '../errors'
import type { QueryOptions } from '../odata/query-options'
import type { DataverseService } from './service'
import { jsonResponse, type ApiResponse } from './types'

const functionName = /^(?:Microsoft\.Dynamics\.CRM\.)?RetrieveTotalRecordCount\((.*)\)$/s

/** Whether a first path segment calls `RetrieveTotalRecordCount` (with or without the namespace). */
export function isRetrieveTotalRecordCount(segment: string): boolean {
  return functionName.test(segment)
}

/** `['contact','account']` (a JSON-ish OData collection literal) → names. */
function parseNameCollection(text: string): string[] {
  const trimmed = text.trim()
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) {
    throw errors.badRequest(
      `Invalid value for parameter 'EntityNames': expected a collection such as ['contact'], got ${trimmed || 'nothing'}.`
    )
  }
  const inner = trimmed.slice(1, -1).trim()
  if (!inner) return []
  const names: string[] = []
  const pattern = /\s*(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)")\s*(,|$)/y
  let at = 0
  while (at < inner.length) {
    pattern.lastIndex = at
    const match = pattern.exec(inner)
    if (!match) throw errors.badRequest(`Invalid value for parameter 'EntityNames': ${trimmed}.`)
    names.push(match[1] !== undefined ? match[1].replace(/''/g, "'") : match[2])
    at = pattern.lastIndex
    if (!match[3]) break
  }
  return names
}

/**
 * `GET RetrieveTotalRecordCount(EntityNames=@p1)?@p1=['contact']` or the inline form
 * `RetrieveTotalRecordCount(EntityNames=['contact'])`. The real service answers from a
 * snapshot taken within the last 24 h; the sandbox's count is live and costs no scan
 * (generated rows − deletions + creations).
 */
export function retrieveTotalRecordCount(
  svc: DataverseService,
  method: string,
  segment: string,
  rest: string[],
  options: QueryOptions,
  fullUrl: string
): ApiResponse {
  if (method !== 'GET') throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
  if (rest.length) throw errors.segmentNotFound(rest[0])
  const params = new Map<string, string>()
  const inside = functionName.exec(segment)![1]
  for (const part of splitParameters(inside)) {
    const eq = part.indexOf('=')
    if (eq < 0) throw errors.noHttpResource(fullUrl)
    params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  let value = params.get('EntityNames')
  if (value === undefined || [...params.keys()].some((k) => k !== 'EntityNames')) throw errors.noHttpResource(fullUrl)
  if (value.startsWith('@')) {
    const aliased = options.aliases[value]
    if (aliased === undefined) throw errors.badRequest(`The parameter alias '${value}' was not found in the request.`)
    value = aliased
  }
  const names = parseNameCollection(value)
  const values = names.map((name) => {
    const table = svc.catalog.byLogicalName.get(name)
    // Message and code of the platform's unknown-entity fault (QueryBuilderNoEntity); the status is inferred.
    if (!table)
      throw new DataverseError(
        404,
        '0x80041102',
        `The entity with a name = '${name}' with namemapping = 'Logical' was not found in the MetadataCache.`
      )
    return svc.store.liveCount(table.def.logicalName)
  })
  return jsonResponse(200, {
    '@odata.context': `${svc.apiUrl}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
    EntityRecordCountCollection: { Count: names.length, IsReadOnly: false, Keys: names, Values: values }
  })
}

/** Splits `a=1,b=['x','y']` on commas outside quotes and brackets. */
function splitParameters(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | null = null
  let current = ''
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null
    } else if (ch === "'" || ch === '"') quote = ch
    else if (ch === '[' || ch === '(') depth++
    else if (ch === ']' || ch === ')') depth--
    else if (ch === ',' && depth === 0) {
      parts.push(current)
      current = ''
      continue
    }
    current += ch
  }
  if (current.trim()) parts.push(current)
  return parts
}
