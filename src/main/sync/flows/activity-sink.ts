import type { TargetRecord } from '../../../shared/mapping/engine'
import { inLists } from '../../../shared/mapping/filters'
import type { DynamicsConnector, DynamicsRecord, WriteOperation } from '../../connectors/dynamics/connector'
import { SyncFatalError, type SinkLimits, type TargetSink, type WriteOp, type WriteOutcome } from '../ports'
import { isKind, mapLimit, rethrowFatal } from './errors'

/**
 * A Dynamics activity table (Campaign events on the contact's timeline) as a `TargetSink`.
 * Lookups read the activities whose event-id column (`new_externaleventid`, the flow's
 * `match.target`, an alternate key) holds the batch's keys; writes are upserts addressed by
 * that alternate key — so a replayed event updates its activity instead of adding a second
 * one — sent as one `UpsertMultiple` per batch where the table has it, else (activity tables
 * often lack the bulk messages, and a refused bulk message rolls back whole) as `$batch`
 * with continue-on-error (`DynamicsConnector.writeMany`): one call per batch either way.
 *
 * The computed record carries the contact as `_regardingobjectid_value` (a GUID, the way
 * Dataverse returns the lookup); it is written as `regardingobjectid` → `{ table: 'contact' }`.
 */

export const REGARDING = '_regardingobjectid_value'

export interface ActivitySinkOptions {
  connector: DynamicsConnector
  table: string
  keyColumn: string
  /** Columns read back for the unchanged check (the mapped ones). */
  columns: string[]
  limits?: Partial<SinkLimits>
  afterWrite?: () => Promise<void>
}

export class ActivitySink implements TargetSink {
  readonly limits: SinkLimits
  readonly calls = { lookup: 0, batch: 0 }

  constructor(private readonly options: ActivitySinkOptions) {
    this.limits = {
      maxBatch: options.limits?.maxBatch ?? 100,
      concurrency: options.limits?.concurrency ?? 4,
      lookupBatch: options.limits?.lookupBatch ?? 50
    }
  }

  async lookup(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, TargetRecord>> {
    const { connector, table, keyColumn } = this.options
    const select = [...new Set([...this.options.columns, keyColumn, REGARDING])]
    const out = new Map<string, TargetRecord>()
    try {
      // Usually one query; more when long event ids would make too long a URL (inLists).
      for (const filter of inLists(keyColumn, keys)) {
        this.calls.lookup++
        for await (const page of connector.query(table, { select, filter, pageSize: 5000, signal })) {
          for (const row of page.records) {
            const key = row[keyColumn]
            if (typeof key === 'string') out.set(key, row as TargetRecord)
          }
        }
      }
    } catch (error) {
      rethrowFatal(error, `looking up ${table}`)
      if (isKind(error, 'notFound')) throw new SyncFatalError('targetGone', (error as Error).message, { cause: error })
      throw error
    }
    return out
  }

  /**
   * Dry run: an upsert that names a contact no longer in Dynamics fails in the run (404,
   * `contactMissing`), so the plan reads those contacts — one `In()` query per batch (more when its ids would make too long a URL) — and
   * plans the same failure; every other op is planned to succeed (docs/sync.md, "Dry run = run").
   */
  async plan(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    const contactOf = (op: WriteOp): string | undefined => {
      if (op.op === 'delete') return undefined
      const value = (op.op === 'update' ? op.patch : op.record)[REGARDING]
      return value === undefined || value === null || value === '' ? undefined : String(value)
    }
    const ids = [...new Set(batch.map(contactOf).filter((id): id is string => id !== undefined))]
    const found = new Set<string>()
    if (ids.length) {
      try {
        // One `In()` per run of ids that keeps the URL within Dataverse's limit (inLists, MAX_PUSHED_FILTER).
        for (const filter of inLists('contactid', ids))
          for await (const page of this.options.connector.query('contact', { select: ['contactid'], filter, pageSize: 5000, signal }))
            for (const row of page.records) if (typeof row.contactid === 'string') found.add(row.contactid.toLowerCase())
      } catch (error) {
        rethrowFatal(error, 'reading the contacts the events are about')
        throw error
      }
    }
    return batch.map((op): WriteOutcome => {
      const contact = contactOf(op)
      if (contact !== undefined && !found.has(contact.toLowerCase()))
        return {
          key: op.key,
          outcome: 'failed',
          code: 'contactMissing',
          message: `the contact this event is about is not in Dynamics (deleted?): contact ${contact}`,
          retryable: false
        }
      return { key: op.key, outcome: op.op === 'create' ? 'created' : op.op === 'update' ? 'updated' : 'deleted' }
    })
  }

  private payload(record: TargetRecord): DynamicsRecord {
    const { [REGARDING]: contact, ...rest } = record
    const out: DynamicsRecord = { ...rest }
    if (contact !== undefined) out.regardingobjectid = contact === null ? null : { table: 'contact', id: String(contact) }
    return out
  }

  async write(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    const { connector, table, keyColumn } = this.options
    const ops: WriteOperation[] = batch.map((op) =>
      op.op === 'delete'
        ? { kind: 'delete', table, key: { [keyColumn]: op.key } }
        : {
            kind: 'upsert',
            table,
            key: { [keyColumn]: op.key },
            record: this.payload(op.op === 'update' ? op.patch : { ...op.record, [keyColumn]: op.key })
          }
    )
    let results
    try {
      this.calls.batch++
      results = await connector.writeMany(ops, { bulkSize: this.limits.maxBatch, batchSize: this.limits.maxBatch, signal })
    } catch (error) {
      rethrowFatal(error, `writing ${table}`)
      throw error
    }
    await this.options.afterWrite?.()
    return mapLimit(batch, batch.length, async (op, index) => {
      const result = results[index]
      if (result?.ok) return { key: op.key, outcome: op.op === 'create' ? 'created' : op.op === 'update' ? 'updated' : 'deleted' }
      const error = result?.error
      if (op.op === 'delete' && result?.status === 404) return { key: op.key, outcome: 'unchanged' }
      if (result?.unknown)
        return {
          key: op.key,
          outcome: 'unknown',
          // Not retried in this run: the first write may still be running. A retry looks the activity up by its key first.
          message:
            `no answer from Dynamics, so this event's activity may or may not be written: ${error?.message ?? ''} ${error?.hint ?? ''}`.trim()
        } satisfies WriteOutcome
      const missingContact = result?.status === 404 && op.op !== 'delete'
      return {
        key: op.key,
        outcome: 'failed',
        code: missingContact ? 'contactMissing' : error?.code ? `${error.kind}:${error.code}` : (error?.kind ?? 'failed'),
        message: missingContact
          ? `the contact this event is about is not in Dynamics (deleted?): ${error?.message ?? ''}`.trim()
          : (error?.message ?? `HTTP ${result?.status ?? 0}`),
        retryable: result?.status === 429 || (result?.status ?? 0) >= 500
      } satisfies WriteOutcome
    })
  }
}
