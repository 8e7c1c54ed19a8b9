import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureCliBuilt, root, runCli } from './fixtures/built-cli'

/**
 * `run --dry-run --json` is the plan for tools (a CI gate, a review script): it holds every
 * planned change up to 1000 per flow (docs/cli.md), while the text summary lists the first 20.
 * It gave 20 of 500 with `truncated: true`, although the text said "--json for the whole plan".
 */

const run = runCli

const mapping = join(root, 'examples/contacts.mapping.json')
let journal: string
beforeAll(() => {
  ensureCliBuilt()
  journal = mkdtempSync(join(tmpdir(), 'cli-dry-run-json-'))
}, 120_000)
afterAll(() => rmSync(journal, { recursive: true, force: true }))

describe('sync-studio run --dry-run --json', () => {
  it('holds every planned change of a flow (up to 1000), as many as its counts', () => {
    const plan = run(['run', mapping, '--sandbox', '--journal', journal, '--dry-run', '--json'])
    const [flow] = JSON.parse(plan.stdout).flows as Array<{
      counts: Record<string, number>
      plan: { entries: Array<{ action: string }>; truncated: boolean }
    }>
    const c = flow!.counts
    const decided = c.created + c.updated + c.unchanged + c.skipped + c.failed + c.deleted
    expect(c.read).toBeGreaterThan(20)
    expect(decided).toBeLessThanOrEqual(1000)
    expect(flow!.plan.truncated).toBe(false)
    const count = (action: string) => flow!.plan.entries.filter((e) => e.action === action).length
    expect({ create: count('create'), update: count('update'), delete: count('delete'), error: count('error') }).toEqual({
      create: c.created,
      update: c.updated,
      delete: c.deleted,
      error: c.failed
    })
  })

  it('keeps the text summary short, and --plan-limit still bounds the JSON', () => {
    const text = run(['run', mapping, '--sandbox', '--journal', journal, '--dry-run'])
    expect(text.stdout).toMatch(/… \d+ more change\(s\) \(--plan-limit N, or --json for the whole plan\)/)
    const bounded = run(['run', mapping, '--sandbox', '--journal', journal, '--dry-run', '--json', '--plan-limit', '5'])
    const [flow] = JSON.parse(bounded.stdout).flows as Array<{ plan: { entries: unknown[]; truncated: boolean } }>
    expect(flow!.plan.truncated).toBe(true)
    expect(flow!.plan.entries.length).toBeLessThanOrEqual(10) // 5 changes and up to 5 deletes
  })
})
