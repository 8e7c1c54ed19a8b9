import type { SourceRecord } from '../../../shared/mapping/engine'
import type { DynamicsConnector, DynamicsRecord } from '../../connectors/dynamics/connector'
import { isConnectorError } from '../../connectors/http/errors'
import { abortError, SyncFatalError, type Json, type RecordSource, type SourceCursor, type SourcePage } from '../ports'
import { rethrowFatal } from './errors'
import { inList, keyValue } from '../../../shared/mapping/filters/odata'
import { kindOfType } from '../../../shared/mapping/filters/kinds'
import { deletionsNamedBy } from '../../../shared/schema/model'
import type { SourceKeyFiles } from '../source-keys'
import { inShard, type Shard } from '../../../shared/shard'

/**
 * A Dataverse table as the runner's `RecordSource`.
 *
 * - Change tracking on: every run reads `changes()`. A full run (no cursor) is the initial
 *   listing, which ends with a delta link; an incremental run follows the stored delta link
 *   and reports `@removed` rows as deletions. An expired link is `cursorExpired` (the
 *   service then runs a full resync).
 * - Change tracking off: a full run pages through the table (the pushed-down filter
 *   applied); an incremental run reads `modifiedon > W or (modifiedon = W and id > ID)`
 *   ordered by (modifiedon, id), so every page's last row is a restart-safe position.
 *   Deletions cannot be seen this way (Dataverse keeps no tombstones without tracking).
 *
 * Cursors are JSON with links relative to the Web API base, so a cursor survives a new
 * port or host name of the same environment:
 *   `{ t: 'delta', next }` / `{ t: 'delta', delta }`, `{ t: 'page', next }`,
 *   `{ t: 'mark', w, id, next? }`.
 */

export interface DynamicsSourceOptions {
  connector: DynamicsConnector
  table: string
  /** The match column (record key); deletions are reported only when it is the primary id. */
  keyColumn: string
  kind: 'full' | 'incremental'
  select?: string[]
  /** Pushed-down `$filter` (only without change tracking; never when records must reach the runner). */
  odataFilter?: string
  pageSize?: number
  formattedValues?: boolean
  /** Read with change tracking when the table has it (default true). */
  useChangeTracking?: boolean
  /** Clock for the first watermark (default Date.now). */
  now?: () => number
  /** Told when the source picks a strategy, for the run's notices. */
  onNotice?: (message: string) => void
  /**
   * A flow matched on another column than the primary id: the key each row had when last read,
   * by its id, so that a row change tracking reports deleted (by its id alone) is deleted by
   * that key (`source-keys.ts`). `keyOf` reads a row's key as the flow's results carry it.
   */
  keysById?: {
    files: SourceKeyFiles
    keyOf: (record: SourceRecord) => string | undefined
    /** Deletions are applied ("Apply Dynamics deletes" on); off, the keys are only kept, for when it is turned on. */
    resolve: boolean
    /** A shard counts the deletions it could not name of its own keys; the first shard those with no key known. */
    shard?: Shard
  }
}

/** Deleted rows a flow matched on an alternate key could not delete by their key (`SourceKeyFiles.deleted`). */
export interface UnmatchedDeletions {
  /** Rows the flow never read: deleted before their first read, or synced before it kept keys. */
  unknown: number
  /** Rows whose key another row has taken since: its Campaign record is that row's now. */
  taken: number
}

type Cursor =
  /** `initial`: the pages of the listing of every row that change tracking starts with (it reports no deletions). */
  | { t: 'delta'; next?: string; delta?: string; initial?: true }
  | { t: 'page'; next?: string; w?: string }
  | { t: 'mark'; w: string; id: string; next?: string }

/** The watermark starts a little before the first full read, so edits made during it are read again next time. */
const watermarkSkewMs = 5 * 60_000

export class DynamicsRecordSource implements RecordSource {
  readonly kind: 'full' | 'incremental'
  private tracking: boolean | undefined
  /** The table's primary id column (known with `tracking`). */
  private primaryIdHint: string | undefined
  /** Deleted rows not deleted by their key (a flow matched on an alternate key), for the run's summary. */
  readonly unmatchedDeletions: UnmatchedDeletions = { unknown: 0, taken: 0 }

