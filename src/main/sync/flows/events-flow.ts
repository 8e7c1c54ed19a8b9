import type { EventsFlow } from '../../../shared/mapping/document'
import { compileFlow, flattenRecord, type RecordResult, type SourceRecord } from '../../../shared/mapping/engine'
import { campaignEventTable } from '../../../shared/schema/campaign-events'
import type { CampaignConnector } from '../../connectors/campaign/connector'
import type { DynamicsConnector } from '../../connectors/dynamics/connector'
import type { RecordTransform } from '../runner'
import { ActivitySink, REGARDING } from './activity-sink'
import { LogExportSource, ProfileHistorySource, SOURCE_LINE, SOURCE_PROBLEM, UNKNOWN_KIND, type SourceProblem } from './events-source'
import type { BuildFlowOptions, FlowParts } from './index'

/**
 * Job 3: Campaign events → Dynamics activities on the contact's timeline. The activity
 * regards the contact whose id the profile carries (the source's `profileKey`); events of
 * profiles without one are skipped. Idempotent per event: the key is the computed
 * `match.target` (the event id when the mapping does not set it).
 */
export async function eventsFlowParts(
  options: BuildFlowOptions & { flow: EventsFlow; dynamics: DynamicsConnector; campaign: CampaignConnector }
): Promise<FlowParts> {
  const { flow, dynamics, campaign, signal } = options
  const schema = await dynamics.tableSchema(flow.target.table, signal)
  const compiled = compileFlow(flow, {
    // The same event shape validation and the canvas use (Campaign publishes none for its logs).
    source: campaignEventTable(flow.source.event),
    target: schema.table,
    expressions: options.expressions,
    flowIndex: options.document.flows.indexOf(flow)
  })
  const kind = options.full ? 'full' : (flow.sync?.mode ?? 'incremental')
  const source = options.eventsFolder
    ? new LogExportSource(options.eventsFolder, flow.source.event, kind)
    : new ProfileHistorySource(campaign, flow.source.event, kind)
  const keyColumn = flow.match.target
  const columns = [...new Set(flow.fields.map((f) => f.target.split('.')[0]))]
  const sink = new ActivitySink({
    connector: dynamics,
    table: flow.target.table,
    keyColumn,
    columns,
    limits: options.limits,
    afterWrite: options.afterWrite
  })
  const run = compiled.isAsync ? compiled.run : compiled.runSync
  // Dataverse keeps date and time columns to the second; Campaign dates carry milliseconds.
  // Written as they come, an event read again would look changed ("10:22:07Z" → "10:22:07.023Z").
  // https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/datetimeattributemetadata
  const dateColumns = schema.table.fields.filter((f) => f.type === 'datetime').map((f) => f.name)
  const finish = (record: SourceRecord, result: RecordResult): RecordResult => {
    // A mapping failure of a log-export row says which row: the file and line a person opens.
    if (result.kind === 'error' && typeof record[SOURCE_LINE] === 'string')
      return { ...result, reason: `${result.reason} (${record[SOURCE_LINE]})` }
    if (result.kind !== 'ok') return result
    for (const column of dateColumns) {
      const value = result.target[column]
      if (typeof value === 'string') result.target[column] = value.replace(/\.\d+(?=Z$|[+-]\d\d:\d\d$)/, '')
    }
    const contact = record.profileKey
    if (typeof contact !== 'string' || !contact)
      return {
        kind: 'skipped',
        key: result.key,
        reason: 'the profile has no Dynamics contact id — it was not synced from Dynamics',
        notFiltered: true
      }
    if (result.target[keyColumn] === undefined || result.target[keyColumn] === null || result.target[keyColumn] === '')
      result.target[keyColumn] = String(record.id)
    result.target[REGARDING] = contact
    return result
  }
  const transform: RecordTransform = {
    createOnly: compiled.createOnly,
    run: (record) => {
      // A row Campaign exported that cannot be an event as written (no id, an impossible date): failed with its file and line, never sent.
      const problem = record[SOURCE_PROBLEM] as SourceProblem | undefined
      if (problem !== undefined)
        return {
          kind: 'error',
          key: record.id === undefined || record.id === null ? undefined : String(record.id),
          field: (problem.field === 'date' && flow.fields.find((f) => f.from?.includes('date'))?.target) || keyColumn,
          step: undefined,
          code: problem.code,
          reason: problem.reason,
          input: record[problem.field] ?? null
        }
      // Read from the marketing history without a kind Campaign said (docs/sync.md, "Events"): reported, not guessed.
      if (record[UNKNOWN_KIND] !== undefined)
        return {
          kind: 'skipped',
          key: record.id === undefined || record.id === null ? undefined : String(record.id),
          reason: `Campaign's marketing history does not say whether event ${String(record[UNKNOWN_KIND])} is a ${flow.source.event}: not synced. Read events from the Campaign log exports instead (--events DIR), which say it`,
          notFiltered: true
        }
      const result = run(record)
      return result instanceof Promise ? result.then((r) => finish(record, r)) : finish(record, result)
    }
  }
  const keyOf = (result: RecordResult, record: SourceRecord) => {
    if (result.kind === 'ok') {
      const value = flattenRecord(result.target)[keyColumn]
      if (value !== undefined && value !== null && value !== '') return String(value)
    }
    return record.id === undefined || record.id === null ? undefined : String(record.id)
  }
  const notes = [
    options.eventsFolder
      ? `${flow.source.event} events from the Campaign log exports in ${options.eventsFolder} → ${flow.target.table} (upsert by ${keyColumn}, $batch)`
      : `${flow.source.event} events from each synced profile's marketing history → ${flow.target.table} (upsert by ${keyColumn}, $batch)`
  ]
  // Events of profiles without a Dynamics id are never read from the history: the summary says
  // how many profiles that was, so a delivery's events that no count shows are accounted for.
  const summary = (dryRun: boolean): string[] => {
    if (source instanceof LogExportSource) return logExportNotices(source, flow.source.event, dryRun)
    const passed = source instanceof ProfileHistorySource ? source.profilesWithoutKey : 0
    if (!passed) return []
    const one = passed === 1
    return [
      `${passed} Campaign profile${one ? '' : 's'} without a Dynamics id (${campaign.dynamicsKeyField}): ${one ? 'its' : 'their'} events ${dryRun ? 'would not be' : 'were not'} read — an activity regards a contact, and a profile gets its id when the contacts flow syncs it`
    ]
  }
  return { runnerFlow: flow, source, sink, transform, keyOf, notes, summary }
}

