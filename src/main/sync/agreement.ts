import type { MappingDocument } from '../../shared/mapping/document'
import type { PlanEntry, RecordOutcome } from './runner'
import type { SyncRequest, SyncResult, SyncService } from './sync-service'

/**
 * Whether a dry run's plan is what the run then does, record by record: the dry run first
 * (every planned outcome by flow and key), then the run on the same data (every final
 * outcome), compared. The test of that promise and `npm run bench -- agreement` share it.
 */

export type Outcome = RecordOutcome['action']

export interface Disagreement {
  flowId: string
  key: string
  planned: Outcome | 'absent'
  actual: Outcome | 'absent'
  plannedReason?: string
  actualReason?: string
  /** Errors: what failed (failure-reasons.ts); the plan and the run must name the same. */
  plannedCode?: string
  actualCode?: string
}

export interface AgreementReport {
  /** Records compared (union of both sides' keys). */
  records: number
  agreeing: number
  /** agreeing / records (1 when there is nothing to compare). */
  agreement: number
  /** Per action, how many records the plan and the run gave it. */
  planned: Record<Outcome, number>
  actual: Record<Outcome, number>
  disagreements: Disagreement[]
  plan: SyncResult
  run: SyncResult
}

const zero = (): Record<Outcome, number> => ({ create: 0, update: 0, unchanged: 0, skipped: 0, delete: 0, error: 0 })

function reasonOf(entry: PlanEntry): string | undefined {
  return 'reason' in entry ? entry.reason : undefined
}

function codeOf(entry: PlanEntry): string | undefined {
  return 'code' in entry ? entry.code : undefined
}

type Decided = { action: Outcome; reason?: string; code?: string }

export async function measureAgreement(
  service: SyncService,
  document: MappingDocument,
  request: Omit<SyncRequest, 'dryRun' | 'onPlan' | 'onRecord'> = {}
): Promise<AgreementReport> {
  const planned = new Map<string, Decided>()
  const actual = new Map<string, Decided>()
  const id = (flowId: string, key: string) => `${flowId}\u0000${key}`
  const plan = await service.run(document, {
    ...request,
    dryRun: true,
    planLimit: 0,
    onPlan: (flowId, entry) => {
      if (entry.key !== undefined)
        planned.set(id(flowId, entry.key), { action: entry.action, reason: reasonOf(entry), code: codeOf(entry) })
    }
  })
  const run = await service.run(document, {
    ...request,
    dryRun: false,
    onRecord: (flowId, outcome) => {
      if (outcome.key !== undefined)
        actual.set(id(flowId, outcome.key), {
          action: outcome.action,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          ...(outcome.code ? { code: outcome.code } : {})
        })
    }
  })
  const report: AgreementReport = { records: 0, agreeing: 0, agreement: 1, planned: zero(), actual: zero(), disagreements: [], plan, run }
  for (const key of new Set([...planned.keys(), ...actual.keys()])) {
    const p = planned.get(key)
    const a = actual.get(key)
    report.records++
    if (p) report.planned[p.action]++
    if (a) report.actual[a.action]++
    // A failure agrees only with the same failure: the reason filter counts the plan's and the run's alike.
    if (p && a && p.action === a.action && p.code === a.code) report.agreeing++
    else {
      const [flowId, recordKey] = key.split('\u0000')
      report.disagreements.push({
        flowId,
        key: recordKey,
        planned: p?.action ?? 'absent',
        actual: a?.action ?? 'absent',
        plannedReason: p?.reason,
        actualReason: a?.reason,
        plannedCode: p?.code,
        actualCode: a?.code
      })
    }
  }
  report.agreement = report.records === 0 ? 1 : report.agreeing / report.records
  return report
}
