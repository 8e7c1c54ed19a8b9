import type { TargetRecord } from '../../../shared/mapping/engine'
import type { CampaignConnector, CampaignRecord } from '../../connectors/campaign/connector'
import { isConnectorError } from '../../connectors/http/errors'
import {
  PARENT_MISSING,
  SyncFatalError,
  type CascadeCount,
  type SinkLimits,
  type TargetSink,
  type WriteOp,
  type WriteOutcome
} from '../ports'
import { failedOutcome, isKind, LruMap, mapLimit, rethrowFatal } from './errors'
import { ParentDeleteCascade, type CascadeChild, type Found } from './parent-delete-cascade'
import type { PlannedParent } from '../planned-writes'

/**
 * A Campaign Standard resource (the profile, or a `cus…` custom resource) as the runner's
 * `TargetSink`. Campaign has no batch API: a create (POST), an update (PATCH of the changed
 * fields only) and a delete cost one call each. What costs extra is finding out whether a
 * record exists, and what it holds — paid per run in the cheapest way the run allows
 * (`lookups: 'auto'`, what flows use; docs/sync.md "What a run costs"):
 *  - one `_count` of the resource when the run starts;
 *  - an empty target (an initial load): no lookup at all — every record is new;
 *  - otherwise one read per record (by the key in the URL, else through the key's filter)
 *    until those reads would cost more than reading the whole resource once; then one paged
 *    read of the resource (`indexPageSize` records a call) kept in memory for this run only —
 *    the mapped fields, the key and the href; never written anywhere (Adobe: generated
 *    primary keys must never be stored outside Campaign). A full run into a target synced
 *    before pays about one call per `indexPageSize` records for its lookups; an incremental
 *    run with a handful of changes stays at one read per changed record.
 * "Unchanged" stays honest in every mode: it is decided against Campaign's own values, read
 * in this run. A record this run wrote is read again by key if the run meets it again (the
 * index and the empty count no longer speak for it); after a create, the duplicate-key
 * refusal keeps even a stale "absent" idempotent.
 *
 * Idempotent by key: a create whose key exists (a duplicate-key refusal, or a POST whose
 * answer was lost) becomes an update of that record; a delete of a missing key is
 * `unchanged`.
 *
 * Links (custom resources): the computed record carries each link's value as the parent's
 * Dynamics id (the flow's `links`). The sink finds the parent profile by that id; no parent
 * → `parentMissing` (retryable: the parent flow may still write it; not retryable when the
 * source row has no parent at all). A writable link is sent as `{ PKey }`; a read-only,
 * join-field link (Campaign computes it from a text field such as `profileExternalId`) is
 * not sent — map the join field like any other.
 */

export interface CampaignLink {
  /** Link field on the target resource (`profile`, `vehicleOwner`). */
  field: string
  /** Whether Campaign lets us write it (a field-joined link is computed, read-only). */
  writable: boolean
}

export interface CampaignSinkOptions {
  connector: CampaignConnector
  resource: string
  /** The target field holding the Dynamics id (the identification key). */
  keyField: string
  /**
   * The user confirmed `keyField` is an identification key in Campaign (the flow's
   * `match.identificationKey`, or the connection's Dynamics-id key on the profile): records are
   * read by the key in the URL. Otherwise — Campaign's metadata does not say which fields are
   * keys — they are looked up through the key's filter (`by<Field>`).
   */
  keyInUrl?: boolean
  links?: CampaignLink[]
  limits?: Partial<SinkLimits>
  /** Called after every write call, before its outcomes are returned (the CLI saves the sandbox snapshot here). */
  afterWrite?: () => Promise<void>
  /**
   * Dry run: per link field, the Dynamics ids the parent flow plans to write in this run
   * (created, updated or unchanged: a child of one is not a failure) and to delete (a child of
   * one fails on its parent, as in the run, where the parent flow's deletes come first).
   */
  plannedParents?: ReadonlyMap<string, PlannedParent & { flowId: string }>
  /**
   * Dry run: this flow's rows that a parent flow's planned deletes would take from Campaign
   * (src/main/sync/planned-writes.ts). Lookups find them gone, as the run's lookups will.
   */
  plannedGone?: ReadonlySet<string>
  /**
   * How lookups are paid: 'perKey' (default here: one read per record), or 'auto' (what flows
   * use): a `_count` first, nothing more for an empty target, then per-key reads until one
   * paged read of the whole resource is cheaper (see above).
   */
  lookups?: 'perKey' | 'auto'
  /** Target fields the runner compares (the mapped ones, dotted): the in-memory index keeps only these. Default: every field. */
  indexFields?: readonly string[]
  /** Records per call when reading the whole resource (`_lineCount`; no documented maximum). Default 1000. */
  indexPageSize?: number
  /** A larger resource is never read whole (memory): its lookups stay one read per record. Default 250,000. */
  maxIndex?: number
  /** The document's flows linked to this one (its children): what a delete takes with it is counted and reported. */
  cascade?: readonly CascadeChild[]
  /** The other resources linked to this one (no flow of the mapping syncs them): asked on the first delete. */
  discoverCascade?: (signal: AbortSignal) => Promise<CascadeChild[]>
}

