import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConfidentialTokenProvider } from '../../src/main/connectors/dynamics/auth'
import { isConnectorError } from '../../src/main/connectors/http/errors'
import { PreviewService } from '../../src/main/preview/preview-service'
import { startSandbox, type RunningSandbox } from '../../src/main/sandbox/index'
import { parseDocumentText } from '../../src/shared/mapping/document-io'
import { startTlsListener, type TlsListener } from '../../src/main/sandbox/dataverse/index'
import { ConnectionService } from '../../src/main/connections/connection-service'
import type { NewConnection } from '../../src/shared/connections'
import { FileSecretStore, MemorySecretStore, type SecretStore } from '../../src/main/workspace/secrets'
import { MemoryStore } from '../../src/main/workspace/store'
import { closedPort, startConnectProxy, type TestProxy } from './fixtures/connect-proxy'

/**
 * A consultant's network, built for real: a CONNECT proxy on loopback, and the services behind
 * a TLS front whose certificate is signed by a test root CA that Node does not trust — what a
 * TLS-inspecting proxy does. Every request (Dataverse, Campaign, msal's discovery and token
 * calls, IMS) must go through the proxy, trust the CA file, and fail with an error that names
 * the proxy or the certificate problem. The front counts what reaches the services.
 */

let sandbox: RunningSandbox
let front: TlsListener
let proxy: TestProxy
let folder: string
let caFile: string
let rootPem: string
/** `METHOD path` of every request that reached the services through the TLS front. */
const seen: string[] = []
const services: ConnectionService[] = []
let dropCount = false

async function testRootAndLeaf() {
  const root = await generate([{ name: 'commonName', value: 'Sync Studio test root CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
    ]
  })
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: root.private, cert: root.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' }
        ]
      }
    ]
  })
  return { root, leaf }
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sync-studio-network-'))
  sandbox = await startSandbox({ port: 0, contacts: 30 })
  const { root, leaf } = await testRootAndLeaf()
  caFile = join(folder, 'corp-root.pem')
  await writeFile(caFile, root.cert)
  rootPem = root.cert
  const count = async (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'https://front')
    seen.push(`${req.method} ${url.pathname}${decodeURIComponent(url.search)}`.replace(/\?$/, ''))
    return false
  }
  // A service (or a proxy) that leaves @odata.count out of a `$count=true` answer.
  const withoutCount = async (req: IncomingMessage, res: ServerResponse) => {
    if (!dropCount || !decodeURIComponent(req.url ?? '').includes('$count=true')) return false
    const answer = await fetch(`${sandbox.origin}${req.url}`, {
      headers: { authorization: String(req.headers.authorization), prefer: String(req.headers.prefer ?? '') }
    })
    const body = (await answer.json()) as Record<string, unknown>
    delete body['@odata.count']
    delete body['@Microsoft.Dynamics.CRM.totalrecordcount']
    res.writeHead(answer.status, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(body))
    return true
  }
  front = await startTlsListener([count, withoutCount, sandbox.dynamics.handle, sandbox.campaign.handle], {
    tls: { key: leaf.private, cert: leaf.cert, ca: root.cert }
  })
  proxy = await startConnectProxy()
}, 60_000)

afterAll(async () => {
  for (const s of services) await s.dispose()
  await proxy?.close()
  await front?.close()
  await sandbox?.close()
  await rm(folder, { recursive: true, force: true })
})

beforeEach(() => {
  seen.length = 0
  proxy.tunnels.length = 0
  proxy.requests.length = 0
  proxy.refuseWith = undefined
  dropCount = false
})

function service(env: NodeJS.ProcessEnv, secrets: SecretStore = new MemorySecretStore()): ConnectionService {
  const created = new ConnectionService({
    store: new MemoryStore(),
    secrets,
    env,
    http: { retry: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 2 } }
  })
  services.push(created)
  return created
}

/** The sandbox's Dataverse and Campaign, addressed through the TLS front. */
function dynamicsProfile(extra: Partial<NewConnection> = {}): NewConnection {
  const info = sandbox.info.dynamics
  return {
    system: 'dynamics',
    name: 'Contoso (behind the proxy)',
    // The resource the tokens are for; the Web API itself is reached at the front.
    environmentUrl: new URL(info.url).origin,
    apiUrl: `${front.origin}/api/data/v9.2/`,
    authority: `${front.origin}/${info.tenantId}`,
    tenantId: info.tenantId,
    clientId: info.clientId,
    authMethod: 'clientSecret',
    ...extra
  } as NewConnection
}

