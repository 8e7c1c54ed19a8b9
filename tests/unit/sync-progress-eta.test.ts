// The time left a run shows (src/main/sync/progress.ts) is a promise: it must be close to what
// is then left, from its first estimate on — also when a page's skipped and failed records
// finish the moment it is read, while its writes take their time.
import { describe, expect, it } from 'vitest'
import { ProgressMeter, type RunProgress } from '../../src/main/sync/progress'
import { zeroCounts } from '../../src/shared/run-counts'

describe('the time left', () => {
  it('is close to what is left from its first estimate, after a burst of records that need no write', () => {
    let now = 0
    const events: RunProgress[] = []
    const counts = zeroCounts()
    const meter = new ProgressMeter(
      { now: () => now, sleep: async () => undefined },
      0,
      (p) => events.push(p),
      () => ({ runId: 'r', flowId: 'f', phase: 'writing', dryRun: false, counts: { ...counts }, total: 500, pages: 0 }),
      0
    )
    meter.flush()
    // The first page: 72 records skipped or failed at once, the rest written at 70 records a second.
    now = 327
    counts.read = 500
    counts.skipped = 61
    counts.failed = 11
    counts.pending = 428
    meter.flush()
    const writeRate = 70 / 1000
    const shown: Array<{ at: number; eta: number; truth: number }> = []
    for (now = 400; now <= 6400; now += 100) {
      const written = Math.min(428, Math.floor((now - 327) * writeRate))
      counts.created = written
      counts.pending = 428 - written
      meter.flush()
      const eta = events.at(-1)!.etaMs
      if (eta !== undefined) shown.push({ at: now, eta, truth: (428 - written) / writeRate })
    }
    meter.stop()
    // No estimate before a second of writes was measured; then every one within 15 % of the truth.
    expect(shown[0].at).toBeGreaterThanOrEqual(1327)
    expect(shown.length).toBeGreaterThan(40)
    for (const { at, eta, truth } of shown.filter((s) => s.truth > 500))
      expect(Math.abs(eta - truth) / truth, `at ${at} ms`).toBeLessThan(0.15)
  })
})

/** A meter over a run of `total` records whose clock and phase the test moves. */
function metered(total: number) {
  const run = { now: 0, phase: 'writing' as RunProgress['phase'] }
  const events: RunProgress[] = []
  const counts = zeroCounts()
  counts.read = total
  const meter = new ProgressMeter(
    { now: () => run.now, sleep: async () => undefined },
    0,
    (p) => events.push(p),
    () => ({ runId: 'r', flowId: 'f', phase: run.phase, dryRun: false, counts: { ...counts }, total, pages: 0 }),
    0
  )
  return { run, events, counts, meter }
}

describe('in a retry pass', () => {
  // 18 records waited for their parent: the bar stood at 88 % saying "about 185 ms left" for 2 s, while nothing was sent.
  it('says no time left: what is left waits for the pass, not for the rate measured', () => {
    const { run, events, counts, meter } = metered(150)
    for (run.now = 0; run.now <= 2000; run.now += 100) {
      counts.created = Math.min(132, Math.floor(run.now / 15))
      counts.pending = 150 - counts.created
      meter.flush()
    }
    expect(events.at(-1)!.etaMs).toBeGreaterThan(0)
    run.phase = 'retrying'
    run.now = 2100
    meter.flush()
    expect(events.at(-1)!.etaMs).toBeUndefined()
    meter.stop()
  })

  // After the pass the bar said "about 9 s left" for 18 records written in under a second: the rate was measured across the wait.
  // After a pass the rate was measured across its wait: the first times left it gave were far too long.
  it('measures the rate again once the pass is over: the wait is not the write rate', () => {
    const { run, events, counts, meter } = metered(400)
    for (run.now = 0; run.now <= 2000; run.now += 100) {
      counts.created = Math.min(200, Math.floor(run.now / 10))
      counts.pending = 400 - counts.created
      meter.flush()
    }
    run.phase = 'retrying'
    for (run.now = 2100; run.now <= 6000; run.now += 100) meter.flush()
    // The pass is over: 200 records left, written at 100 a second again.
    run.phase = 'writing'
    const shown: Array<{ at: number; eta: number; truth: number }> = []
    for (run.now = 6000; run.now <= 7800; run.now += 100) {
      counts.created = 200 + Math.floor((run.now - 6000) / 10)
      counts.pending = 400 - counts.created
      meter.flush()
      const eta = events.at(-1)!.etaMs
      if (eta !== undefined) shown.push({ at: run.now, eta, truth: ((400 - counts.created) / 100) * 1000 })
    }
    meter.stop()
    expect(shown.length).toBeGreaterThan(5)
    for (const { at, eta, truth } of shown) expect(Math.abs(eta - truth) / truth, `at ${at} ms`).toBeLessThan(0.15)
  })
})
