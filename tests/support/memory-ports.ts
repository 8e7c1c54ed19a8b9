import type { SourceRecord, TargetRecord } from '../../src/shared/mapping/engine'
import {
  abortError,
  PARENT_MISSING,
  type RecordSource,
  type SinkLimits,
  type SourceCursor,
  type SourcePage,
  type TargetSink,
  type WriteOp,
  type WriteOutcome
} from '../../src/main/sync/ports'

/**
 * In-memory ports: the reference behaviour a connector's source and sink must match
 * (cursors that resume, idempotent writes by key, per-record outcomes), used by the
 * runner's tests and handy for a dry run over records already in hand.
 */

export type SourceChange = SourceRecord | { deleted: string }

export interface MemorySourceOptions {
  kind?: 'full' | 'incremental'
  pageSize?: number
  /** Report the total (as `@odata.count` would). */
  withTotal?: boolean
  /** Called before each page is yielded (1-based page number): tests cancel or change state here. */
  beforePage?: (page: number) => void | Promise<void>
  /** Called once the last page was taken. */
  afterLast?: () => void | Promise<void>
}

/** Records (and deletions) in a change log; the cursor is a position in it. */
export class MemorySource implements RecordSource {
  readonly kind: 'full' | 'incremental'
  readonly log: SourceChange[]
  pagesServed = 0

  constructor(
    log: readonly SourceChange[],
    private readonly keyField: string,
    private readonly options: MemorySourceOptions = {}
  ) {
    this.kind = options.kind ?? 'full'
    this.log = [...log]
  }

  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const size = this.options.pageSize ?? 100
    let at = cursor && typeof cursor === 'object' && !Array.isArray(cursor) && typeof cursor.at === 'number' ? cursor.at : 0
    let page = 0
    while (at < this.log.length) {
      if (signal.aborted) throw abortError()
      const slice = this.log.slice(at, at + size)
      at += slice.length
      page++
      await this.options.beforePage?.(page)
      if (signal.aborted) throw abortError()
      this.pagesServed++
      const records: SourceRecord[] = []
      const deleted: string[] = []
      for (const change of slice) {
        if ('deleted' in change && typeof change.deleted === 'string' && Object.keys(change).length === 1) deleted.push(change.deleted)
        else records.push(change as SourceRecord)
      }
      yield {
        records,
        ...(deleted.length ? { deleted } : {}),
        cursor: { at },
        ...(this.options.withTotal ? { total: this.log.length } : {})
      }
    }
    await this.options.afterLast?.()
  }

  async *byKeys(keys: readonly string[], cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const wanted = new Set(keys)
    const latest = new Map<string, SourceRecord>()
    for (const change of this.log) {
      if ('deleted' in change && Object.keys(change).length === 1) latest.delete(String(change.deleted))
      else {
        const key = String((change as SourceRecord)[this.keyField])
        if (wanted.has(key)) latest.set(key, change as SourceRecord)
      }
    }
    if (cursor !== undefined && cursor !== null) return
    if (signal.aborted) throw abortError()
    yield { records: [...latest.values()], cursor: { done: true } }
  }
}

export interface MemorySinkOptions {
  limits?: Partial<SinkLimits>
  /** Child records: `field` must name a key in `keys`, else the write fails as an orphan. */
  parents?: { field: string; keys: Set<string> }
  /** Per-record failure injection. */
  fail?: (op: WriteOp) => { code: string; message: string; retryable: boolean; field?: string } | undefined
  /**
   * A write that gets no answer (a bulk write that timed out): reported `unknown`, and applied
   * when `landed` (the service finished it after the client stopped waiting) — as a Dynamics sink does.
   */
  noAnswer?: (op: WriteOp) => { landed: boolean } | undefined
  /** Whole-batch failure injection (thrown): auth lost, network gone. */
  throwOn?: (batch: readonly WriteOp[], call: number) => Error | undefined
  /** Milliseconds each write call takes. */
  latencyMs?: number
}

export class MemorySink implements TargetSink {
  readonly limits: SinkLimits
  readonly store = new Map<string, TargetRecord>()
  /** Writes that changed the store, per key. */
  readonly writes = new Map<string, number>()
  readonly calls: WriteOp[][] = []
  inFlight = 0
  maxInFlight = 0

  constructor(private readonly options: MemorySinkOptions = {}) {
    this.limits = {
      maxBatch: options.limits?.maxBatch ?? 10,
      concurrency: options.limits?.concurrency ?? 4,
      ...(options.limits?.lookupBatch ? { lookupBatch: options.limits.lookupBatch } : {})
    }
  }

  async lookup(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, TargetRecord>> {
    if (signal.aborted) throw abortError()
    const found = new Map<string, TargetRecord>()
    for (const key of keys) {
      const record = this.store.get(key)
      if (record) found.set(key, structuredClone(record))
    }
    return found
  }

  async write(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    this.calls.push([...batch])
    const thrown = this.options.throwOn?.(batch, this.calls.length)
    if (thrown) throw thrown
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs))
      if (signal.aborted) throw abortError()
      return batch.map((op) => this.apply(op))
    } finally {
      this.inFlight--
    }
  }

  private apply(op: WriteOp): WriteOutcome {
    const silent = this.options.noAnswer?.(op)
    if (silent) {
      if (silent.landed) this.applyNow(op)
      return { key: op.key, outcome: 'unknown', message: 'no answer from the target: may or may not be written' }
    }
    return this.applyNow(op)
  }

  private applyNow(op: WriteOp): WriteOutcome {
    const injected = this.options.fail?.(op)
    if (injected) return { key: op.key, outcome: 'failed', ...injected }
    const parents = this.options.parents
    if (parents && op.op !== 'delete') {
      const parent = op.record[parents.field]
      if (typeof parent !== 'string' || !parents.keys.has(parent)) {
        return {
          key: op.key,
          outcome: 'failed',
          code: PARENT_MISSING,
          message: `no parent record "${String(parent)}" in the target`,
          retryable: true
        }
      }
    }
    const current = this.store.get(op.key)
    const count = () => this.writes.set(op.key, (this.writes.get(op.key) ?? 0) + 1)
    if (op.op === 'delete') {
      if (!current) return { key: op.key, outcome: 'unchanged' }
      this.store.delete(op.key)
      count()
      return { key: op.key, outcome: 'deleted' }
    }
    count()
    if (!current) {
      this.store.set(op.key, structuredClone(op.record))
      return { key: op.key, outcome: 'created' }
    }
    this.store.set(op.key, merge(structuredClone(current), op.op === 'update' ? op.patch : op.record))
    return { key: op.key, outcome: 'updated' }
  }
}

function merge(into: TargetRecord, patch: TargetRecord): TargetRecord {
  for (const [key, value] of Object.entries(patch)) {
    const existing = into[key]
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      existing &&
      typeof existing === 'object' &&
      !Array.isArray(existing)
    ) {
      into[key] = merge(existing as TargetRecord, value as TargetRecord)
    } else into[key] = structuredClone(value)
  }
  return into
}