/** Records whose place in Campaign the sink keeps (a lookup's, for the write that follows). */
const HREFS_KEPT = 20_000

/** How this run finds out what Campaign holds (tests, the bench and docs/sync.md read it). */
export type LookupStrategy = 'perKey' | 'empty' | 'index'

export class CampaignSink implements TargetSink {
  readonly limits: SinkLimits
  /** An update needs no lookup first: PATCH by the key in the URL when it is an identification key (KB ka-15086), else found by the key's filter. */
  readonly updatesByKey = true
  private readonly connector: CampaignConnector
  private readonly filter: { name: string; param: string }
  /** href of records seen by lookup, for the writes that follow (bounded). */
  private readonly hrefs = new LruMap<string, Found>(HREFS_KEPT)
  /** Parent profiles by Dynamics id, and their Dynamics id by PKey (bounded). */
  private readonly parents = new LruMap<string, Found | null>(20_000)
  private readonly parentKeys = new LruMap<string, string>(20_000)
  /** Calls made, by kind (tests and the bench read them): `count` and `index` are the bulk lookups, `lookup` the per-key ones. */
  readonly calls = { count: 0, index: 0, lookup: 0, create: 0, update: 0, delete: 0, parent: 0, updateByKey: 0 }
  /** What a delete takes with it in Campaign (the rows linked to the record), when the flow counts it (`cascade`, `discoverCascade`). */
  private readonly cascade: ParentDeleteCascade | undefined
  private strategy: LookupStrategy = 'perKey'
  private deciding: Promise<void> | undefined
  private loading: Promise<void> | undefined
  /** Records in the target when the run started (`_count`), for the per-key reads' budget. */
  /** The target's `_count`; undefined when Campaign gave none (then it is never taken for empty). */
  private targetCount: number | undefined = undefined
  private perKeyReads = 0
  /** The target's records by key, projected to the compared fields: this run only, in memory only. */
  private index: Map<string, CampaignRecord> | undefined
  /**
   * Keys this run created, updated or deleted lately: what the index or the empty count said
   * about them is stale, so they are read again by key. Bounded (memory stays flat at any
   * table size): a key met again after 20,000 other writes relies on the idempotent create.
   */
  private readonly written = new LruMap<string, true>(20_000)

  constructor(private readonly options: CampaignSinkOptions) {
    this.connector = options.connector
    const bare = options.keyField.replace(/^cus/, '')
    const cap = bare.charAt(0).toUpperCase() + bare.slice(1)
    const low = bare.charAt(0).toLowerCase() + bare.slice(1)
    this.filter = { name: `by${cap}`, param: `${low}_parameter` }
    this.limits = {
      maxBatch: options.limits?.maxBatch ?? 25,
      concurrency: options.limits?.concurrency ?? 4,
      lookupBatch: options.limits?.lookupBatch ?? 25
    }
    this.keyLookup = options.keyInUrl === false ? 'filter' : 'unknown'
    this.cascade =
      options.cascade?.length || options.discoverCascade
        ? new ParentDeleteCascade(options.connector, options.resource, options.cascade ?? [], options, options.discoverCascade)
        : undefined
  }

