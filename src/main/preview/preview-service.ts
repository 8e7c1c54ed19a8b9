import type { EventsFlow, MappingDocument, OptOutFlow, RecordsFlow } from '../../shared/mapping/document'
import {
  dryRunDiff,
  patchOf,
  previewRecords,
  traceRecord,
  translateFilter,
  type DiffEntry,
  type DryRun,
  type Preview,
  type RecordTrace
} from '../../shared/mapping/engine'
import type { Table } from '../../shared/schema'
import type { CampaignConnector } from '../connectors/campaign'
import type { DynamicsConnector } from '../connectors/dynamics'
import { ServiceError } from '../errors'
import { selectColumns } from '../sync/flows/columns'
import { withExpressionSandbox } from '../expressions/expression-sandbox'
import { assertFitsSchemas } from '../sync/schema-check'
import type { ConnectionService } from '../connections/connection-service'
import { buildFlow } from '../sync/flows'
import { PARENT_MISSING, type TargetSink, type WriteOp, type WriteOutcome } from '../sync/ports'
import { dryRunSample, previewSample, sampleExplanation, sampleFlow } from './flow-sample'

export interface PreviewQuery {
  /** The OData $filter sent to Dataverse, shown to the user; undefined when everything is read. */
  odataFilter: string | undefined
  /** Where each part of the filter is evaluated, and why. */
  explanation: string[]
}

/** What a flow needs to be previewed: its connectors, both schemas, and the source query. */
interface FlowContext {
  flow: RecordsFlow
  dynamics: DynamicsConnector
  campaign: CampaignConnector
  source: Table
  target: Table
  query: PreviewQuery
}

/**
 * Preview, record trace and dry-run diff against the connected systems: sample records are
 * read from Dynamics (the filter pushed down where Dataverse can evaluate it), run through
 * the same compiled flow a sync runs, and compared with Campaign — without writing anything.
 */
export class PreviewService {
  constructor(private readonly connections: ConnectionService) {}

  private async context(document: MappingDocument, flowId: string): Promise<FlowContext> {
    const flow = document.flows.find((f) => f.id === flowId)
    if (!flow) throw new ServiceError(`There is no flow "${flowId}" in this mapping.`)
    if (flow.kind !== 'records') {
      throw new ServiceError(
        `A record trace follows one Dynamics record; flow "${flowId}" is a ${flow.kind === 'events' ? 'Campaign events' : 'opt-out'} flow — its preview and dry run list its own records.`
      )
    }
    // A flow that does not fit the connected schemas is refused before a record is read.
    await assertFitsSchemas(document, this.connections, [flowId])
    const dynamics = await this.connections.dynamics(document.connections?.dynamics ?? 'Sandbox')
    const campaign = await this.connections.campaign(document.connections?.campaign ?? 'Sandbox')
    const [source, target] = await Promise.all([dynamics.getTable(flow.source.table), campaign.getResource(flow.target.resource)])
    const translation = translateFilter(flow.filter, { table: source })
    return { flow, dynamics, campaign, source, target, query: { odataFilter: translation.odata, explanation: translation.explanation } }
  }

  private async sample(context: FlowContext, limit: number, signal?: AbortSignal) {
    for await (const page of context.dynamics.query(context.flow.source.table, {
      // The columns the flow reads, as the run asks for them (not every column of the table).
      select: selectColumns(context.flow, context.source),
      filter: context.query.odataFilter,
      pageSize: limit,
      formattedValues: true,
      signal
    })) {
      return page.records.slice(0, limit)
    }
    return []
  }

  /** Events and opt-out flows are previewed from their own records (events, contact ↔ profile pairs). */
  private ownRecordsFlow(document: MappingDocument, flowId: string): EventsFlow | OptOutFlow | undefined {
    const flow = document.flows.find((f) => f.id === flowId)
    return flow && flow.kind !== 'records' ? flow : undefined
  }

  async preview(
    document: MappingDocument,
    flowId: string,
    limit: number,
    signal?: AbortSignal
  ): Promise<{ query: PreviewQuery; preview: Preview }> {
    const own = this.ownRecordsFlow(document, flowId)
    if (own) {
      const sample = await sampleFlow(this.connections, document, own, limit, signal)
      const target =
        own.kind === 'events'
          ? await (await this.connections.dynamics(document.connections?.dynamics ?? 'Sandbox')).getTable(own.target.table)
          : undefined
      const preview = await previewSample(sample, own, { target, limit }, signal)
      return { query: { odataFilter: undefined, explanation: sampleExplanation(own, sample.parts, document) }, preview }
    }
    const context = await this.context(document, flowId)
    const records = await this.sample(context, limit, signal)
    const preview = await withExpressionSandbox(
      (expressions) =>
        previewRecords(context.flow, records, {
          source: context.source,
          target: context.target,
          limit,
          expressions,
          flowIndex: document.flows.indexOf(context.flow)
        }),
      { signal }
    )
    return { query: context.query, preview }
  }

