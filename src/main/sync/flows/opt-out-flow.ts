import type { OptOutFlow, RecordsFlow } from '../../../shared/mapping/document'
import { optOutModes } from '../../../shared/mapping/opt-out-modes'
import { inLists } from '../../../shared/mapping/filters'
import type { EngineWarning, RecordResult, SourceRecord, TargetRecord } from '../../../shared/mapping/engine'
import type { CampaignConnector, CampaignRecord } from '../../connectors/campaign/connector'
import type { ChangePosition, DynamicsConnector, DynamicsRecord } from '../../connectors/dynamics/connector'
import { isConnectorError } from '../../connectors/http/errors'
import { ConflictTally, conflictLabel, planOptOut } from '../opt-out-rule'
import {
  SyncFatalError,
  type RecordSource,
  type SinkLimits,
  type SourceCursor,
  type SourcePage,
  type RecordConflict,
  type TargetSink,
  type WriteOp,
  type WriteOutcome
} from '../ports'
import type { RecordTransform } from '../runner'
import { failedOutcome, isKind, LruMap, mapLimit, rethrowFatal } from './errors'
import { pagesFromPosition } from './campaign-pages'
import { BatchedUpdates, UpdateOutcomeUnknown } from './contact-writes'
import type { BuildFlowOptions, FlowParts } from './index'

/**
 * Job 4: opt-outs between Dynamics contact booleans (`donotbulkemail`…) and Campaign profile
 * opt-out fields (`blackListEmail`… / `denyListEmail`…), in the flow's direction, with
 * Adobe's conflict rule for `both` (`planOptOut`: Campaign's per-attribute change time
 * against the contact's `modifiedon`; on a tie or Dynamics newer, opt-out wins). Each
 * conflict is labelled (a warning on the record: both values and times, the side kept, the rule).
 *
 * A record is one contact ↔ profile pair keyed by the contact id; its target is the value
 * each side should hold, so the runner's unchanged check skips pairs that agree and the
 * patch holds only the sides that change. What is read grows with the changes, not the tables:
 *
 * - A full run (the first, a replay, or after the direction or pairs changed) first takes a
 *   change-tracking position on the contacts (the initial listing, only the columns the flow
 *   reads, to its delta link), then walks the profiles that carry a Dynamics id a page at a
 *   time and reads their contacts with `In(contactid, …)` queries, one per page or a few when a
 *   page's ids would make too long a URL (`inLists`).
 * - An incremental run follows the contacts' delta link (`DynamicsConnector.changes`) and
 *   looks up each changed contact's profile by its key; then lists the profiles changed since
 *   the last run (`CampaignConnector.modifiedSince`, Campaign's `lastModified`) and reads their
 *   contacts the same way. A pair changed on both sides is read once.
 *
 * Every page's cursor says where the walk stands (phase, delta position, profile page), so a
 * canceled or crashed run resumes after its last page done.
 */

interface PairState {
  contact: DynamicsRecord
  profile: CampaignRecord
  /** The conflicts the transform settled for this pair: the write that applies them reports them to the journal. */
  conflicts?: RecordConflict[]
}

type Shared = LruMap<string, PairState>

/** The position of an opt-out flow (plain JSON, stored by the journal). */
interface OptOutCursor {
  t: 'optOut'
  /** The direction and pairs it was made for: a position of another mapping is not reused (those records must be read again). */
  m: string
  /** `prime`: taking the contacts' change-tracking position; `walk`: the full profile walk; `dynamics` / `campaign`: the changes of each side. */
  p: 'prime' | 'walk' | 'dynamics' | 'campaign'
  /** The contacts' change-tracking position. */
  d?: ChangePosition
  /** Profiles changed at or after this time are read (ISO). */
  since?: string
  /** The `since` of the next run: this run's start, less the look-back. */
  until?: string
  /** The profile page being read (a Campaign `next` link). */
  next?: string
}

/**
 * How far before a run's start the next run looks for changed profiles: a profile written
 * while the run read (its `lastModified` a moment earlier than it became visible), or a
 * Campaign clock a little behind ours, is read again rather than missed. Re-read pairs that
 * agree come out unchanged.
 */
