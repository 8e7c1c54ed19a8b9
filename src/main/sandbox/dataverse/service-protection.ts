import { DataverseError } from './errors'

/**
 * Service protection limits per user (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): requests and combined execution time
 * in a sliding window, and concurrent requests. Every number is configurable so tests can
 * hit a limit in a handful of requests.
 */
export interface ServiceProtectionLimits {
  /** Requests allowed per user per window (documented: 6000 per 300 s). */
  requestsPerWindow: number
  /** Combined execution time allowed per user per window (documented: 1,200,000 ms). */
  executionTimeMs: number
  /** The sliding window (documented: 300 s). */
  windowMs: number
  /** Concurrent requests per user (documented: 52). */
  concurrentRequests: number
  /** Execution time every request is charged at least, so a fast sandbox can still reach the execution-time limit. */
  minExecutionMsPerRequest: number
}

export const documentedLimits: ServiceProtectionLimits = {
  requestsPerWindow: 6000,
  executionTimeMs: 1_200_000,
  windowMs: 300_000,
  concurrentRequests: 52,
  minExecutionMsPerRequest: 0
}

interface UserUsage {
  requests: number[]
  executions: Array<{ at: number; ms: number }>
  inFlight: number
}

function withThousands(n: number): string {
  return n.toLocaleString('en-US')
}

export class ServiceProtection {
  private limits: ServiceProtectionLimits
  private readonly users = new Map<string, UserUsage>()

  constructor(
    limits: Partial<ServiceProtectionLimits> = {},
    private readonly now: () => number = Date.now
  ) {
    this.limits = { ...documentedLimits, ...limits }
  }

  get current(): ServiceProtectionLimits {
    return this.limits
  }

  update(limits: Partial<ServiceProtectionLimits>): void {
    this.limits = { ...this.limits, ...limits }
  }

  reset(): void {
    this.users.clear()
  }

  private usage(user: string): UserUsage {
    let usage = this.users.get(user)
    if (!usage) {
      usage = { requests: [], executions: [], inFlight: 0 }
      this.users.set(user, usage)
    }
    const from = this.now() - this.limits.windowMs
    while (usage.requests.length && usage.requests[0] <= from) usage.requests.shift()
    while (usage.executions.length && usage.executions[0].at <= from) usage.executions.shift()
    return usage
  }

  /** Admits a request or throws the documented 429. Call finish() when it is done. */
  admit(user: string): { finish(): void; headers: Record<string, string> } {
    const usage = this.usage(user)
    const { requestsPerWindow, executionTimeMs, windowMs, concurrentRequests } = this.limits
    const now = this.now()
    const retryAfter = (oldest: number) => String(Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)))
    if (usage.inFlight >= concurrentRequests) {
      throw new DataverseError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${concurrentRequests}.`, {
        'Retry-After': '1'
      })
    }
    if (usage.requests.length >= requestsPerWindow) {
      throw new DataverseError(
        429,
        '0x80072322',
        `Number of requests exceeded the limit of ${requestsPerWindow} over time window of ${windowMs / 1000} seconds.`,
        { 'Retry-After': retryAfter(usage.requests[0]) }
      )
    }
    const used = usage.executions.reduce((sum, e) => sum + e.ms, 0)
    if (used >= executionTimeMs) {
      throw new DataverseError(
        429,
        '0x80072321',
        `Combined execution time of incoming requests exceeded limit of ${withThousands(executionTimeMs)} milliseconds over time window of ${windowMs / 1000} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
        { 'Retry-After': retryAfter(usage.executions[0].at) }
      )
    }
    usage.requests.push(now)
    usage.inFlight++
    const started = now
    let done = false
    return {
      // Debug-only headers (https://learn.microsoft.com/power-apps/developer/data-platform/api-limits): clients must not steer by them.
      headers: {
        'x-ms-ratelimit-burst-remaining-xrm-requests': String(requestsPerWindow - usage.requests.length),
        'x-ms-ratelimit-time-remaining-xrm-requests': (Math.max(0, executionTimeMs - used) / 1000).toFixed(2)
      },
      finish: () => {
        if (done) return
        done = true
        usage.inFlight--
        const ms = Math.max(this.now() - started, this.limits.minExecutionMsPerRequest)
        usage.executions.push({ at: this.now(), ms })
      }
    }
  }
}