  /** Most HTTP calls in flight at once against Campaign (the connector's limiter). */
  get httpConcurrency(): number {
    return this.connector.concurrency
  }

  /**
   * How records are found: by the key in the URL (`/profileAndServicesExt/<resource>/<key>`, one
   * indexed read) while that works, else through the key's filter. 'unknown' until the first
   * URL lookup answers; the other lookups wait for that one, so a field that is not an
   * identification key costs one refused call per run (Campaign's XTK-170036), not one per record.
   */
  private keyLookup: 'unknown' | 'url' | 'filter'
  private firstUrlLookup: Promise<unknown> | undefined

  private async findByUrl(key: string, signal: AbortSignal): Promise<CampaignRecord | undefined> {
    try {
      const record = await this.connector.get(
        `profileAndServicesExt/${encodeURIComponent(this.options.resource)}/${encodeURIComponent(key)}`,
        signal
      )
      return String(record[this.options.keyField]) === key ? record : undefined
    } catch (error) {
      if (isKind(error, 'notFound')) return undefined
      throw error
    }
  }

  private async find(key: string, signal: AbortSignal): Promise<CampaignRecord | undefined> {
    this.calls.lookup++
    if (this.keyLookup === 'unknown' && this.firstUrlLookup) await this.firstUrlLookup.catch(() => undefined)
    if (this.keyLookup !== 'filter') {
      const attempt = this.findByUrl(key, signal)
      if (this.keyLookup === 'unknown') this.firstUrlLookup ??= attempt
      try {
        const record = await attempt
        this.keyLookup = 'url'
        return record
      } catch (error) {
        // Not an identification key addressable in the URL (XTK-170036, or any record-level refusal): the filter from now on.
        if (!isKind(error, 'badRequest', 'protocol')) throw error
        this.keyLookup = 'filter'
      }
    }
    const found = await this.connector.findByFilter(this.options.resource, this.filter.name, { [this.filter.param]: key }, signal)
    return found.find((r) => String(r[this.options.keyField]) === key)
  }

  /** 'url' or 'filter' once known: how this run finds records (tests and the run log read it). */
  get lookupMode(): 'unknown' | 'url' | 'filter' {
    return this.keyLookup
  }

  /** 'perKey', 'empty' or 'index': how this run's lookups are paid (changes once, from 'perKey' to 'index'). */
  get lookupStrategy(): LookupStrategy {
    return this.strategy
  }

  /** The run's first lookup: one `_count` tells an initial load (empty target) from the rest. */
  private async decide(signal: AbortSignal): Promise<void> {
    if (this.options.lookups !== 'auto') return
    this.deciding ??= (async () => {
      this.calls.count++
      try {
        this.targetCount = await this.connector.count(this.options.resource, { signal })
      } catch (error) {
        this.deciding = undefined
        rethrowFatal(error, `counting ${this.options.resource}`)
        if (isKind(error, 'notFound')) throw new SyncFatalError('targetGone', `${(error as Error).message}`, { cause: error })
        throw error
      }
      this.strategy = this.targetCount === 0 ? 'empty' : 'perKey'
    })()
    await this.deciding
  }

  /**
   * Per-key reads so far plus these would cost more than one read of the whole resource:
   * read it now (a rent-or-buy choice — never more than about twice the cheaper of the two).
   */
  private async maybeIndex(wanted: number, signal: AbortSignal): Promise<void> {
    if (this.options.lookups !== 'auto' || this.strategy !== 'perKey') return
    const pageSize = this.options.indexPageSize ?? 1000
    const maxIndex = this.options.maxIndex ?? 250_000
    // Without a count the index's cost is unknown: stay with per-key reads.
    if (this.targetCount === undefined) return
    if (this.targetCount > maxIndex || this.perKeyReads + wanted <= Math.ceil(this.targetCount / pageSize)) return
    this.loading ??= this.loadIndex(pageSize, maxIndex, signal)
    await this.loading
  }

