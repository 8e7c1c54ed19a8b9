import { randomUUID } from 'node:crypto'
import type { MappingDocument } from '../../shared/mapping/document'
import type { EventHub } from '../contract/event-hub'
import type { SyncRequest, SyncResult, SyncService } from './sync-service'

/**
 * Runs started from the app: each runs in main, keyed by a run key, reports its progress
 * as `run/progress` events and its end as `run/finished`, and can be canceled. A cancel
 * stops at a batch boundary; the next run of the flow resumes from its last checkpoint.
 */
export class RunManager {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>()

  constructor(
    private readonly sync: SyncService,
    private readonly events: EventHub
  ) {}

  start(document: MappingDocument, request: Omit<SyncRequest, 'signal' | 'onProgress'>): string {
    return this.track((signal, onProgress) => this.sync.run(document, { ...request, signal, onProgress }))
  }

  retryFailed(document: MappingDocument, runId: string): string {
    return this.track((signal, onProgress) => this.sync.retryFailed(document, runId, { signal, onProgress }))
  }

  cancel(runKey: string): boolean {
    const run = this.running.get(runKey)
    run?.controller.abort()
    return run !== undefined
  }

  /** Cancels every run and waits for them to stop (the app is quitting). */
  async dispose(): Promise<void> {
    for (const run of this.running.values()) run.controller.abort()
    await Promise.all([...this.running.values()].map((run) => run.done))
  }

  private track(run: (signal: AbortSignal, onProgress: SyncRequest['onProgress']) => Promise<SyncResult>): string {
    const runKey = randomUUID()
    const controller = new AbortController()
    const done = run(controller.signal, (event) => this.events.emit('run/progress', { runKey, event }))
      .then(
        (result) => this.events.emit('run/finished', { runKey, result }),
        (error: unknown) => this.events.emit('run/finished', { runKey, error: error instanceof Error ? error.message : String(error) })
      )
      .finally(() => this.running.delete(runKey))
    this.running.set(runKey, { controller, done })
    return runKey
  }
}
