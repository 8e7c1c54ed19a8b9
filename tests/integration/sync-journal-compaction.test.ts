import { statSync } from 'node:fs'
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
})