  constructor(private readonly options: DynamicsSourceOptions) {
    this.kind = options.kind
  }

  /** Whether this table is read through change tracking (known after the schema is read). */
  async usesChangeTracking(signal?: AbortSignal): Promise<boolean> {
    if (this.tracking === undefined) {
      const schema = await this.options.connector.tableSchema(this.options.table, signal)
      this.tracking = (this.options.useChangeTracking ?? true) && schema.table.changeTracking
      this.primaryIdHint = schema.table.primaryId
    }
    return this.tracking
  }

  /** Pages, the next one read while the runner writes the current one (two pages in memory at most). */
  pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    return readAhead(this.readPages(cursor, signal))
  }

  private async *readPages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const c = parseCursor(cursor)
    try {
      let inner: AsyncIterable<SourcePage>
      let total: Promise<number | undefined>
      if (await this.usesChangeTracking(signal)) {
        if (c && c.t !== 'delta') {
          this.options.onNotice?.(`${this.options.table}: the stored position is not a change-tracking link — reading everything again`)
          throw new SyncFatalError('cursorExpired', `the stored position of ${this.options.table} was not made by change tracking`)
        }
        const delta = c && c.t === 'delta' ? c : undefined
        total = delta?.next ? none : delta?.delta ? this.changeTotal(delta.delta, signal) : this.tableTotal(undefined, signal)
        inner = this.deltaPages(delta, signal)
      } else if (this.kind === 'incremental' && c && c.t === 'mark') {
        total = c.next ? none : this.exactCount(this.watermarkFilter(c), signal)
        inner = this.watermarkPages(c, signal)
      } else {
        const page = c && c.t === 'page' ? c : undefined
        total = page?.next ? none : this.tableTotal(this.options.odataFilter, signal)
        inner = this.fullPages(page, signal)
      }
      // The count runs alongside the first page's read; it only ever adds `total` to that page.
      total = total.catch(() => undefined)
      let first = true
      for await (const page of inner) {
        if (first) {
          first = false
          const known = await total
          yield known !== undefined ? { ...page, total: known } : page
        } else yield page
      }
    } catch (error) {
      throw this.translate(error)
    }
  }

  /**
   * Records a full read will yield: the exact `$count` of the (filtered) query when it is
   * under 5,000; above that the table's RetrieveTotalRecordCount snapshot (an upper bound
   * when a filter is pushed down, and up to 24 h old). Undefined when neither answers.
   */
  private async tableTotal(filter: string | undefined, signal: AbortSignal): Promise<number | undefined> {
    const { connector, table } = this.options
    let counted: number | undefined
    try {
      const { count, limitExceeded } = await connector.count(table, { filter, signal })
      // No @odata.count: unknown — ask the snapshot rather than call it 0.
      if (!limitExceeded && count !== undefined) return count
      counted = count
    } catch (error) {
      if (signal.aborted) throw error
    }
    const snapshot = await connector.totalRecordCount(table, signal)
    if (!snapshot || snapshot.capped) return undefined
    // A stale snapshot can be below the 5,000 rows the capped count already saw.
    return Math.max(snapshot.count, counted ?? 0)
  }

  /** The `$count` of a query when it is exact (under the 5,000 cap), else undefined. */
  private async exactCount(filter: string, signal: AbortSignal): Promise<number | undefined> {
    const { count, limitExceeded } = await this.options.connector.count(this.options.table, { filter, signal })
    return limitExceeded ? undefined : count
  }

  /** Changes (and deletions) behind a delta link, when the service says and the count is under the cap. */
  private async changeTotal(deltaLink: string, signal: AbortSignal): Promise<number | undefined> {
    const changes = await this.options.connector.changeCount(deltaLink, signal)
    return changes && !changes.capped ? changes.count : undefined
  }

  private translate(error: unknown): unknown {
    if (isConnectorError(error)) {
      if (error.kind === 'deltaExpired')
        return new SyncFatalError('cursorExpired', `the change-tracking link of ${this.options.table} has expired: ${error.message}`, {
          cause: error
        })
      // A paging link from an earlier session that the service no longer honours.
      if (error.kind === 'badRequest' && /skiptoken|nextLink/i.test(error.message))
        return new SyncFatalError(
          'cursorExpired',
          `the stored paging position of ${this.options.table} is no longer valid: ${error.message}`,
          { cause: error }
        )
      try {
        rethrowFatal(error, `reading ${this.options.table}`)
      } catch (fatal) {
        return fatal
      }
      if (error.kind === 'notFound')
        return new SyncFatalError('sourceGone', `${error.message} ${error.hint ?? ''}`.trim(), { cause: error })
    }
    return error
  }

  private toRecords(rows: DynamicsRecord[]): SourceRecord[] {
    return rows as SourceRecord[]
  }

  /** The connector's change-tracking walk; each page's position is the cursor, so a stopped run resumes after its last page. */
  private async *deltaPages(
    cursor: { next?: string; delta?: string; initial?: true } | undefined,
    signal: AbortSignal
  ): AsyncIterable<SourcePage> {
    const byId = await this.deletionsNamed(signal)
    const byKey = byId ? undefined : this.options.keysById
    const from = cursor?.next ? { next: cursor.next } : cursor?.delta ? { delta: cursor.delta } : undefined
    // The listing of every row change tracking starts with (no position), or the rest of it (a resume).
    const initial = !from || cursor?.initial === true
    await byKey?.files.begin(!from ? 'start' : initial ? 'whole' : 'changes')
    const primaryId = this.primaryIdHint
    for await (const page of this.options.connector.changes(this.options.table, {
      select: this.options.select,
      pageSize: Math.min(5000, this.options.pageSize ?? 5000),
      formattedValues: this.options.formattedValues,
      ...(from ? { from } : {}),
      signal
    })) {
      let deleted = byId ? page.deletes : []
      if (byKey && primaryId) {
        const pairs: Array<[string, string]> = []
        for (const row of page.upserts) {
          const key = byKey.keyOf(row as SourceRecord)
          if (key !== undefined && typeof row[primaryId] === 'string') pairs.push([row[primaryId] as string, key])
        }
        await byKey.files.note(pairs)
      }
      let unmatched: UnmatchedDeletions | undefined
      if (byKey?.resolve && page.deletes.length) {
        const found = await byKey.files.deleted(page.deletes)
        deleted = found.keys
        const { shard } = byKey
        unmatched = {
          unknown: !shard || shard.index === 1 ? found.unknown : 0,
          taken: shard ? found.takenKeys.filter((key) => inShard(key, shard)).length : found.takenKeys.length
        }
      }
      yield {
        records: this.toRecords(page.upserts),
        ...(deleted.length ? { deleted } : {}),
        cursor: page.position.next
          ? { t: 'delta', next: page.position.next, ...(initial ? { initial: true } : {}) }
          : { t: 'delta', delta: page.position.delta! },
        ...(unmatched && (unmatched.unknown || unmatched.taken)
          ? {
              processed: () => {
                this.unmatchedDeletions.unknown += unmatched.unknown
                this.unmatchedDeletions.taken += unmatched.taken
              }
            }
          : {})
      }
    }
  }

  private async deletionsNamed(signal: AbortSignal): Promise<boolean> {
    const schema = await this.options.connector.tableSchema(this.options.table, signal)
    return deletionsNamedBy(schema.table, this.options.keyColumn)
  }

  private async *fullPages(cursor: { next?: string; w?: string } | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    // The watermark an incremental run starts from after this full read (if it completes).
    const startedAt = cursor?.w ?? new Date((this.options.now ?? Date.now)() - watermarkSkewMs).toISOString()
    const first = cursor?.next
    for await (const page of this.query(first, undefined, signal)) {
      yield {
        records: this.toRecords(page.records),
        cursor: page.nextLink ? { t: 'page', next: page.nextLink, w: startedAt } : { t: 'mark', w: startedAt, id: '' }
      }
    }
  }

  private async *watermarkPages(cursor: { w: string; id: string; next?: string }, signal: AbortSignal): AsyncIterable<SourcePage> {
    const schema = await this.options.connector.tableSchema(this.options.table, signal)
    const id = schema.table.primaryId ?? this.options.keyColumn
    const w = cursor.w
    const filter = this.watermarkFilter(cursor, id)
    let last = { w, id: cursor.id }
    for await (const page of this.query(cursor.next, { filter, orderBy: ['modifiedon asc', `${id} asc`] }, signal)) {
      const rows = page.records
      const tail = rows[rows.length - 1]
      if (tail && typeof tail.modifiedon === 'string') last = { w: tail.modifiedon, id: String(tail[id] ?? '') }
      yield {
        records: this.toRecords(rows),
        cursor: page.nextLink ? { t: 'mark', w: cursor.w, id: cursor.id, next: page.nextLink } : { t: 'mark', ...last }
      }
    }
  }

  /** `modifiedon gt W or (modifiedon eq W and id gt ID)`, and the pushed-down filter. */
  private watermarkFilter(cursor: { w: string; id: string }, id = this.primaryIdHint ?? this.options.keyColumn): string {
    const w = cursor.w
    const after = cursor.id ? `(modifiedon gt ${w} or (modifiedon eq ${w} and ${id} gt ${cursor.id}))` : `modifiedon gt ${w}`
    return this.options.odataFilter ? `${after} and (${this.options.odataFilter})` : after
  }

  /** Pages of a plain query, continuing from a stored link when given (the connector's paging). */
  private async *query(
    startLink: string | undefined,
    extra: { filter: string; orderBy: string[] } | undefined,
    signal: AbortSignal
  ): AsyncIterable<{ records: DynamicsRecord[]; nextLink?: string }> {
    const { connector, table } = this.options
    for await (const page of connector.query(table, {
      select: this.options.select,
      filter: extra?.filter ?? this.options.odataFilter,
      ...(extra ? { orderBy: extra.orderBy } : {}),
      pageSize: this.options.pageSize,
      formattedValues: this.options.formattedValues,
      ...(startLink ? { from: startLink } : {}),
      signal
    })) {
      if (signal.aborted) throw abortError()
      yield page
    }
  }

  /** The current rows with these keys (the "retry failed records" run), in chunks of 50. */
  async *byKeys(keys: readonly string[], _cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const { connector, table, keyColumn } = this.options
    const schema = await connector.tableSchema(table, signal)
    const keyField = schema.table.fields.find((f) => f.name === keyColumn)
    const kind = keyField ? kindOfType(keyField.type) : 'unknown'
    for (let at = 0; at < keys.length; at += 50) {
      const chunk = keys.slice(at, at + 50)
      // Each key as its column takes it, in Dataverse's `In` function (values quoted, ' doubled). A key no value of
      // the column could be (text for a number or an id) matches no row: it is not sent, and not reported deleted.
      const values = chunk.map((k) => keyValue(k, kind)).filter((v): v is string => v !== undefined)
      if (values.length === 0) {
        yield { records: [], cursor: { t: 'keys', at: at + chunk.length } as Json }
        continue
      }
      const filter = inList(keyColumn, values)
      const records: SourceRecord[] = []
      try {
        for await (const page of connector.query(table, {
          select: this.options.select,
          filter,
          pageSize: 50,
          formattedValues: this.options.formattedValues,
          signal
        })) {
          records.push(...this.toRecords(page.records))
        }
      } catch (error) {
        throw this.translate(error)
      }
      const found = new Set(records.map((r) => keyValue(String(r[keyColumn]), kind)))
      // A key no longer in the table was deleted since: report it so deletes apply.
      const deleted = (await this.deletionsNamed(signal))
        ? chunk.filter((k) => {
            const value = keyValue(k, kind)
            return value !== undefined && !found.has(value)
          })
        : []
      yield { records, ...(deleted.length ? { deleted } : {}), cursor: { t: 'keys', at: at + chunk.length } as Json }
    }
  }
}

const none: Promise<undefined> = Promise.resolve(undefined)

function parseCursor(cursor: SourceCursor | undefined): Cursor | undefined {
  if (!cursor || typeof cursor !== 'object' || Array.isArray(cursor)) return undefined
  const t = (cursor as { t?: unknown }).t
  if (t === 'delta' || t === 'page' || t === 'mark') return cursor as unknown as Cursor
  return undefined
}

/** Reads one item ahead of the consumer; an error surfaces when the consumer reaches it. */
export async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]()
  let next = iterator.next()
  next.catch(() => undefined)
  try {
    while (true) {
      const step = await next
      if (step.done) return
      next = iterator.next()
      next.catch(() => undefined)
      yield step.value
    }
  } finally {
    await iterator.return?.()
  }
}
