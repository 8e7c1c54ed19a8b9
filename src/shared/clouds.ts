/**
 * Microsoft clouds a Dynamics 365 environment can live in: where its users sign in (the
 * Entra authority host) and the domain its environment URLs end with.
 *
 * - Authority hosts: https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud
 * - US Government environment URLs (GCC, GCC High, DoD):
 *   https://learn.microsoft.com/power-platform/admin/powerapps-us-government
 * - China (operated by 21Vianet): https://learn.microsoft.com/power-platform/admin/about-microsoft-cloud-china
 */
export const clouds = ['public', 'gcc', 'gccHigh', 'dod', 'china'] as const
export type Cloud = (typeof clouds)[number]

export interface CloudInfo {
  label: string
  /** Entra sign-in host: the authority is `https://<host>/<tenant id>`. */
  authorityHost: string
  /** Environment hosts end with this (`contoso.crm9.dynamics.com`). */
  domain: string
  /** A host of this cloud's environments, for the message when a URL does not fit. */
  example: string
  /** The value SYNC_STUDIO_DYNAMICS_CLOUD takes. */
  envName: string
}

export const cloudInfo: Record<Cloud, CloudInfo> = {
  public: {
    label: 'Public cloud (commercial)',
    authorityHost: 'login.microsoftonline.com',
    domain: 'dynamics.com',
    example: 'contoso.crm.dynamics.com (or crm4, crm11… by region)',
    envName: 'public'
  },
  // GCC environments sign in through the commercial Entra ID.
  gcc: {
    label: 'US Government (GCC)',
    authorityHost: 'login.microsoftonline.com',
    domain: 'crm9.dynamics.com',
    example: 'contoso.crm9.dynamics.com',
    envName: 'gcc'
  },
  gccHigh: {
    label: 'US Government (GCC High)',
    authorityHost: 'login.microsoftonline.us',
    domain: 'crm.microsoftdynamics.us',
    example: 'contoso.crm.microsoftdynamics.us',
    envName: 'gcc-high'
  },
  dod: {
    label: 'US Government (DoD)',
    authorityHost: 'login.microsoftonline.us',
    domain: 'crm.appsplatform.us',
    example: 'contoso.crm.appsplatform.us',
    envName: 'dod'
  },
  china: {
    label: 'China (operated by 21Vianet)',
    authorityHost: 'login.partner.microsoftonline.cn',
    domain: 'crm.dynamics.cn',
    example: 'contoso.crm.dynamics.cn',
    envName: 'china'
  }
}

/** `gcc-high`, `GCC High`, `gccHigh`, `usgovhigh`… → the cloud; undefined when unknown. */
export function parseCloud(text: string): Cloud | undefined {
  const key = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '')
  const aliases: Record<string, Cloud> = {
    public: 'public',
    commercial: 'public',
    global: 'public',
    azurepublic: 'public',
    gcc: 'gcc',
    usgov: 'gcc',
    usgovernment: 'gcc',
    gcchigh: 'gccHigh',
    usgovhigh: 'gccHigh',
    dod: 'dod',
    usgovdod: 'dod',
    usgovmil: 'dod',
    china: 'china',
    azurechina: 'china',
    '21vianet': 'china'
  }
  return aliases[key]
}

export function defaultAuthority(cloud: Cloud, tenantId: string): string {
  return `https://${cloudInfo[cloud].authorityHost}/${tenantId || 'organizations'}`
}

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/** The cloud whose environment domain a host is in (undefined for other hosts). */
export function cloudOfHost(host: string): Cloud | undefined {
  const h = host.toLowerCase()
  // GCC's crm9.dynamics.com is inside the public dynamics.com: test the longer domains first.
  return (['gcc', 'gccHigh', 'dod', 'china', 'public'] as const).find((c) => h.endsWith(`.${cloudInfo[c].domain}`))
}

/**
 * Why an environment URL does not belong to the chosen cloud (undefined when it does): a host
 * in another Microsoft cloud's domain is refused, since its tokens come from another sign-in
 * service. Other hosts (the sandbox on loopback, a private name) are left to the connection test.
 */
export function cloudMismatch(cloud: Cloud, environmentUrl: string): string | undefined {
  let host: string
  try {
    host = new URL(environmentUrl).hostname.toLowerCase()
  } catch {
    return undefined // the URL check says what is wrong
  }
  if (loopback.has(host)) return undefined
  const actual = cloudOfHost(host)
  if (!actual || actual === cloud) return undefined
  return `${host} is a ${cloudInfo[actual].label} environment, not ${cloudInfo[cloud].label} (whose environments look like ${cloudInfo[cloud].example}) — choose ${cloudInfo[actual].label} as the cloud`
}
