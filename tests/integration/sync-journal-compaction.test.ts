import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * The journal does not grow with every run's records: after each sync the service compacts
 * the runs older than the newest `keepDetailedRuns` (default 20). A compacted run still lists
 * the same counts and errors, and retry still reads its failed keys; a run that can be
 * resumed is left whole (tests/unit/sync-runner-counts.test.ts, "compacting the journal").
 */

let bench: SyncBench
beforeAll(async () => {
  bench = await syncBench({ contacts: 60, profiles: 0 })
})
afterAll(() => bench.close())

describe('compaction after each sync', () => {
  it('keeps the newest runs whole and compacts the older ones; their history, errors and retry read the same', async () => {
    const service = bench.service({ keepDetailedRuns: 1 })
    const plan = await service.plan(contactsDocument, { full: true })
    const first = await service.run(contactsDocument, { full: true })
    const firstId = first.flows[0].runId!
    expect(first.flows[0].counts.failed).toBeGreaterThan(0) // the seed has bad e-mails
    const errorsBefore = await service.errors(firstId)
    const path = join(bench.folder, 'journal', 'runs', `${firstId}.jsonl`)
    const sizeBefore = statSync(path).size
    const retryBefore = await service.retryFailed(contactsDocument, firstId)

    const history = await service.history({ flowId: 'contacts' })
    expect(history.map((run) => run.runId)).toEqual([retryBefore.flows[0].runId, firstId, plan.flows[0].runId])
    expect(history.map((run) => run.compacted ?? false)).toEqual([false, true, true])
    expect(statSync(path).size).toBeLessThan(sizeBefore)
    expect(history[1].counts).toEqual(first.flows[0].counts)
    expect(await service.errors(firstId)).toEqual(errorsBefore)
    expect(history[1].errorCount).toBe(first.flows[0].counts.failed)
    // Retry of the compacted run reads the same keys.
    const retryAfter = await service.retryFailed(contactsDocument, firstId)
    expect(retryAfter.flows[0].counts.read).toBe(retryBefore.flows[0].counts.read)
  })

  it('a compaction that fails says so in the session and loses nothing; the next sync compacts', async () => {
    const service = bench.service({ keepDetailedRuns: 1 })
    const first = await service.run(contactsDocument, { full: true })
    const firstId = first.flows[0].runId!
    const path = join(bench.folder, 'journal', 'runs', `${firstId}.jsonl`)
    // The older run's file cannot be read this time (a directory stands in its place).
    renameSync(path, `${path}.aside`)
    mkdirSync(path)
    const notices: string[] = []
    const second = await service.run(contactsDocument, {
      full: true,
      onProgress: (event) => event.type === 'notice' && event.message.includes('compacted') && notices.push(event.message)
    })
    rmSync(path, { recursive: true })
    renameSync(`${path}.aside`, path)
    const said = expect.stringMatching(/^The journal of older runs could not be compacted \(.*EISDIR.*\)\. Nothing is lost/)
    expect(notices).toEqual([said])
    expect(second.flows[0].notices).toContainEqual(said)
    expect(second.status).toBe(first.status)
    const before = (await service.history({ flowId: 'contacts' })).find((run) => run.runId === firstId)
    expect(before?.compacted ?? false).toBe(false)
    expect(before?.counts).toEqual(first.flows[0].counts)

    const third = await service.run(contactsDocument, { full: true })
    expect(third.flows[0].notices.filter((n) => n.includes('compacted'))).toEqual([])
    const after = (await service.history({ flowId: 'contacts' })).find((run) => run.runId === firstId)
    expect(after?.compacted).toBe(true)
    expect(after?.counts).toEqual(first.flows[0].counts)
  })
})
