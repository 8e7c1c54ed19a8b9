import { whenAborted } from './abort-fanout'
import { ConnectorError, type ServiceName } from './errors'

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number
  /** First backoff step for 5xx and dropped connections. */
  baseDelayMs: number
  maxDelayMs: number
  /** Upper bound for a single Retry-After wait; a longer one fails the request as throttled. */
  maxRetryAfterMs: number
  /** Extra attempts allowed for 429s on top of maxAttempts (a storm is normal, not a failure). */
  throttleAttempts: number
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 300_000,
  throttleAttempts: 20
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base·2^n)], at least a tenth of the step. */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step * (0.1 + 0.9 * random()))
}

/** Retry-After as seconds (fractions allowed) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  if (!Number.isNaN(date)) return Math.max(0, date - now)
  return undefined
}

export function abortError(signal: AbortSignal, service: ServiceName = 'http'): ConnectorError {
  const reason = signal.reason
  if (reason instanceof ConnectorError) return reason
  return new ConnectorError({ kind: 'canceled', service, message: 'The operation was canceled.', cause: reason })
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        unsubscribe?.()
        resolve()
      },
      Math.max(0, ms)
    )
    // One listener on the caller's signal for all sleepers (abort-fanout.ts).
    const unsubscribe = signal
      ? whenAborted(signal, () => {
          clearTimeout(timer)
          reject(abortError(signal))
        })
      : undefined
  })
}
