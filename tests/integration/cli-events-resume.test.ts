import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bin, ensureCliBuilt, journaledPages, root, runCli as run } from './fixtures/built-cli'
import { syncBench } from './fixtures/sync-flow-sandbox'
import { ProfileHistorySource } from '../../src/main/sync/flows/events-source'
import { SyncFatalError } from '../../src/main/sync/ports'

/**
 * The events job reading each profile's marketing history, stopped with Ctrl+C and run again in
 * a new process: the run resumes where it stood. It kept Campaign's `next` link as Campaign
 * returned it — with the sandbox's port, which changes with each process — so every later run
 * failed on a refused connection and skipped the other events flows until a `--full` run. The
 * position is now kept relative to the connection's base, and a stored link Campaign no longer
 * answers starts a full read instead of failing the flow. (Its plan, with `--deliveries`, kept
 * the deliveries it planned in the sandbox, so the run after it did more than planned.)
 */
const contacts = join(root, 'examples/contacts.mapping.json')
const events = join(root, 'examples/email-events.mapping.json')

let folder: string
beforeAll(() => {
  ensureCliBuilt()
  folder = mkdtempSync(join(tmpdir(), 'cli-events-resume-'))
}, 120_000)
afterAll(() => rmSync(folder, { recursive: true, force: true }))

describe('sync-studio run: events from the marketing history, Ctrl+C, then the same command', () => {
  it('resumes in the next process and ends where one uninterrupted run would', async () => {
    const journal = join(folder, 'journal')
    expect(run(['run', contacts, '--sandbox', '--journal', journal, '--contacts', '600']).code).toBeLessThanOrEqual(1)
    // The plan of three new deliveries keeps none of them (a dry run writes nothing): the run makes the same three.
    const planned = run(['run', events, '--sandbox', '--journal', journal, '--flow', 'sends', '--deliveries', '3', '--dry-run', '--json'])
    expect(planned.stderr).toContain('For this plan only: none is kept')
    const plan = JSON.parse(planned.stdout).flows[0]
    expect(plan.counts.created).toBeGreaterThan(200)

    const child = spawn(
      process.execPath,
      [bin, 'run', events, '--sandbox', '--journal', journal, '--flow', 'sends', '--deliveries', '3', '--latency', '40'],
      { cwd: root }
    )
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    const deadline = Date.now() + 30_000
    while (journaledPages(journal, 'sends') < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT')
    expect(await exited).toBe(2)

    const second = run(['run', events, '--sandbox', '--journal', journal, '--flow', 'sends', '--json'])
    const flow = JSON.parse(second.stdout).flows[0]
    expect(flow.status, second.stdout.slice(0, 2000)).toBe('completed')
    expect(flow.resumedFrom).toBeDefined()
    // The resumed run's counts are the whole run's: what the plan said one run would create.
    expect(flow.counts.created).toBe(plan.counts.created)
  }, 180_000)
})

describe('a stored profile page Campaign no longer answers', () => {
  it('is an expired position (the service then reads everything again), not a failed flow', async () => {
    const bench = await syncBench({ contacts: 20, profiles: 0 })
    try {
      const campaign = await bench.connections.campaign('Sandbox')
      const source = new ProfileHistorySource(campaign, 'send', 'incremental')
      // Campaign's `_lineStart` is opaque: a token it did not issue (or no longer honours) is refused.
      const stale = campaign.positionOf(campaign.resolve('profileAndServicesExt/profile?_lineCount=10&_lineStart=@expired'))
      expect(stale).toMatch(/^\/.*profileAndServicesExt\/profile\?/)
      const pages = source.pages({ t: 'history', next: stale, until: new Date().toISOString() }, new AbortController().signal)
      const error = await (async () => {
        for await (const _page of pages) return undefined
      })().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SyncFatalError)
      expect((error as SyncFatalError).code).toBe('cursorExpired')
    } finally {
      await bench.close()
    }
  })
})
