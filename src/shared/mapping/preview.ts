import type { Table } from '../schema/model'
import { compileFlow, type CompileOptions, type CompiledFlow, type RecordResult, type TargetRecord } from './compile'
import { diffRecord, type FieldChange } from './diff'
import type { EventsFlow, RecordsFlow } from './document'
import { describeFilter } from './filters'
import { sharedKeyReason } from './failure-reasons'
import { checkLinks, linkMissingReason } from './links'
import { ExpressionStopped, StepFailure, type EngineWarning, type RunState, type SourceRecord } from './transforms'

/**
 * The pure half of preview: records in, rows out. Unlike a run, a preview evaluates every
 * field of every record even when one fails, so each cell shows its own value or error.
 * Fetching the records is the caller's job.
 */

export interface PreviewCell {
  value: unknown
  error?: { step: number | undefined; reason: string; input: unknown }
  warnings?: EngineWarning[]
}

export interface PreviewRow {
  index: number
  key: string | undefined
  status: 'ok' | 'error' | 'skipped'
  /** Why a skipped record is skipped (the filter), or the first error. */
  reason?: string
  cells: Record<string, PreviewCell>
}

export interface Preview {
  /** Target fields, in mapping order (the columns of the table). */
  columns: string[]
  rows: PreviewRow[]
  counts: { ok: number; error: number; skipped: number }
}

export interface PreviewOptions extends CompileOptions {
  /** At most this many records. Default 200. */
  limit?: number
}

type PreviewableFlow = RecordsFlow | EventsFlow

async function runField(compiled: CompiledFlow, index: number, record: SourceRecord): Promise<PreviewCell> {
  const rt: RunState = { warnings: null }
  try {
    const value = await compiled.fields[index].run(record, rt)
    return rt.warnings ? { value, warnings: rt.warnings } : { value }
  } catch (error) {
    // An expression over its budget stops the whole preview, with the step's path.
    if (error instanceof ExpressionStopped) throw error
    const failure = error instanceof StepFailure ? error : undefined
    const step = failure && failure.location.stepIndex >= 0 ? failure.location.stepIndex : undefined
    return {
      value: null,
      error: {
        step,
        reason: failure ? failure.reason : `unexpected failure: ${(error as Error)?.message ?? String(error)}`,
        input: failure?.input ?? null
      },
      ...(rt.warnings ? { warnings: rt.warnings } : {})
    }
  }
}

function keyOf(flow: PreviewableFlow, record: SourceRecord, source?: Table): string | undefined {
  if (flow.kind !== 'records') return undefined
  const readName = source?.fields.find((f) => f.name === flow.match.source)?.readName ?? flow.match.source
  const v = record[readName]
  // As the run reads keys (compile.ts): spaces alone are none.
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') ? undefined : String(v)
}

export async function previewRecords(
  flow: PreviewableFlow,
  records: readonly SourceRecord[],
  options: PreviewOptions = {}
): Promise<Preview> {
  const compiled = compileFlow(flow, options)
  const limit = options.limit ?? 200
  // A link's column shows the parent's key the record carries (what the run resolves to the parent).
  const links = flow.kind === 'records' ? (flow.links ?? []) : []
  const columns = [
    ...compiled.fields.map((f) => f.target),
    ...links.map((l) => l.target).filter((t) => !compiled.fields.some((f) => f.target === t))
  ]
  const rows: PreviewRow[] = []
  const counts = { ok: 0, error: 0, skipped: 0 }
  for (let index = 0; index < Math.min(limit, records.length); index++) {
    const record = records[index]
    const key = keyOf(flow, record, options.source)
    const cells: Record<string, PreviewCell> = {}
    for (let f = 0; f < compiled.fields.length; f++) cells[compiled.fields[f].target] = await runField(compiled, f, record)
    for (const link of links) {
      const value = record[link.source]
      cells[link.target] =
        value === undefined || value === null || value === ''
          ? { value: null, error: { step: undefined, reason: linkMissingReason(link), input: value ?? null } }
          : { value }
    }
    let status: PreviewRow['status'] = 'ok'
    let reason: string | undefined
    if (compiled.filter && !compiled.filter(record)) {
      status = 'skipped'
      reason = flow.filter ? `filtered out: ${describeFilter(flow.filter)}` : 'filtered out'
    } else if (flow.kind === 'records' && key === undefined) {
      status = 'error'
      reason = `the record has no "${flow.match.source}", the match key`
    } else {
      const failed = Object.entries(cells).find(([, cell]) => cell.error)
      if (failed) {
        status = 'error'
        reason = `${failed[0]}: ${failed[1].error!.reason}`
      }
    }
    counts[status]++
    rows.push({ index, key, status, ...(reason ? { reason } : {}), cells })
  }
  failSharedKeys(rows, records, counts, options.source?.primaryId)
  return { columns, rows, counts }
}

/**
 * Two different source records with one match key (their primary ids differ) would become one
 * target record: as the run does in a page, every one but the last read fails `duplicateKey`
 * (src/main/sync/runner.ts), whatever else its row says.
 */
function failSharedKeys(rows: PreviewRow[], records: readonly SourceRecord[], counts: Preview['counts'], idName: string | undefined): void {
  if (!idName) return
  const idOf = (row: PreviewRow) => {
    const id = records[row.index]?.[idName]
    return typeof id === 'string' ? id : undefined
  }
  const last = new Map<string, PreviewRow>()
  for (const row of rows) if (row.key !== undefined) last.set(row.key, row)
  for (const row of rows) {
    const later = row.key === undefined ? undefined : last.get(row.key)
    const mine = idOf(row)
    const theirs = later && idOf(later)
    if (!later || later === row || !mine || !theirs || mine === theirs) continue
    counts[row.status]--
    counts.error++
    row.status = 'error'
    row.reason = sharedKeyReason(row.key!, idName, theirs, mine)
  }
}

