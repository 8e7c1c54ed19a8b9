import { type DataverseError } from '../errors'

/**
 * The Web API works on plain request/response values rather than on node's objects, so
 * `$batch` can run its parts through exactly the same code as top-level requests.
 */
export interface ApiRequest {
  method: string
  /** Path after `/api/data/v9.2/`, still percent-encoded. */
  path: string
  /** Query string without the leading `?`, still percent-encoded. */
  search: string
  /** Lower-case header names. */
  headers: Record<string, string>
  body: string
  /** Inside a $batch change set: Content-ID → entity URL, for `$1` references. */
  contentIds?: Map<string, string>
}

export interface ApiResponse {
  status: number
  headers: Record<string, string>
  body?: string
  /** The body in pieces (large pages); when set, `body` is their concatenation. */
  chunks?: string[]
  /** URL of the row a write created or touched; `$batch` maps Content-IDs to it. */
  entityUrl?: string
}

export const odataHeaders = { 'OData-Version': '4.0' }

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; odata.metadata=minimal', ...odataHeaders, ...headers },
    body: JSON.stringify(body)
  }
}

/** `"key":value` members of a JSON object; undefined values are left out, as JSON.stringify does. */
function members(fields: Record<string, unknown>): string[] {
  const out: string[] = []
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`)
  return out
}

/**
 * A collection page: `{ ...head, "value": [rows], ...tail }`. Rows arrive already
 * serialised, one string each, and stay separate chunks up to the socket: a 5,000-row
 * page (tens of MB) is never held as row objects, one giant string and its Buffer copy
 * at the same time. `body` joins the chunks for callers that need one string ($batch).
 */
export function pageResponse(
  head: Record<string, unknown>,
  rowsJson: string[],
  headers: Record<string, string> = {},
  tail: Record<string, unknown> = {}
): ApiResponse {
  const chunks: string[] = [`{${[...members(head), '"value":['].join(',')}`]
  for (let i = 0; i < rowsJson.length; i++) {
    if (i > 0) chunks.push(',')
    chunks.push(rowsJson[i])
  }
  chunks.push(
    `]${members(tail)
      .map((m) => `,${m}`)
      .join('')}}`
  )
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; odata.metadata=minimal', ...odataHeaders, ...headers },
    chunks,
    get body() {
      return chunks.join('')
    }
  }
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...odataHeaders, ...headers } }
}

export function errorResponse(error: DataverseError): ApiResponse {
  return jsonResponse(error.status, error.toBody(), error.headers)
}

export const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable'
}
