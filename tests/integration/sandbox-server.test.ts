import { ConfidentialClientApplication } from '@azure/msal-node'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type RunningSandbox, type SandboxInfo } from '../../src/main/sandbox'
import { createTrustingNetworkClient, sandboxAuthOptions } from '../../src/main/connectors/dynamics/msal-network'
import { dynamicsToken } from '../support/dynamics-token'

/** The embedded sandbox: both simulators on one loopback port, over real HTTP (and HTTPS for the authority). */

type Json = Record<string, any>

const dynamicsScope = (info: SandboxInfo) => `${new URL(info.dynamics.url).origin}/.default`

async function imsToken(info: SandboxInfo): Promise<string> {
  const response = await fetch(info.campaign.imsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.campaign.clientId,
      client_secret: info.campaign.clientSecret,
      scope: info.campaign.scopes.join(',')
    })
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as Json).access_token
}

function campaignCall(info: SandboxInfo, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(path.startsWith('http') ? path : info.campaign.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'X-Api-Key': info.campaign.clientId, 'Content-Type': 'application/json;charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}

function dynamicsCall(info: SandboxInfo, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(info.dynamics.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json', 'OData-Version': '4.0' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
}

describe('one sandbox, one port', () => {
  let sandbox: RunningSandbox
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 7, contacts: 300, profiles: 20 })
  })
  afterAll(async () => {
    await sandbox.close()
  })

  it('describes itself with exactly the documented JSON', () => {
    const { info } = sandbox
    expect(Object.keys(info).sort()).toEqual(['campaign', 'dynamics'])
    expect(Object.keys(info.dynamics).sort()).toEqual(['authority', 'ca', 'clientId', 'clientSecret', 'tenantId', 'tokenUrl', 'url'])
    expect(Object.keys(info.campaign).sort()).toEqual(['clientId', 'clientSecret', 'imsUrl', 'orgId', 'scopes', 'url'])
    expect(info.dynamics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/$/)
    expect(info.campaign.url).toBe(`${sandbox.origin}/${info.campaign.orgId}/campaign/`)
    expect(new URL(info.dynamics.url).origin).toBe(sandbox.origin)
    expect(new URL(info.campaign.url).origin).toBe(sandbox.origin)
    expect(info.campaign.imsUrl).toBe(`${sandbox.origin}/ims/token/v3`)
    expect(info.dynamics.authority).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/)
    expect(info.dynamics.tokenUrl).toBe(`${info.dynamics.authority}/oauth2/v2.0/token`)
    expect(info.dynamics.ca).toContain('-----BEGIN CERTIFICATE-----')
    // JSON-safe: what `sync-studio sandbox --json` prints parses back to the same value.
    expect(JSON.parse(JSON.stringify(info))).toEqual(info)
  })

  it('serves Dynamics (WhoAmI) and Campaign (profiles) on the same port', async () => {
    const whoAmI = await dynamicsCall(sandbox.info, await dynamicsToken(sandbox.info), 'GET', 'WhoAmI')
    expect(whoAmI.status).toBe(200)
    expect(((await whoAmI.json()) as Json).UserId).toBe(sandbox.dynamics.applicationUserId)

    const profiles = await campaignCall(sandbox.info, await imsToken(sandbox.info), 'GET', 'profileAndServices/profile?_lineCount=5')
    expect(profiles.status).toBe(200)
    const body = (await profiles.json()) as Json
    expect(body.content).toHaveLength(5)
    expect(body.next.href.startsWith(sandbox.info.campaign.url)).toBe(true)
  })

  it('a real msal-node ConfidentialClientApplication signs in against info.authority', async () => {
    const { info } = sandbox
    const networkClient = createTrustingNetworkClient(info.dynamics.ca)
    try {
      const cca = new ConfidentialClientApplication({
        auth: {
          clientId: info.dynamics.clientId,
          clientSecret: info.dynamics.clientSecret,
          ...sandboxAuthOptions(info.dynamics.authority)
        },
        system: { networkClient }
      })
      const result = await cca.acquireTokenByClientCredential({ scopes: [dynamicsScope(info)] })
      expect(result?.accessToken).toBeTruthy()
      const whoAmI = await dynamicsCall(info, result!.accessToken, 'GET', 'WhoAmI')
      expect(whoAmI.status).toBe(200)
    } finally {
      await networkClient.close()
    }
  })

  it('the Campaign gateway refuses calls without the IMS token', async () => {
    const response = await fetch(`${sandbox.info.campaign.url}profileAndServices/profile`, {
      headers: { 'X-Api-Key': sandbox.info.campaign.clientId }
    })
    expect(response.status).toBe(401)
    expect(((await response.json()) as Json).error_code).toBe('401013')
  })

  it('answers unknown paths with the documented 404 JSON, on both listeners', async () => {
    const plain = await fetch(`${sandbox.origin}/nowhere?x=1`)
    expect(plain.status).toBe(404)
    expect(plain.headers.get('content-type')).toContain('application/json')
    expect(await plain.json()).toEqual({
      error: {
        code: 'SandboxNotFound',
        message: `Nothing in the Sync Studio sandbox answers GET /nowhere. Dynamics 365 is at ${sandbox.info.dynamics.url} and Adobe Campaign at ${sandbox.info.campaign.url}.`,
        services: { dynamics: sandbox.info.dynamics.url, campaign: sandbox.info.campaign.url }
      }
    })
    const agent = new Agent({ connect: { ca: sandbox.info.dynamics.ca } })
    try {
      const secure = await undiciFetch(`${new URL(sandbox.info.dynamics.authority).origin}/nowhere`, { dispatcher: agent })
      expect(secure.status).toBe(404)
      expect(((await secure.json()) as Json).error.code).toBe('SandboxNotFound')
    } finally {
      await agent.close()
    }
  })

  it('refuses to listen beyond loopback', async () => {
    await expect(startSandbox({ host: '0.0.0.0', contacts: 10 })).rejects.toThrow(/loopback only/)
  })

  it('explains a port that is taken', async () => {
    const port = Number(new URL(sandbox.origin).port)
    await expect(startSandbox({ port, contacts: 10 })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`)
  })
})

describe('faults per service', () => {
  it('Dynamics faults leave Campaign alone', async () => {
    const sandbox = await startSandbox({ contacts: 50, profiles: 5, faults: { dynamics: { throttleRate: 1, retryAfterSeconds: 7 } } })
    try {
      const throttled = await dynamicsCall(sandbox.info, await dynamicsToken(sandbox.info), 'GET', 'WhoAmI')
      expect(throttled.status).toBe(429)
      expect(throttled.headers.get('retry-after')).toBe('7')
      expect(((await throttled.json()) as Json).error.code).toBe('0x80072322')
      const campaign = await campaignCall(sandbox.info, await imsToken(sandbox.info), 'GET', 'profileAndServices/profile')
      expect(campaign.status).toBe(200)
    } finally {
      await sandbox.close()
    }
  })

  it('Campaign faults leave Dynamics alone', async () => {
    const sandbox = await startSandbox({ contacts: 50, profiles: 5, faults: { campaign: { serverErrorRate: 1 } } })
    try {
      const failing = await campaignCall(sandbox.info, await imsToken(sandbox.info), 'GET', 'profileAndServices/profile')
      expect([502, 503]).toContain(failing.status)
      const whoAmI = await dynamicsCall(sandbox.info, await dynamicsToken(sandbox.info), 'GET', 'WhoAmI')
      expect(whoAmI.status).toBe(200)
      // and they can be changed at run time
      sandbox.campaign.faults.update({ serverErrorRate: 0 })
      expect((await campaignCall(sandbox.info, await imsToken(sandbox.info), 'GET', 'profileAndServices/profile')).status).toBe(200)
    } finally {
      await sandbox.close()
    }
  })
})

describe('snapshot', () => {
  let folder: string
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sync-studio-sandbox-'))
  })
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true })
  })

  it('keeps what was written across a restart (atomic file, no temp left behind)', async () => {
    const file = join(folder, 'state', 'sandbox.json')
    const first = await startSandbox({ seed: 5, contacts: 100, profiles: 3, snapshotFile: file })
    const created = await campaignCall(first.info, await imsToken(first.info), 'POST', 'profileAndServices/profile', {
      email: 'kept@example.com',
      firstName: 'Kept',
      lastName: 'Across'
    })
    expect(created.status).toBe(201)
    const pkey = ((await created.json()) as Json).PKey
    const contact = await dynamicsCall(first.info, await dynamicsToken(first.info), 'POST', 'contacts', {
      firstname: 'Ada',
      lastname: 'Restart',
      emailaddress1: 'ada@example.com'
    })
    expect(contact.status).toBe(204)
    const contactUrl = contact.headers.get('odata-entityid')!
    await first.close()
    await first.close() // twice is fine

    expect(await readdir(join(folder, 'state'))).toEqual(['sandbox.json'])
    const saved = JSON.parse(await readFile(file, 'utf8')) as Json
    expect(saved).toMatchObject({ format: 'sync-studio/sandbox-snapshot@1', seed: 5, contacts: 100, profiles: 3 })

    // Seed and sizes come from the snapshot when left out; the port is new.
    const second = await startSandbox({ snapshotFile: file })
    try {
      const found = await campaignCall(
        second.info,
        await imsToken(second.info),
        'GET',
        'profileAndServices/profile/byEmail?email=kept%40example.com'
      )
      const list = (await found.json()) as Json
      expect(list.content).toHaveLength(1)
      expect(list.content[0]).toMatchObject({ PKey: pkey, firstName: 'Kept', lastName: 'Across' })
      const id = /\(([0-9a-f-]{36})\)/.exec(contactUrl)![1]
      const read = await dynamicsCall(second.info, await dynamicsToken(second.info), 'GET', `contacts(${id})?$select=fullname`)
      expect(read.status).toBe(200)
      expect(((await read.json()) as Json).fullname).toBe('Ada Restart')
    } finally {
      await second.close()
    }
  })

  it('save() writes on demand; a contradicting seed or a broken file is a clear error', async () => {
    const file = join(folder, 'on-demand.json')
    const sandbox = await startSandbox({ seed: 9, contacts: 20, snapshotFile: file })
    try {
      await sandbox.save()
      expect(JSON.parse(await readFile(file, 'utf8')).seed).toBe(9)
    } finally {
      await sandbox.close()
    }
    await expect(startSandbox({ seed: 10, snapshotFile: file })).rejects.toThrow(`the snapshot ${file} was taken with seed 9, not 10`)
    const broken = join(folder, 'broken.json')
    await writeFile(broken, '{"format":"something else"}')
    await expect(startSandbox({ snapshotFile: broken })).rejects.toThrow('is not a Sync Studio sandbox snapshot')
  })
})
