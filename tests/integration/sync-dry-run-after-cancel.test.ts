import { afterEach, describe, expect, it } from 'vitest'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

/**
 * DEFECT (left failing on purpose, `it.fails`): after a canceled run, the next real run resumes
 * it and reports the whole run's counts (the canceled attempt's creates included), while a dry
 * run never resumes (sync-service.ts: `!dryRun && … resume`) and plans from the flow's last
 * completed position — the records the canceled attempt wrote come out "unchanged". Measured:
 * the plan said "would create 159, 55 unchanged", the run then said "214 created, 0 unchanged".
 * Fix: a dry run of a flow whose next run resumes plans that resume — from the stopped run's
 * checkpoint, with its counts, done records and deferred writes (read-only, in its own dry-run
 * journal) — and says so; or the run reports the resumed attempt's own counts beside the whole run's.
 */
describe('a dry run after a canceled run', () => {
  it.fails(
    'plans the counts the next run (a resume) then reports',
    async () => {
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
      const run = (await service.run(contactsDocument, {})).flows[0]
      expect(run.resumedFrom).toBe(first.flows[0].runId)
      // What the plan says the run will create is what the run then says it created.
      expect(plan.counts.created).toBe(run.counts.created)
      expect(plan.counts.unchanged).toBe(run.counts.unchanged)
    },
    90_000
  )
})
