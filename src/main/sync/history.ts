import { failureReasonText } from '../../shared/mapping/failure-reasons'
import type { Json, RecordConflict } from './ports'
import { isRunId, outcomeId, type RunSummary, type SyncJournal } from './journal'
import { isListedError, type OutcomeItem } from './journal-format'

/**
 * Run history over the journal: the list of runs, each run's failed records, the error
 * export, and "retry failed records" (a new run restricted to the failed keys).
 */

export interface RecordError {
  /** The record's match key; absent when the record had none. */
  key?: string
  /** The key, or `#<page>:<index>` for a record without one. */
  id: string
  page: number
  /** transform: the mapping failed on the record; write: the target refused it. */
  stage: 'transform' | 'write'
  code: string
  message: string
  field?: string
  step?: number
  /** The failing step's name (`valueMap`; `targetRules` for the target's check); older runs lack it. */
  stepName?: string
  /** The source value that failed (transform errors). */
  input?: Json
  retryable?: boolean
  op?: 'create' | 'update' | 'delete'
}

/** A conflict a run settled, with the record it belongs to. */
export type RunConflict = RecordConflict & { key: string }

export interface RetryPlan {
  retryOf: string
  flowId: string
  /** Keys to pass as `onlyKeys` to a new run of the same flow. */
  onlyKeys: string[]
  /** Failed records without a key: they cannot be retried by key (fix the source record). */
  withoutKey: number
}

export class RunHistory {
  constructor(private readonly journal: SyncJournal) {}

  /** Runs, newest first: flow, mapping version, mode, counts, duration, status. */
  list(filter: { flowId?: string } = {}): Promise<RunSummary[]> {
    return this.journal.list(filter)
  }

  get(runId: string): Promise<RunSummary | undefined> {
    this.check(runId)
    return this.journal.summary(runId)
  }

  /** A run's failed records (one per record; a later success clears it), up to `limit`. */
  async errors(runId: string, options: { limit?: number; offset?: number } = {}): Promise<RecordError[]> {
    this.check(runId)
    // Read through the run's failure offsets: a page of errors reads its own lines, not the whole run.
    const failures = await this.journal.failurePage(runId, options)
    return failures.map(({ item, page }) => toError(item, page))
  }

  /**
   * The errors as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a quote,
   * comma or line break quoted and quotes doubled). With `spreadsheetSafe` (default on),
   * a cell starting with = + - @ or a tab gets a leading apostrophe, so a source value
   * like `=HYPERLINK(…)` stays text when the file is opened in a spreadsheet. It starts with
   * a UTF-8 byte-order mark: without one, Excel reads the file in the local code page and
   * garbles "Ü".
   */
  async errorsCsv(runId: string, options: { spreadsheetSafe?: boolean } = {}): Promise<string> {
    const errors = await this.errors(runId)
    const header = ['run', 'key', 'stage', 'operation', 'code', 'reason', 'field', 'step', 'stepName', 'message', 'value', 'retryable']
    const rows = errors.map((e) => [
      runId,
      e.key ?? e.id,
      e.stage,
      e.op ?? '',
      e.code,
      failureReasonText(e.code),
      e.field ?? '',
      e.step === undefined ? '' : String(e.step),
      e.stepName ?? '',
      e.message,
      e.input === undefined ? '' : typeof e.input === 'string' ? e.input : JSON.stringify(e.input),
      e.retryable === undefined ? '' : String(e.retryable)
    ])
    return CSV_BOM + toCsv([header, ...rows], options.spreadsheetSafe ?? true)
  }

  /**
   * The conflicts a run settled (opt-outs both ways), one row per record and pair, labelled as
   * its dry run planned them; `total` counts them all, `conflicts` holds the first `limit`.
   * A record written again later in the run (a resume) keeps its last write's conflicts.
   */
  async conflicts(runId: string, options: { limit?: number } = {}): Promise<{ conflicts: RunConflict[]; total: number }> {
    this.check(runId)
    const byRecord = new Map<string, RunConflict[]>()
    await this.journal.readEntries(runId, (entry) => {
      if (entry.t !== 'outcomes') return
      for (const item of entry.items) {
        if (isListedError(item.o) || item.o === 'deferred' || item.k === undefined) continue
        const id = outcomeId(item)
        if (item.conflicts?.length)
          byRecord.set(
            id,
            item.conflicts.map((c) => ({ key: item.k!, ...c }))
          )
        else byRecord.delete(id)
      }
    })
    const all = [...byRecord.values()].flat()
    return { conflicts: all.slice(0, options.limit ?? all.length), total: all.length }
  }

  /** What a "retry failed records" run needs: the failed keys of this run. */
  async retryPlan(runId: string): Promise<RetryPlan> {
    const summary = await this.get(runId)
    if (!summary) throw new Error(`no run "${runId}" in the history`)
    const keys: string[] = []
    let withoutKey = 0
    await this.journal.failures(runId, (item) => {
      if (item.k !== undefined) keys.push(item.k)
      else withoutKey++
    })
    return { retryOf: runId, flowId: summary.flowId, onlyKeys: keys, withoutKey }
  }

  private check(runId: string): void {
    if (!isRunId(runId)) throw new Error(`"${runId}" is not a run id`)
  }
}

function toError(item: OutcomeItem, page: number): RecordError {
  return {
    ...(item.k !== undefined ? { key: item.k } : {}),
    id: outcomeId(item),
    page,
    stage: item.stage ?? 'write',
    code: item.code ?? 'failed',
    message: item.message ?? '',
    ...(item.field !== undefined ? { field: item.field } : {}),
    ...(item.step !== undefined ? { step: item.step } : {}),
    ...(item.stepName !== undefined ? { stepName: item.stepName } : {}),
    ...(item.input !== undefined ? { input: item.input } : {}),
    ...(item.retryable !== undefined ? { retryable: item.retryable } : {}),
    ...(item.op ? { op: item.op } : {})
  }
}

/** U+FEFF, written first so spreadsheets read the CSV as UTF-8. */
export const CSV_BOM = '\uFEFF'

export function csvField(value: string, spreadsheetSafe = false): string {
  const text = spreadsheetSafe && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(rows: readonly (readonly string[])[], spreadsheetSafe = false): string {
  return rows.map((row) => row.map((cell) => csvField(cell, spreadsheetSafe)).join(',')).join('\r\n') + '\r\n'
}
