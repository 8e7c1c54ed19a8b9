import type { OptOutFlow, RecordsFlow } from '../../../shared/mapping/document'
import { optOutModes } from '../../../shared/mapping/opt-out-modes'
import type { EngineWarning, RecordResult, SourceRecord, TargetRecord } from '../../../shared/mapping/engine'
import type { CampaignConnector, CampaignRecord } from '../../connectors/campaign/connector'
import type { DynamicsConnector, DynamicsRecord } from '../../connectors/dynamics/connector'
import { ConflictTally, conflictLabel, planOptOut } from '../opt-out-rule'
import {
  abortError,
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
import { BatchedUpdates } from './contact-writes'
import type { BuildFlowOptions, FlowParts } from './index'

/**
 * Job 4: opt-outs between Dynamics contact booleans (`donotbulkemail`…) and Campaign profile
 * opt-out fields (`blackListEmail`… / `denyListEmail`…), in the flow's direction, with
 * Adobe's conflict rule for `both` (`planOptOut`: Campaign's per-attribute change time
 * against the contact's `modifiedon`; on a tie or Dynamics newer, opt-out wins). Each
 * conflict is labelled (a warning on the record: both values and times, the side kept, the rule).
 *
 * Each run walks the profiles that carry a Dynamics id (the synced ones) a page at a time
 * and reads their contacts in one query per page. A record is one contact ↔ profile pair
 * keyed by the contact id; its target is the value each side should hold, so the runner's
 * unchanged check skips pairs that agree and the patch holds only the sides that change.
 */

interface PairState {
  contact: DynamicsRecord
  profile: CampaignRecord
  /** The conflicts the transform settled for this pair: the write that applies them reports them to the journal. */
  conflicts?: RecordConflict[]
}

type Shared = LruMap<string, PairState>

class OptOutSource implements RecordSource {
  readonly kind = 'full' as const
  constructor(
    private readonly flow: OptOutFlow,
    private readonly dynamics: DynamicsConnector,
    private readonly campaign: CampaignConnector,
    private readonly shared: Shared,
    private readonly pageSize = 100
  ) {}

  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const start = cursor && typeof cursor === 'object' && !Array.isArray(cursor) ? (cursor as { next?: string }).next : undefined
    const keyField = this.flow.match.target
    const columns = [...new Set([this.flow.match.source, 'modifiedon', ...this.flow.pairs.map((p) => p.dynamics)])]
    let next: string | undefined = start
    let first = !start
    try {
      while (first || next) {
        if (signal.aborted) throw abortError()
        let profiles: CampaignRecord[]
        if (first) {
          const page = await this.campaign
            .list(this.flow.target.resource, { pageSize: this.pageSize, family: 'profileAndServicesExt', signal })
            .next()
          profiles = page.done ? [] : page.value.records
          next = page.done ? undefined : page.value.next
          first = false
        } else {
          let body: { content?: CampaignRecord[]; next?: { href?: string } }
          try {
            body = await this.campaign.getJson(next!, signal)
          } catch (error) {
            rethrowFatal(error, 'reading profiles')
            throw new SyncFatalError('cursorExpired', `the stored profile page is no longer valid: ${(error as Error).message}`, {
              cause: error
            })
          }
          profiles = body.content ?? []
          next = body.next?.href || undefined
        }
        const withKey = profiles.filter((p) => typeof p[keyField] === 'string' && p[keyField])
        const contacts = new Map<string, DynamicsRecord>()
        if (withKey.length) {
          const ids = withKey.map((p) => String(p[keyField]).toLowerCase())
          const filter = `Microsoft.Dynamics.CRM.In(PropertyName='${this.flow.match.source}',PropertyValues=[${ids.map((id) => `'${id}'`).join(',')}])`
          for await (const page of this.dynamics.query(this.flow.source.table, { select: columns, filter, pageSize: 5000, signal })) {
            for (const row of page.records) contacts.set(String(row[this.flow.match.source]).toLowerCase(), row)
          }
        }
        const records: SourceRecord[] = []
        for (const profile of withKey) {
          const key = String(profile[keyField]).toLowerCase()
          const contact = contacts.get(key)
          if (!contact) continue // the contact is gone: the contacts flow deletes the profile
          this.shared.set(key, { contact, profile })
          records.push({ __key: key } as SourceRecord)
        }
        yield { records, cursor: { next: next ?? null } }
      }
    } catch (error) {
      rethrowFatal(error, 'reading opt-outs')
      throw error
    }
  }
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
      if (!state) return { kind: 'skipped', key, reason: 'the contact or the profile is no longer there' }
      if (flow.direction === 'off') return { kind: 'skipped', key, reason: 'opt-out sync is off for this flow' }
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
    source: new OptOutSource(flow, dynamics, campaign, shared, options.pageSize ? Math.min(500, options.pageSize) : 100),
    sink: new OptOutSink(flow, dynamics, campaign, shared, options.limits, options.afterWrite, written),
    transform,
    notes: [
      `opt-outs ${optOutModes[flow.direction].title} for ${pairs.map((p) => `${p.dynamics} ↔ ${p.campaign}`).join(', ')}: ${optOutModes[flow.direction].rule}`
    ],
    // Only both ways compares the sides: one way copies, so nothing is a conflict.
    summary: (dryRun) => (flow.direction === 'both' ? [(dryRun ? planned : written).text(dryRun)] : [])
  }
}