  private async loadIndex(pageSize: number, maxIndex: number, signal: AbortSignal): Promise<void> {
    const { resource, keyField } = this.options
    const index = new Map<string, CampaignRecord>()
    const keep = this.options.indexFields
      ? new Set([
          ...this.options.indexFields.map((f) => f.split('.')[0]),
          ...(this.options.links ?? []).map((l) => l.field),
          keyField,
          'href',
          'PKey'
        ])
      : undefined
    try {
      for await (const page of this.connector.list(resource, { pageSize, signal })) {
        this.calls.index++
        for (const record of page.records) {
          const key = record[keyField]
          if (key === undefined || key === null || key === '') continue
          index.set(String(key), keep ? project(record, keep) : record)
        }
        if (index.size > maxIndex) return // grew past the bound since the count: stay with per-key reads
      }
    } catch (error) {
      rethrowFatal(error, `reading ${resource}`)
      return // a read that failed midway: per-key reads from here, as before (they report their own errors)
    }
    this.index = index
    this.strategy = 'index'
  }

  async lookup(keys: readonly string[], signal: AbortSignal): Promise<ReadonlyMap<string, TargetRecord>> {
    const out = new Map<string, TargetRecord>()
    await this.decide(signal)
    await this.maybeIndex(keys.length, signal)
    await mapLimit(keys, keys.length, async (key) => {
      let record: CampaignRecord | undefined
      try {
        if (this.strategy === 'perKey' || this.written.get(key)) {
          this.perKeyReads++
          record = await this.find(key, signal)
        } else if (this.strategy === 'index') record = this.index!.get(key)
      } catch (error) {
        rethrowFatal(error, `looking up ${this.options.resource} ${key}`)
        if (isKind(error, 'notFound')) throw new SyncFatalError('targetGone', `${(error as Error).message}`, { cause: error })
        throw error
      }
      if (!record || this.options.plannedGone?.has(key)) return
      if (typeof record.href === 'string')
        this.hrefs.set(key, { href: record.href, ...(typeof record.PKey === 'string' ? { PKey: record.PKey } : {}) })
      out.set(key, await this.shapeLinks(record, signal))
    })
    return out
  }

  /** The record's link fields as the parent's Dynamics id, the way the computed record holds them. */
  private async shapeLinks(record: CampaignRecord, signal: AbortSignal): Promise<TargetRecord> {
    const links = this.options.links ?? []
    if (links.length === 0) return record
    const shaped: TargetRecord = { ...record }
    for (const link of links) {
      const value = record[link.field] as { PKey?: string; href?: string } | null | undefined
      if (!value || (!value.PKey && !value.href)) {
        shaped[link.field] = null
        continue
      }
      const pkey = value.PKey ?? ''
      let key = pkey ? this.parentKeys.get(pkey) : undefined
      if (key === undefined && value.href) {
        try {
          this.calls.parent++
          const parent = await this.connector.get(value.href.replace('/profileAndServices/', '/profileAndServicesExt/'), signal)
          key = String(parent[this.connector.dynamicsKeyField] ?? '')
          if (pkey) this.parentKeys.set(pkey, key)
        } catch (error) {
          rethrowFatal(error, `reading the parent of a ${this.options.resource} record`)
          key = ''
        }
      }
      shaped[link.field] = key || null
    }
    return shaped
  }

  async write(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    const outcomes = await mapLimit(batch, batch.length, (op) => this.apply(op, signal))
    await this.options.afterWrite?.()
    return outcomes
  }

  /** Dry run: each write's outcome as far as reading can tell — the links' parents, in Campaign or planned by the parent flow. */
  async plan(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    return mapLimit(batch, batch.length, async (op): Promise<WriteOutcome> => {
      if (op.op === 'delete') {
        if (!this.cascade) return { key: op.key, outcome: 'deleted' }
        const found = await this.found(op.key, signal)
        const cascaded = found ? await this.cascade.plan(op.key, found, signal) : []
        return { key: op.key, outcome: 'deleted', ...(cascaded.length ? { cascaded } : {}) }
      }
      try {
        const linked = await this.resolveLinks(op.key, op.op === 'update' ? op.patch : op.record, signal, true)
        if ('outcome' in linked) return linked
        return { key: op.key, outcome: op.op === 'create' ? 'created' : 'updated' }
      } catch (error) {
        rethrowFatal(error, `checking the links of ${this.options.resource} ${op.key}`)
        return failedOutcome(op.key, error)
      }
    })
  }

