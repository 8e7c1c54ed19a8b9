import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, ensureCliBuilt, journaledPages, root } from './fixtures/built-cli'

/**
 * `sync-studio run --sandbox` killed with SIGKILL in the middle of a run, then run again:
 * the second run resumes (the sandbox is restored from its snapshot in the journal folder;
 * its paging links do not survive a restart, so the flow falls back to a full resync that
 * finds the records already written unchanged), and the target ends equal to what the
 * mapping asks for, each profile once.
 */
const mapping = join(root, 'examples/contacts.mapping.json')

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 40_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

let folder: string
beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'sync-cli-kill-'))
}, 120_000)
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('sync-studio run, killed and run again', () => {
  it('resumes after SIGKILL and ends with every profile written once', async () => {
    const journal = join(folder, 'journal')
    const child = spawn(process.execPath, [bin, 'run', mapping, '--sandbox', '--journal', journal, '--contacts', '400', '--latency', '3'], {
      cwd: root
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const exited = new Promise<void>((done) => child.on('exit', () => done()))
    const deadline = Date.now() + 20_000
    while (journaledPages(journal) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(journaledPages(journal)).toBeGreaterThanOrEqual(4)
    child.kill('SIGKILL')
    await exited
    expect(out).not.toContain('Sync complete')

    const second = run(['run', mapping, '--sandbox', '--journal', journal, '--json'])
    expect(second.code, second.stderr).toBe(1) // malformed e-mails in the seed data fail, as they should
    const result = JSON.parse(second.stdout)
    expect(result.flows[0].status).toBe('completed')

    // A full dry run over the restored sandbox: nothing left to create or update.
    const check = run(['run', mapping, '--sandbox', '--journal', journal, '--json', '--dry-run', '--full'])
    const plan = JSON.parse(check.stdout).flows[0]
    // Nothing left to write; the records Campaign would refuse (malformed e-mails) fail in the
    // plan exactly as they failed in the run, before any write.
    expect(plan.counts.updated).toBe(0)
    expect(plan.counts.created).toBe(0)
    expect(plan.counts.failed).toBe(result.flows[0].counts.failed)
    expect(plan.counts.read).toBe(400)
    expect(plan.counts.unchanged + plan.counts.skipped + plan.counts.created + plan.counts.failed).toBe(400)
    expect(result.flows[0].notices.join('\n')).toMatch(/resum|full resync/)
    // Each Dynamics id is on one profile only (Campaign refuses a duplicate key; check anyway).
    const snapshot = JSON.parse(readFileSync(join(journal, 'sandbox.json'), 'utf8'))
    const keys = JSON.stringify(snapshot.campaign).match(/"cusDynamicsContactId":"[0-9a-f-]{36}"/g) ?? []
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.length).toBeGreaterThanOrEqual(plan.counts.unchanged)
  }, 60_000)
})