  async trace(document: MappingDocument, flowId: string, key: string, signal?: AbortSignal): Promise<RecordTrace> {
    const context = await this.context(document, flowId)
    const idColumn = context.flow.match.source
    for await (const page of context.dynamics.query(context.flow.source.table, {
      select: selectColumns(context.flow, context.source),
      filter: `${idColumn} eq ${key}`,
      top: 1,
      formattedValues: true,
      signal
    })) {
      const record = page.records[0]
      if (record)
        return withExpressionSandbox(
          (expressions) =>
            traceRecord(context.flow, record, {
              source: context.source,
              target: context.target,
              expressions,
              flowIndex: document.flows.indexOf(context.flow)
            }),
          { signal }
        )
    }
    throw new ServiceError(`No ${context.flow.source.table} record has ${idColumn} ${key} — it may have been deleted; refresh the preview.`)
  }

  /** What a sync would do to these sample records: create, update (old → new), unchanged, skipped or error. */
  async dryRun(
    document: MappingDocument,
    flowId: string,
    limit: number,
    signal?: AbortSignal
  ): Promise<{ query: PreviewQuery; dryRun: DryRun }> {
    const own = this.ownRecordsFlow(document, flowId)
    if (own) {
      const sample = await sampleFlow(this.connections, document, own, limit, signal)
      return {
        query: { odataFilter: undefined, explanation: sampleExplanation(own, sample.parts, document) },
        dryRun: await dryRunSample(sample, signal)
      }
    }
    const context = await this.context(document, flowId)
    const records = await this.sample(context, limit, signal)
    const keys = records.map((r) => r[context.flow.match.source]).filter((k): k is string => typeof k === 'string')
    // The target records as a run finds them: the same sink and the same lookup the runner
    // calls (per-key reads or one paged read, link fields as the parent's key), so the plan
    // is what the run will do, however many records the target holds.
    const parts = await buildFlow({
      document,
      flow: context.flow,
      connections: this.connections,
      full: true,
      sample: true,
      ...(signal ? { signal } : {})
    })
    const existing = await parts.sink.lookup(keys, signal ?? new AbortController().signal)
    const dryRun = await withExpressionSandbox(
      (expressions) =>
        dryRunDiff(context.flow, records, existing, {
          source: context.source,
          target: context.target,
          expressions,
          flowIndex: document.flows.indexOf(context.flow)
        }),
      { signal }
    )
    return { query: context.query, dryRun: await withParents(dryRun, context.flow, parts.sink, signal) }
  }
}

/**
 * The parents a create or an update would link to, checked in Campaign as the run checks them
 * (the sink's plan): a vehicle whose owner's profile is not in Campaign fails there, so it is an
 * error here, not a "create". The panel plans this flow alone; the parent flow may write the
 * profile first when both run together, which the Run dialog's dry run plans (docs/sync.md).
 */
async function withParents(dryRun: DryRun, flow: RecordsFlow, sink: TargetSink, signal?: AbortSignal): Promise<DryRun> {
  if (!flow.links?.length || !sink.plan) return dryRun
  const ops: WriteOp[] = []
  for (const entry of dryRun.entries) {
    if (entry.action === 'create' && entry.key !== undefined) ops.push({ op: 'create', key: entry.key, record: entry.target })
    else if (entry.action === 'update') {
      const patch = patchOf(entry.changes)
      ops.push({ op: 'update', key: entry.key, record: patch, patch })
    }
  }
  if (ops.length === 0) return dryRun
  const failed = new Map<string, Extract<WriteOutcome, { outcome: 'failed' }>>()
  for (const outcome of await sink.plan(ops, signal ?? new AbortController().signal))
    if (outcome.outcome === 'failed') failed.set(outcome.key, outcome)
  if (failed.size === 0) return dryRun
  const counts = { ...dryRun.counts }
  const entries = dryRun.entries.map((entry): DiffEntry => {
    const outcome = entry.key === undefined ? undefined : failed.get(entry.key)
    if (!outcome || (entry.action !== 'create' && entry.action !== 'update')) return entry
    counts[entry.action]--
    counts.error++
    const link = flow.links!.find((l) => l.target === outcome.field)
    const together =
      outcome.code === PARENT_MISSING && link
        ? ` — a run of this flow alone fails it; flow "${link.parentFlow}" may write the parent first when both run (the Run dialog's dry run plans them together)`
        : ''
    return {
      key: entry.key,
      action: 'error',
      field: outcome.field ?? link?.target ?? '',
      step: undefined,
      code: outcome.code,
      reason: `${outcome.message}${together}`,
      input: outcome.field && entry.action === 'create' ? (entry.target[outcome.field] ?? null) : null
    }
  })
  return { entries, counts }
}