export interface StepTrace {
  index: number
  fn: string
  output?: unknown
  error?: string
  warnings?: EngineWarning[]
}

export interface FieldTrace {
  target: string
  from: readonly string[]
  /** The value read from the record, before the first step. */
  input: unknown
  steps: StepTrace[]
  output?: unknown
  error?: { step: number | undefined; reason: string }
}

export interface RecordTrace {
  key: string | undefined
  filter: { passed: boolean; description?: string }
  fields: FieldTrace[]
}

/** The value after every step of every field: the inspector's "why is this value what it is". */
export async function traceRecord(flow: PreviewableFlow, record: SourceRecord, options: CompileOptions = {}): Promise<RecordTrace> {
  const compiled = compileFlow(flow, options)
  const fields: FieldTrace[] = []
  for (const field of compiled.fields) {
    const mapping = flow.fields[field.index]
    const input = field.read(record)
    const trace: FieldTrace = { target: field.target, from: field.from, input, steps: [] }
    let value = input
    let failed = false
    for (let i = 0; i < field.steps.length; i++) {
      const rt: RunState = { warnings: null }
      const entry: StepTrace = { index: i, fn: mapping.steps![i].fn }
      try {
        value = await field.steps[i].run(value, record, rt)
        entry.output = value
      } catch (error) {
        entry.error =
          error instanceof StepFailure
            ? error.reason
            : error instanceof ExpressionStopped
              ? error.message
              : `unexpected failure: ${(error as Error)?.message ?? String(error)}`
        trace.error = { step: i, reason: entry.error }
        failed = true
      }
      if (rt.warnings) entry.warnings = rt.warnings
      trace.steps.push(entry)
      if (failed) break
    }
    if (!failed) {
      try {
        trace.output = field.check(value)
      } catch (error) {
        trace.error = { step: undefined, reason: error instanceof StepFailure ? error.reason : String(error) }
      }
    }
    fields.push(trace)
  }
  return {
    key: keyOf(flow, record, options.source),
    filter: {
      passed: compiled.filter ? compiled.filter(record) : true,
      ...(flow.filter ? { description: describeFilter(flow.filter) } : {})
    },
    fields
  }
}

export type DiffEntry =
  | { key: string | undefined; action: 'create'; target: TargetRecord; warnings: readonly EngineWarning[] }
  | { key: string; action: 'update'; changes: FieldChange[]; warnings: readonly EngineWarning[]; createOnlySkipped: string[] }
  | { key: string; action: 'unchanged' }
  | { key: string | undefined; action: 'skipped'; reason: string }
  | {
      key: string | undefined
      action: 'error'
      field: string
      step: number | undefined
      /** The failing step's name, `targetRules` for the target's check (failure-reasons.ts). */
      stepName?: string
      /** What failed (failure-reasons.ts): the same code the run journals for the record. */
      code?: string
      reason: string
      input: unknown
    }

/** The plan's entry for a record the mapping refused: the dry run and the run's plan build it alike. */
export function errorEntry(result: Extract<RecordResult, { kind: 'error' }>): Extract<DiffEntry, { action: 'error' }> {
  return {
    key: result.key,
    action: 'error',
    field: result.field,
    step: result.step,
    ...(result.stepName ? { stepName: result.stepName } : {}),
    code: result.code,
    reason: result.reason,
    input: result.input
  }
}

export interface DryRun {
  entries: DiffEntry[]
  counts: Record<DiffEntry['action'], number>
}

export type ExistingLookup =
  ReadonlyMap<string, Readonly<Record<string, unknown>>> | ((key: string) => Readonly<Record<string, unknown>> | undefined)

/**
 * What a run would do, without writing: each record's computed target against the existing
 * target record with the same key. Fields with applyUpdates: false are left out of updates.
 */
export async function dryRunDiff(
  flow: PreviewableFlow,
  records: readonly SourceRecord[],
  existing: ExistingLookup,
  options: CompileOptions = {}
): Promise<DryRun> {
  const compiled = compileFlow(flow, options)
  const find = typeof existing === 'function' ? existing : (key: string) => existing.get(key)
  const entries: DiffEntry[] = []
  const counts: DryRun['counts'] = { create: 0, update: 0, unchanged: 0, skipped: 0, error: 0 }
  const createOnly = new Set(compiled.createOnly)
  for (const record of records) {
    const computed: RecordResult = await compiled.run(record)
    // An empty link lookup fails the record before any write, as in the run (links.ts).
    const result = flow.kind === 'records' ? checkLinks(flow, record, computed) : computed
    let entry: DiffEntry
    if (result.kind === 'skipped') entry = { key: result.key, action: 'skipped', reason: result.reason }
    else if (result.kind === 'error') entry = errorEntry(result)
    else {
      const current = result.key === undefined ? undefined : find(result.key)
      if (!current || result.key === undefined)
        entry = { key: result.key, action: 'create', target: result.target, warnings: result.warnings }
      else {
        const { changes, createOnlySkipped } = diffRecord(result.target, current, createOnly)
        entry = changes.length
          ? { key: result.key, action: 'update', changes, warnings: result.warnings, createOnlySkipped }
          : { key: result.key, action: 'unchanged' }
      }
    }
    counts[entry.action]++
    entries.push(entry)
  }
  return { entries, counts }
}
