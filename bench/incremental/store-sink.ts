import type { CampaignSandbox } from '../../src/main/sandbox'
import { PARENT_MISSING, type SinkLimits, type TargetSink, type WriteOp, type WriteOutcome } from '../../src/main/sync/ports'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import type { TargetRecord } from '../../src/shared/mapping/engine'

/**
 * The incremental bench's starting state, written without HTTP: a `TargetSink` that puts each
 * record straight into the sandbox's Campaign store, through the same validation as a POST or a
 * PATCH by key (`CampaignSandbox.writeByKey`). The setup's full runs use it with the real
 * Dataverse source over HTTP, the real compiled flow and target rules, and the real runner and
 * journal — so the change-tracking position and the sent-payload digests are the ones a completed
 * full run leaves, each digest written only after the store accepted its record. What it saves
 * is a million POSTs that the bench does not measure; the measured incremental runs use the real
 * Campaign sink over HTTP.
 *
 * It writes what the Campaign sink would: the key in the identification-key field, nothing for
 * "no value" on a create, link fields left out (the bench flows' one link, a vehicle's owner, is
 * computed by Campaign from its join field), and a child whose parent profile is missing fails
 * `parentMissing` as it would there.
 */
export class StoreSink implements TargetSink {
  readonly limits: SinkLimits = { maxBatch: 500, concurrency: 1 }
  /** The runner records digests only for sinks that take updates by key (as the Campaign sink does). */
  readonly updatesByKey = true
  private readonly links: readonly string[]

  private readonly keyField: string

  constructor(
    private readonly campaign: CampaignSandbox,
    private readonly flow: RecordsFlow
  ) {
    this.links = (flow.links ?? []).map((l) => l.target)
    this.keyField = flow.match.target
  }

  /** Every record is written (idempotent by key): a full run then records every accepted payload. */
  async lookup(): Promise<ReadonlyMap<string, TargetRecord>> {
    return new Map<string, TargetRecord>()
  }

  async write(batch: readonly WriteOp[]): Promise<readonly WriteOutcome[]> {
    return batch.map((op) => {
      if (op.op === 'delete') return { key: op.key, outcome: 'unchanged' }
      const values: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(op.record)) {
        if (this.links.includes(name)) {
          if (value === null || value === undefined || value === '')
            return this.failed(op.key, PARENT_MISSING, `the source record has no parent (the lookup for "${name}" is empty)`)
          if (!this.campaign.hasKey('profile', String(value)))
            return this.failed(op.key, PARENT_MISSING, `no Campaign profile has the Dynamics id ${String(value)}`)
          continue
        }
        if (value !== null && value !== undefined) values[name] = value
      }
      values[this.keyField] = op.key
      try {
        return { key: op.key, outcome: this.campaign.writeByKey(this.flow.target.resource, values) }
      } catch (error) {
        return this.failed(op.key, 'refused', (error as Error).message)
      }
    })
  }

  private failed(key: string, code: string, message: string): WriteOutcome {
    return { key, outcome: 'failed', code, message, retryable: false }
  }
}
