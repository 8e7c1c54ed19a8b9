import { describe, expect, it } from 'vitest'
import { ConnectionService } from '../../src/main/connections/connection-service'
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

  it('says where the built-in Sandbox is when a mapping names it and no sandbox is running (the CLI without --sandbox)', () => {
    const service = new ConnectionService({ store: new MemoryStore(), secrets: new MemorySecretStore(), env: {} })
    expect(() => service.resolve('Sandbox')).toThrow(
      "No connection named 'Sandbox'. The built-in Sandbox is there in the app, and on the command line with --sandbox."
    )
    expect(() => service.resolve('Contoso prod')).toThrow(/^No connection named 'Contoso prod'\.$/)
  })
})
