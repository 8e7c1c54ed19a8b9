import { redact } from '../connectors/http/redact'
import { shardLabel, type Shard } from '../../shared/shard'
import type { RecordOutcome } from '../sync/runner'
import type { FlowResult, SyncEvent, SyncResult } from '../sync/sync-service'
import type { CliIO } from './command'

/**
 * `sync-studio run --log json`: one JSON object per line on stdout, for log collectors
 * (Kubernetes, CI, Fluent Bit, CloudWatch…). No ANSI codes, no progress bar. Every line has
 * `event` and `at` (ISO 8601); flow lines have `flow`. Events, in order:
 *
 *   run.start → (flow.start → notice* → progress* → record.error* → flow.end)* → run.end
 *
 * plus `refused` (schema errors, nothing read) and `run.failed` (the command itself failed).
 * Progress is logged every `progressEveryMs` (5 s) per flow and when its phase changes;
 * record errors up to `maxRecordErrors` (1000) per flow — the rest are in the run history
 * (`flow.end` says how many were not logged). Every line goes through the same redaction as
 * the connectors' errors, so a credential never reaches the log (docs/scale.md).
 */
export class JsonLog {
  private readonly lastProgress = new Map<string, { at: number; phase: string }>()
  private readonly errorsLogged = new Map<string, number>()

  constructor(
    private readonly io: CliIO,
    private readonly options: { shard?: Shard; progressEveryMs?: number; maxRecordErrors?: number; now?: () => number } = {}
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }

  /** One line: `event` and `at` first, then the fields; strings redacted. */
  write(event: string, fields: Record<string, unknown> = {}): void {
    const line = JSON.stringify({
      event,
      at: new Date(this.now()).toISOString(),
      ...(this.options.shard ? { shard: shardLabel(this.options.shard) } : {}),
      ...fields
    })
    this.io.out(redact(line))
  }

  sync(event: SyncEvent): void {
    switch (event.type) {
      case 'flowStarted':
        this.write('flow.start', {
          flow: event.flowId,
          runId: event.runId,
          mode: event.mode,
          dryRun: event.dryRun,
          resumed: event.resumed,
          ...(event.resumes
            ? { resumes: { startedAt: new Date(event.resumes.startedAt).toISOString(), status: event.resumes.status } }
            : {})
        })
        return
      case 'notice':
        this.write('notice', { flow: event.flowId, message: event.message })
        return
      case 'progress': {
        const p = event.progress
        const last = this.lastProgress.get(event.flowId)
        const now = this.now()
        if (last && last.phase === p.phase && now - last.at < (this.options.progressEveryMs ?? 5000)) return
        this.lastProgress.set(event.flowId, { at: now, phase: p.phase })
        this.write('progress', {
          flow: event.flowId,
          phase: p.phase,
          finished: p.finished,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ratePerSecond: Math.round(p.ratePerSecond * 10) / 10,
          counts: p.counts
        })
        return
      }
      case 'flowFinished':
        this.flowEnd(event.result)
        return
    }
  }

  /**
   * A record that failed (a real run's outcome, or a dry run's planned error), or whose write got
   * no answer (`code: "outcomeUnknown"`: it may or may not be written; counted in `unknown`, not `failed`).
   */
  recordError(flowId: string, outcome: Pick<RecordOutcome, 'key' | 'reason' | 'field' | 'code'>): void {
    const logged = this.errorsLogged.get(flowId) ?? 0
    this.errorsLogged.set(flowId, logged + 1)
    if (logged >= (this.options.maxRecordErrors ?? 1000)) return
    this.write('record.error', {
      flow: flowId,
      key: outcome.key ?? null,
      ...(outcome.field ? { field: outcome.field } : {}),
      ...(outcome.code ? { code: outcome.code } : {}),
      reason: outcome.reason ?? 'failed'
    })
  }

  private flowEnd(result: FlowResult): void {
    const errors = this.errorsLogged.get(result.flowId) ?? 0
    const limit = this.options.maxRecordErrors ?? 1000
    this.write('flow.end', {
      flow: result.flowId,
      kind: result.kind,
      status: result.status,
      ...(result.runId ? { runId: result.runId } : {}),
      dryRun: result.dryRun,
      ...(result.mode ? { mode: result.mode } : {}),
      counts: result.counts,
      durationMs: result.durationMs,
      ...(result.error ? { error: result.error } : {}),
      // What the run did beyond its counts (opt-outs cleared, rows Campaign deleted with a profile): what the text summary says.
      ...(result.summary?.length ? { summary: result.summary } : {}),
      ...(result.deleteGuard ? { deleteGuard: result.deleteGuard } : {}),
      ...(result.resumedFrom ? { resumedFrom: result.resumedFrom } : {}),
      ...(result.shard ? { shardRecords: result.counts.read, sourceRecords: result.counts.read + result.shard.otherShards } : {}),
      ...(errors > limit ? { recordErrorsNotLogged: errors - limit } : {})
    })
  }

  end(result: SyncResult, exitCode: number): void {
    this.write('run.end', { status: result.status, exitCode, durationMs: result.durationMs })
  }
}
