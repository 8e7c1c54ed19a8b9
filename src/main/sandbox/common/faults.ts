import type { IncomingMessage, ServerResponse } from 'node:http'
import { seededRandom, type Random } from './random'

/**
 * Faults a sandbox service injects so that connectors and sync can be tested against the
 * failures real services produce. Every rate is a probability per request (0..1).
 */
export interface FaultSettings {
  /** Added delay before every response, in milliseconds. */
  latencyMs: number
  /** Share of requests answered 429 with Retry-After (on top of the services' own limits). */
  throttleRate: number
  /** Seconds put in Retry-After on injected 429s. */
  retryAfterSeconds: number
  /** Share of requests answered with a 5xx. */
  serverErrorRate: number
  /** Share of requests whose connection is dropped without a response. */
  dropRate: number
}

export const noFaults: FaultSettings = {
  latencyMs: 0,
  throttleRate: 0,
  retryAfterSeconds: 1,
  serverErrorRate: 0,
  dropRate: 0
}

export type FaultDecision = 'none' | 'throttle' | 'serverError' | 'drop'

/** Decides per request which fault, if any, to inject. Seeded, so a failing run repeats. */
export class FaultInjector {
  private settings: FaultSettings
  private readonly random: Random

  constructor(settings: Partial<FaultSettings> = {}, seed = 1) {
    this.settings = { ...noFaults, ...settings }
    this.random = seededRandom(seed)
  }

  get current(): FaultSettings {
    return this.settings
  }

  update(settings: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...settings }
  }

  decide(): FaultDecision {
    const { dropRate, serverErrorRate, throttleRate } = this.settings
    const roll = this.random()
    if (roll < dropRate) return 'drop'
    if (roll < dropRate + serverErrorRate) return 'serverError'
    if (roll < dropRate + serverErrorRate + throttleRate) return 'throttle'
    return 'none'
  }

  /** Waits the configured latency. */
  async delay(): Promise<void> {
    if (this.settings.latencyMs > 0) await new Promise((r) => setTimeout(r, this.settings.latencyMs))
  }
}

/** Ends a request the way a dropped connection looks to a client: a reset socket, no response. */
export function dropConnection(req: IncomingMessage, res: ServerResponse): void {
  req.socket.destroy()
  res.destroy()
}