export const defaultOptOutLookbackMs = 5 * 60_000

export interface OptOutSourceOptions {
  kind: 'full' | 'incremental'
  pageSize?: number
  lookbackMs?: number
  now?: () => number
  /** A preview's sample: start with the pairs (no change-tracking position is taken, none is stored). */
  sample?: boolean
}

export function optOutMappingKey(flow: OptOutFlow): string {
  return JSON.stringify([flow.direction, flow.match.source, flow.match.target, flow.pairs.map((p) => [p.dynamics, p.campaign])])
}

export class OptOutSource implements RecordSource {
  readonly kind: 'full' | 'incremental'
  private readonly pageSize: number
  private readonly mapping: string
  /** Keys read from the Dynamics side in this run: the Campaign side does not read them again (bounded; a repeat is harmless). */
  private readonly seen = new LruMap<string, true>(100_000)

  constructor(
    private readonly flow: OptOutFlow,
    private readonly dynamics: DynamicsConnector,
    private readonly campaign: CampaignConnector,
    private readonly shared: Shared,
    private readonly options: OptOutSourceOptions
  ) {
    this.kind = options.kind
    this.pageSize = Math.min(500, options.pageSize ?? 100)
    this.mapping = optOutMappingKey(flow)
  }

  /** A resumed run: the pairs the stopped attempt wrote were read by its Dynamics side (or are done): the Campaign side skips them too. */
  resumedAfter(keys: ReadonlySet<string>): void {
    for (const key of keys) this.seen.set(key, true)
  }

  private get columns(): string[] {
    return [...new Set([this.flow.match.source, 'modifiedon', ...this.flow.pairs.map((p) => p.dynamics)])]
  }

  private start(cursor: SourceCursor | undefined): OptOutCursor {
    const now = (this.options.now ?? Date.now)()
    const until = new Date(now - (this.options.lookbackMs ?? defaultOptOutLookbackMs)).toISOString()
    const c =
      cursor && typeof cursor === 'object' && !Array.isArray(cursor) && (cursor as { t?: unknown }).t === 'optOut'
        ? (cursor as unknown as OptOutCursor)
        : undefined
    if (!c || c.m !== this.mapping) return { t: 'optOut', m: this.mapping, p: 'prime', until }
    // A finished run's cursor starts the next one: its `until` becomes this run's `since`.
    return c.until ? c : { ...c, until }
  }

  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    let c = this.start(cursor)
    try {
      if (c.p === 'prime') {
        if (!this.options.sample && (await this.tracked(signal))) {
          for await (const page of this.dynamics.changes(this.flow.source.table, {
            select: this.columns,
            ...(c.d ? { from: c.d } : {}),
            signal
          })) {
            c = page.position.next ? { ...c, d: page.position } : { ...c, p: 'walk', d: page.position, next: undefined }
            yield { records: [], cursor: json(c) }
          }
        } else c = { ...c, p: 'walk' }
      }
      if (c.p === 'walk') {
        const start = c.next
        for await (const page of pagesFromPosition(
          () => this.campaign.list(this.flow.target.resource, pageOptions(start, this.pageSize)),
          start,
          this.campaign,
          signal
        )) {
          const records = await this.pairsOfProfiles(page.records, signal)
          c = page.next ? { ...c, next: page.next } : this.finished(c)
          yield { records, cursor: json(c) }
        }
        return
      }
      if (c.p === 'dynamics') {
        if (!c.d) throw new SyncFatalError('cursorExpired', `the stored position of ${this.flow.id} has no change-tracking link`)
        for await (const page of this.dynamics.changes(this.flow.source.table, {
          select: this.columns,
          from: c.d,
          pageSize: 5000,
          signal
        })) {
          const records = await this.pairsOfContacts(page.upserts, signal)
          c = page.position.next ? { ...c, d: page.position } : { ...c, p: 'campaign', d: page.position, next: undefined }
          yield { records, cursor: json(c) }
        }
      }
      if (c.p === 'campaign') {
        const since = c.since ? new Date(c.since) : new Date(0)
        const start = c.next
        const pageSize = Math.max(this.pageSize, 500)
        for await (const page of pagesFromPosition(
          () => this.campaign.modifiedSince(this.flow.target.resource, since, pageOptions(start, pageSize)),
          start,
          this.campaign,
          signal
        )) {
          const records = await this.pairsOfProfiles(
            page.records.filter((p) => !this.seen.get(String(p[this.flow.match.target] ?? '').toLowerCase())),
            signal
          )
          c = page.next ? { ...c, next: page.next } : this.finished(c)
          yield { records, cursor: json(c) }
        }
      }
    } catch (error) {
      if (isConnectorError(error) && error.kind === 'deltaExpired')
        throw new SyncFatalError('cursorExpired', `the change-tracking link of ${this.flow.source.table} has expired: ${error.message}`, {
          cause: error
        })
      rethrowFatal(error, 'reading opt-outs')
      throw error
    }