  private async apply(op: WriteOp, signal: AbortSignal): Promise<WriteOutcome> {
    try {
      if (op.op === 'delete') return await this.remove(op.key, signal)
      const linked = await this.resolveLinks(op.key, op.op === 'update' ? op.patch : op.record, signal)
      if ('outcome' in linked) return linked
      if (op.op === 'create') return await this.create(op.key, linked.body, signal)
      if (op.byKey) return await this.updateByKey(op.key, linked.body, op.record, signal)
      return await this.update(op.key, linked.body, op.record, signal)
    } catch (error) {
      rethrowFatal(error, `writing ${this.options.resource} ${op.key}`)
      return failedOutcome(op.key, error, 'failed', op.op === 'create' ? op.record : op.op === 'update' ? op.patch : undefined)
    }
  }

  /** Replaces link values (parent Dynamics ids) with what Campaign takes, or reports the orphan. */
  private async resolveLinks(
    key: string,
    record: TargetRecord,
    signal: AbortSignal,
    planning = false
  ): Promise<{ body: CampaignRecord } | WriteOutcome> {
    const links = this.options.links ?? []
    if (links.length === 0) return { body: record }
    const body: CampaignRecord = { ...record }
    for (const link of links) {
      if (!(link.field in record)) continue
      const parentKey = record[link.field]
      delete body[link.field]
      if (parentKey === null || parentKey === undefined || parentKey === '') {
        return {
          key,
          outcome: 'failed',
          code: PARENT_MISSING,
          message: `the source record has no parent (the lookup for "${link.field}" is empty)`,
          retryable: false,
          field: link.field
        }
      }
      const planned = planning ? this.options.plannedParents?.get(link.field) : undefined
      if (planned?.deleted.has(String(parentKey))) {
        return {
          key,
          outcome: 'failed',
          code: PARENT_MISSING,
          message: `no Campaign profile has the Dynamics id ${String(parentKey)} once flow "${planned.flowId}" has deleted it, earlier in this run`,
          retryable: false,
          field: link.field
        }
      }
      if (planned?.keys.has(String(parentKey))) continue
      const parent = await this.parent(String(parentKey), signal)
      if (!parent && planning) {
        const by = planned
          ? `, and flow "${planned.flowId}" does not plan to write it in this run (filtered out, failing, or not in its source)`
          : ''
        return {
          key,
          outcome: 'failed',
          code: PARENT_MISSING,
          message: `no Campaign profile has the Dynamics id ${String(parentKey)}${by}`,
          retryable: false,
          field: link.field
        }
      }
      if (!parent) {
        return {
          key,
          outcome: 'failed',
          code: PARENT_MISSING,
          message: `no Campaign profile has the Dynamics id ${String(parentKey)} (yet)`,
          retryable: true,
          field: link.field
        }
      }
      if (link.writable) body[link.field] = parent.PKey ? { PKey: parent.PKey } : { href: parent.href }
    }
    return { body }
  }

  private async parent(dynamicsId: string, signal: AbortSignal): Promise<Found | undefined> {
    const cached = this.parents.get(dynamicsId)
    if (cached) return cached
    this.calls.parent++
    const profile = await this.connector.findProfileByKey(dynamicsId, signal)
    if (!profile?.href) return undefined // not cached: the parent flow may write it before the retry pass
    const found: Found = { href: String(profile.href), ...(typeof profile.PKey === 'string' ? { PKey: profile.PKey } : {}) }
    this.parents.set(dynamicsId, found)
    if (found.PKey) this.parentKeys.set(found.PKey, dynamicsId)
    return found
  }

