import { describe, expect, it } from 'vitest'
import { modifiedSinceFilterOf } from '../../src/main/connections/connector-factory'
import { connectionsFromEnv, envSecret } from '../../src/main/connections/environment-profiles'
import { SANDBOX_CAMPAIGN_ID, SANDBOX_DYNAMICS_ID, sandboxProfiles } from '../../src/main/connections/sandbox-profiles'
import { ProfileStorage, secretKeyFor } from '../../src/main/connections/storage'
import { MemoryStore } from '../../src/main/workspace/store'
import { DynamicsConnection } from '../../src/shared/connections'

const contoso = DynamicsConnection.parse({
  id: 'c1',
  name: 'Contoso',
  system: 'dynamics',
  readOnly: false,
  source: 'user',
  environmentUrl: 'https://contoso.crm4.dynamics.com',
  tenantId: 't',
  clientId: 'c',
  authMethod: 'clientSecret'
})

describe('stored profiles (storage.ts)', () => {
  it("keeps only the user's profiles, and skips an entry that no longer parses instead of failing", async () => {
    const store = new MemoryStore()
    const storage = new ProfileStorage(store)
    await storage.write([contoso, { ...contoso, id: 'e', source: 'env', readOnly: true }])
    expect(store.get('connections')).toEqual([contoso])
    await store.set('connections', [contoso, { id: 'broken', system: 'dynamics' }])
    expect(storage.read()).toEqual([contoso])
    await store.set('connections', 'not a list')
    expect(storage.read()).toEqual([])
  })

  it('puts each kind of secret under its own key; interactive sign-in stores none', () => {
    expect(secretKeyFor(contoso)).toBe('connection:c1:clientSecret')
    expect(secretKeyFor({ ...contoso, authMethod: 'deviceCode' })).toBeUndefined()
    expect(secretKeyFor({ ...contoso, authMethod: 'bearerToken' })).not.toBe(secretKeyFor(contoso))
  })
})

describe('built-in profiles', () => {
  it('the sandbox pair exists only while a sandbox runs, read-only and named Sandbox', () => {
    expect(sandboxProfiles(undefined)).toEqual([])
    const [dynamics, campaign] = sandboxProfiles({
      dynamics: {
        url: 'http://127.0.0.1:1/api/data/v9.2/',
        authority: 'https://127.0.0.1:2/t/',
        tenantId: 't',
        clientId: 'c',
        clientSecret: 's'
      },
      campaign: {
        url: 'http://127.0.0.1:1/campaign/',
        imsUrl: 'http://127.0.0.1:1/ims/',
        clientId: 'k',
        clientSecret: 's',
        scopes: ['openid']
      }
    })
    expect(dynamics).toMatchObject({ id: SANDBOX_DYNAMICS_ID, name: 'Sandbox', readOnly: true, environmentUrl: 'http://127.0.0.1:1' })
    expect(campaign).toMatchObject({ id: SANDBOX_CAMPAIGN_ID, name: 'Sandbox', readOnly: true, dynamicsKeyField: 'cusDynamicsContactId' })
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

  it("an environment connection's secret: its token, else its client secret", () => {
    const env = { SYNC_STUDIO_DYNAMICS_URL: 'https://org.crm.dynamics.com', SYNC_STUDIO_DYNAMICS_CLIENT_SECRET: 'secret' }
    const [profile] = connectionsFromEnv(env)
    expect(envSecret(env, profile)).toBe('secret')
    const withToken = { ...env, SYNC_STUDIO_DYNAMICS_TOKEN: 'token' }
    expect(envSecret(withToken, connectionsFromEnv(withToken)[0])).toBe('token')
  })
})