    function pageOptions(
      from: string | undefined,
      pageSize: number
    ): { pageSize: number; family: 'profileAndServicesExt'; from?: string; signal: AbortSignal } {
      return { pageSize, family: 'profileAndServicesExt', ...(from ? { from } : {}), signal }
    }
  }

  /** Where the next run starts: the contacts' delta link and the profiles changed since this run began. */
  private finished(c: OptOutCursor): OptOutCursor {
    return { t: 'optOut', m: this.mapping, p: c.d ? 'dynamics' : 'walk', ...(c.d ? { d: c.d } : {}), since: c.until }
  }

  private async tracked(signal: AbortSignal): Promise<boolean> {
    return (await this.dynamics.tableSchema(this.flow.source.table, signal)).table.changeTracking ?? false
  }

  /**
   * Pairs for profiles: their contacts by `In()` queries, as few as the URL limit allows (a
   * profile whose contact is gone is left to the contacts flow).
   */
  private async pairsOfProfiles(profiles: CampaignRecord[], signal: AbortSignal): Promise<SourceRecord[]> {
    const keyField = this.flow.match.target
    const withKey = profiles.filter((p) => typeof p[keyField] === 'string' && p[keyField])
    const contacts = new Map<string, DynamicsRecord>()
    if (withKey.length) {
      const ids = [...new Set(withKey.map((p) => String(p[keyField]).toLowerCase()))]
      // One `In()` per run of ids that keeps the URL within Dataverse's limit (MAX_PUSHED_FILTER): each id is read once.
      for (const filter of inLists(this.flow.match.source, ids))
        for await (const page of this.dynamics.query(this.flow.source.table, { select: this.columns, filter, pageSize: 5000, signal })) {
          for (const row of page.records) contacts.set(String(row[this.flow.match.source]).toLowerCase(), row)
        }
    }
    const records: SourceRecord[] = []
    for (const profile of withKey) {
      const key = String(profile[keyField]).toLowerCase()
      const contact = contacts.get(key)
      if (!contact) continue
      this.shared.set(key, { contact, profile })
      records.push({ __key: key } as SourceRecord)
    }
    return records
  }

  /** Pairs for changed contacts: each one's profile by its key (Campaign has no bulk read by a list of keys). */
  private async pairsOfContacts(contacts: DynamicsRecord[], signal: AbortSignal): Promise<SourceRecord[]> {
    const found = await mapLimit(contacts, Math.max(1, this.campaign.concurrency), async (contact) => {
      const key = String(contact[this.flow.match.source] ?? '').toLowerCase()
      if (!key) return undefined
      this.seen.set(key, true)
      const profile = await this.campaign.findProfileByKey(key, signal)
      return profile ? { key, contact, profile } : undefined // not synced (yet): nothing to keep in step
    })
    const records: SourceRecord[] = []
    for (const pair of found) {
      if (!pair) continue
      this.shared.set(pair.key, { contact: pair.contact, profile: pair.profile })
      records.push({ __key: pair.key } as SourceRecord)
    }
    return records
  }
}

function json(cursor: OptOutCursor): SourceCursor {
  return JSON.parse(JSON.stringify(cursor)) as SourceCursor
}