  private async create(key: string, record: CampaignRecord, signal: AbortSignal): Promise<WriteOutcome> {
    const body = { ...withoutEmpty(record), [this.options.keyField]: key }
    try {
      this.calls.create++
      this.written.set(key, true)
      const created = await this.connector.create(this.options.resource, body, signal)
      if (typeof created.href === 'string') this.hrefs.set(key, { href: created.href })
      return { key, outcome: 'created' }
    } catch (error) {
      rethrowFatal(error, `creating ${this.options.resource} ${key}`)
      // The key exists (a duplicate refused), or the POST's answer was lost: look, then update.
      if (isKind(error, 'conflict', 'network', 'timeout', 'server')) {
        const existing = await this.find(key, signal)
        if (existing?.href) {
          const { [this.options.keyField]: _key, ...changes } = record
          this.calls.update++
          await this.connector.patch(String(existing.href), changes, signal)
          return { key, outcome: isKind(error, 'conflict') ? 'updated' : 'created' }
        }
        if (!isKind(error, 'conflict')) return failedOutcome(key, error)
      }
      throw error
    }
  }

  /**
   * An update whose record is gone from Campaign (deleted behind the sync, or with its profile:
   * Campaign cascades a profile's delete to its custom-resource rows) is created again from the
   * whole record — through the same link resolution as a first create: its parent is checked
   * (none → `parentMissing`, as the dry run plans it, never an orphan) and a writable link is
   * sent as the parent's `{ PKey }`, not as the Dynamics id the computed record carries.
   */
  private async recreate(key: string, whole: TargetRecord, signal: AbortSignal): Promise<WriteOutcome> {
    const linked = await this.resolveLinks(key, whole, signal)
    if ('outcome' in linked) return linked
    return this.create(key, linked.body, signal)
  }

  private async update(key: string, patch: CampaignRecord, whole: TargetRecord, signal: AbortSignal): Promise<WriteOutcome> {
    const { [this.options.keyField]: _key, ...changes } = patch
    let found = this.hrefs.get(key)
    if (!found) {
      const existing = await this.find(key, signal)
      if (!existing?.href) return this.recreate(key, whole, signal)
      found = { href: String(existing.href) }
    }
    if (Object.keys(changes).length === 0) return { key, outcome: 'unchanged' }
    this.written.set(key, true)
    try {
      this.calls.update++
      await this.connector.patch(found.href, changes, signal)
      return { key, outcome: 'updated' }
    } catch (error) {
      rethrowFatal(error, `updating ${this.options.resource} ${key}`)
      if (isKind(error, 'notFound')) {
        // Deleted in Campaign since the lookup: create it again from the whole record.
        this.hrefs.delete(key)
        return this.recreate(key, whole, signal)
      }
      throw error
    }
  }

  /**
   * An update the runner did not look up (the fields changed since what was last sent): one
   * PATCH addressed by the identification key in the URL
   * (`/profileAndServicesExt/<resource>/<key>`, KB ka-15086:
   * https://experienceleague.adobe.com/en/docs/experience-cloud-kcs/kbarticles/ka-15086) when the
   * key is confirmed or a read by it worked this run; a record gone from Campaign (404) is
   * created again from the whole record. Otherwise the key's filter finds it first (two calls).
   */
  private async updateByKey(key: string, patch: CampaignRecord, whole: TargetRecord, signal: AbortSignal): Promise<WriteOutcome> {
    const urlWorks = this.keyLookup === 'url' || (this.keyLookup === 'unknown' && this.options.keyInUrl === true)
    if (this.hrefs.get(key) || !urlWorks) return this.update(key, patch, whole, signal)
    const { [this.options.keyField]: _key, ...changes } = patch
    if (Object.keys(changes).length === 0) return { key, outcome: 'unchanged' }
    this.written.set(key, true)
    try {
      this.calls.updateByKey++
      await this.connector.patch(
        `profileAndServicesExt/${encodeURIComponent(this.options.resource)}/${encodeURIComponent(key)}`,
        changes,
        signal
      )
      this.keyLookup = 'url'
      return { key, outcome: 'updated' }
    } catch (error) {
      rethrowFatal(error, `updating ${this.options.resource} ${key}`)
      if (isKind(error, 'notFound')) return this.recreate(key, whole, signal)
      // Not an identification key Campaign takes in the URL (XTK-170036): the filter from now on.
      // Only that answer: a PATCH carries data, and Campaign refusing this record's data (a
      // stricter e-mail rule, a data policy) says nothing about the key — switching would make
      // every later update of the run cost a lookup too, and send the refused data twice.
      if (isKind(error, 'badRequest', 'protocol') && this.keyLookup === 'unknown' && notAnIdentificationKey(error)) {
        this.keyLookup = 'filter'
        return this.update(key, patch, whole, signal)
      }
      throw error
    }
  }