/**
 * What a log-export read must say beyond its counts (docs/sync.md, "Events from log exports"): a
 * file whose header has no id column (its rows are failed, and the cursor passes the file), and
 * files that arrived under a name sorting before the last file done (never read).
 */
function logExportNotices(source: LogExportSource, event: string, dryRun: boolean): string[] {
  const notices: string[] = []
  for (const { file, rows } of source.filesWithoutId)
    notices.push(
      `${file}: the header row has no id column, so ${rows ? `its ${rows} ${event} row${rows === 1 ? '' : 's'} ${dryRun ? 'would fail' : 'failed'} (listed with the errors)` : `none of its rows is a ${event} event this flow can read`}. ${dryRun ? 'A run would not read this file again' : 'This file will not be read again'}: export those rows again with an "id" column under a new name that sorts after the last file read`
    )
  if (source.lateFiles.length) {
    const files = source.lateFiles
    notices.push(
      `${files.length} export file${files.length === 1 ? '' : 's'} arrived or changed after an earlier run read past ${files.length === 1 ? 'its' : 'their'} name (last file read: ${source.lastDone}) and ${files.length === 1 ? 'is' : 'are'} not read: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''} — rename ${files.length === 1 ? 'it' : 'them'} to sort after ${source.lastDone}, or run with --full to read the folder again`
    )
  }
  return notices
}
