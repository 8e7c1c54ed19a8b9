import type { FaultSettings } from '../common/faults'
import type { EngineErrorFormat } from './errors'
import type { CustomResourceDefinition } from './custom-resources'

/** Credentials the sandbox accepts unless told otherwise (shown in the demo connection). */
export const defaultOrgId = 'syncstudio'
export const defaultClientId = 'sandbox-campaign-client'
export const defaultClientSecret = 'p8e-sandbox-campaign-secret'
/** The scope list observed in real ACS integrations (docs/sandbox-campaign.md); a setting there too. */
export const defaultScopes = [
  'openid',
  'AdobeID',
  'campaign_sdk',
  'additional_info.projectedProductContext',
  'campaign_config_server_general',
  'deliverability_service_general'
]
/** Without these two the gateway cannot route the token to a Campaign tenant (403023). */
export const requiredScopes = ['campaign_sdk', 'additional_info.projectedProductContext']

export interface CampaignSandboxOptions {
  seed: number
  /** Pre-seeded profiles (default 50; may be 0): most profiles arrive through sync. */
  profiles?: number
  /**
   * Email deliveries already in the marketing history at start (default 2), each sent to a
   * share of the profiles: sends, bounces, opens and clicks to demonstrate the events job.
   */
  deliveries?: number
  /**
   * The Dynamics contact id that seeded profile `index` was adopted from (an earlier
   * integration), or undefined. Without it, adopted profiles carry made-up ids.
   */
  linkedContactId?: (index: number) => string | undefined
  /** e.g. 'http://127.0.0.1:4500' — hrefs are absolute and use it. */
  baseUrl: string
  orgId?: string
  clientId?: string
  clientSecret?: string
  scopes?: string[]
  faults?: Partial<FaultSettings>
  /** Where delivery/tracking log exports are written as files. */
  exportFolder?: string

  /** Seconds in `expires_in` of issued tokens (real IMS: 86399). */
  tokenTtlSeconds?: number
  /** Per-request chance that a still-valid token is revoked (a surprise 401013). */
  tokenRevokeRate?: number
  /** The service's own limit: at most `requests` per `windowSeconds` per client, then 429. */
  rateLimit?: { requests: number; windowSeconds: number }
  /** `blackList*` (documented data model) or `denyList*` (integration docs after 2020). */
  optOutNaming?: 'blackList' | 'denyList'
  /** Name of the profile extension field holding the Dynamics contact id (identification key). */
  dynamicsKeyField?: string
  /** Envelope of engine errors (docs/sandbox-campaign.md): `{code,message}`, JSON string, or text. */
  engineErrorFormat?: EngineErrorFormat
  /** Over-long strings: rejected with the PostgreSQL error (default) or silently truncated. */
  lengthPolicy?: 'reject' | 'truncate'
  /** Reject writes of malformed emails (the email dataPolicy). Default true. */
  validateEmail?: boolean
  /** Above this many rows a list has no `next` unless `_forcePagination=true` (XtkBigTableThreshold). */
  bigTableThreshold?: number
  /** Relative `next.href` as in the old API reference, instead of absolute (docs/sandbox-campaign.md). */
  relativeNextHref?: boolean
  /** Custom resources (`cus…`) linked to the profile; defaults to cusVehicle and cusEventRegistration. */
  customResources?: CustomResourceDefinition[]
  /**
   * Status of the "Oops… Check your URI and try again" answer to a URL that reaches no instance:
   * 500 (default) or 502, the two Adobe documents
   * (https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/setting-up-api-access).
   */
  uriErrorStatus?: 500 | 502
  /**
   * Marketing history events: 'extended' (default) adds the sandbox's keys (eventId, eventType,
   * delivery and campaign names…) [INF]; 'documented' serves only the keys Adobe documents
   * (PKey, category, date, href, label, mirrorPage, type) and no `_order` on that list.
   */
  historyEvents?: 'extended' | 'documented'
  /** Clock, for tests that need exact timestamps. */
  now?: () => Date
}

export interface CampaignSettings {
  seed: number
  profiles: number
  deliveries: number
  linkedContactId?: (index: number) => string | undefined
  baseUrl: string
  orgId: string
  clientId: string
  clientSecret: string
  scopes: string[]
  exportFolder?: string
  tokenTtlSeconds: number
  tokenRevokeRate: number
  rateLimit?: { requests: number; windowSeconds: number }
  optOutNaming: 'blackList' | 'denyList'
  dynamicsKeyField: string
  engineErrorFormat: EngineErrorFormat
  lengthPolicy: 'reject' | 'truncate'
  validateEmail: boolean
  bigTableThreshold: number
  relativeNextHref: boolean
  uriErrorStatus: 500 | 502
  historyEvents: 'extended' | 'documented'
  now: () => Date
}

export function resolveSettings(options: CampaignSandboxOptions): CampaignSettings {
  return {
    seed: options.seed,
    profiles: options.profiles ?? 50,
    deliveries: options.deliveries ?? 2,
    linkedContactId: options.linkedContactId,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    orgId: options.orgId ?? defaultOrgId,
    clientId: options.clientId ?? defaultClientId,
    clientSecret: options.clientSecret ?? defaultClientSecret,
    scopes: options.scopes ?? defaultScopes,
    exportFolder: options.exportFolder,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 86399,
    tokenRevokeRate: options.tokenRevokeRate ?? 0,
    rateLimit: options.rateLimit,
    optOutNaming: options.optOutNaming ?? 'blackList',
    dynamicsKeyField: options.dynamicsKeyField ?? 'cusDynamicsContactId',
    engineErrorFormat: options.engineErrorFormat ?? 'object',
    lengthPolicy: options.lengthPolicy ?? 'reject',
    validateEmail: options.validateEmail ?? true,
    bigTableThreshold: options.bigTableThreshold ?? 100_000,
    relativeNextHref: options.relativeNextHref ?? false,
    uriErrorStatus: options.uriErrorStatus ?? 500,
    historyEvents: options.historyEvents ?? 'extended',
    now: options.now ?? (() => new Date())
  }
}
