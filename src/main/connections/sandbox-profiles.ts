import type { ConnectionProfile } from '../../shared/connections'

/** The built-in pair shown while a sandbox runs: read-only, named "Sandbox", secrets from the sandbox itself. */

export const SANDBOX_NAME = 'Sandbox'
export const SANDBOX_DYNAMICS_ID = 'sandbox-dynamics'
export const SANDBOX_CAMPAIGN_ID = 'sandbox-campaign'

/** What a running sandbox tells the app (the lead maps startSandbox()'s info onto this). */
export interface SandboxConnectionInfo {
  dynamics?: {
    /** Web API base, ends with /api/data/v9.2/ */
    url: string
    /** https authority (after startAuthorityTls()) */
    authority: string
    tenantId: string
    clientId: string
    clientSecret: string
    /** PEM of the authority's per-launch certificate. */
    ca?: string
  }
  campaign?: {
    /** Campaign REST base, ends with /campaign/ */
    url: string
    imsUrl: string
    clientId: string
    clientSecret: string
    scopes: string[]
    orgId?: string
    dynamicsKeyField?: string
  }
}

export function sandboxProfiles(sandbox: SandboxConnectionInfo | undefined): ConnectionProfile[] {
  const out: ConnectionProfile[] = []
  if (sandbox?.dynamics) {
    out.push({
      id: SANDBOX_DYNAMICS_ID,
      name: SANDBOX_NAME,
      system: 'dynamics',
      readOnly: true,
      source: 'sandbox',
      environmentUrl: new URL(sandbox.dynamics.url).origin,
      apiUrl: sandbox.dynamics.url,
      tenantId: sandbox.dynamics.tenantId,
      clientId: sandbox.dynamics.clientId,
      authMethod: 'clientSecret',
      cloud: 'public',
      authority: sandbox.dynamics.authority,
      testTable: 'contact'
    })
  }
  if (sandbox?.campaign) {
    out.push({
      id: SANDBOX_CAMPAIGN_ID,
      name: SANDBOX_NAME,
      system: 'campaign',
      readOnly: true,
      source: 'sandbox',
      baseUrl: sandbox.campaign.url,
      orgId: sandbox.campaign.orgId,
      authMethod: 'oauthServerToServer',
      imsUrl: sandbox.campaign.imsUrl,
      apiKey: sandbox.campaign.clientId,
      scopes: sandbox.campaign.scopes,
      dynamicsKeyField: sandbox.campaign.dynamicsKeyField ?? 'cusDynamicsContactId',
      testResource: 'profile'
    })
  }
  return out
}
