import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type RunningSandbox } from '../../src/main/sandbox'
import { ConnectionService } from '../../src/main/connections/connection-service'
import { MemorySecretStore } from '../../src/main/workspace/secrets'
import { MemoryStore } from '../../src/main/workspace/store'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * `sync-studio run --shard i/4`, four processes at once against one sandbox served over
 * HTTP, connected through the environment variables a container would get
 * (docs/connections.md): their union equals one unsharded run on a fresh sandbox of the same
 * seed, no record is written twice (the journals of the four shards are disjoint), a second
 * sharded pass changes nothing, and deletes in Dynamics are applied once, by the shard that
 * owns the record. The `--log json` lines are JSON, without ANSI codes or secrets.
 */
const mapping = join(root, 'examples/contacts.mapping.json')
const options = { port: 0, seed: 7, contacts: 160, profiles: 5 }

let folder: string
const sandboxes: RunningSandbox[] = []

beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'sync-cli-shards-'))
}, 120_000)
afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.close()
  rmSync(folder, { recursive: true, force: true })
})

/** The environment pair, named "Sandbox" as the mapping names its connections. */
function environment(sandbox: RunningSandbox, userData: string): NodeJS.ProcessEnv {
  const { dynamics, campaign } = sandbox.info
  const ca = join(folder, `authority-${sandboxes.indexOf(sandbox)}.pem`)
  writeFileSync(ca, dynamics.ca)
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(env)) if (name.startsWith('SYNC_STUDIO_')) delete env[name]
  return {
    ...env,
    SYNC_STUDIO_USER_DATA: userData,
    SYNC_STUDIO_DYNAMICS_NAME: 'Sandbox',
    SYNC_STUDIO_DYNAMICS_URL: new URL(dynamics.url).origin,
    SYNC_STUDIO_DYNAMICS_API_URL: dynamics.url,
    SYNC_STUDIO_DYNAMICS_TENANT_ID: dynamics.tenantId,
    SYNC_STUDIO_DYNAMICS_CLIENT_ID: dynamics.clientId,
    SYNC_STUDIO_DYNAMICS_CLIENT_SECRET: dynamics.clientSecret,
    SYNC_STUDIO_DYNAMICS_AUTHORITY: dynamics.authority,
    SYNC_STUDIO_DYNAMICS_CA_FILE: ca,
    SYNC_STUDIO_CAMPAIGN_NAME: 'Sandbox',
    SYNC_STUDIO_CAMPAIGN_URL: campaign.url,
    SYNC_STUDIO_CAMPAIGN_IMS_URL: campaign.imsUrl,
    SYNC_STUDIO_CAMPAIGN_CLIENT_ID: campaign.clientId,
    SYNC_STUDIO_CAMPAIGN_CLIENT_SECRET: campaign.clientSecret,
    SYNC_STUDIO_CAMPAIGN_SCOPES: campaign.scopes.join(',')
  }
}

interface Finished {
  code: number | null
  lines: Array<Record<string, unknown>>
  stdout: string
  stderr: string
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGTERM'), 90_000)
    child.on('error', fail)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      done({ code, lines, stdout, stderr })
    })
  })
}

/** The four shards at once; each result's flow.end line. */
async function shardedPass(env: NodeJS.ProcessEnv, journal: string, extra: string[] = []): Promise<Finished[]> {
  const runs = await Promise.all(
    [1, 2, 3, 4].map((i) => cli(['run', mapping, '--shard', `${i}/4`, '--journal', journal, '--log', 'json', ...extra], env))
  )
  for (const run of runs) expect(run.lines.at(-1)?.event, run.stderr).toBe('run.end')
  return runs
}

function flowEnd(run: Finished): { counts: Record<string, number>; shardRecords: number; sourceRecords: number; status: string } {
  return run.lines.find((l) => l.event === 'flow.end') as never
}

/** Writes per key, from a journal folder's run files: created, updated and deleted outcomes. */
function writesByKey(journal: string): Map<string, number> {
  const out = new Map<string, number>()
  const runs = join(journal, 'runs')
  if (!existsSync(runs)) return out
  for (const file of readdirSync(runs)) {
    for (const line of readFileSync(join(runs, file), 'utf8').split('\n')) {
      if (!line.includes('"t":"outcomes"')) continue
      const entry = JSON.parse(line).e as { items: Array<{ k?: string; o: string }> }
      for (const item of entry.items)
        if (item.k && ['created', 'updated', 'deleted'].includes(item.o)) out.set(item.k, (out.get(item.k) ?? 0) + 1)
    }
  }
  return out
}

/** Campaign's profiles that carry a Dynamics id, as the mapping writes them (no PKey, no dates). */
async function profiles(sandbox: RunningSandbox): Promise<Map<string, string>> {
  const info = sandbox.info
  const connections = new ConnectionService({ store: new MemoryStore(), secrets: new MemorySecretStore(), env: {}, sandbox: () => info })
  const out = new Map<string, string>()
  try {
    const campaign = await connections.campaign('Sandbox')
    for await (const page of campaign.profiles({ pageSize: 500 })) {
      for (const p of page.records) {
        const key = p.cusDynamicsContactId
        if (typeof key !== 'string' || !key) continue
        expect(out.has(key), `two profiles for ${key}`).toBe(false)
        const location = (p.location ?? {}) as Record<string, unknown>
        out.set(key, JSON.stringify([p.email, p.firstName, p.lastName, p.gender, location.city ?? null, p.externalId]))
      }
    }
  } finally {
    await connections.dispose()
  }
  return out
}

