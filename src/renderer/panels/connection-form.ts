import { cloudInfo, clouds } from '../../shared/clouds'
import {
  type campaignAuthMethods,
  connectionProblem,
  type dynamicsAuthMethods,
  NewConnection,
  type ConnectionProfile
} from '../../shared/connections'
import type { System } from '../../shared/schema/model'

/**
 * The connection form's model: every field as the text the user types, turned into a
 * `NewConnection` (validated with the same zod schema main uses) before anything is sent.
 */
export type FormValues = Record<string, string>

export type DynamicsAuth = (typeof dynamicsAuthMethods)[number]
export type CampaignAuth = (typeof campaignAuthMethods)[number]

export const authLabels: Record<DynamicsAuth | CampaignAuth, string> = {
  clientSecret: 'Client secret (app registration)',
  certificate: 'Certificate (app registration)',
  deviceCode: 'Device code (sign in on another device)',
  interactive: 'Browser sign-in',
  bearerToken: 'Access token (pasted, not refreshed)',
  oauthServerToServer: 'OAuth server-to-server'
}

export interface FieldSpec {
  name: string
  label: string
  placeholder?: string
  hint?: string
  required?: boolean
  /** A choice among these values (a select), instead of free text. */
  options?: Array<{ value: string; label: string }>
}

/** Network fields both systems share; empty means "the system's proxy" / "no extra CA". */
const networkFields: FieldSpec[] = [
  {
    name: 'proxy',
    label: 'Proxy (optional)',
    placeholder: 'system',
    hint: 'Empty: the system proxy settings (HTTPS_PROXY outside the desktop app). "direct": no proxy. Or http://proxy.contoso.com:8080.'
  },
  {
    name: 'caFile',
    label: 'CA certificates file (optional)',
    placeholder: '/path/to/company-root.pem',
    hint: "A PEM file of extra trusted authorities, e.g. the root of your network's TLS-inspecting proxy."
  }
]

/** Fields whose empty value is sent (it clears an earlier setting when editing). */
const clearable = new Set(['proxy', 'caFile'])

export function fieldsFor(system: System, authMethod: string): FieldSpec[] {
  if (system === 'dynamics') {
    const app = authMethod !== 'bearerToken'
    return [
      { name: 'name', label: 'Name', required: true, hint: 'Mapping files refer to the connection by this name.' },
      { name: 'environmentUrl', label: 'Environment URL', placeholder: 'https://contoso.crm.dynamics.com', required: true },
      {
        name: 'cloud',
        label: 'Cloud',
        required: true,
        options: clouds.map((cloud) => ({ value: cloud, label: `${cloudInfo[cloud].label} — *.${cloudInfo[cloud].domain}` }))
      },
      ...(app
        ? [
            { name: 'tenantId', label: 'Tenant (directory) id', placeholder: '00000000-0000-0000-0000-000000000000', required: true },
            { name: 'clientId', label: 'Client (application) id', placeholder: '00000000-0000-0000-0000-000000000000', required: true }
          ]
        : []),
      ...(authMethod === 'certificate'
        ? [{ name: 'certificateThumbprint', label: 'Certificate thumbprint (SHA-256)', placeholder: 'hex', required: true }]
        : []),
      { name: 'apiUrl', label: 'Web API URL (optional)', placeholder: '<environment URL>/api/data/v9.2/' },
      ...(app
        ? [
            {
              name: 'authority',
              label: 'Authority (optional)',
              placeholder: 'https://login.microsoftonline.com/<tenant>',
              hint: "Empty: the cloud's sign-in service with the tenant id."
            }
          ]
        : []),
      { name: 'testTable', label: 'Table the test reads', placeholder: 'contact' },
      ...networkFields
    ]
  }
  return [
    { name: 'name', label: 'Name', required: true, hint: 'Mapping files refer to the connection by this name.' },
    {
      name: 'baseUrl',
      label: 'Campaign REST URL',
      placeholder: 'https://mc.adobe.io/<ORGANIZATION>/campaign/',
      hint: 'Or leave it empty and give the organization.'
    },
    { name: 'orgId', label: 'Organization (Campaign tenant)', placeholder: 'contoso' },
    { name: 'apiKey', label: 'API key (client id)', required: true },
    ...(authMethod === 'oauthServerToServer'
      ? [
          { name: 'imsUrl', label: 'IMS token URL', placeholder: 'https://ims-na1.adobelogin.com/ims/token/v3' },
          { name: 'scopes', label: 'Scopes (comma-separated)', placeholder: 'openid, AdobeID, campaign_sdk' }
        ]
      : []),
    { name: 'dynamicsKeyField', label: 'Profile field holding the Dynamics id', placeholder: 'cusDynamicsContactId' },
    {
      name: 'modifiedSinceFilter',
      label: 'Filter of profiles changed since (opt-outs)',
      placeholder: 'byModifiedSince',
      hint: 'A custom filter on lastModified defined in Campaign; incremental opt-out runs read the profiles changed since the last run through it.'
    },
    { name: 'testResource', label: 'Resource the test reads', placeholder: 'profile' },
    ...networkFields
  ]
}

