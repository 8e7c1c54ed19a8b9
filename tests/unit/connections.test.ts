import { describe, expect, it } from 'vitest'
import { ConnectionService, connectionsFromEnv, modifiedSinceFilterOf } from '../../src/main/workspace/connections'
import { MemorySecretStore } from '../../src/main/workspace/secrets'
import { MemoryStore } from '../../src/main/workspace/store'

describe('connection profiles', () => {
  it('validates URLs and keeps secrets out of the stored profile', async () => {
    const store = new MemoryStore()
    const secrets = new MemorySecretStore()
    const service = new ConnectionService({ store, secrets, env: {} })
    await expect(
      service.create({
        system: 'dynamics',
        name: 'Plain http',
        environmentUrl: 'http://contoso.crm.dynamics.com',
        authMethod: 'clientSecret'
      })
    ).rejects.toThrow(/https/)
    const { profile } = await service.create(
      {
        system: 'dynamics',
        name: 'Contoso',
        environmentUrl: 'https://contoso.crm4.dynamics.com',
        tenantId: 't',
        clientId: 'c',
        authMethod: 'clientSecret'
      },
      's3cr3t-value'
    )
    expect(JSON.stringify(store.get('connections'))).not.toContain('s3cr3t-value')
    expect(await secrets.get(`connection:${profile.id}:clientSecret`)).toBe('s3cr3t-value')
    const device = await service.create({
      system: 'dynamics',
      name: 'Device',
      environmentUrl: 'https://x.crm.dynamics.com',
      authMethod: 'deviceCode'
    })
    expect(device.needsSecret).toBe(false)
    await expect(service.setSecret(device.profile.id, 'x')).rejects.toThrow(/stores no secret/)
    expect(service.resolve('contoso').id).toBe(profile.id)
  })

  it('reads connections from environment variables; a token wins over a secret', () => {
    const [dynamics, campaign] = connectionsFromEnv({
      SYNC_STUDIO_DYNAMICS_URL: 'https://org.crm.dynamics.com',
      SYNC_STUDIO_DYNAMICS_TENANT_ID: 'tenant',
      SYNC_STUDIO_DYNAMICS_CLIENT_ID: 'client',
      SYNC_STUDIO_DYNAMICS_CLIENT_SECRET: 'secret',
      SYNC_STUDIO_DYNAMICS_TOKEN: 'token',
      SYNC_STUDIO_CAMPAIGN_ORG_ID: 'acme',
      SYNC_STUDIO_CAMPAIGN_CLIENT_ID: 'key',
      SYNC_STUDIO_CAMPAIGN_CLIENT_SECRET: 'secret',
      SYNC_STUDIO_CAMPAIGN_SCOPES: 'openid, campaign_sdk',
      SYNC_STUDIO_CAMPAIGN_MODIFIED_FILTER: 'byChangedSince'
    })
    expect(dynamics).toMatchObject({ id: 'env-dynamics', authMethod: 'bearerToken', readOnly: true, source: 'env' })
    expect(campaign).toMatchObject({ id: 'env-campaign', orgId: 'acme', apiKey: 'key', scopes: ['openid', 'campaign_sdk'] })
    expect(campaign).toMatchObject({ modifiedSinceFilter: 'byChangedSince' })
    expect(connectionsFromEnv({})).toEqual([])
  })

  it("names a custom filter's parameter the way Campaign generates it", () => {
    expect(modifiedSinceFilterOf('byChangedSince')).toEqual({ name: 'byChangedSince', param: 'changedSince_parameter' })
    expect(modifiedSinceFilterOf('ModifiedSince')).toEqual({ name: 'ModifiedSince', param: 'modifiedSince_parameter' })
  })
})
