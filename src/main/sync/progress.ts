import type { RunCounts } from './journal-format'
import type { Clock } from './ports'

/** `done`: the run completed; `stopped`: it ended otherwise (canceled, failed, or waiting for a confirmation), with what it had done. */
export type RunPhase = 'starting' | 'reading' | 'writing' | 'retrying' | 'deleting' | 'paused' | 'finishing' | 'done' | 'stopped'

export interface RunProgress {
  runId: string
  flowId: string
  phase: RunPhase
  dryRun: boolean
  counts: RunCounts
  /** Records finished (read and not pending or deferred): what a percentage counts. */
  finished: number
  /** Records finished per second over the last few seconds (the write rate, not the read rate). */
  ratePerSecond: number
  /** The source's total, when it said. Unknown: no percentage and no ETA. */
  total?: number
  /** From the recent rate and what is left of the total; absent when either is unknown (never "0 s left" while writing). */
  etaMs?: number
  elapsedMs: number
  /** Source pages done. */
  pages: number
}

/** The least time a rate is measured over before the time left is estimated from it. */
const MIN_ETA_SPAN_MS = 1000

/**
 * Turns the runner's many small count changes into a few events per second. The rate is
 * over a sliding window so a pause or a slow page shows at once; the ETA needs a total.
 */
export class ProgressMeter {
  private lastEmit = Number.NEGATIVE_INFINITY
  private readonly samples: Array<{ at: number; finished: number }> = []
  private pendingTimer: ReturnType<typeof setTimeout> | undefined
  private lastPhase: RunPhase | undefined

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly emit: ((progress: RunProgress) => void) | undefined,
    private readonly snapshot: () => Omit<RunProgress, 'ratePerSecond' | 'etaMs' | 'elapsedMs' | 'finished'>,
    private readonly startedAt: number,
    private readonly windowMs = 5000
  ) {}

  /** Something changed: emit now if the last event is old enough, else once the interval is up. */
  tick(): void {
    if (!this.emit) return
    const now = this.clock.now()
    if (now - this.lastEmit >= this.intervalMs) this.flush()
    else if (!this.pendingTimer) {
      this.pendingTimer = setTimeout(
        () => {
          this.pendingTimer = undefined
          this.flush()
        },
        this.intervalMs - (now - this.lastEmit)
      )
      this.pendingTimer.unref?.()
    }
  }

  /** Emits now (phase changes, the end). */
  flush(): void {
    if (!this.emit) return
    if (this.pendingTimer) {
      clearTimeout(this.pendingTimer)
      this.pendingTimer = undefined
    }
    const now = this.clock.now()
    this.lastEmit = now
    const base = this.snapshot()
    const finished = finishedOf(base.counts)
    // A retry pass waited before it sent again: a rate measured across that wait is not the rate
    // the records left are written at, so it is measured again from the end of the pass.
    if (this.lastPhase === 'retrying' && base.phase !== 'retrying') this.samples.length = 0
    this.lastPhase = base.phase
    this.samples.push({ at: now, finished })
    while (this.samples.length > 2 && now - this.samples[1].at >= this.windowMs) this.samples.shift()
    const first = this.samples[0]
    const span = (now - first.at) / 1000
    const ratePerSecond = span > 0 ? Math.max(0, (finished - first.finished) / span) : 0
    // The time left is measured from the first sample with finished records on: the records a page
    // skips or fails finish the moment it is read, and counted from the run's start that first
    // burst made the first estimates several times too short (1.9 s said, 5.9 s left). Below a
    // second of such measure there is no estimate yet.
    const since = this.samples.find((sample) => sample.finished > 0)
    const measured = since && now - since.at >= MIN_ETA_SPAN_MS ? (finished - since.finished) / ((now - since.at) / 1000) : 0
    // The total is the source's estimate: once it is passed, the time left is unknown rather than 0.
    const remaining = base.total !== undefined ? base.total - finished : undefined
    // A retry pass waits before it sends again (a parent not in Campaign yet, a service that asked
    // to slow down): the records left are not written at the rate measured, so there is no estimate.
    const etaMs =
      base.phase !== 'done' &&
      base.phase !== 'stopped' &&
      base.phase !== 'retrying' &&
      remaining !== undefined &&
      remaining > 0 &&
      measured > 0
        ? Math.max(1, Math.round((remaining / measured) * 1000))
        : undefined
    this.emit({
      ...base,
      counts: { ...base.counts },
      finished,
      ratePerSecond: Math.round(ratePerSecond * 10) / 10,
      ...(etaMs !== undefined ? { etaMs } : {}),
      elapsedMs: now - this.startedAt
    })
  }

  stop(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer)
    this.pendingTimer = undefined
  }
}

/** Records done with: read and neither pending (being written) nor deferred (waiting for a pass). */
export function finishedOf(counts: RunCounts): number {
  return counts.read - (counts.pending ?? 0) - (counts.deferred ?? 0)
}
