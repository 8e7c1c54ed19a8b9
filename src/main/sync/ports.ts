import type { SourceRecord, TargetRecord } from '../../shared/mapping/engine'

/**
 * The runner's only view of the systems it syncs. Connectors implement these; the runner
 * knows nothing of HTTP, OData, Campaign resources or tokens. Keep them small: every
 * method here is one the runner cannot do without.
 */

/** Any JSON value. Cursors and journal entries are JSON so they survive a restart. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/**
 * Where a source is in its table, as opaque JSON the runner persists and hands back:
 * a Dataverse `@odata.nextLink` / `@odata.deltaLink`, a `modifiedon` watermark plus the
 * last id, a Campaign page link. The runner never looks inside.
 */
export type SourceCursor = Json

export interface SourcePage {
  records: readonly SourceRecord[]
  /**
   * Match keys of source records deleted since the previous cursor (Dataverse delta
   * `@removed` entries). Only incremental sources report them.
   */
  deleted?: readonly string[]
  /**
   * The position after this page: `pages(cursor)` must continue with the page after
   * this one. The last page's cursor is where the next incremental run starts
   * (for Dataverse change tracking: the delta link).
   */
  cursor: SourceCursor
  /** Total records the source will yield in this run, when it knows (`@odata.count`). */
  total?: number
  /**
   * Told once the runner has done the page (its checkpoint written): what a source counts of a
   * page (deletions it could not name) is counted for the pages the run did — not for one read
   * ahead and never done, which the resume reads again.
   */
  processed?: () => void
}

