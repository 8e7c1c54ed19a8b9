/**
 * Reads the code and message out of whatever an error body is. Shapes seen:
 *  - Dataverse / OData: `{"error":{"code":"0x80072322","message":"…"}}` (code often empty)
 *  - Entra ID / IMS token endpoints: `{"error":"invalid_client","error_description":"AADSTS7000215: …"}`
 *  - Adobe gateway: `{"error_code":"401013","message":"Oauth token is not valid"}`
 *  - Campaign engine: `{"code":500,"message":"RST-360011 …"}`, a bare JSON string, or plain text
 */
export interface ParsedErrorBody {
  code?: string
  message?: string
}

/** What is kept of a service's message: it goes into errors, reports, logs and the renderer, whatever its size. */
export const MAX_ERROR_MESSAGE = 1000
const MAX_ERROR_CODE = 100

const cut = (text: string | undefined, max: number) => (text !== undefined && text.length > max ? `${text.slice(0, max - 1)}…` : text)

export function parseErrorBody(text: string): ParsedErrorBody {
  const parsed = readErrorBody(text)
  return { code: cut(parsed.code, MAX_ERROR_CODE), message: cut(parsed.message, MAX_ERROR_MESSAGE) }
}

function readErrorBody(text: string): ParsedErrorBody {
  const trimmed = text.trim()
  if (!trimmed) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(trimmed)
  } catch {
    return { message: plainText(trimmed), code: engineCode(trimmed) }
  }
  if (typeof parsed === 'string') return { message: parsed, code: engineCode(parsed) }
  if (!parsed || typeof parsed !== 'object') return { message: String(parsed) }
  const body = parsed as Record<string, unknown>
  const error = body.error
  if (error && typeof error === 'object') {
    const inner = error as Record<string, unknown>
    const message = str(inner.message) ?? str(inner['@Microsoft.PowerApps.CDS.InnerError.Message'])
    return { code: str(inner.code) || undefined, message }
  }
  if (typeof error === 'string') {
    const description = str(body.error_description)
    const aad = description ? /^(AADSTS\d+)/.exec(description)?.[1] : undefined
    return { code: aad ?? error, message: description ? `${error}: ${description}` : error }
  }
  const code = str(body.error_code) ?? str(body.errorCode) ?? str(body.code)
  const message = str(body.message) ?? str(body.error_message) ?? str(body.detail) ?? str(body.title)
  return { code: message ? (engineCode(message) ?? code) : code, message }
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

/** Campaign engine messages start with their own code (RST-360011, XTK-170036, PGS-220000). */
function engineCode(message: string): string | undefined {
  return /\b([A-Z]{3}-\d{6})\b/.exec(message)?.[1]
}

function plainText(text: string): string {
  // An HTML error page: keep its title or first words, not the markup.
  if (/^<(!doctype|html)/i.test(text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]
    return (title ?? text.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim().slice(0, 300)
  }
  return text.slice(0, MAX_ERROR_MESSAGE)
}
