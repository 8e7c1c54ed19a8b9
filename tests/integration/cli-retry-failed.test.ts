import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { ensureCliBuilt, root, runCli } from './fixtures/built-cli'

/**
 * `sync-studio run --retry-failed RUN`: "Retry failed records" on the command line, over real
 * HTTP against the built-in sandbox (the built CLI, `--sandbox`, its snapshot kept in the
 * journal folder between the two commands). The retry reads only the records the run's errors
 * list — failed, or with no answer from Dynamics (outcome unknown) — each looked up by key.
 */

const run = runCli

const mapping = join(root, 'tests/fixtures/mappings/good/contacts-to-profiles.json')
let journal: string

beforeAll(() => {
  ensureCliBuilt()
  journal = mkdtempSync(join(tmpdir(), 'cli-retry-failed-'))
}, 120_000)
afterAll(() => rmSync(journal, { recursive: true, force: true }))

describe('sync-studio run --retry-failed', () => {
  it('runs only the records in a run’s errors, by key, as a retry run of its flow', () => {
    const first = run(['run', mapping, '--sandbox', '--journal', journal, '--json'])
    expect(first.code, first.stderr).toBe(1)
    const flow = JSON.parse(first.stdout).flows[0]
    expect(flow.counts.failed).toBeGreaterThan(0)
    expect(flow.counts.unknown).toBe(0)

    const retry = run(['run', mapping, '--sandbox', '--journal', journal, '--retry-failed', flow.runId, '--json'])
    const result = JSON.parse(retry.stdout)
    expect(result.flows).toHaveLength(1)
    const retried = result.flows[0]
    expect(retried).toMatchObject({ flowId: flow.flowId, mode: 'retry' })
    // The same records, read again by key: they fail for the same reasons, nothing else is read.
    expect(retried.counts.read).toBe(flow.counts.failed)
    expect(retried.counts.failed).toBe(flow.counts.failed)
    expect(countsAddUp(retried.counts)).toBe(true)
    expect(retry.code).toBe(1)

    // The text summary names the run; --flow and --full make no sense with it.
    const text = run(['run', mapping, '--sandbox', '--journal', journal, '--retry-failed', flow.runId])
    expect(text.stdout).toMatch(new RegExp(`${flow.flowId}: completed \\(run .+\\)`))
    expect(text.stdout).toContain(`${flow.counts.failed} read`)
    const refused = run(['run', mapping, '--sandbox', '--journal', journal, '--retry-failed', flow.runId, '--full'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('--retry-failed')
  }, 240_000)
})
