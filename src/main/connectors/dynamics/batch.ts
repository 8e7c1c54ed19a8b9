import { randomUUID } from 'node:crypto'

/** One request inside a `$batch` (no change sets: each part succeeds or fails on its own). */
export interface BatchPart {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'
  /** Absolute URL or a path relative to the Web API base. */
  url: string
  headers?: Record<string, string>
  body?: unknown
}

export interface BatchPartResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** Builds a multipart/mixed `$batch` body (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api). */
export function buildBatch(parts: BatchPart[], apiPath: string): { boundary: string; body: string } {
  const boundary = `batch_${randomUUID()}`
  const lines: string[] = []
  for (const part of parts) {
    lines.push(`--${boundary}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '')
    const target = /^https?:\/\//.test(part.url) ? part.url : `${apiPath}${part.url}`
    lines.push(`${part.method} ${target} HTTP/1.1`)
    const headers: Record<string, string> = { ...part.headers }
    if (part.body !== undefined) headers['Content-Type'] = 'application/json; type=entry'
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
    lines.push('')
    lines.push(part.body === undefined ? '' : JSON.stringify(part.body))
  }
  lines.push(`--${boundary}--`, '')
  return { boundary, body: lines.join('\r\n') }
}

function boundaryOf(contentType: string | null): string | undefined {
  const match = /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')
  return match?.[2]
}

/**
 * Splits a `$batch` response into its parts, in order. Change-set responses (nested
 * multipart) are flattened. Tolerates LF or CRLF line ends.
 */
export function parseBatchResponse(text: string, contentType: string | null): BatchPartResponse[] {
  const boundary = boundaryOf(contentType) ?? /^--([^\r\n]+)/.exec(text.trimStart())?.[1]
  if (!boundary) return []
  const out: BatchPartResponse[] = []
  const chunks = text.split(`--${boundary}`)
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break
    const normalized = chunk.replace(/^\r?\n/, '')
    const [head, rest] = splitOnce(normalized)
    const partType = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? ''
    if (/multipart\/mixed/i.test(partType)) {
      out.push(...parseBatchResponse(rest, partType))
      continue
    }
    const [statusAndHeaders, body] = splitOnce(rest)
    const headerLines = statusAndHeaders.split(/\r?\n/)
    const status = Number(/^HTTP\/\d\.\d\s+(\d{3})/.exec(headerLines[0] ?? '')?.[1] ?? 0)
    const headers: Record<string, string> = {}
    for (const line of headerLines.slice(1)) {
      const at = line.indexOf(':')
      if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim()
    }
    out.push({ status, headers, body: body.replace(/\r?\n$/, '').trim() })
  }
  return out
}

function splitOnce(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text)
  if (!match) return [text, '']
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)]
}
