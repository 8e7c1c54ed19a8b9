import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../src/main/contract/dispatcher'
import { createServices } from '../../src/main/services'
import { FileSecretStore } from '../../src/main/workspace/secrets'
import { jsonFileStore } from '../../src/main/workspace/store'
import { parseDocumentText } from '../../src/shared/mapping/document-io'

/**
 * The app's services as the window calls them, against the built-in Sandbox started on
 * loopback: connections, schema, preview, trace and dry run over real HTTP.
 */
const folder = mkdtempSync(join(tmpdir(), 'sync-studio-app-'))
let services: ReturnType<typeof createServices>
let dispatch: Dispatch

const fixture = parseDocumentText(readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8'))
if (!fixture.ok) throw new Error('fixture must be valid')
const document = fixture.document

async function ok<T = Record<string, any>>(name: string, input: unknown): Promise<T> {
  const result = await dispatch(name, input)
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`)
  return result.value as T
}

/** Every Campaign profile of the built-in Sandbox, as the Campaign API returns it. */
async function campaignProfiles(): Promise<Record<string, unknown>[]> {
  const campaign = await services.connections.campaign('Sandbox')
  const profiles: Record<string, unknown>[] = []
  for await (const page of campaign.profiles({ pageSize: 500 })) profiles.push(...page.records)
  return profiles
}

beforeAll(async () => {
  services = createServices({
    mode: 'browser',
    store: jsonFileStore(join(folder, 'config.json')),
    secrets: FileSecretStore.inFolder(folder),
    userData: folder,
    embeddedSandbox: true
  })
  dispatch = createDispatcher(services.handlers)
})
afterAll(() => services.dispose())

describe('the app on its built-in Sandbox', () => {
  it('lists the Sandbox pair as ready-made connections, without secrets', async () => {
    const { connections } = await ok('connections/list', {})
    const sandbox = connections.filter((c: any) => c.profile.source === 'sandbox')
    expect(sandbox.map((c: any) => [c.profile.system, c.profile.name])).toEqual([
      ['dynamics', 'Sandbox'],
      ['campaign', 'Sandbox']
    ])
    expect(JSON.stringify(connections)).not.toMatch(/clientSecret"\s*:/)
  })

  it('tests both Sandbox connections: sign in, metadata, row count', async () => {
    for (const id of ['sandbox-dynamics', 'sandbox-campaign']) {
      const report = await ok('connections/test', { id })
      expect({ id, ok: report.ok, steps: report.steps.map((s: any) => s.step) }).toEqual({
        id,
        ok: true,
        steps: ['reach', 'signIn', 'metadata', 'count']
      })
    }
  })

  it('browses tables and resources, with every field of the contact table', async () => {
    const { tables } = await ok('schema/tables', { system: 'dynamics', connection: 'Sandbox' })
    expect(tables.map((t: any) => t.name)).toEqual(expect.arrayContaining(['contact', 'account']))
    const { table } = await ok('schema/table', { system: 'dynamics', connection: 'Sandbox', name: 'contact' })
    expect(table.fields.length).toBeGreaterThan(100)
    const gender = table.fields.find((f: any) => f.name === 'gendercode')
    expect(gender.options.length).toBeGreaterThanOrEqual(2)
    const { tables: resources } = await ok('schema/tables', { system: 'campaign', connection: 'Sandbox' })
    expect(resources.map((r: any) => r.name)).toContain('profile')
  })

  it('previews sample contacts through the mapping, showing the $filter sent to Dataverse', async () => {
    const { query, preview } = await ok('preview/records', { document, flowId: 'contacts', limit: 20 })
    expect(query.odataFilter).toContain('statecode eq 0')
    expect(preview.rows).toHaveLength(20)
    expect(preview.columns).toContain('email')
    const good = preview.rows.find((r: any) => r.status === 'ok')
    expect(good.cells.email.value).toMatch(/@/)
  })

  it('traces one record through every step, and plans a dry run without writing', async () => {
    const { preview } = await ok('preview/records', { document, flowId: 'contacts', limit: 5 })
    const key = preview.rows[0].key
    const { trace } = await ok('preview/trace', { document, flowId: 'contacts', key })
    expect(trace.key).toBe(key)
    expect(trace.fields.find((f: any) => f.target === 'email').steps.map((s: any) => s.fn)).toEqual(['trim', 'email'])
    const before = await campaignProfiles()
    const { dryRun } = await ok('preview/dryRun', { document, flowId: 'contacts', limit: 10 })
    expect(dryRun.counts.create + dryRun.counts.update + dryRun.counts.unchanged + dryRun.counts.skipped + dryRun.counts.error).toBe(10)
    // Nothing was written: every profile as it was, field by field (a count would miss an update).
    expect(before.length).toBeGreaterThan(0)
    expect(await campaignProfiles()).toEqual(before)
  })

  it("keeps a new connection's secret encrypted in main: never returned, never in a plain file", async () => {
    const secret = 'S3cr3t-value-that-must-stay-in-main'
    const { connection } = await ok('connections/create', {
      connection: {
        name: 'Contoso test',
        system: 'dynamics',
        environmentUrl: 'https://contoso.crm.dynamics.com',
        tenantId: 't',
        clientId: 'c',
        authMethod: 'clientSecret'
      },
      secret
    })
    expect(connection.hasSecret).toBe(true)
    expect(JSON.stringify(await ok('connections/list', {}))).not.toContain(secret)
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]))
    for (const file of files(folder)) expect({ file, leaks: readFileSync(file).includes(secret) }).toEqual({ file, leaks: false })
  })

  it('runs a dry run then a sync of the contacts flow from the app, with progress events, and keeps the history', async () => {
    const finish = (runKey: string) =>
      new Promise<any>((resolve) => {
        const progress: unknown[] = []
        const stop = services.events.subscribe((name, payload: any) => {
          if (payload.runKey !== runKey) return
          if (name === 'run/progress') progress.push(payload.event)
          if (name === 'run/finished') {
            stop()
            resolve({ ...payload, progress })
          }
        })
      })
    const dry = await ok('run/start', { document, flowIds: ['contacts'], dryRun: true })
    const planned = await finish(dry.runKey)
    expect(planned.error).toBeUndefined()
    expect(planned.result.flows[0]).toMatchObject({ flowId: 'contacts', dryRun: true, status: 'completed' })
    expect(planned.progress.some((e: any) => e.type === 'flowStarted')).toBe(true)
    const wouldCreate = planned.result.flows[0].counts.created
    expect(wouldCreate).toBeGreaterThan(0)

    const real = await ok('run/start', { document, flowIds: ['contacts'], dryRun: false })
    const done = await finish(real.runKey)
    expect(done.result.flows[0].counts.created).toBe(wouldCreate)
    const { runs } = await ok('run/history', { flowId: 'contacts' })
    expect(runs.map((r: any) => r.dryRun)).toEqual([false, true])
    const { csv } = await ok('run/errorsCsv', { runId: runs[0].runId })
    expect(csv.split('\n')[0]).toMatch(/key/i)
  }, 60_000)

  it('a saved connection reconnects after a restart of the app, with its secret from the encrypted store', async () => {
    const campaign = services.sandbox.info()!.campaign
    const { connection } = await ok('connections/create', {
      connection: {
        name: 'Campaign (saved)',
        system: 'campaign',
        baseUrl: campaign.url,
        imsUrl: campaign.imsUrl,
        apiKey: campaign.clientId,
        scopes: campaign.scopes
      },
      secret: campaign.clientSecret
    })
    const id = connection.profile.id
    expect((await ok('connections/test', { id })).ok).toBe(true)

    // Restart: new services over the same user-data folder; the sandbox comes back from its snapshot.
    await services.dispose()
    services = createServices({
      mode: 'browser',
      store: jsonFileStore(join(folder, 'config.json')),
      secrets: FileSecretStore.inFolder(folder),
      userData: folder,
      embeddedSandbox: true
    })
    dispatch = createDispatcher(services.handlers)
    await ok('connections/list', {}) // waits for the sandbox
    const restarted = services.sandbox.info()!.campaign
    // The sandbox got a new port: point the saved profile at it, as a user would after moving a tenant.
    await ok('connections/update', { id, changes: { baseUrl: restarted.url, imsUrl: restarted.imsUrl } })
    const report = await ok('connections/test', { id })
    expect({ ok: report.ok, summary: report.summary }).toEqual({ ok: true, summary: expect.stringMatching(/^Connected/) })
  }, 60_000)

  it('explains a preview of a flow that does not exist', async () => {
    const result = await dispatch('preview/records', { document, flowId: 'nope', limit: 5 })
    expect(result).toEqual({ ok: false, error: { code: 'failed', message: 'There is no flow "nope" in this mapping.' } })
  })
})

describe('quitting right after launch', () => {
  it('closes the built-in sandbox even when it is still starting', async () => {
    const early = mkdtempSync(join(tmpdir(), 'sync-studio-quit-'))
    const quick = createServices({
      mode: 'browser',
      store: jsonFileStore(join(early, 'config.json')),
      secrets: FileSecretStore.inFolder(early),
      userData: early,
      embeddedSandbox: true
    })
    await quick.dispose() // no await on the start: dispose races it
    expect(quick.sandbox.info()).toBeUndefined()
    // The snapshot written on close proves the started sandbox was closed, not left running.
    expect(readdirSync(early)).toContain('sandbox-snapshot.json')
  })
})
