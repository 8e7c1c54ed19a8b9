import { readdir, readFile, rm, mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionService } from '../../src/main/connections/connection-service'
import { SANDBOX_CAMPAIGN_ID, SANDBOX_DYNAMICS_ID, type SandboxConnectionInfo } from '../../src/main/connections/sandbox-profiles'
import { FileSecretStore } from '../../src/main/workspace/secrets'
import { jsonFileStore } from '../../src/main/workspace/store'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'
import type { TlsListener } from '../../src/main/sandbox/dataverse/index'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import { closedPort } from './fixtures/connect-proxy'

/** Connection profiles, secrets and connection tests against both sandboxes over real HTTP. */
let dataverse: LocalDataverseServer
let tls: TlsListener
let campaign: ServedCampaignSandbox
let folder: string
let sandboxInfo: SandboxConnectionInfo
const services: ConnectionService[] = []

function service(env: NodeJS.ProcessEnv = {}): ConnectionService {
  const created = new ConnectionService({
    store: jsonFileStore(join(folder, 'config.json')),
    secrets: FileSecretStore.inFolder(folder),
    env,
    sandbox: () => sandboxInfo,
    http: { retry: { baseDelayMs: 10, maxDelayMs: 50 } }
  })
  services.push(created)
  return created
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sync-studio-userdata-'))
  dataverse = await startLocalDataverseServer({ seed: 3, contacts: 40 })
  tls = await dataverse.sandbox.startAuthorityTls()
  campaign = await serveCampaignSandbox({ seed: 3, profiles: 12 })
  const d = dataverse.sandbox.info
  const c = campaign.sandbox.info
  sandboxInfo = {
    dynamics: { url: d.url, authority: d.authority, tenantId: d.tenantId, clientId: d.clientId, clientSecret: d.clientSecret, ca: d.ca },
    campaign: {
      url: c.url,
      imsUrl: c.imsUrl,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      scopes: c.scopes,
      orgId: c.orgId,
      dynamicsKeyField: c.dynamicsKeyField
    }
  }
})

afterAll(async () => {
  for (const s of services) await s.dispose()
  await tls.close()
  await dataverse.close()
  await campaign.close()
  await rm(folder, { recursive: true, force: true })
})

describe('the built-in sandbox pair', () => {
  it('is listed read-only and passes the connection test for both systems', async () => {
    const connections = service()
    const list = await connections.list()
    const ids = list.map((c) => c.profile.id)
    expect(ids).toEqual(expect.arrayContaining([SANDBOX_DYNAMICS_ID, SANDBOX_CAMPAIGN_ID]))
    expect(list.find((c) => c.profile.id === SANDBOX_DYNAMICS_ID)).toMatchObject({
      hasSecret: true,
      profile: { readOnly: true, source: 'sandbox' }
    })
    const dynamicsReport = await connections.test(SANDBOX_DYNAMICS_ID)
    expect(dynamicsReport.ok).toBe(true)
    expect(dynamicsReport.steps.map((s) => s.step)).toEqual(['reach', 'signIn', 'metadata', 'count'])
    expect(dynamicsReport.summary).toMatch(/40 rows/)
    const campaignReport = await connections.test(SANDBOX_CAMPAIGN_ID)
    expect(campaignReport.ok).toBe(true)
    expect(campaignReport.summary).toMatch(/12 records/)
    await expect(connections.update(SANDBOX_DYNAMICS_ID, { name: 'x' })).rejects.toThrow(/cannot be edited/)
    await expect(connections.delete(SANDBOX_CAMPAIGN_ID)).rejects.toThrow(/cannot be deleted/)
  })
})

