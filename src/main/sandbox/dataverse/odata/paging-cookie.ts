import { createHmac } from 'node:crypto'
import { DataverseError } from '../errors'

/**
 * `$skiptoken` values shaped like Dataverse's (`<cookie pagenumber="2" pagingcookie="…"
 * istracking="False" />`) but opaque and signed: a client that edits or rebuilds the token,
 * decodes it once more, or appends options to the nextLink gets an error instead of silently
 * wrong pages ("don't change or append system query options to the value":
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
 */
export interface PageState {
  /** Page number the cookie leads to. */
  page: number
  /** Scan position (unordered scan) or offset (ordered/delta lists). */
  at: number
  /** Store version the listing was taken at (change tracking). */
  version?: number
  /** Hash of the rest of the query string, so the link cannot be altered. */
  query: string
  tracking: boolean
}

export class PagingCookies {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 16)
  }

  queryHash(query: string): string {
    return createHmac('sha256', this.secret).update(`q:${query}`).digest('base64url').slice(0, 12)
  }

  encode(state: PageState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url')
    const inner = `${payload}.${this.sign(payload)}`
    return `<cookie pagenumber="${state.page}" pagingcookie="${inner}" istracking="${state.tracking ? 'True' : 'False'}" />`
  }

  /** The value as it goes into a nextLink: URL-encoded once, `=` and `/` left as is, like the documented example. */
  toQueryValue(state: PageState): string {
    return encodeURIComponent(this.encode(state)).replace(/%3D/g, '=').replace(/%2F/g, '/')
  }

  decode(token: string, query: string): PageState {
    const invalid = () =>
      new DataverseError(
        400,
        '0x80040203',
        'The $skiptoken is invalid or does not belong to this query. Use the @odata.nextLink exactly as returned.'
      )
    const match = /pagingcookie="([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"/.exec(token)
    if (!match || this.sign(match[1]) !== match[2]) throw invalid()
    let state: PageState
    try {
      state = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8')) as PageState
    } catch {
      throw invalid()
    }
    if (state.query !== this.queryHash(query)) throw invalid()
    // Opaque means the whole value: a cookie rebuilt around the signed part (another
    // pagenumber, istracking, or re-encoded attributes) is refused, not reinterpreted.
    if (token !== this.encode(state)) throw invalid()
    return state
  }
}

/** `919042!08/22/2017 08:10:44`, URL-encoded with lower-case escapes as in the documented deltaLink. */
export function formatDeltaToken(version: number, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const stamp = `${p(at.getUTCMonth() + 1)}/${p(at.getUTCDate())}/${at.getUTCFullYear()} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`
  return encodeURIComponent(`${version}!${stamp}`)
    .replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
    .replace(/!/g, '%21')
}

export function parseDeltaToken(token: string): { version: number; issuedAt: number } | undefined {
  const match = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token)
  if (!match) return undefined
  const [, version, mm, dd, yyyy, hh, mi, ss] = match
  return { version: Number(version), issuedAt: Date.UTC(+yyyy, +mm - 1, +dd, +hh, +mi, +ss) }
}
