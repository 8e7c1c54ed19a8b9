import { randomUUID } from 'node:crypto'
import { DataverseError } from '../errors'
import { parsePrefer } from '../odata/prefer'
import { routeApi } from './router'
import type { DataverseService } from './service'
import { errorResponse, statusText, type ApiRequest, type ApiResponse } from './types'

/**
 * `$batch` (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api): multipart/mixed in and out, change sets atomic (a failure rolls
 * the whole set back), Content-ID `$n` references inside a change set, at most 1000
 * requests, stop at the first failure (batch status 400) unless odata.continue-on-error.
 */
export const maxBatchRequests = 1000

interface BatchOperation {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  contentId?: string
}

type BatchPart = { kind: 'request'; op: BatchOperation } | { kind: 'changeset'; ops: BatchOperation[] }

function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')
  return match?.[2]
}

function splitHeadersAndBody(text: string): { headers: Record<string, string>; body: string; firstLine?: string } {
  const normalized = text.replace(/^\r?\n/, '')
  const sep = /\r?\n\r?\n/.exec(normalized)
  const head = sep ? normalized.slice(0, sep.index) : normalized
  const body = sep ? normalized.slice(sep.index + sep[0].length) : ''
  const headers: Record<string, string> = {}
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { headers, body }
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`
  const pieces = body.split(delimiter)
  const parts: string[] = []
  // pieces[0] is the preamble; a piece starting with "--" is the closing delimiter.
  for (const piece of pieces.slice(1)) {
    if (piece.startsWith('--')) break
    parts.push(piece.replace(/\r?\n$/, ''))
  }
  return parts
}

function parseOperation(partText: string): BatchOperation {
  const { headers: partHeaders, body: http } = splitHeadersAndBody(partText)
  const lines = http.replace(/^\r?\n/, '')
  const lineEnd = lines.search(/\r?\n/)
  const requestLine = (lineEnd < 0 ? lines : lines.slice(0, lineEnd)).trim()
  const match = /^([A-Z]+)\s+(.+?)(?:\s+HTTP\/1\.1)?$/.exec(requestLine)
  if (!match) throw new DataverseError(400, '0x0', `The batch part has an invalid request line: '${requestLine}'.`)
  const rest = lineEnd < 0 ? '' : lines.slice(lineEnd).replace(/^\r?\n/, '')
  const { headers, body } = rest.trim() ? splitHeadersAndBody(rest) : { headers: {}, body: '' }
  return {
    method: match[1],
    url: match[2],
    headers,
    body: body.replace(/\r?\n$/, ''),
    contentId: partHeaders['content-id']
  }
}

export function parseBatch(body: string, contentType: string | undefined): BatchPart[] {
  const boundary = boundaryOf(contentType)
  if (!boundary) throw new DataverseError(400, '0x0', 'The batch request must have Content-Type multipart/mixed with a boundary.')
  return splitMultipart(body, boundary).map((partText) => {
    const { headers, body: inner } = splitHeadersAndBody(partText)
    const type = headers['content-type'] ?? ''
    if (/^multipart\/mixed/i.test(type)) {
      const changesetBoundary = boundaryOf(type)
      if (!changesetBoundary) throw new DataverseError(400, '0x0', 'A change set must declare a boundary.')
      return { kind: 'changeset', ops: splitMultipart(inner, changesetBoundary).map(parseOperation) }
    }
    return { kind: 'request', op: parseOperation(partText) }
  })
}

function toApiRequest(svc: DataverseService, op: BatchOperation, contentIds?: Map<string, string>): ApiRequest {
  let url = op.url
  if (url.startsWith('$')) {
    const slash = url.indexOf('/')
    const id = (slash < 0 ? url : url.slice(0, slash)).slice(1)
    const target = contentIds?.get(id)
    if (!target) throw new DataverseError(400, '0x0', `Content-ID Reference: '$${id}' does not exist in the batch context.`)
    url = target + (slash < 0 ? '' : url.slice(slash))
  }
  const apiPath = new URL(svc.apiUrl).pathname
  let path = url
  if (/^https?:\/\//.test(path)) path = new URL(path).pathname + (new URL(path).search || '')
  if (path.startsWith(apiPath)) path = path.slice(apiPath.length)
  else if (path.startsWith('/')) {
    const m = /^\/api\/data\/v\d+\.\d+\/(.*)$/.exec(path)
    if (!m) throw new DataverseError(400, '0x0', `The batch part URL '${op.url}' is not a Web API URL.`)
    path = m[1]
  }
  const q = path.indexOf('?')
  return {
    method: op.method,
    path: q < 0 ? path : path.slice(0, q),
    search: q < 0 ? '' : path.slice(q + 1),
    headers: op.headers,
    body: op.body,
    contentIds
  }
}

function runOperation(svc: DataverseService, op: BatchOperation, contentIds?: Map<string, string>): ApiResponse {
  if (/\$batch/.test(op.url)) return errorResponse(new DataverseError(400, '0x0', 'A batch request cannot contain another batch request.'))
  try {
    return routeApi(svc, toApiRequest(svc, op, contentIds))
  } catch (error) {
    if (error instanceof DataverseError) return errorResponse(error)
    throw error
  }
}

function serializeResponse(response: ApiResponse, contentId?: string): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary']
  if (contentId) lines.push(`Content-ID: ${contentId}`)
  lines.push('', `HTTP/1.1 ${response.status} ${statusText[response.status] ?? ''}`.trimEnd())
  const headers = { ...response.headers }
  if (headers['OData-EntityId'] && !headers.Location) headers.Location = headers['OData-EntityId']
  if (response.status >= 400) headers.REQ_ID = randomUUID()
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  lines.push('', response.body ?? '')
  return lines.join('\r\n')
}

export function executeBatch(svc: DataverseService, req: ApiRequest): ApiResponse {
  const parts = parseBatch(req.body, req.headers['content-type'])
  const total = parts.reduce((n, p) => n + (p.kind === 'changeset' ? p.ops.length : 1), 0)
  if (total > maxBatchRequests) {
    throw new DataverseError(400, '0x0', `The number of requests in the batch (${total}) exceeds the limit of ${maxBatchRequests}.`)
  }
  const continueOnError = parsePrefer(req.headers.prefer).continueOnError
  const boundary = `batchresponse_${randomUUID()}`
  const out: string[] = []
  let stopped = false
  for (const part of parts) {
    if (part.kind === 'request') {
      const response = runOperation(svc, part.op)
      out.push(`--${boundary}\r\n${serializeResponse(response, part.op.contentId)}`)
      if (response.status >= 400 && !continueOnError) {
        stopped = true
        break
      }
      continue
    }
    const changeset = `changesetresponse_${randomUUID()}`
    const responses: string[] = []
    let failed = false
    const get = part.ops.find((op) => op.method === 'GET')
    if (get) {
      responses.push(
        serializeResponse(errorResponse(new DataverseError(400, '0x0', 'GET requests are not allowed inside a change set.')), get.contentId)
      )
      failed = true
    } else {
      const contentIds = new Map<string, string>()
      svc.store.begin()
      for (const op of part.ops) {
        const response = runOperation(svc, op, contentIds)
        if (response.status >= 400) {
          // Atomic: only the failure is reported, everything before it is undone.
          responses.length = 0
          responses.push(serializeResponse(response, op.contentId))
          failed = true
          break
        }
        if (op.contentId && response.entityUrl) contentIds.set(op.contentId, response.entityUrl)
        responses.push(serializeResponse(response, op.contentId))
      }
      if (failed) svc.store.rollback()
      else svc.store.commit()
    }
    out.push(
      `--${boundary}\r\nContent-Type: multipart/mixed; boundary=${changeset}\r\n\r\n` +
        responses.map((r) => `--${changeset}\r\n${r}`).join('\r\n') +
        `\r\n--${changeset}--`
    )
    if (failed && !continueOnError) {
      stopped = true
      break
    }
  }
  const body = out.join('\r\n') + `\r\n--${boundary}--\r\n`
  return {
    status: stopped ? 400 : 200,
    headers: { 'Content-Type': `multipart/mixed; boundary=${boundary}`, 'OData-Version': '4.0' },
    body
  }
}
