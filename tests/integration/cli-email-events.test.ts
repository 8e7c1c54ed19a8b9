import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSandbox, type RunningSandbox } from '../../src/main/sandbox'
import { ConnectionService } from '../../src/main/connections/connection-service'
import { MemorySecretStore } from '../../src/main/workspace/secrets'
import { MemoryStore } from '../../src/main/workspace/store'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * The events job as a user shows it: a fresh sandbox already has a marketing history
 * (seeded deliveries to a share of its profiles), and `sync-studio run
 * examples/email-events.mapping.json --sandbox` turns it into Dynamics activities on the
 * contacts' timelines — with no export folder and no code. `--deliveries N` adds more.
 */

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[]): Promise<Outcome> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t))
  child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t))
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })))
}

interface FlowSummary {
  flowId: string
  status: string
  counts: { read: number; created: number; updated: number; unchanged: number; skipped: number; failed: number }
}

let journal: string
beforeAll(async () => {
  ensureCliBuilt()
  journal = await mkdtemp(join(tmpdir(), 'cli-events-'))
}, 120_000)
afterAll(() => rm(journal, { recursive: true, force: true }))

describe('sync-studio run examples/email-events.mapping.json --sandbox', () => {
  it('creates activities from the seeded history of a fresh sandbox, then from new deliveries', async () => {
    const mapping = join(root, 'examples/email-events.mapping.json')
    const first = await cli(['run', mapping, '--sandbox', '--journal', journal, '--json'])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const flows = (JSON.parse(first.stdout.trim().split('\n').pop()!) as { flows: FlowSummary[] }).flows
    const byId = new Map(flows.map((f) => [f.flowId, f]))
    for (const id of ['sends', 'opens', 'clicks', 'bounces']) {
      const flow = byId.get(id)!
      expect(flow.status).toBe('completed')
      expect(flow.counts.failed).toBe(0)
      // Every event read is accounted for: written, or skipped for a profile without a contact id (none: only linked profiles are read).
      expect(flow.counts.created + flow.counts.skipped + flow.counts.unchanged).toBe(flow.counts.read)
    }
    expect(byId.get('sends')!.counts.created).toBeGreaterThan(0)
    expect(byId.get('opens')!.counts.created).toBeGreaterThan(0)
    expect(byId.get('clicks')!.counts.created).toBeGreaterThan(0)

    // The activities are in Dynamics, each regarding a contact that exists: read the saved sandbox back.
    const sandbox: RunningSandbox = await startSandbox({ port: 0, snapshotFile: join(journal, 'sandbox.json') })
    const connections = new ConnectionService({
      store: new MemoryStore(),
      secrets: new MemorySecretStore(),
      env: {},
      sandbox: () => sandbox.info
    })
    try {
      const dynamics = await connections.dynamics('Sandbox')
      const sent: Array<Record<string, unknown>> = []
      for await (const row of dynamics.records('new_emailsend', { select: ['new_externaleventid', '_regardingobjectid_value'] }))
        sent.push(row)
      expect(sent.length).toBe(byId.get('sends')!.counts.created)
      expect(new Set(sent.map((a) => a.new_externaleventid)).size).toBe(sent.length)
      const contact = String(sent[0]._regardingobjectid_value)
      expect(
        (await dynamics.query('contact', { filter: `contactid eq ${contact}`, select: ['contactid'] }).next()).value!.records
      ).toHaveLength(1)
    } finally {
      await connections.dispose()
      await sandbox.close()
    }

    // Nothing new: the events of the last days are read again (late tracking logs) but nothing is written twice.
    const again = await cli(['run', mapping, '--sandbox', '--journal', journal, '--json', '--flow', 'sends'])
    expect(again.code).toBe(0)
    const repeat = (JSON.parse(again.stdout.trim().split('\n').pop()!) as { flows: FlowSummary[] }).flows[0].counts
    expect(repeat.created + repeat.updated + repeat.failed).toBe(0)
    // One new delivery: only its sends are created.
    const more = await cli(['run', mapping, '--sandbox', '--journal', journal, '--deliveries', '1', '--flow', 'sends', '--json'])
    expect(more.code).toBe(0)
    expect(more.stderr).toMatch(/Campaign: 1 new email delivery simulated — \d+ events/)
    const added = (JSON.parse(more.stdout.trim().split('\n').pop()!) as { flows: FlowSummary[] }).flows[0].counts
    expect(added.created).toBeGreaterThan(0)
    expect(added.updated + added.failed).toBe(0)
  }, 180_000)

  it('refuses --deliveries without --sandbox, with a clear message', async () => {
    const result = await cli(['run', join(root, 'examples/email-events.mapping.json'), '--deliveries', '2'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--deliveries .* use them with --sandbox/)
  })
})