describe('sync-studio run --shard i/n: four shards at once', () => {
  it('together do what one run does, each record once, and a second pass changes nothing', async () => {
    const shared = await startSandbox(options)
    sandboxes.push(shared)
    const env = environment(shared, join(folder, 'user-data'))
    const journal = join(folder, 'journal')

    const first = await shardedPass(env, journal)
    const ends = first.map(flowEnd)
    for (const end of ends) {
      expect(end.status).toBe('completed')
      // Each shard read the whole table and counted only its share as work.
      expect(end.sourceRecords).toBe(160)
      expect(end.shardRecords).toBe(end.counts.read)
      expect(end.counts.read).toBeGreaterThan(10)
      expect(end.counts.read).toBeLessThan(80)
    }
    expect(ends.reduce((n, e) => n + e.counts.read, 0)).toBe(160)

    // Each shard has its own journal folder; no key is written by two shards, none twice.
    const perShard = [1, 2, 3, 4].map((i) => writesByKey(join(journal, `shard-${i}-of-4`)))
    const all = new Map<string, number>()
    for (const writes of perShard) for (const [key, n] of writes) all.set(key, (all.get(key) ?? 0) + n)
    expect([...all.values()].every((n) => n === 1)).toBe(true)
    expect(all.size).toBe(perShard.reduce((n, w) => n + w.size, 0))
    expect(all.size).toBe(ends.reduce((n, e) => n + e.counts.created + e.counts.updated, 0))

    // One unsharded run on a fresh sandbox of the same seed: the same target records, the same counts.
    const fresh = await startSandbox(options)
    sandboxes.push(fresh)
    const whole = await cli(
      ['run', mapping, '--journal', join(folder, 'whole'), '--log', 'json'],
      environment(fresh, join(folder, 'user-data-2'))
    )
    const wholeEnd = flowEnd(whole)
    for (const name of ['read', 'created', 'updated', 'skipped', 'failed', 'filteredOut'])
      expect(
        ends.reduce((n, e) => n + e.counts[name], 0),
        name
      ).toBe(wholeEnd.counts[name])
    const sharded = await profiles(shared)
    expect(sharded.size).toBeGreaterThan(100)
    expect(sharded).toEqual(await profiles(fresh))

    // A second sharded pass: nothing to write; and a full one finds every record unchanged.
    for (const extra of [[], ['--full']]) {
      const again = (await shardedPass(env, journal, extra)).map(flowEnd)
      for (const end of again) expect(end.counts).toMatchObject({ created: 0, updated: 0, deleted: 0 })
      if (extra.length) expect(again.reduce((n, e) => n + e.counts.read, 0)).toBe(160)
    }
    expect(await profiles(shared)).toEqual(sharded)

    // Deleted in Dynamics: each profile deleted once, by the shard that owns its contact.
    const connections = new ConnectionService({
      store: new MemoryStore(),
      secrets: new MemorySecretStore(),
      env: {},
      sandbox: () => shared.info
    })
    const gone = [...sharded.keys()].slice(0, 8)
    try {
      const dynamics = await connections.dynamics('Sandbox')
      for (const id of gone) await dynamics.delete('contact', id)
    } finally {
      await connections.dispose()
    }
    // (Confirmed: 8 of ~130 is under the guard overall, but one shard's share may be over its 10 %.)
    const deletes = (await shardedPass(env, journal, ['--allow-deletes', '8'])).map(flowEnd)
    expect(
      deletes.reduce((n, e) => n + e.counts.deleted, 0),
      JSON.stringify(deletes)
    ).toBe(8)
    const after = await profiles(shared)
    for (const id of gone) expect(after.has(id)).toBe(false)
    expect(after.size).toBe(sharded.size - 8)
    const deletedBy = [1, 2, 3, 4].map((i) =>
      [...writesByKey(join(journal, `shard-${i}-of-4`)).entries()].filter(([k]) => gone.includes(k))
    )
    expect(
      deletedBy
        .flat()
        .map(([k]) => k)
        .sort()
    ).toEqual([...gone].sort())

    // The log: JSON lines, no terminal codes, no credential.
    const secrets = [shared.info.dynamics.clientSecret, shared.info.campaign.clientSecret]
    for (const run of [...first, whole]) {
      expect(run.stdout).not.toContain(String.fromCharCode(27))
      for (const secret of secrets) {
        expect(run.stdout).not.toContain(secret)
        expect(run.stderr).not.toContain(secret)
      }
      expect(run.lines.every((l) => typeof l.event === 'string' && typeof l.at === 'string')).toBe(true)
    }
    expect(first[1].lines.every((l) => l.shard === '2/4')).toBe(true)
  }, 420_000)

  it('log a refused sign-in as JSON lines without the secret that was refused', async () => {
    const sandbox = await startSandbox({ ...options, contacts: 20 })
    sandboxes.push(sandbox)
    const wrong = 'wrong-secret-Kq93xZt81LmW'
    const env = { ...environment(sandbox, join(folder, 'user-data-3')), SYNC_STUDIO_CAMPAIGN_CLIENT_SECRET: wrong }
    const run = await cli(['run', mapping, '--shard', '3/4', '--journal', join(folder, 'refused'), '--log', 'json'], env)
    expect(run.code).toBe(2)
    const failure = run.lines.find((l) => l.event === 'run.failed' || (l.event === 'flow.end' && l.status === 'failed'))
    expect(failure, run.stdout + run.stderr).toBeDefined()
    expect(JSON.stringify(failure)).toMatch(/Campaign|IMS|secret|credential|401|unauthori[sz]ed/i)
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(wrong)
      expect(text).not.toContain(sandbox.info.dynamics.clientSecret)
    }
    expect(run.lines.every((l) => l.shard === '3/4')).toBe(true)
  }, 120_000)
})
