import type { RunCounts, RunSummary } from '../../shared/contract'
import type { Flow } from '../../shared/mapping/document'
import { readNote, unknownExplanation, unknownNote, zeroCounts } from '../../shared/run-counts'
import { progressPercent, type ProgressFigures } from '../../shared/run-progress'

/**
 * "14 cusVehicle rows", "1 cusVehicle row": rows of a resource, as the delete guard counts those
 * Campaign deletes with a profile; a count not made whole (`unknown`) is "at least 14" or "an
 * uncounted number of".
 */
export function resourceRows(c: { rows: number; resource: string; unknown?: boolean }): string {
  if (c.unknown) return `${c.rows > 0 ? `at least ${c.rows.toLocaleString()}` : 'an uncounted number of'} ${c.resource} rows`
  return `${c.rows.toLocaleString()} ${c.resource} row${c.rows === 1 ? '' : 's'}`
}

export function flowLabel(flow: Flow | undefined, flowId: string): string {
  return flow?.name ? `${flow.name}` : flowId
}

/** "850 ms", "4.2 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = ms / 1000
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '—'
  return perSecond >= 100 ? `${Math.round(perSecond).toLocaleString()}/s` : `${perSecond.toFixed(1)}/s`
}

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit'
  })
}

/** The counts a person reads, in the order of a run: what was written, then what was not. */
export const countLabels: Array<{ key: keyof RunCounts; label: string; planned: string }> = [
  { key: 'created', label: 'created', planned: 'create' },
  { key: 'updated', label: 'updated', planned: 'update' },
  { key: 'unchanged', label: 'unchanged', planned: 'unchanged' },
  { key: 'skipped', label: 'skipped', planned: 'skipped' },
  { key: 'failed', label: 'failed', planned: 'failed' },
  { key: 'deleted', label: 'deleted', planned: 'delete' }
]

export function sumCounts(list: readonly RunCounts[]): RunCounts {
  const total = zeroCounts()
  for (const counts of list) for (const key of Object.keys(total) as Array<keyof RunCounts>) total[key] += counts[key]
  return total
}

/** One count of a run, as a person reads it; a dry run is a plan: "would create 438", never "438 created". */
export interface HistoryCount {
  key: keyof RunCounts
  n: number
  before: string
  after: string
  /** What the count means, when its words leave something out (a tooltip). */
  title?: string
}

/** Every count the run has, in the order of a run: what was written, then what was not. */
export function historyCounts(run: Pick<RunSummary, 'counts' | 'dryRun'>): HistoryCount[] {
  const c = run.counts
  const plan = run.dryRun
  const count = (key: keyof RunCounts, n: number, planned: [string, string], done: [string, string]): HistoryCount => {
    const [before, after] = plan ? planned : done
    return { key, n, before, after }
  }
  // What was read comes first, with what the filter kept, as the run's summary says it: the
  // records the filter dropped are among those skipped (or deleted), not a count beside them.
  const read = readNote(c, (n) => n.toLocaleString())
  const list = [
    count('read', c.read, ['', ` read${read}`], ['', ` read${read}`]),
    count('created', c.created, ['would create ', ''], ['', ' created']),
    count('updated', c.updated, ['would update ', ''], ['', ' updated']),
    count('unchanged', c.unchanged, ['', ' unchanged'], ['', ' unchanged'])
  ]
  if (c.deleted) list.push(count('deleted', c.deleted, ['would delete ', ''], ['', ' deleted']))
  if (c.skipped) list.push(count('skipped', c.skipped, ['', ' skipped'], ['', ' skipped']))
  if (c.failed) list.push(count('failed', c.failed, ['', ' would fail'], ['', ' failed']))
  // Not failed: written with no answer from Dynamics (runs journaled before this count existed have them in failed).
  if (c.unknown)
    list.push({
      ...count('unknown', c.unknown, ['', ` unknown${unknownNote}`], ['', ` unknown${unknownNote}`]),
      title: unknownExplanation
    })
  if (c.deferred + c.pending) list.push(count('pending', c.deferred + c.pending, ['', ' pending'], ['', ' pending']))
  return list
}

/**
 * The toolbar's words for a running sync: "Syncing 14%", and with several flows "Syncing 2/3 ·
 * 14%". The percentage is records finished over the running flow's total (never 100 % while it
 * runs; no total, none): a later flow's total is not known before it starts, so it cannot be the
 * sync's — said as the flow's, it is not read as the sync going back from 74 % to 2 %.
 */
export function runningIndicator(session: {
  kind: string
  flowIds: readonly string[]
  flows: Readonly<Record<string, { started: boolean; result?: unknown; progress?: ProgressFigures } | undefined>>
}): { text: string; label: string } {
  const flows = session.flowIds.map((id) => session.flows[id])
  const at = flows.findIndex((f) => f?.started && !f.result)
  const progress = at >= 0 ? flows[at]?.progress : undefined
  const share = progress ? progressPercent(progress) : undefined
  const which =
    flows.length > 1 && at >= 0 ? { text: ` ${at + 1}/${flows.length}`, label: ` — flow ${at + 1} of ${flows.length}` } : undefined
  const dry = session.kind === 'dryRun'
  const percent = share === undefined ? '' : which ? ` · ${share}%` : ` ${share}%`
  return {
    text: `${dry ? 'Dry run' : 'Syncing'}${which?.text ?? ''}${percent}`,
    label: `${dry ? 'Dry run' : 'Sync'} running${which?.label ?? ''}${which && share !== undefined ? `, ${share}% of its records` : ''} — show progress`
  }
}