export interface RecordSource {
  /** full: every record (initial load, replay); incremental: changes (and deletions) since the cursor. */
  readonly kind: 'full' | 'incremental'
  /**
   * Pages from `cursor` (undefined = the beginning, or for an incremental source with no
   * cursor, everything). Must honour `signal` (throw an AbortError). Throw a
   * `SyncFatalError` when the run cannot go on (auth refused, table gone, cursor expired).
   */
  pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage>
  /**
   * The current version of the records with these match keys (the "retry failed records"
   * run). Optional: without it the runner scans `pages()` and keeps only those keys.
   */
  byKeys?(keys: readonly string[], cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage>
  /**
   * A resumed run tells the source the keys the stopped attempt journaled (written, failed,
   * deferred), before its first page. Optional: for a source that skips, within one run, records
   * it has already handed over — the opt-out flow's Campaign side skips the pairs its Dynamics
   * side read — and would otherwise hand them over again after a resume.
   */
  resumedAfter?(keys: ReadonlySet<string>): void
}

/** What the runner asks a sink to do with one record. */
export type WriteOp =
  | {
      op: 'create'
      key: string
      /** The whole computed target record, create-only fields included. */
      record: TargetRecord
    }
  | {
      op: 'update'
      key: string
      /** The computed record without the create-only fields (apply updates off). */
      record: TargetRecord
      /** Only the fields that differ from the target, nested like `record` (for a PATCH). */
      patch: TargetRecord
      /**
       * No lookup was made: the record's last sent payload (`sent-payloads.ts`) says it is in
       * the target and which fields changed since. The sink addresses it by its key; a record
       * gone from the target is created from `record` (the outcome says `created`).
       */
      byKey?: true
    }
  | { op: 'delete'; key: string }

/**
 * A conflict a write settled (an opt-out both ways: the two sides disagreed): both sides'
 * values and change times, the side kept, the rule that kept it and its label in words.
 * The journal keeps it with the record's outcome, so a run's history shows what its dry run planned.
 */
export interface RecordConflict {
  /** The pair, e.g. `donotbulkemail ↔ blackListEmail`. */
  field: string
  dynamics: { value: boolean; changedAt?: string }
  campaign: { value: boolean; changedAt?: string }
  kept: 'dynamics' | 'campaign'
  rule: 'campaignNewer' | 'dynamicsNewer' | 'sameTime' | 'timeMissing' | 'oneWay'
  label: string
}

export type WriteOutcome =
  | {
      key: string
      outcome: 'created' | 'updated' | 'unchanged' | 'deleted'
      conflicts?: RecordConflict[]
      /**
       * A delete the target cascaded: the records of other flows it deleted along with this one
       * (Campaign deleting a profile's custom-resource rows), by flow and match key. The runner
       * makes those flows forget what it last sent them (`sent-payloads.ts`): they are no longer in sync.
       */
      cascaded?: ReadonlyArray<{ flowId: string; keys: readonly string[] }>
    }
  | {
      key: string
      outcome: 'failed'
      /** The service's code or one of ours: `parentMissing` (orphan), `conflict`, `badRequest`… */
      code: string
      /** What failed and what to do, without secrets. */
      message: string
      /**
       * Worth trying again later in this run (a parent not written yet, a lock, a 5xx the
       * connector already retried). Orphans must use code `parentMissing` and retryable.
       */
      retryable: boolean
      /** The target field the service blamed, when it said. */
      field?: string
    }
  | {
      key: string
      /**
       * The write got no answer (a bulk write or `$batch` that timed out or lost its connection):
       * the record may or may not be in the target. The sink did not send it again and the runner
       * does not either (the service may still be at work on it; a create would land twice). The
       * run counts it `unknown`, lists it with the errors (code `outcomeUnknown`), and "Retry
       * failed records" looks it up by key and writes it only if missing or different.
       */
      outcome: 'unknown'
      /** What happened and what to do, without secrets. */
      message: string
    }

/** Code a sink reports for a child record whose parent is not in the target (yet). */
export const PARENT_MISSING = 'parentMissing'

export interface SinkLimits {
  /** Most records in one `write` call (1 for a service without a batch API). */
  maxBatch: number
  /** Most `write` / `lookup` calls in flight at once. */
  concurrency: number
  /** Most keys in one `lookup` call. Default `maxBatch`. */
  lookupBatch?: number
}

export interface TargetSink {
  readonly limits: SinkLimits
  /**
   * The sink takes updates without a lookup first (`byKey` ops, a create when the key is gone):
   * a records flow's incremental run then skips, with no call, the records whose payload equals
   * what was last sent, and sends the rest without looking them up (docs/sync.md, "What a run costs").
   */
  readonly updatesByKey?: boolean
  /**
   * The current target records with these match keys, as the runner's computed records
   * look (same field names, nested objects for dotted fields). Missing keys are absent
   * from the map. Used to skip unchanged records, to decide create vs update, and for the
   * dry run's diff.
   */
  lookup(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, TargetRecord>>
  /**
   * Applies a batch and reports one outcome per op, by key, in any order. Idempotent by
   * key: a `create` whose key already exists updates that record instead of adding a
   * second one; a `delete` of a missing key reports `unchanged`. A per-record failure is
   * an outcome, never a throw. Throwing means the batch's fate is unknown: the runner
   * counts none of it, and a resume re-checks each record by key. Throw a
   * `SyncFatalError` for auth or a missing resource; honour `signal`.
   */
  write(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]>
  /**
   * Dry run: the outcome `write` would report for each op, found by reading only (a child's
   * parent in the target or planned by its parent flow). Optional: without it every op is
   * planned to succeed. The rules on values are not here: they ran in the transform.
   */
  plan?(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]>
  /**
   * Before the deletes: what deleting these records would take with them in the target (a
   * profile's custom-resource rows), per resource, for the delete guard. Reads only. Optional:
   * without it a delete takes nothing else.
   */
  countCascade?(keys: readonly string[], signal: AbortSignal): Promise<readonly CascadeCount[]>
}

/** Rows of one resource the target would delete with a flow's deletes. */
export interface CascadeCount {
  resource: string
  /** The flow of the same document that syncs them, if one does. */
  flowId?: string
  rows: number
  /** The resource could not be read whole (too large, or the read failed): `rows` is what was seen. */
  unknown: boolean
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  /** Resolves after `ms`, or rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError())
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(abortError())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
}

/** Why a run stopped as a whole. Per-record problems are outcomes, not these. */
export type FatalCode = 'auth' | 'sourceGone' | 'targetGone' | 'cursorExpired' | 'mappingChanged' | 'unexpected' | (string & {})

/**
 * Thrown by a source or sink when the run cannot continue: the run ends `failed` at its
 * last checkpoint, from which it can be resumed once the cause is fixed.
 */
export class SyncFatalError extends Error {
  constructor(
    readonly code: FatalCode,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'SyncFatalError'
  }
}

export function abortError(): Error {
  const error = new Error('The run was canceled.')
  error.name = 'AbortError'
  return error
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { kind?: unknown }).kind === 'canceled')
}
