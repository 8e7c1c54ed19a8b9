import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { SyncJournal } from '../../src/main/sync/journal'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * The delete guard and honest counts on the command line, over real HTTP against the
 * built-in sandbox (the built CLI, `--sandbox`): a filter that matches nothing with "delete
 * when filtered out" is refused before the first delete (even with --allow-deletes); a
 * filter that drops a large share stops the run and says how many; `--allow-deletes N`
 * resumes it and deletes exactly N. Every summary adds up.
 */

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

let folder: string
let journal: string
const example = JSON.parse(readFileSync(join(root, 'examples/contacts.mapping.json'), 'utf8'))

function mappingWith(filter: unknown, name: string): string {
  const doc = structuredClone(example)
  doc.flows[0].filter = filter
  doc.flows[0].deletes = { applySourceDeletes: true, deleteWhenFilteredOut: true }
  const file = join(folder, `${name}.mapping.json`)
  writeFileSync(file, JSON.stringify(doc, null, 2))
  return file
}

/** Campaign's records as the sandbox saved them: every profile with every field. */
function campaignRecords(): unknown {
  const saved = JSON.parse(readFileSync(join(journal, 'sandbox.json'), 'utf8'))
  if (!saved.campaign?.tables) throw new Error('the sandbox snapshot has no Campaign tables')
  return saved.campaign.tables
}

function profiles(): number {
  const snapshot = readFileSync(join(journal, 'sandbox.json'), 'utf8')
  return new Set(snapshot.match(/"cusDynamicsContactId":"[0-9a-f-]{36}"/g) ?? []).size
}

beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'sync-guard-'))
  journal = join(folder, 'journal')
}, 120_000)
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('sync-studio run: guarded deletes', () => {
  it('loads, refuses a filter that matches nothing, stops a large delete, then deletes exactly the confirmed count', async () => {
    const load = run([
      'run',
      join(root, 'examples/contacts.mapping.json'),
      '--sandbox',
      '--journal',
      journal,
      '--contacts',
      '300',
      '--json'
    ])
    expect(load.code, load.stderr).toBeLessThanOrEqual(1) // malformed seed e-mails fail, as they should
    const loaded = JSON.parse(load.stdout).flows[0]
    expect(countsAddUp(loaded.counts)).toBe(true)
    const before = profiles()
    expect(before).toBeGreaterThanOrEqual(loaded.counts.created)
    expect(before).toBeGreaterThan(150)
    const recordsBefore = campaignRecords()

    // A filter that keeps nothing (a value nobody has): refused outright, even with deletes allowed.
    const nothing = mappingWith({ field: 'lastname', op: 'eq', value: 'no-such-name-zz' }, 'nothing')
    const refused = run(['run', nothing, '--sandbox', '--journal', journal, '--full', '--allow-deletes', '100000'])
    expect(refused.code).toBe(2)
    expect(refused.stdout).toMatch(/kept none of the 300 records read/)
    expect(refused.stdout).toMatch(/Nothing was deleted/)
    // Nothing was written at all: not a delete, and not an update either (the same count would hide one).
    expect(campaignRecords()).toEqual(recordsBefore)

    // A filter that drops about half: more than 10 % → stopped before the first delete, with the count.
    const half = mappingWith({ field: 'gendercode', op: 'eq', value: 1 }, 'half')
    const stopped = run(['run', half, '--sandbox', '--journal', journal, '--full', '--json'])
    expect(stopped.code).toBe(2)
    const guarded = JSON.parse(stopped.stdout).flows[0]
    expect(guarded.status).toBe('failed')
    expect(guarded.error.code).toBe('tooManyDeletes')
    expect(guarded.deleteGuard.verdict).toBe('confirm')
    const deletes: number = guarded.deleteGuard.deletes
    expect(deletes).toBeGreaterThan(before * 0.1)
    expect(guarded.error.message).toContain(`--allow-deletes ${deletes}`)
    expect(guarded.counts.deferred).toBe(deletes)
    expect(countsAddUp(guarded.counts)).toBe(true)
    // Creates and updates went ahead; not one delete.
    const afterStop = profiles()
    expect(afterStop).toBe(before + guarded.counts.created)

    // The plan says the same before anything runs.
    const plan = JSON.parse(run(['run', half, '--sandbox', '--journal', journal, '--json', '--dry-run', '--full']).stdout).flows[0]
    expect(plan.deleteGuard).toMatchObject({ verdict: 'confirm', deletes })
    // A plan of the stopped run's resume, and the summary says so.
    expect(run(['run', half, '--sandbox', '--journal', journal, '--dry-run', '--full']).stdout).toContain(
      `, planned as a resume of run ${guarded.runId})`
    )

    // Confirming the count resumes the stopped run and deletes exactly that many.
    const confirmed = run(['run', half, '--sandbox', '--journal', journal, '--full', '--allow-deletes', String(deletes), '--json'])
    expect(confirmed.code, confirmed.stderr).toBeLessThanOrEqual(1)
    const done = JSON.parse(confirmed.stdout).flows[0]
    expect(done.status).toBe('completed')
    expect(done.resumedFrom).toBe(guarded.runId)
    expect(done.counts.deleted).toBe(deletes)
    expect(countsAddUp(done.counts)).toBe(true)
    expect(profiles()).toBe(afterStop - deletes)

    // The history: the stopped run is no longer resumable (it completed), the dry run is a plan.
    const history = await (await SyncJournal.open(journal)).list()
    expect(history.filter((r) => r.dryRun).length).toBeGreaterThan(0)
    expect(history.filter((r) => r.dryRun).every((r) => r.status === 'completed' && !r.resumable)).toBe(true)
    expect(history.find((r) => r.runId === guarded.runId)).toMatchObject({ status: 'completed', resumable: false })
  }, 180_000)
})
