import type { RunCounts } from './journal-format'
import type { Clock } from './ports'

export type RunPhase = 'starting' | 'reading' | 'writing' | 'retrying' | 'paused' | 'finishing' | 'done'

export interface RunProgress {
  runId: string
  flowId: string
  phase: RunPhase
  dryRun: boolean
  counts: RunCounts
  /** Records read per second over the last few seconds. */
  ratePerSecond: number
  /** The source's total, when it said; then `etaMs` too. */
  total?: number
  etaMs?: number
  elapsedMs: number
  /** Source pages done. */
  pages: number
}

/**
 * Turns the runner's many small count changes into a few events per second. The rate is
 * over a sliding window so a pause or a slow page shows at once; the ETA needs a total.
 */
export class ProgressMeter {
  private lastEmit = Number.NEGATIVE_INFINITY
  private readonly samples: Array<{ at: number; read: number }> = []
  private pendingTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly emit: ((progress: RunProgress) => void) | undefined,
    private readonly snapshot: () => Omit<RunProgress, 'ratePerSecond' | 'etaMs' | 'elapsedMs'>,
    private readonly startedAt: number,
    private readonly windowMs = 5000
  ) {}

  /** Something changed: emit now if the last event is old enough, else once the interval is up. */
  tick(): void {
    if (!this.emit) return
    const now = this.clock.now()
    if (now - this.lastEmit >= this.intervalMs) this.flush()
    else if (!this.pendingTimer) {
      this.pendingTimer = setTimeout(() => {
        this.pendingTimer = undefined
        this.flush()
      }, this.intervalMs - (now - this.lastEmit))
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
    this.samples.push({ at: now, read: base.counts.read })
    while (this.samples.length > 2 && now - this.samples[1].at >= this.windowMs) this.samples.shift()
    const first = this.samples[0]
    const span = (now - first.at) / 1000
    const ratePerSecond = span > 0 ? Math.max(0, (base.counts.read - first.read) / span) : 0
    const remaining = base.total !== undefined ? Math.max(0, base.total - base.counts.read) : undefined
    const etaMs = remaining !== undefined && ratePerSecond > 0 ? Math.round((remaining / ratePerSecond) * 1000) : remaining === 0 ? 0 : undefined
    this.emit({ ...base, counts: { ...base.counts }, ratePerSecond: Math.round(ratePerSecond * 10) / 10, ...(etaMs !== undefined ? { etaMs } : {}), elapsedMs: now - this.startedAt })
  }

  stop(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer)
    this.pendingTimer = undefined
  }
}
