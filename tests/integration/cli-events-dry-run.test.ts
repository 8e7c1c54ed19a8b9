import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureCliBuilt, root, runCli } from './fixtures/built-cli'

/**
 * `run --dry-run --sandbox --events DIR` writes nothing: the sandbox's Campaign exports its
 * delivery logs into a scratch copy of DIR, not into DIR, and forgets it exported them — the
 * dry run wrote export files into DIR and marked the events exported, so the real run after it
 * found a header-only export and planned something else than it did.
 */
let folder: string
beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'cli-events-dry-run-'))
}, 120_000)
afterAll(() => rmSync(folder, { recursive: true, force: true }))

type Flow = { flowId: string; counts: Record<string, number> }

describe('sync-studio run --dry-run --sandbox --events DIR', () => {
  it('leaves DIR as it was, and the run after it does what it planned', () => {
    const mapping = join(root, 'examples/email-events.mapping.json')
    const journal = join(folder, 'journal')
    const events = join(folder, 'events')
    const args = ['run', mapping, '--sandbox', '--journal', journal, '--events', events, '--json']
    const plan = runCli([...args, '--dry-run'])
    expect(plan.stderr).toBe('')
    expect(existsSync(events) ? readdirSync(events) : []).toEqual([])
    const planned = (JSON.parse(plan.stdout) as { flows: Flow[] }).flows
    expect(planned.reduce((n, f) => n + f.counts.read, 0)).toBeGreaterThan(0)

    const run = runCli(args)
    expect(run.stderr).toBe('')
    expect(readdirSync(events).filter((f) => f.endsWith('.csv')).length).toBeGreaterThan(0)
    const ran = (JSON.parse(run.stdout) as { flows: Flow[] }).flows
    const counts = (flows: Flow[]) => flows.map((f) => [f.flowId, f.counts.read, f.counts.created, f.counts.skipped, f.counts.failed])
    expect(counts(ran)).toEqual(counts(planned))

    // A plan over a folder that holds exports (all read by the run): DIR is left as it was, and
    // the plan reads nothing new.
    const before = readdirSync(events).sort()
    const again = runCli([...args, '--dry-run'])
    expect(again.stderr).toBe('')
    expect(readdirSync(events).sort()).toEqual(before)
    expect((JSON.parse(again.stdout) as { flows: Flow[] }).flows.map((f) => f.counts.read)).toEqual(ran.map(() => 0))
  })
})
