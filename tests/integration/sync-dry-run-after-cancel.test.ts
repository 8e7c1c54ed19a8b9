import { afterEach, describe, expect, it } from 'vitest'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

/**
 * After a canceled run the next real run resumes it and reports the whole run's counts (the
 * canceled attempt's creates included). A dry run then plans that resume, read only: from the
 * stopped run's checkpoint, with its counts and done records, in a journal of its own — so what
 * the plan says the run will create is what the run then says it created. (Before, the dry run
 * planned from the flow's last completed position: "would create 159, 55 unchanged", then the
 * run said "214 created, 0 unchanged".)
 */
describe('a dry run after a canceled run', () => {
  it('plans the counts the next run (a resume) then reports, and leaves the stopped run resumable', async () => {
    bench = await syncBench({ contacts: 240, profiles: 0, faults: { campaign: { latencyMs: 15 } } })
    const service = bench.service({ progressIntervalMs: 0, pageSize: 60 })
    const controller = new AbortController()
    const first = await service.run(contactsDocument, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'progress' && event.progress.counts.created >= 40 && !controller.signal.aborted) controller.abort()
      }
    })
    expect(first.flows[0].status).toBe('canceled')
    const canceledCreated = first.flows[0].counts.created
    expect(canceledCreated).toBeGreaterThan(0)

    const plan = (await service.run(contactsDocument, { dryRun: true, planLimit: 0 })).flows[0]
    expect(plan.resumedFrom).toBe(first.flows[0].runId)
    expect(plan.notices.join(' ')).toContain(`planned as the run will do it: resuming the incremental run ${first.flows[0].runId}`)
    // The plan wrote nothing: every record the canceled attempt did not write is still to create.
    expect(plan.counts.created).toBeGreaterThan(canceledCreated)
    const run = (await service.run(contactsDocument, {})).flows[0]
    expect(run.resumedFrom).toBe(first.flows[0].runId)
    // What the plan says the run will create is what the run then says it created.
    expect(plan.counts.created).toBe(run.counts.created)
    expect(plan.counts.unchanged).toBe(run.counts.unchanged)
  }, 90_000)
})