class OptOutSink implements TargetSink {
  readonly limits: SinkLimits
  private contactUpdates: BatchedUpdates | undefined
  constructor(
    private readonly flow: OptOutFlow,
    private readonly dynamics: DynamicsConnector,
    private readonly campaign: CampaignConnector,
    private readonly shared: Shared,
    limits: Partial<SinkLimits> | undefined,
    private readonly afterWrite?: () => Promise<void>,
    private readonly written = new ConflictTally()
  ) {
    this.limits = { maxBatch: limits?.maxBatch ?? 25, concurrency: limits?.concurrency ?? 4 }
  }

  private current(state: PairState): TargetRecord {
    const dynamics: Record<string, unknown> = {}
    const campaign: Record<string, unknown> = {}
    for (const pair of this.flow.pairs) {
      dynamics[pair.dynamics] = state.contact[pair.dynamics] === true
      campaign[pair.campaign] = state.profile[pair.campaign] === true
    }
    return { dynamics, campaign }
  }

  async lookup(keys: readonly string[]): Promise<ReadonlyMap<string, TargetRecord>> {
    const out = new Map<string, TargetRecord>()
    for (const key of keys) {
      const state = this.shared.get(key)
      if (state) out.set(key, this.current(state))
    }
    return out
  }

  async write(batch: readonly WriteOp[], signal: AbortSignal): Promise<readonly WriteOutcome[]> {
    const outcomes = await mapLimit(batch, batch.length, async (op): Promise<WriteOutcome> => {
      if (op.op !== 'update')
        return { key: op.key, outcome: 'failed', code: 'notFound', message: 'the contact or its profile was not found', retryable: false }
      const state = this.shared.get(op.key)
      try {
        const patch = op.patch as { dynamics?: Record<string, boolean>; campaign?: Record<string, boolean> }
        let href = state?.profile.href as string | undefined
        if (patch.campaign && Object.keys(patch.campaign).length) {
          if (!href) href = (await this.campaign.findProfileByKey(op.key, signal))?.href as string | undefined
          if (!href)
            return {
              key: op.key,
              outcome: 'failed',
              code: 'notFound',
              message: 'no profile carries this Dynamics id any more',
              retryable: false
            }
          await this.campaign.patch(href, patch.campaign, signal)
        }
        if (patch.dynamics && Object.keys(patch.dynamics).length)
          // The batch's contact updates go out together: one UpdateMultiple (or $batch) per batch (contact-writes.ts).
          await (this.contactUpdates ??= new BatchedUpdates(this.dynamics, this.flow.source.table)).update(op.key, patch.dynamics)
        const conflicts = state?.conflicts
        for (const conflict of conflicts ?? []) this.written.add(conflict)
        return { key: op.key, outcome: 'updated', ...(conflicts?.length ? { conflicts } : {}) }
      } catch (error) {
        if (error instanceof UpdateOutcomeUnknown)
          return {
            key: op.key,
            outcome: 'unknown',
            message: `no answer from Dynamics, so this contact's opt-outs may or may not be written: ${error.message}`
          }
        rethrowFatal(error, `writing the opt-outs of ${op.key}`)
        if (isKind(error, 'notFound'))
          return { key: op.key, outcome: 'failed', code: 'notFound', message: (error as Error).message, retryable: false }
        return failedOutcome(op.key, error)
      }
    })
    await this.afterWrite?.()
    return outcomes
  }
}

