import { cloudInfo, parseCloud } from '../../shared/clouds'
import { connectionProblem, ConnectionProfile, DynamicsConnection } from '../../shared/connections'

/** The read-only pair from SYNC_STUDIO_* variables (docs/connections.md), for scripts and CI. */

export const ENV_DYNAMICS_ID = 'env-dynamics'
export const ENV_CAMPAIGN_ID = 'env-campaign'

const ENV = 'SYNC_STUDIO_'
/** The secret of an environment connection: its token, else its client secret. */
export function envSecret(env: NodeJS.ProcessEnv, profile: ConnectionProfile): string | undefined {
  const prefix = profile.system === 'dynamics' ? `${ENV}DYNAMICS_` : `${ENV}CAMPAIGN_`
  return (profile.authMethod === 'bearerToken' ? env[`${prefix}TOKEN`] : env[`${prefix}CLIENT_SECRET`]) || undefined
}

/**
 * Connections from environment variables (documented in docs/connections.md), so scripts
 * and CI run without interactive sign-in. A `…_TOKEN` wins over a client secret.
 */
export function connectionsFromEnv(env: NodeJS.ProcessEnv): ConnectionProfile[] {
  const out: ConnectionProfile[] = []
  const d = (name: string) => env[`${ENV}DYNAMICS_${name}`]?.trim() || undefined
  const c = (name: string) => env[`${ENV}CAMPAIGN_${name}`]?.trim() || undefined
  if (d('URL') && !envConnectionProblems(env).some((p) => p.startsWith(`${ENV}DYNAMICS_`))) {
    const parsed = ConnectionProfile.safeParse({
      id: ENV_DYNAMICS_ID,
      name: d('NAME') ?? 'Environment (Dynamics 365)',
      system: 'dynamics',
      readOnly: true,
      source: 'env',
      environmentUrl: d('URL'),
      apiUrl: d('API_URL'),
      tenantId: d('TENANT_ID') ?? '',
      clientId: d('CLIENT_ID') ?? '',
      authority: d('AUTHORITY'),
      cloud: d('CLOUD') ? parseCloud(d('CLOUD')!) : undefined,
      proxy: d('PROXY'),
      caFile: d('CA_FILE'),
      authMethod: d('TOKEN') ? 'bearerToken' : d('CLIENT_SECRET') ? 'clientSecret' : 'deviceCode',
      testTable: d('TEST_TABLE') ?? 'contact'
    })
    if (parsed.success) out.push(parsed.data)
  }
  if (c('URL') || c('ORG_ID')) {
    const parsed = ConnectionProfile.safeParse({
      id: ENV_CAMPAIGN_ID,
      name: c('NAME') ?? 'Environment (Adobe Campaign)',
      system: 'campaign',
      readOnly: true,
      source: 'env',
      baseUrl: c('URL'),
      orgId: c('ORG_ID'),
      authMethod: c('TOKEN') ? 'bearerToken' : 'oauthServerToServer',
      ...(c('IMS_URL') ? { imsUrl: c('IMS_URL') } : {}),
      apiKey: c('CLIENT_ID') ?? c('API_KEY') ?? '',
      scopes: (c('SCOPES') ?? '').split(/[,\s]+/).filter(Boolean),
      proxy: c('PROXY'),
      caFile: c('CA_FILE'),
      dynamicsKeyField: c('KEY_FIELD') ?? 'cusDynamicsContactId',
      ...(c('MODIFIED_FILTER') ? { modifiedSinceFilter: c('MODIFIED_FILTER') } : {}),
      testResource: c('TEST_RESOURCE') ?? 'profile'
    })
    if (parsed.success) out.push(parsed.data)
  }
  return out
}

/**
 * What is wrong with the connection environment variables, one sentence per variable (an
 * invalid variable must not make its connection silently disappear).
 */
export function envConnectionProblems(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = []
  const d = (name: string) => env[`${ENV}DYNAMICS_${name}`]?.trim() || undefined
  if (d('URL')) {
    const cloud = d('CLOUD')
    if (cloud && !parseCloud(cloud))
      problems.push(
        `${ENV}DYNAMICS_CLOUD="${cloud}" is not a cloud: use one of ${Object.values(cloudInfo)
          .map((i) => i.envName)
          .join(', ')}`
      )
    const parsed = DynamicsEnvCheck.safeParse({
      environmentUrl: d('URL'),
      apiUrl: d('API_URL'),
      authority: d('AUTHORITY'),
      proxy: d('PROXY')
    })
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        problems.push(`${ENV}DYNAMICS_${envNames[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
    else {
      const mismatch = connectionProblem({ system: 'dynamics', environmentUrl: d('URL'), cloud: cloud ? parseCloud(cloud) : 'public' })
      if (mismatch)
        problems.push(`${ENV}DYNAMICS_URL: ${mismatch.replace(/^environmentUrl: /, '')}${cloud ? '' : ` (set ${ENV}DYNAMICS_CLOUD)`}`)
    }
  }
  return problems
}

const envNames: Record<string, string> = { environmentUrl: 'URL', apiUrl: 'API_URL', authority: 'AUTHORITY', proxy: 'PROXY' }
const DynamicsEnvCheck = DynamicsConnection.pick({ environmentUrl: true, apiUrl: true, authority: true, proxy: true })
