import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, ensureCliBuilt, journaledPages, root, runCli as cli } from './fixtures/built-cli'

/**
 * A headless run with failed records said "the errors are in the run history" — which only the
 * app could show. `sync-studio history` lists a journal's runs and shows one run's failed
 * records, and exports them as the app's CSV; the run's summary names the command to type.
 */
let folder: string
beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'cli-history-'))
}, 120_000)
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('sync-studio history', () => {
  it("lists the runs, shows a run's failed records as the run counted them, and exports them", () => {
    const journal = join(folder, 'journal')
    const run = cli(['run', join(root, 'examples/contacts.mapping.json'), '--sandbox', '--journal', journal, '--contacts', '200'])
    expect(run.code, run.stderr).toBe(1) // malformed seed e-mails fail, as they should
    const said = /(\d+) record\(s\) failed — see them: sync-studio history (\S+) --journal (\S+)/.exec(run.stdout)
    expect(said, run.stdout).not.toBeNull()
    const [, failed, runId, named] = said!
    expect(named).toBe(journal)

    const list = cli(['history', '--journal', journal, '--json'])
    expect(list.code, list.stderr).toBe(0)
    const { runs } = JSON.parse(list.stdout)
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ runId, status: 'completed', errorCount: Number(failed), counts: { failed: Number(failed) } })

    const csv = join(folder, 'errors.csv')
    const one = cli(['history', runId, '--journal', journal, '--limit', '3', '--errors-csv', csv])
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toContain(`${failed} failed record(s), the first 3 (--limit N, or --errors-csv FILE for all):`)
    expect(one.stdout.split('\n').filter((line) => line.includes('email the target refuses'))).toHaveLength(3)
    expect(one.stdout).toContain(`--retry-failed ${runId}`)
    const rows = readFileSync(csv, 'utf8').trim().split('\r\n')
    expect(rows).toHaveLength(Number(failed) + 1)

    // A path no run used is said, not created; a run that is not there is said too.
    const missing = join(folder, 'no-journal')
    const wrong = cli(['history', '--journal', missing])
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain(`no run journal in ${missing}`)
    expect(existsSync(missing)).toBe(false)
    const unknown = cli(['history', '20261208T000000Z-contacts-000000', '--journal', journal])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('there is no run "20261208T000000Z-contacts-000000"')
  }, 120_000)

  it('leaves a run that another process is still writing as it is: running, not cut, not resumable', async () => {
    const journal = join(folder, 'live')
    const child = spawn(
      process.execPath,
      [bin, 'run', join(root, 'examples/contacts.mapping.json'), '--sandbox', '--journal', journal, '--contacts', '600', '--latency', '40'],
      { cwd: root }
    )
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    const deadline = Date.now() + 30_000
    while (journaledPages(journal) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const file = join(
      journal,
      'runs',
      readdirSync(join(journal, 'runs')).find((f) => f.endsWith('.jsonl'))!
    )
    const before = statSync(file).size
    const seen = cli(['history', '--journal', journal, '--json'])
    expect(seen.code, seen.stderr).toBe(0)
    const [live] = JSON.parse(seen.stdout).runs
    // Before, opening the journal took the live run for a crashed one: "interrupted", resumable, its file cut.
    expect(live).toMatchObject({ status: 'running', resumable: false })
    expect(statSync(file).size).toBeGreaterThanOrEqual(before)
    expect(await exited).toBeLessThanOrEqual(1)
    const after = JSON.parse(cli(['history', '--journal', journal, '--json']).stdout).runs[0]
    expect(after).toMatchObject({ runId: live.runId, status: 'completed' })
  }, 120_000)
})