function campaignProfile(extra: Partial<NewConnection> = {}): NewConnection {
  const info = sandbox.info.campaign
  return {
    system: 'campaign',
    name: 'Contoso Campaign (behind the proxy)',
    baseUrl: `${front.origin}${new URL(info.url).pathname}`,
    imsUrl: `${front.origin}${new URL(info.imsUrl).pathname}`,
    apiKey: info.clientId,
    scopes: info.scopes,
    authMethod: 'oauthServerToServer',
    ...extra
  } as NewConnection
}

const frontHost = () => `127.0.0.1:${front.port}`

describe('through a CONNECT proxy, trusting a company root CA', () => {
  it('Dynamics: the connection test, metadata and reads all go through the proxy; one discovery and one token', async () => {
    const connections = service({ HTTPS_PROXY: proxy.url, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(dynamicsProfile(), sandbox.info.dynamics.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.ok, report.summary).toBe(true)
    expect(report.steps[0].detail).toContain(`through the proxy ${proxy.url}/`)
    const connector = await connections.dynamics(profile.id)
    const table = await connector.getTable('account')
    expect(table.fields.length).toBeGreaterThan(5)
    const rows: unknown[] = []
    for await (const page of connector.query('contact', { select: ['contactid', 'lastname'], pageSize: 10 })) rows.push(...page.records)
    expect(rows.length).toBe(30)
    // Everything to the https front went through the proxy's tunnel; nothing went direct.
    expect(proxy.tunnels.length).toBeGreaterThan(0)
    expect(new Set(proxy.tunnels)).toEqual(new Set([frontHost()]))
    expect(seen.filter((r) => r.includes('/.well-known/openid-configuration'))).toHaveLength(1)
    expect(seen.filter((r) => r.includes('/oauth2/v2.0/token'))).toHaveLength(1)
    expect(seen.some((r) => r.startsWith('GET /api/data/v9.2/contacts'))).toBe(true)
  })

  it('Campaign: IMS and the REST API go through the proxy; one token', async () => {
    const connections = service({ HTTPS_PROXY: proxy.url, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(campaignProfile(), sandbox.info.campaign.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.ok, report.summary).toBe(true)
    expect(new Set(proxy.tunnels)).toEqual(new Set([frontHost()]))
    expect(seen.filter((r) => r.startsWith('POST') && r.includes('/ims/token/v3'))).toHaveLength(1)
  })

  it("the connection's own CA file and proxy work without any environment variable", async () => {
    const connections = service({})
    const { profile } = await connections.create(
      dynamicsProfile({ name: 'own settings', proxy: proxy.url, caFile } as Partial<NewConnection>),
      sandbox.info.dynamics.clientSecret
    )
    const report = await connections.test(profile.id)
    expect(report.ok, report.summary).toBe(true)
    expect(proxy.tunnels).toContain(frontHost())
  })

  it('"direct" and NO_PROXY bypass the proxy', async () => {
    const direct = service({ HTTPS_PROXY: proxy.url, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await direct.create(
      dynamicsProfile({ name: 'direct', proxy: 'direct' } as Partial<NewConnection>),
      sandbox.info.dynamics.clientSecret
    )
    expect((await direct.test(profile.id)).ok).toBe(true)
    const bypass = service({ HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1', SYNC_STUDIO_CA_FILE: caFile })
    const { profile: second } = await bypass.create(dynamicsProfile({ name: 'no proxy' }), sandbox.info.dynamics.clientSecret)
    expect((await bypass.test(second.id)).ok).toBe(true)
    expect(proxy.tunnels).toEqual([])
    expect(seen.length).toBeGreaterThan(0)
  })
})

describe('the desktop app: the operating system decides', () => {
  it("the system's proxy (as Electron resolves it) wins over the variables; the system store's CAs are trusted", async () => {
    const asked: string[] = []
    const port = await closedPort()
    const connections = new ConnectionService({
      store: new MemoryStore(),
      secrets: new MemorySecretStore(),
      // The variables point at nothing: only the system's answer can make this work.
      env: { HTTPS_PROXY: `http://127.0.0.1:${port}` },
      network: {
        // What session.resolveProxy answers for a PAC file that proxies everything.
        resolveProxy: async (url) => {
          asked.push(new URL(url).origin)
          return `PROXY 127.0.0.1:${proxy.port}; DIRECT`
        },
        systemCa: () => [rootPem]
      }
    })
    services.push(connections)
    const { profile } = await connections.create(dynamicsProfile({ name: 'desktop' }), sandbox.info.dynamics.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.ok, report.summary).toBe(true)
    expect(report.steps[0].detail).toContain(`through the proxy http://127.0.0.1:${proxy.port}/`)
    expect(new Set(proxy.tunnels)).toEqual(new Set([frontHost()]))
    expect(asked).toContain(front.origin)
  })
})

describe('errors that name the problem', () => {
  it('without the company CA: a certificate error that says how to trust it — for the API and for sign-in', async () => {
    const connections = service({ HTTPS_PROXY: proxy.url })
    const { profile } = await connections.create(dynamicsProfile(), sandbox.info.dynamics.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.ok).toBe(false)
    const reach = report.steps[0].error!
    expect(reach.kind).toBe('tls')
    expect(reach.hint).toMatch(/signed by an authority this app does not trust/)
    expect(reach.hint).toContain('SYNC_STUDIO_CA_FILE')
    expect(reach.hint).toContain(`through the proxy ${proxy.url}/`)
    // msal's own requests: the sign-in error names the certificate, not the tenant id.
    const connector = await connections.dynamics(profile.id)
    const error = await connector.whoAmI().catch((e: unknown) => e)
    expect(isConnectorError(error) && error.service).toBe('dynamics-auth')
    expect(isConnectorError(error) && error.kind).toBe('tls')
    expect(isConnectorError(error) && error.hint).toMatch(/CA certificates file/)
    expect(isConnectorError(error) && error.hint).not.toMatch(/tenant id/)
  })

  it('a proxy that wants authentication (407) is named with its source', async () => {
    proxy.refuseWith = 407
    const connections = service({ HTTPS_PROXY: proxy.url, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(campaignProfile({ name: '407' }), sandbox.info.campaign.clientSecret)
    const report = await connections.test(profile.id)
    const error = report.steps[0].error!
    expect(error.code).toBe('PROXY_407')
    expect(error.hint).toContain(`The proxy ${proxy.url}/ (from HTTPS_PROXY) wants authentication`)
  })

  it('a proxy that is not there is named, not the service', async () => {
    const port = await closedPort()
    const connections = service({ HTTPS_PROXY: `127.0.0.1:${port}`, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(dynamicsProfile({ name: 'no proxy there' }), sandbox.info.dynamics.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.steps[0].error?.hint).toContain(
      `The proxy http://127.0.0.1:${port}/ (from HTTPS_PROXY) could not be reached (ECONNREFUSED)`
    )
  })

  it("a proxy's user and password never reach a hint, a message or the report", async () => {
    const port = await closedPort()
    const connections = service({ HTTPS_PROXY: `http://puser:ProxyPassw0rd9@127.0.0.1:${port}`, SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(dynamicsProfile({ name: 'proxy with a password' }), sandbox.info.dynamics.clientSecret)
    const report = await connections.test(profile.id)
    expect(report.steps[0].error?.hint).toContain(
      `The proxy http://127.0.0.1:${port}/ (from HTTPS_PROXY) could not be reached (ECONNREFUSED)`
    )
    expect(JSON.stringify(report)).not.toMatch(/ProxyPassw0rd9|puser/)
  })

  it('a CA file that is missing or not PEM is named', async () => {
    const notPem = join(folder, 'root.der')
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]))
    for (const [file, words] of [
      [join(folder, 'missing.pem'), 'it does not exist'],
      [notPem, 'holds no PEM certificate']
    ]) {
      const connections = service({ SYNC_STUDIO_CA_FILE: file })
      const { profile } = await connections.create(dynamicsProfile({ name: `ca ${words}` }), sandbox.info.dynamics.clientSecret)
      const report = await connections.test(profile.id)
      expect(report.steps[0].error?.message).toContain(file)
      expect(report.steps[0].error?.message).toContain(words)
      expect(report.steps[0].error?.message).toContain('SYNC_STUDIO_CA_FILE')
    }
  })

  it('an http:// authority is refused in words, before msal, and never blamed on the tenant id', async () => {
    const connections = service({})
    await expect(
      connections.create(
        dynamicsProfile({
          name: 'http authority',
          authority: `http://127.0.0.1:${sandbox.info.dynamics.authority.split(':')[2]}`
        } as Partial<NewConnection>)
      )
    ).rejects.toThrow(/must be an https:\/\/ URL/)
    const env = service({
      SYNC_STUDIO_DYNAMICS_URL: 'https://contoso.crm.dynamics.com',
      SYNC_STUDIO_DYNAMICS_AUTHORITY: 'http://login.example.test/tenant',
      SYNC_STUDIO_DYNAMICS_CLIENT_SECRET: 's'
    })
    expect(() => env.resolve('env-dynamics')).toThrow(/SYNC_STUDIO_DYNAMICS_AUTHORITY: must be an https:\/\/ URL/)
    const error = (() => {
      try {
        return new ConfidentialTokenProvider({
          environmentUrl: 'https://contoso.crm.dynamics.com',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          authority: 'http://login.example.test/t'
        })
      } catch (e) {
        return e
      }
    })()
    expect(isConnectorError(error) && error.code).toBe('authority_uri_insecure')
    expect(isConnectorError(error) && error.hint).not.toMatch(/tenant id, client id and secret/)
  })
})

describe('tokens are reused across commands and runs', () => {
  it('a second process with the same encrypted store asks for no new token (Dynamics and Campaign)', async () => {
    const store = FileSecretStore.inFolder(join(folder, 'userdata'))
    const env = { HTTPS_PROXY: proxy.url, SYNC_STUDIO_CA_FILE: caFile }
    const memory = new MemoryStore()
    const first = new ConnectionService({ store: memory, secrets: store, env })
    services.push(first)
    const d = await first.create(dynamicsProfile({ name: 'persisted' }), sandbox.info.dynamics.clientSecret)
    const c = await first.create(campaignProfile({ name: 'persisted campaign' }), sandbox.info.campaign.clientSecret)
    await (await first.dynamics(d.profile.id)).whoAmI()
    await (await first.campaign(c.profile.id)).listResources()
    await first.dispose()
    const tokens = () => seen.filter((r) => r.includes('/oauth2/v2.0/token') || r.includes('/ims/token/v3')).length
    expect(tokens()).toBe(2)
    // "The next command": a new service, new connectors, the same store on disk.
    const second = new ConnectionService({ store: memory, secrets: FileSecretStore.inFolder(join(folder, 'userdata')), env })
    services.push(second)
    await (await second.dynamics(d.profile.id)).getTable('contact')
    await (await second.campaign(c.profile.id)).listResources()
    expect(tokens()).toBe(2)
  })
})

describe('Dataverse reads', () => {
  it('preview asks for the columns the flow reads ($select), not every column', async () => {
    const connections = service({ SYNC_STUDIO_CA_FILE: caFile })
    const d = await connections.create(dynamicsProfile({ name: 'preview dynamics' }), sandbox.info.dynamics.clientSecret)
    const c = await connections.create(campaignProfile({ name: 'preview campaign' }), sandbox.info.campaign.clientSecret)
    const parsed = parseDocumentText(readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8'))
    if (!parsed.ok) throw new Error('fixture must be valid')
    const document = { ...parsed.document, connections: { dynamics: d.profile.name, campaign: c.profile.name } }
    const { preview } = await new PreviewService(connections).preview(document, 'contacts', 5)
    expect(preview.rows).toHaveLength(5)
    const reads = seen.filter((r) => r.startsWith('GET /api/data/v9.2/contacts'))
    expect(reads).toHaveLength(1)
    const select = /\$select=([^&]+)/.exec(reads[0])?.[1].split(',') ?? []
    expect(select).toContain('emailaddress1')
    expect(select).toContain('contactid')
    expect(select.length).toBeLessThan(30) // a contact has 160 columns
  })

  it('an answer without @odata.count is an unknown total, not 0', async () => {
    const connections = service({ SYNC_STUDIO_CA_FILE: caFile })
    const { profile } = await connections.create(dynamicsProfile({ name: 'no count' }), sandbox.info.dynamics.clientSecret)
    const connector = await connections.dynamics(profile.id)
    expect((await connector.count('contact')).count).toBe(30)
    dropCount = true
    expect(await connector.count('contact')).toEqual({ count: undefined, limitExceeded: false })
    const report = await connections.test(profile.id)
    expect(report.steps.at(-1)?.detail).toBe('row count unknown (the answer had no @odata.count)')
  })
})
