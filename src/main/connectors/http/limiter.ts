import { whenAborted } from './abort-fanout'
import { abortError, sleep } from './retry'

export interface LimiterOptions {
  /** Starting number of requests in flight (Dataverse: the x-ms-dop-hint). */
  initial: number
  min?: number
  /** Never above this (Dataverse rejects more than 52 concurrent requests per user). */
  max?: number
}

export interface LimiterState {
  limit: number
  inFlight: number
  queued: number
  pausedUntil: number
}

/**
 * Adaptive concurrency (AIMD): starts at the service's hint, halves on a 429, grows by one
 * after `limit` successes in a row. A 429's Retry-After pauses every request, not just the
 * one that was refused, because the service counts all of them against the same user.
 */
export class AdaptiveLimiter {
  private limitValue: number
  private readonly min: number
  private readonly max: number
  private inFlight = 0
  private successes = 0
  private pausedUntil = 0
  private hinted = false
  private readonly waiting: Array<() => void> = []

  constructor(options: LimiterOptions) {
    this.min = Math.max(1, options.min ?? 1)
    this.max = Math.max(this.min, options.max ?? 52)
    this.limitValue = clamp(options.initial, this.min, this.max)
  }

  get state(): LimiterState {
    return { limit: this.limitValue, inFlight: this.inFlight, queued: this.waiting.length, pausedUntil: this.pausedUntil }
  }

  get limit(): number {
    return this.limitValue
  }

  /** The service's recommended parallelism; applied once (later hints are ignored so adaptation sticks). */
  hint(value: number): void {
    if (this.hinted || !Number.isFinite(value) || value < 1) return
    this.hinted = true
    this.limitValue = clamp(Math.floor(value), this.min, this.max)
    this.pump()
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      if (signal?.aborted) throw abortError(signal)
      const wait = this.pausedUntil - Date.now()
      if (wait > 0) {
        await sleep(wait, signal)
        continue
      }
      if (this.inFlight < this.limitValue) break
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const at = this.waiting.indexOf(wake)
          if (at >= 0) this.waiting.splice(at, 1)
          reject(abortError(signal!))
        }
        // One listener on the caller's signal for all waiters (abort-fanout.ts).
        const unsubscribe = signal ? whenAborted(signal, onAbort) : undefined
        const wake = () => {
          unsubscribe?.()
          resolve()
        }
        this.waiting.push(wake)
      })
    }
    this.inFlight++
    let released = false
    return () => {
      if (released) return
      released = true
      this.inFlight--
      this.pump()
    }
  }

  success(): void {
    this.successes++
    if (this.successes >= this.limitValue && this.limitValue < this.max) {
      this.limitValue++
      this.successes = 0
      this.pump()
    }
  }

  throttled(retryAfterMs: number): void {
    this.successes = 0
    this.limitValue = Math.max(this.min, Math.floor(this.limitValue / 2))
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + Math.max(0, retryAfterMs))
  }

  /** Wakes as many waiters as there are free slots; each re-checks before taking one. */
  private pump(): void {
    let free = this.limitValue - this.inFlight
    while (this.waiting.length > 0 && free-- > 0) this.waiting.shift()!()
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
