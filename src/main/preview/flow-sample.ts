import { setMaxListeners } from 'node:events'
import type { EventsFlow, MappingDocument, OptOutFlow } from '../../shared/mapping/document'
import {
  diffRecord,
  previewRecords,
  type DiffEntry,
  type DryRun,
  type EngineWarning,
  type Preview,
  type PreviewOptions,
  type PreviewRow,
  type RecordResult,
  type SourceRecord,
  type TargetRecord
} from '../../shared/mapping/engine'
import type { ConnectionService } from '../connections/connection-service'
import { buildFlow, connectionNames, type FlowParts } from '../sync/flows'

/**
 * Preview and dry run of the flows that do not read Dynamics records: Campaign events
 * (sends, opens, clicks, bounces from the marketing history) and opt-outs (contact ↔
 * profile pairs). Each reads a sample of its own records through the same parts a sync
 * runs — source, transform, the sink's lookup, the runner's diff — and writes nothing.
 */

type SampledFlow = EventsFlow | OptOutFlow

export interface FlowSample {
  parts: FlowParts
  records: SourceRecord[]
}

export async function sampleFlow(
  connections: ConnectionService,
  document: MappingDocument,
  flow: SampledFlow,
  limit: number,
  signal?: AbortSignal
): Promise<FlowSample> {
  const controller = new AbortController()
  // Every request of the sample listens to it (the runner's signal does the same).
  setMaxListeners(0, controller.signal)
  const stop = () => controller.abort()
  signal?.addEventListener('abort', stop, { once: true })
  try {
    const parts = await buildFlow({
      document,
      flow,
      connections,
      full: true,
      sample: true,
      pageSize: Math.min(limit, 500),
      signal: controller.signal
    })
    const records: SourceRecord[] = []
    for await (const page of parts.source.pages(undefined, controller.signal)) {
      records.push(...page.records.slice(0, limit - records.length))
      if (records.length >= limit) break
    }
    return { parts, records }
  } finally {
    signal?.removeEventListener('abort', stop)
  }
}

/** What the sample is, in words (shown where a records flow shows its $filter). */
export function sampleExplanation(flow: SampledFlow, parts: FlowParts, document: MappingDocument): string[] {
  const names = connectionNames(document)
  return [
    flow.kind === 'events'
      ? `Campaign (${names.campaign}) ${flow.source.event} events from the marketing history of the profiles that carry a Dynamics contact id`
      : `Contact ↔ profile pairs: the Campaign (${names.campaign}) profiles that carry a Dynamics id, with their contacts in Dynamics (${names.dynamics})`,
    ...parts.notes
  ]
}

function keyOf(parts: FlowParts, result: RecordResult, record: SourceRecord): string | undefined {
  return parts.keyOf ? parts.keyOf(result, record) : result.key
}

export async function previewSample(
  sample: FlowSample,
  flow: SampledFlow,
  options: PreviewOptions,
  signal?: AbortSignal
): Promise<Preview> {
  if (flow.kind === 'events') {
    const preview = await previewRecords(flow, sample.records, options)
    // Events are keyed by their event id, the activity's idempotency key.
    const rows: PreviewRow[] = preview.rows.map((row) => ({ ...row, key: row.key ?? String(sample.records[row.index]?.id ?? '') }))
    return { ...preview, rows }
  }
  // Opt-outs: each pair's current value on both sides, with the conflict label where the sides disagree.
  const columns = flow.pairs.flatMap((p) => [`dynamics.${p.dynamics}`, `campaign.${p.campaign}`])
  const keys = sample.records.map((r) => String(r.__key))
  const current = await sample.parts.sink.lookup(keys, signal ?? new AbortController().signal)
  const rows: PreviewRow[] = []
  const counts = { ok: 0, error: 0, skipped: 0 }
  for (const [index, record] of sample.records.entries()) {
    const result = await sample.parts.transform.run(record)
    const key = String(record.__key)
    const now = (current.get(key) ?? {}) as { dynamics?: Record<string, unknown>; campaign?: Record<string, unknown> }
    const cells: PreviewRow['cells'] = {}
    for (const pair of flow.pairs) {
      const warnings =
        result.kind === 'ok'
          ? result.warnings.filter((w) => w.message.includes(` ${pair.dynamics} = `) && w.message.includes(` ${pair.campaign} = `))
          : []
      cells[`dynamics.${pair.dynamics}`] = {
        value: now.dynamics?.[pair.dynamics] ?? null,
        ...(warnings.length ? { warnings: [...warnings] } : {})
      }
      cells[`campaign.${pair.campaign}`] = {
        value: now.campaign?.[pair.campaign] ?? null,
        ...(warnings.length ? { warnings: [...warnings] } : {})
      }
    }
    const status: PreviewRow['status'] = result.kind === 'skipped' ? 'skipped' : result.kind === 'error' ? 'error' : 'ok'
    counts[status]++
    rows.push({
      index,
      key,
      status,
      ...(result.kind === 'skipped' ? { reason: result.reason } : result.kind === 'error' ? { reason: result.reason } : {}),
      cells
    })
  }
  return { columns, rows, counts }
}

/** The sample through the transform, the sink's lookup and the runner's diff: what a sync would do to these records. */
export async function dryRunSample(sample: FlowSample, signal?: AbortSignal): Promise<DryRun> {
  const { parts } = sample
  const entries: DiffEntry[] = []
  const counts: DryRun['counts'] = { create: 0, update: 0, unchanged: 0, skipped: 0, error: 0 }
  const pending: Array<{ key: string; target: TargetRecord; warnings: readonly EngineWarning[]; slot: number }> = []
  for (const record of sample.records) {
    const result = await parts.transform.run(record)
    const key = keyOf(parts, result, record)
    if (result.kind === 'skipped') entries.push({ key, action: 'skipped', reason: result.reason })
    else if (result.kind === 'error')
      entries.push({ key, action: 'error', field: result.field, step: result.step, reason: result.reason, input: result.input })
    else if (key === undefined)
      entries.push({
        key,
        action: 'error',
        field: '',
        step: undefined,
        reason: 'the computed record has no match key — it cannot be matched to a target record',
        input: null
      })
    else {
      pending.push({ key, target: result.target, warnings: result.warnings, slot: entries.length })
      entries.push({ key, action: 'unchanged' })
    }
  }
  const existing = pending.length
    ? await parts.sink.lookup([...new Set(pending.map((p) => p.key))], signal ?? new AbortController().signal)
    : new Map()
  const createOnly = new Set(parts.transform.createOnly)
  for (const item of pending) {
    const current = existing.get(item.key)
    if (!current) {
      entries[item.slot] = { key: item.key, action: 'create', target: item.target, warnings: item.warnings }
      continue
    }
    const diff = diffRecord(item.target, current, createOnly)
    entries[item.slot] = diff.changes.length
      ? { key: item.key, action: 'update', changes: diff.changes, warnings: item.warnings, createOnlySkipped: diff.createOnlySkipped }
      : { key: item.key, action: 'unchanged' }
  }
  for (const entry of entries) counts[entry.action]++
  return { entries, counts }
}