  private async remove(key: string, signal: AbortSignal): Promise<WriteOutcome> {
    const found = await this.found(key, signal)
    if (!found) return { key, outcome: 'unchanged' }
    // Counted before the delete: afterwards Campaign may have deleted them with it.
    const linked = this.cascade ? await this.cascade.linked(key, found, signal) : []
    this.written.set(key, true)
    this.calls.delete++
    const { deleted } = await this.connector.delete(found.href, { ignoreMissing: true, signal })
    this.hrefs.delete(key)
    if (!deleted) return { key, outcome: 'unchanged' }
    const cascaded = this.cascade ? await this.cascade.deleted(linked, signal) : []
    return { key, outcome: 'deleted', ...(cascaded.length ? { cascaded } : {}) }
  }

  /** Before the deletes: the rows Campaign would delete with these records (the delete guard counts them). */
  async countCascade(keys: readonly string[], signal: AbortSignal): Promise<readonly CascadeCount[]> {
    if (!this.cascade || keys.length === 0) return []
    // More deletes than the sink keeps locations of: those it has (the run's lookup just read them), no read per key
    // (it would double the calls of a large delete); the counts are then "at least".
    const partly = keys.length > HREFS_KEPT
    const found: Found[] = []
    await mapLimit(partly ? keys.filter((k) => this.hrefs.get(k)) : keys, this.limits.concurrency, async (key) => {
      const ref = await this.found(key, signal)
      if (ref) found.push(ref)
    })
    const counts = await this.cascade.count(found, signal)
    return partly ? counts.map((c) => ({ ...c, unknown: true })) : counts
  }

  /** Where a record is in Campaign: seen by a lookup this run, else read by its key (and kept for the write that follows). */
  private async found(key: string, signal: AbortSignal): Promise<Found | undefined> {
    const seen = this.hrefs.get(key)
    if (seen) return seen
    const ref = refOf(await this.find(key, signal))
    if (ref) this.hrefs.set(key, ref)
    return ref
  }

  /** What the run's deletes took with them in Campaign (the dry run: would take), in words. */
  cascadeSummary(dryRun: boolean): string[] {
    return this.cascade?.summary(dryRun) ?? []
  }
}

function refOf(record: CampaignRecord | undefined): Found | undefined {
  if (typeof record?.href !== 'string') return undefined
  return { href: record.href, ...(typeof record.PKey === 'string' ? { PKey: record.PKey } : {}) }
}

/** Campaign's answer to a URL segment that is neither a PKey nor an identification key (https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/limitations). */
function notAnIdentificationKey(error: unknown): boolean {
  if (!isConnectorError(error)) return false
  return error.kind === 'protocol' || error.code === 'XTK-170036' || /\bXTK-170036\b/.test(error.message)
}

export function isCampaignNotFound(error: unknown): boolean {
  return isConnectorError(error) && error.kind === 'notFound'
}

/** The record with only the fields in `keep` (top-level names). */
function project(record: CampaignRecord, keep: ReadonlySet<string>): CampaignRecord {
  const out: CampaignRecord = {}
  for (const name of keep) if (name in record) out[name] = record[name]
  return out
}

/**
 * A new record carries only the values it has: "no value" (null — an empty email, say) is
 * left out rather than sent, so Campaign keeps its own empty default and nothing is stored
 * as "". Updates still send null to clear a field.
 */
function withoutEmpty(record: CampaignRecord): CampaignRecord {
  const out: CampaignRecord = {}
  for (const [name, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue
    if (typeof value === 'object' && !Array.isArray(value)) {
      const inner = withoutEmpty(value as CampaignRecord)
      if (Object.keys(inner).length) out[name] = inner
      continue
    }
    out[name] = value
  }
  return out
}