/** What the secret field asks for under an auth method; undefined when it needs none. */
export function secretLabel(system: System, authMethod: string): string | undefined {
  if (system === 'dynamics') {
    if (authMethod === 'clientSecret') return 'Client secret'
    if (authMethod === 'certificate') return 'Certificate private key (PEM)'
    if (authMethod === 'bearerToken') return 'Access token'
    return undefined
  }
  return authMethod === 'bearerToken' ? 'Access token' : 'Client secret'
}

export function defaultsFor(system: System): FormValues {
  return system === 'dynamics'
    ? { authMethod: 'clientSecret', cloud: 'public', testTable: 'contact' }
    : {
        authMethod: 'oauthServerToServer',
        dynamicsKeyField: 'cusDynamicsContactId',
        testResource: 'profile',
        imsUrl: 'https://ims-na1.adobelogin.com/ims/token/v3'
      }
}

export function valuesOf(profile: ConnectionProfile): FormValues {
  const values: FormValues = {}
  for (const [key, value] of Object.entries(profile)) {
    if (typeof value === 'string') values[key] = value
    else if (Array.isArray(value)) values[key] = value.join(', ')
  }
  return values
}

const managed = new Set(['id', 'readOnly', 'source', 'createdAt', 'updatedAt'])

/** The typed values as a NewConnection, or the problems per field. Empty optional text is left out. */
export function toConnection(
  system: System,
  values: FormValues
): { ok: true; connection: NewConnection } | { ok: false; errors: Record<string, string> } {
  const fields = new Set(fieldsFor(system, values.authMethod ?? '').map((field) => field.name))
  const candidate: Record<string, unknown> = { system, authMethod: values.authMethod }
  for (const name of fields) {
    const text = (values[name] ?? '').trim()
    if (managed.has(name) || (text === '' && !clearable.has(name))) continue
    candidate[name] =
      name === 'scopes'
        ? text
            .split(',')
            .map((scope) => scope.trim())
            .filter(Boolean)
        : text
  }
  const errors: Record<string, string> = {}
  if (system === 'campaign' && !candidate.baseUrl && !candidate.orgId) errors.baseUrl = 'Give the Campaign REST URL or the organization.'
  // The schema lets these default to '' (profiles from environment variables), but msal cannot sign in without them.
  if (system === 'dynamics' && values.authMethod !== 'bearerToken') {
    for (const name of ['tenantId', 'clientId']) if (!candidate[name]) errors[name] = 'Required to sign in with this method.'
    if (values.authMethod === 'certificate' && !candidate.certificateThumbprint)
      errors.certificateThumbprint = 'Required to sign in with a certificate.'
  }
  const parsed = NewConnection.safeParse(candidate)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name')
      errors[field] ??= field in candidate || issue.code !== 'invalid_type' ? issue.message : 'Required.'
    }
  }
  const problem = connectionProblem(candidate as Parameters<typeof connectionProblem>[0])
  if (problem) errors.environmentUrl ??= problem.replace(/^environmentUrl: /, '')
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors }
  return { ok: true, connection: candidate as NewConnection }
}
