import type { Family } from './resources'

/** What a route answers; the router writes it (and turns thrown EngineErrors into error replies). */
export interface Reply {
  status: number
  /** JSON body; undefined = no body. */
  json?: unknown
  /** Raw body with its own content type (mirror pages). */
  raw?: { contentType: string; text: string }
  headers?: Record<string, string>
}

export interface CampaignRequest {
  method: string
  /** Absolute base the client used, ending in `/campaign/` (echoed into hrefs). */
  base: string
  /** Path segments after `/campaign/`, `.json` stripped. */
  segments: string[]
  query: URLSearchParams
  /** Parsed JSON body (empty object when there was none). */
  body: () => Promise<Record<string, unknown>>
}

export const ok = (json: unknown): Reply => ({ status: 200, json })
export const created = (json: unknown): Reply => ({ status: 201, json })
export const noContent = (): Reply => ({ status: 204 })

export function isFamily(segment: string | undefined): segment is Family {
  return segment === 'profileAndServices' || segment === 'profileAndServicesExt' || segment === 'customResources'
}
