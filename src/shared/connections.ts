import { z } from 'zod'
import { cloudMismatch, clouds } from './clouds'

/**
 * Connection profiles: where a system is and how to sign in to it. A profile never holds a
 * secret (client secret, certificate key, token); those live in the SecretStore under the
 * profile's id. Mapping files refer to connections by name, so each machine resolves the
 * name to its own profile.
 */

export const dynamicsAuthMethods = ['clientSecret', 'certificate', 'deviceCode', 'interactive', 'bearerToken'] as const
export const DynamicsAuthMethodSchema = z.enum(dynamicsAuthMethods)

export const campaignAuthMethods = ['oauthServerToServer', 'bearerToken'] as const
export const CampaignAuthMethodSchema = z.enum(campaignAuthMethods)

export const ConnectionSource = z.enum(['user', 'sandbox', 'env'])
export type ConnectionSource = z.infer<typeof ConnectionSource>

const common = {
  id: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(100),
  /** Built-in sandbox and environment-variable profiles cannot be edited or deleted. */
  readOnly: z.boolean().default(false),
  source: ConnectionSource.default('user'),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional()
}

const httpsOrLoopback = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value)
      return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    } catch {
      return false
    }
  }, 'must be an https:// URL (http:// only for 127.0.0.1 / localhost)')

/**
 * Which proxy a connection uses: `system` (default: HTTPS_PROXY/NO_PROXY, or the operating
 * system's settings in the desktop app), `direct`, or a proxy URL. Proxy credentials are not
 * stored in a profile (it is not encrypted).
 */
export const ProxySetting = z
  .string()
  .trim()
  .refine((value) => {
    if (value === '' || value === 'system' || value === 'direct') return true
    try {
      const url = new URL(value.includes('://') ? value : `http://${value}`)
      return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password
    } catch {
      return false
    }
  }, 'must be "system", "direct" or a proxy URL like http://proxy.contoso.com:8080 (no user name or password)')

/** Network settings both systems share. */
const network = {
  proxy: ProxySetting.optional(),
  /** A PEM file of extra trusted certificate authorities (a TLS-inspecting proxy's root), for this connection. */
  caFile: z.string().trim().optional()
}

const httpsAuthority = z
  .string()
  .trim()
  .refine((value) => {
    try {
      return new URL(value).protocol === 'https:'
    } catch {
      return false
    }
  }, "must be an https:// URL (Microsoft's sign-in library refuses http:// authorities), like https://login.microsoftonline.com/<tenant id>")

export const DynamicsConnection = z.strictObject({
  ...common,
  system: z.literal('dynamics'),
  /** `https://contoso.crm.dynamics.com` */
  environmentUrl: httpsOrLoopback,
  /** Web API base when it is not `<environmentUrl>/api/data/v9.2/`. */
  apiUrl: httpsOrLoopback.optional(),
  tenantId: z.string().trim().default(''),
  clientId: z.string().trim().default(''),
  authMethod: DynamicsAuthMethodSchema,
  /** Which Microsoft cloud: decides the default authority and the expected environment domain. */
  cloud: z.enum(clouds).default('public'),
  /** Authority override; default `https://<the cloud's sign-in host>/<tenantId>`. */
  authority: httpsAuthority.optional(),
  ...network,
  /** For certificate sign-in: the certificate's SHA-256 thumbprint (hex); the private key is a secret. */
  certificateThumbprint: z.string().trim().optional(),
  /** The table `test` reads (default contact). */
  testTable: z.string().trim().default('contact')
})
export type DynamicsConnection = z.infer<typeof DynamicsConnection>

export const CampaignConnection = z.strictObject({
  ...common,
  system: z.literal('campaign'),
  /** `https://mc.adobe.io/<ORGANIZATION>/campaign/`; built from `orgId` when left out. */
  baseUrl: httpsOrLoopback.optional(),
  /** The Campaign tenant in the URL (not the IMS org id). */
  orgId: z.string().trim().optional(),
  authMethod: CampaignAuthMethodSchema.default('oauthServerToServer'),
  /** The IMS token endpoint. */
  imsUrl: httpsOrLoopback.default('https://ims-na1.adobelogin.com/ims/token/v3'),
  /** The credential's client id, also sent as X-Api-Key. */
  apiKey: z.string().trim().min(1),
  scopes: z.array(z.string().trim().min(1)).default([]),
  ...network,
  /** Profile extension field holding the Dynamics contact id. */
  dynamicsKeyField: z.string().trim().default('cusDynamicsContactId'),
  /** The custom filter listing profiles changed since a time (incremental opt-outs; default byModifiedSince). */
  modifiedSinceFilter: z.string().trim().optional(),
  testResource: z.string().trim().default('profile')
})
export type CampaignConnection = z.infer<typeof CampaignConnection>

export const ConnectionProfile = z.discriminatedUnion('system', [DynamicsConnection, CampaignConnection])
export type ConnectionProfile = z.infer<typeof ConnectionProfile>

/** What create() takes: a profile without the managed parts, plus optionally its secret. */
export const NewDynamicsConnection = DynamicsConnection.omit({ id: true, readOnly: true, source: true, createdAt: true, updatedAt: true })
export const NewCampaignConnection = CampaignConnection.omit({ id: true, readOnly: true, source: true, createdAt: true, updatedAt: true })
export const NewConnection = z.discriminatedUnion('system', [NewDynamicsConnection, NewCampaignConnection])
export type NewConnection = z.input<typeof NewConnection>

export interface ConnectionSummary {
  profile: ConnectionProfile
  /** Whether the secret the auth method needs is stored (never the secret itself). */
  hasSecret: boolean
  /** Whether the auth method needs a stored secret at all (device code and browser sign-in do not). */
  needsSecret: boolean
}

/** What a profile's fields cannot say alone: the environment URL must belong to the chosen cloud. */
export function connectionProblem(profile: {
  system: string
  environmentUrl?: string
  cloud?: (typeof clouds)[number]
}): string | undefined {
  if (profile.system !== 'dynamics' || !profile.environmentUrl) return undefined
  const mismatch = cloudMismatch(profile.cloud ?? 'public', profile.environmentUrl)
  return mismatch ? `environmentUrl: ${mismatch}` : undefined
}

export function needsSecret(profile: ConnectionProfile): boolean {
  if (profile.system === 'dynamics') return profile.authMethod !== 'deviceCode' && profile.authMethod !== 'interactive'
  return true
}

export function campaignBaseUrl(profile: CampaignConnection): string {
  if (profile.baseUrl) return profile.baseUrl
  if (!profile.orgId) throw new Error(`connection '${profile.name}' needs a Campaign URL or an organization id`)
  return `https://mc.adobe.io/${encodeURIComponent(profile.orgId)}/campaign/`
}