describe('user connections', () => {
  it('a bad client secret: the report says sign-in failed with 401 / AADSTS7000215 and what to do', async () => {
    const connections = service()
    const d = dataverse.sandbox.info
    const { profile } = await connections.create(
      {
        system: 'dynamics',
        name: 'Bad secret',
        environmentUrl: dataverse.baseUrl,
        tenantId: d.tenantId,
        clientId: d.clientId,
        authMethod: 'bearerToken'
      },
      'not-a-valid-token-value'
    )
    const report = await connections.test(profile.id)
    expect(report.ok).toBe(false)
    const failed = report.steps.at(-1)!
    expect(failed.step).toBe('signIn')
    expect(failed.error).toMatchObject({ kind: 'unauthorized', status: 401 })
    expect(report.summary).toMatch(/Signing in failed \(HTTP 401/)
    expect(report.summary).not.toContain('not-a-valid-token-value')

    const c = campaign.sandbox.info
    const bad = await connections.create(
      { system: 'campaign', name: 'Bad Campaign secret', baseUrl: c.url, imsUrl: c.imsUrl, apiKey: c.clientId, scopes: c.scopes },
      'wrong-campaign-secret'
    )
    const campaignReport = await connections.test(bad.profile.id)
    expect(campaignReport.steps.at(-1)).toMatchObject({
      step: 'signIn',
      ok: false,
      error: { kind: 'unauthorized', status: 401, service: 'campaign-ims' }
    })
    expect(campaignReport.summary).toMatch(/client secret/)
    expect(campaignReport.summary).not.toContain('wrong-campaign-secret')
  })

  it('a wrong URL: refused and DNS failures are reported at the reach step with their meaning', async () => {
    const connections = service()
    const port = await closedPort()
    const refused = await connections.create(
      {
        system: 'campaign',
        name: 'Refused',
        baseUrl: `http://127.0.0.1:${port}/campaign/`,
        apiKey: 'k',
        imsUrl: `http://127.0.0.1:${port}/ims/token/v3`
      },
      'secret-value-1'
    )
    const report = await connections.test(refused.profile.id)
    expect(report.steps).toHaveLength(1)
    expect(report.steps[0]).toMatchObject({ step: 'reach', ok: false, error: { kind: 'network', code: 'ECONNREFUSED' } })
    expect(report.summary).toMatch(/Nothing is listening/)

    const dns = await connections.create(
      {
        system: 'dynamics',
        name: 'No such host',
        environmentUrl: 'https://no-such-org.invalid',
        tenantId: 't',
        clientId: 'c',
        authMethod: 'clientSecret'
      },
      'secret-value-2'
    )
    const dnsReport = await connections.test(dns.profile.id)
    expect(dnsReport.steps[0]).toMatchObject({ step: 'reach', ok: false, error: { kind: 'dns' } })
    expect(dnsReport.summary).toMatch(/could not be resolved/)
  })

  it('create, edit, list and delete; names are unique; a deleted connection leaves no secret', async () => {
    const connections = service()
    const c = campaign.sandbox.info
    const { profile } = await connections.create(
      { system: 'campaign', name: 'Prod Campaign', orgId: 'acme', apiKey: 'key-1', scopes: ['campaign_sdk'] },
      'prod-secret-value'
    )
    expect(profile).toMatchObject({ source: 'user', readOnly: false, imsUrl: 'https://ims-na1.adobelogin.com/ims/token/v3' })
    await expect(connections.create({ system: 'campaign', name: 'prod campaign', orgId: 'x', apiKey: 'k' })).rejects.toThrow(
      /already exists/
    )
    const edited = await connections.update(
      profile.id,
      { system: 'campaign', baseUrl: c.url, imsUrl: c.imsUrl, apiKey: c.clientId, scopes: c.scopes },
      c.clientSecret
    )
    expect(edited.hasSecret).toBe(true)
    expect((await connections.test('Prod Campaign')).ok).toBe(true)
    await connections.delete(profile.id)
    expect((await connections.list()).some((x) => x.profile.id === profile.id)).toBe(false)
    expect((await FileSecretStore.inFolder(folder).keys()).some((k) => k.includes(profile.id))).toBe(false)
  })

  it('connections from environment variables run without interactive sign-in', async () => {
    const d = dataverse.sandbox.info
    const token = await dataverse.accessToken()
    const c = campaign.sandbox.info
    const connections = service({
      SYNC_STUDIO_DYNAMICS_URL: dataverse.baseUrl,
      SYNC_STUDIO_DYNAMICS_TOKEN: token,
      SYNC_STUDIO_DYNAMICS_TENANT_ID: d.tenantId,
      SYNC_STUDIO_CAMPAIGN_URL: c.url,
      SYNC_STUDIO_CAMPAIGN_IMS_URL: c.imsUrl,
      SYNC_STUDIO_CAMPAIGN_CLIENT_ID: c.clientId,
      SYNC_STUDIO_CAMPAIGN_CLIENT_SECRET: c.clientSecret,
      SYNC_STUDIO_CAMPAIGN_SCOPES: c.scopes.join(',')
    })
    const dynamicsReport = await connections.test('env-dynamics')
    expect(dynamicsReport.ok).toBe(true)
    expect((await connections.list()).find((x) => x.profile.id === 'env-dynamics')?.profile).toMatchObject({
      authMethod: 'bearerToken',
      readOnly: true
    })
    expect((await connections.test('env-campaign')).ok).toBe(true)
  })

  it('no secret appears in any file the app writes except the encrypted store', async () => {
    const connections = service()
    const d = dataverse.sandbox.info
    const secrets = ['dyn-secret-Z9x8c7v6b5n4m3', 'cmp-secret-Q1w2e3r4t5y6u7']
    const dyn = await connections.create(
      {
        system: 'dynamics',
        name: 'Leak check D',
        environmentUrl: dataverse.baseUrl,
        tenantId: d.tenantId,
        clientId: d.clientId,
        authMethod: 'clientSecret',
        authority: d.authority
      },
      secrets[0]
    )
    await connections.create({ system: 'campaign', name: 'Leak check C', orgId: 'acme', apiKey: 'key' }, secrets[1])
    // A failed sign-in writes nothing with the secret either.
    const report = await connections.test(dyn.profile.id)
    expect(JSON.stringify(report)).not.toContain(secrets[0])
    const files = await readdir(folder)
    expect(files).toEqual(expect.arrayContaining(['config.json', 'secrets.json', 'secrets.key']))
    for (const file of files) {
      const text = await readFile(join(folder, file), 'utf8')
      for (const secret of secrets) {
        expect(text, `${file} holds a secret`).not.toContain(secret)
        expect(text).not.toContain(Buffer.from(secret).toString('base64'))
      }
    }
    expect(await FileSecretStore.inFolder(folder).get(`connection:${dyn.profile.id}:clientSecret`)).toBe(secrets[0])
    if (process.platform !== 'win32') expect((await stat(join(folder, 'secrets.key'))).mode & 0o777).toBe(0o600)
  })
})