export async function optOutFlowParts(
  options: BuildFlowOptions & { flow: OptOutFlow; dynamics: DynamicsConnector; campaign: CampaignConnector }
): Promise<FlowParts> {
  const { flow, dynamics, campaign } = options
  const shared: Shared = new LruMap(50_000)
  const pairs = flow.pairs
  // How many conflicts went which way: planned by the transform, settled by the sink's writes.
  const planned = new ConflictTally()
  const written = new ConflictTally()
  const transform: RecordTransform = {
    createOnly: [],
    run(record: SourceRecord): RecordResult {
      const key = String(record.__key)
      const state = shared.get(key)
      if (!state) return { kind: 'skipped', key, reason: 'the contact or the profile is no longer there', notFiltered: true }
      if (flow.direction === 'off') return { kind: 'skipped', key, reason: 'opt-out sync is off for this flow', notFiltered: true }
      const changedAt: Record<string, unknown> = {}
      for (const pair of pairs) changedAt[pair.campaign] = state.profile[`${pair.campaign}LastModified`]
      const plan = planOptOut(
        flow.direction,
        pairs,
        state.contact,
        state.contact.modifiedon as string,
        state.profile,
        changedAt as Record<string, string>
      )
      const target: TargetRecord = {}
      // Every conflict is labelled in the plan and the run's record: both values and times, the side kept, the rule.
      const warnings: EngineWarning[] = []
      const conflicts: RecordConflict[] = []
      for (const d of plan.decisions) {
        if (!d.conflict) continue
        const label = conflictLabel(d.conflict)
        warnings.push({
          field: d.conflict.kept === 'campaign' ? `dynamics.${d.pair.dynamics}` : `campaign.${d.pair.campaign}`,
          message: label
        })
        const { dynamics: dSide, campaign: cSide, kept, rule } = d.conflict
        conflicts.push({
          field: `${d.pair.dynamics} ↔ ${d.pair.campaign}`,
          dynamics: { value: dSide.value, ...(dSide.changedAt ? { changedAt: dSide.changedAt } : {}) },
          campaign: { value: cSide.value, ...(cSide.changedAt ? { changedAt: cSide.changedAt } : {}) },
          kept,
          rule,
          label
        })
        planned.add(d.conflict)
      }
      state.conflicts = conflicts.length ? conflicts : undefined
      const dynamicsSide: Record<string, boolean> = {}
      const campaignSide: Record<string, boolean> = {}
      for (const decision of plan.decisions) {
        if (decision.value === undefined) continue
        if (flow.direction !== 'toCampaign') dynamicsSide[decision.pair.dynamics] = decision.value
        if (flow.direction !== 'toDynamics') campaignSide[decision.pair.campaign] = decision.value
      }
      if (Object.keys(dynamicsSide).length) target.dynamics = dynamicsSide
      if (Object.keys(campaignSide).length) target.campaign = campaignSide
      return { kind: 'ok', key, target, warnings, createOnly: [] }
    }
  }
  // The runner needs a records-shaped flow for its id, deletes and journal; the mapping hash is the real flow's.
  const runnerFlow: RecordsFlow = {
    id: flow.id,
    kind: 'records',
    source: flow.source,
    target: flow.target,
    match: flow.match,
    fields: [],
    deletes: { applySourceDeletes: false, deleteWhenFilteredOut: false }
  }
  return {
    runnerFlow,
    source: new OptOutSource(flow, dynamics, campaign, shared, {
      kind: options.full ? 'full' : 'incremental',
      pageSize: options.pageSize ? Math.min(500, options.pageSize) : 100,
      lookbackMs: options.optOutLookbackMs,
      sample: options.sample
    }),
    sink: new OptOutSink(flow, dynamics, campaign, shared, options.limits, options.afterWrite, written),
    transform,
    notes: [
      `opt-outs ${optOutModes[flow.direction].title} for ${pairs.map((p) => `${p.dynamics} ↔ ${p.campaign}`).join(', ')}: ${optOutModes[flow.direction].rule}`
    ],
    // Both ways the rule settles a difference; one way the direction does (the other side overwritten): either is a conflict the summary counts.
    // A run that failed or was canceled says what it wrote before it stopped — above all an opt-out it
    // cleared (docs/sync.md); a stopped dry run wrote nothing and planned only part of the run, so it says nothing.
    // The whole run's conflicts, as History lists them: a resumed run's stopped attempts settled some
    // (written already); a dry run of a resume plans the rest after them.
    journaledConflicts: (conflicts, dryRun) => {
      if (dryRun) for (const conflict of conflicts) planned.add(conflict)
      else written.reset(conflicts)
    },
    summary: (dryRun, status) => {
      if (flow.direction === 'off') return []
      if (status === 'completed') return [(dryRun ? planned : written).text(dryRun)]
      return dryRun ? [] : [written.text(false, status)]
    }
  }
}
