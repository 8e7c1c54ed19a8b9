import { describe, expect, it } from 'vitest'
import { cloudInfo, cloudMismatch, defaultAuthority, parseCloud } from '../../src/shared/clouds'
import { connectionProblem, ConnectionProfile, NewConnection } from '../../src/shared/connections'
import { normalizeProxyUrl, proxyFromEnv, proxyFromPac } from '../../src/main/connectors/http/network'
import { connectionsFromEnv, envConnectionProblems } from '../../src/main/connections/environment-profiles'

describe('proxy from the environment (curl rules)', () => {
  const env = { HTTPS_PROXY: 'proxy.corp:8080', HTTP_PROXY: 'http://plain.corp:3128', NO_PROXY: 'localhost,.internal.corp,10.0.0.5:8443' }
  it('https uses HTTPS_PROXY, http uses HTTP_PROXY; a bare host:port gets http://', () => {
    expect(proxyFromEnv('https://contoso.crm.dynamics.com/api', env)).toEqual({ proxy: 'http://proxy.corp:8080/', variable: 'HTTPS_PROXY' })
    expect(proxyFromEnv('http://example.test/', env)).toEqual({ proxy: 'http://plain.corp:3128/', variable: 'HTTP_PROXY' })
    expect(proxyFromEnv('https://x.test/', { https_proxy: 'http://lower:1/', HTTPS_PROXY: 'http://upper:2/' })?.variable).toBe(
      'https_proxy'
    )
    expect(proxyFromEnv('https://x.test/', {})).toBeUndefined()
  })
  it('NO_PROXY: exact hosts, domain suffixes, host:port, *', () => {
    expect(proxyFromEnv('https://localhost:4000/', env)).toBeUndefined()
    expect(proxyFromEnv('https://api.internal.corp/', env)).toBeUndefined()
    expect(proxyFromEnv('https://internal.corp/', env)).toBeUndefined()
    expect(proxyFromEnv('https://notinternal.corp/', env)).toBeDefined()
    expect(proxyFromEnv('https://10.0.0.5:8443/', env)).toBeUndefined()
    expect(proxyFromEnv('https://10.0.0.5/', env)).toBeDefined()
    expect(proxyFromEnv('https://anything.test/', { ...env, NO_PROXY: '*' })).toBeUndefined()
  })
  it('a PAC answer: the first PROXY/HTTPS entry; DIRECT first means none; SOCKS is skipped', () => {
    expect(proxyFromPac('PROXY proxy.corp:8080; DIRECT')).toBe('http://proxy.corp:8080/')
    expect(proxyFromPac('DIRECT')).toBeUndefined()
    expect(proxyFromPac('SOCKS5 s:1080; HTTPS secure.corp:443')).toBe('https://secure.corp:443/')
    expect(proxyFromPac('SOCKS5 s:1080')).toBeUndefined()
  })
  it('only http(s) proxies', () => {
    expect(() => normalizeProxyUrl('socks5://s:1080')).toThrow(/only http:\/\/ and https:\/\/ proxies/)
  })
})

describe('clouds', () => {
  it('authority hosts per cloud (Microsoft Learn national clouds page)', () => {
    expect(defaultAuthority('public', 't')).toBe('https://login.microsoftonline.com/t')
    expect(defaultAuthority('gcc', 't')).toBe('https://login.microsoftonline.com/t')
    expect(defaultAuthority('gccHigh', 't')).toBe('https://login.microsoftonline.us/t')
    expect(defaultAuthority('dod', 't')).toBe('https://login.microsoftonline.us/t')
    expect(defaultAuthority('china', 't')).toBe('https://login.partner.microsoftonline.cn/t')
  })
  it('names in the environment variable', () => {
    expect(parseCloud('GCC-High')).toBe('gccHigh')
    expect(parseCloud('dod')).toBe('dod')
    expect(parseCloud('China')).toBe('china')
    expect(parseCloud('mars')).toBeUndefined()
    for (const info of Object.values(cloudInfo)) expect(parseCloud(info.envName)).toBeDefined()
  })
  it('an environment URL of another cloud is refused with the cloud to choose', () => {
    expect(cloudMismatch('public', 'https://contoso.crm4.dynamics.com')).toBeUndefined()
    expect(cloudMismatch('gcc', 'https://contoso.crm9.dynamics.com')).toBeUndefined()
    expect(cloudMismatch('public', 'https://contoso.crm9.dynamics.com')).toMatch(/US Government \(GCC\)/)
    expect(cloudMismatch('public', 'https://contoso.crm.microsoftdynamics.us')).toMatch(/choose US Government \(GCC High\)/)
    expect(cloudMismatch('gccHigh', 'https://contoso.crm.appsplatform.us')).toMatch(/DoD/)
    expect(cloudMismatch('china', 'https://contoso.crm.dynamics.com')).toMatch(/Public cloud/)
    expect(cloudMismatch('dod', 'http://127.0.0.1:4500')).toBeUndefined()
  })
  it('profiles: cloud defaults to public; the cross-cloud check; https-only authority; proxy without credentials', () => {
    const base = {
      system: 'dynamics',
      name: 'x',
      environmentUrl: 'https://contoso.crm.microsoftdynamics.us',
      tenantId: 't',
      clientId: 'c',
      authMethod: 'clientSecret'
    } as const
    expect(NewConnection.parse(base)).toMatchObject({ cloud: 'public' })
    expect(connectionProblem(NewConnection.parse(base))).toMatch(/GCC High/)
    expect(connectionProblem(NewConnection.parse({ ...base, cloud: 'gccHigh' }))).toBeUndefined()
    expect(NewConnection.safeParse({ ...base, authority: 'http://login.example/t' }).success).toBe(false)
    expect(NewConnection.safeParse({ ...base, proxy: 'http://user:pw@proxy:8080' }).success).toBe(false)
    expect(NewConnection.safeParse({ ...base, proxy: 'proxy.corp:8080' }).success).toBe(true)
    expect(ConnectionProfile.safeParse({ ...base, id: '1', proxy: 'direct' }).success).toBe(true)
  })
  it('environment variables: a cloud and proxy per system; a bad value is reported, not dropped silently', () => {
    const env = {
      SYNC_STUDIO_DYNAMICS_URL: 'https://contoso.crm.appsplatform.us',
      SYNC_STUDIO_DYNAMICS_CLOUD: 'dod',
      SYNC_STUDIO_DYNAMICS_PROXY: 'direct',
      SYNC_STUDIO_DYNAMICS_CA_FILE: '/etc/corp.pem'
    }
    expect(connectionsFromEnv(env)[0]).toMatchObject({ cloud: 'dod', proxy: 'direct', caFile: '/etc/corp.pem' })
    expect(envConnectionProblems(env)).toEqual([])
    expect(envConnectionProblems({ ...env, SYNC_STUDIO_DYNAMICS_CLOUD: 'gov' })[0]).toMatch(
      /SYNC_STUDIO_DYNAMICS_CLOUD="gov" is not a cloud: use one of public, gcc, gcc-high, dod, china/
    )
    expect(envConnectionProblems({ ...env, SYNC_STUDIO_DYNAMICS_CLOUD: undefined })[0]).toMatch(
      /SYNC_STUDIO_DYNAMICS_URL: .*US Government \(DoD\).*set SYNC_STUDIO_DYNAMICS_CLOUD/
    )
    expect(connectionsFromEnv({ ...env, SYNC_STUDIO_DYNAMICS_CLOUD: 'gov' })).toEqual([])
  })
})
