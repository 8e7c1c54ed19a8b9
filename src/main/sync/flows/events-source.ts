import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { SourceRecord } from '../../../shared/mapping/engine'
import type { CampaignConnector, CampaignRecord } from '../../connectors/campaign/connector'
import { parseLogFile, readCampaignDate, readLogFile, type LogProblem, type MarketingEvent } from '../../connectors/campaign/log-files'
import { abortError, SyncFatalError, type RecordSource, type SourceCursor, type SourcePage } from '../ports'
import { rethrowFatal } from './errors'
import { pagesFromPosition } from './campaign-pages'

/**
 * Campaign marketing events (sends, opens, clicks, bounces) as a `RecordSource`. Every
 * record has the same shape whichever way it was read (the log-export columns):
 * `id` (the event's idempotency key), `type`, `date` (ISO), `deliveryId`, `deliveryLabel`,
 * `deliveryCode`, `campaignLabel`, `campaignCode`, `profileKey` (the profile's Dynamics
 * contact id), `address`, `url`, `urlLabel`, `failureType`, `failureReason`, `mirrorPage`.
 *
 * - From log exports (a folder of `broadLogRcp_*.csv` / `trackingLogRcp_*.csv`, what an
 *   export workflow drops): files are read oldest first; the cursor is the last file done
 *   per kind plus the position in the current file, so a new export is read exactly once.
 * - From the per-profile marketing history (no folder): the profiles that carry a Dynamics
 *   id, each profile's events newer than the watermark. Adobe documents only PKey, category,
 *   date, href, label, mirrorPage and type for an event
 *   (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/interacting-with-marketing-history):
 *   its kind is `eventType` where Campaign gives it, else read from those (`historyEventKind`);
 *   an event whose kind cannot be told is passed on with `type: null`, and every flow reports
 *   it skipped with the reason (events-flow.ts), never dropped unseen.
 */

export type EventType = 'send' | 'open' | 'click' | 'bounce'
const eventTypes: readonly string[] = ['send', 'open', 'click', 'bounce']

/**
 * The kind of a marketing history event: its `eventType` when present (the sandbox's, [INF]);
 * else from the documented keys, where they say it: an outbound email event labelled
 * "Send via email" (Adobe's sample) is a send. Anything else is undefined: not guessed.
 */
export function historyEventKind(event: CampaignRecord): EventType | undefined {
  const given = typeof event.eventType === 'string' ? event.eventType : undefined
  if (given !== undefined) return eventTypes.includes(given) ? (given as EventType) : undefined
  const category = String(event.category ?? '').toLowerCase()
  const direction = String(event.type ?? '').toLowerCase()
  if (category === 'email' && direction === 'outbound' && /^send via email$/i.test(String(event.label ?? '').trim())) return 'send'
  return undefined
}

export function eventRecord(event: Omit<MarketingEvent, 'source'> & { source?: unknown }): SourceRecord {
  const { source: _source, ...rest } = event
  return { ...rest, profileKey: event.profileKey ? event.profileKey.toLowerCase() : null } as SourceRecord
}

interface FilesCursor {
  t: 'files'
  /** Last file finished, per kind. */
  broadLog?: string
  trackingLog?: string
  /** When the folder was listed by the run that finished that file (epoch ms): a file named before it and changed later arrived late. */
  broadLogListedAt?: number
  trackingLogListedAt?: number
  /** The file being read and the rows of it (events and rows that cannot be events) already yielded. */
  file?: string
  at?: number
}

/**
 * The source field of a record that cannot be synced as Campaign exported it (a row without an id,
 * an impossible date): the flow fails it with this reason, which names the file and line.
 */
export const SOURCE_PROBLEM = 'logExportProblem'
export interface SourceProblem {
  /** `noKey` (no event id), `notUtf8` (bytes that are not text) or `notADate`. */
  code: string
  /** The source field at fault: `id` or `date`. */
  field: 'id' | 'date'
  reason: string
}
/** Where a log-export record came from (`broadLogRcp_….csv line 4`), for its errors. */
export const SOURCE_LINE = 'logExportLine'

const lineOf = (file: string, line: number) => `${file} line ${line}`

export class LogExportSource implements RecordSource {
  readonly kind: 'incremental' | 'full'
  /** Files of this kind whose header row has no id column, with the rows of this flow's kind reported failed. */
  readonly filesWithoutId: Array<{ file: string; rows: number }> = []
  /** Files named at or before the last file done that changed after that run listed the folder: not read. */
  readonly lateFiles: string[] = []
  /** The last file done when this run started (what a late file must sort after). */
  lastDone: string | undefined

  constructor(
    private readonly folder: string,
    private readonly type: EventType,
    kind: 'incremental' | 'full',
    private readonly pageSize = 500
  ) {
    this.kind = kind
  }

  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const c: FilesCursor =
      cursor && typeof cursor === 'object' && !Array.isArray(cursor) && (cursor as { t?: unknown }).t === 'files'
        ? { ...(cursor as unknown as FilesCursor) }
        : { t: 'files' }
    const kind = this.type === 'send' || this.type === 'bounce' ? 'broadLog' : 'trackingLog'
    const listedAtKey = `${kind}ListedAt` as const
    const listedAt = Date.now()
    let names: string[]
    try {
      names = (await readdir(this.folder)).filter((n) => /\.csv$/i.test(n) && n.toLowerCase().startsWith(kind.toLowerCase())).sort()
    } catch (error) {
      throw new SyncFatalError(
        'sourceGone',
        `cannot read the Campaign export folder ${this.folder}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
      )
    }
    const done = c[kind]
    const doneListedAt = c[listedAtKey]
    this.lastDone = done
    for (const name of names) {
      if (done && name <= done) {
        // The cursor is the last file name done: a file that arrives later under a name sorting before it is never read. Say so.
        if (doneListedAt !== undefined && (await changedAfter(join(this.folder, name), doneListedAt))) this.lateFiles.push(name)
        continue
      }
      if (signal.aborted) throw abortError()
      const { text, notUtf8 } = await readLogFile(join(this.folder, name))
      const { events, problems } = parseLogFile(name, text, { notUtf8 })
      // Every row of this flow's kind, in file order: the events and the rows that cannot be events, each accounted for.
      const rows: Array<{ line: number; record: SourceRecord }> = [
        ...events.filter((e) => e.type === this.type).map((e) => ({ line: e.source.line, record: logRecord(e) })),
        ...problems.filter((p) => p.type === this.type).map((p) => ({ line: p.line, record: problemRecord(p, this.type) }))
      ].sort((a, b) => a.line - b.line)
      if (problems.some((p) => p.line === 1 && p.type === undefined))
        this.filesWithoutId.push({ file: name, rows: problems.filter((p) => p.type === this.type).length })
      let at = c.file === name ? (c.at ?? 0) : 0
      if (at >= rows.length) {
        yield { records: [], cursor: { ...c, [kind]: name, [listedAtKey]: listedAt, file: null, at: 0 } as unknown as SourceCursor }
        c[kind] = name
        c[listedAtKey] = listedAt
        continue
      }
      while (at < rows.length) {
        const slice = rows.slice(at, at + this.pageSize)
        at += slice.length
        const last = at >= rows.length
        const next: FilesCursor = last
          ? { ...c, [kind]: name, [listedAtKey]: listedAt, file: undefined, at: undefined }
          : { ...c, file: name, at }
        yield { records: slice.map((r) => r.record), cursor: JSON.parse(JSON.stringify(next)) }
        if (last) {
          c[kind] = name
          c[listedAtKey] = listedAt
        }
      }
    }
  }
}

/** The file arrived or changed (written, copied, moved in: its change time) after `time`. */
async function changedAfter(path: string, time: number): Promise<boolean> {
  try {
    const info = await stat(path)
    return Math.max(info.mtimeMs, info.ctimeMs) > time
  } catch {
    return false
  }
}

function logRecord(event: MarketingEvent): SourceRecord {
  const record = { ...eventRecord(event), [SOURCE_LINE]: lineOf(event.source.file, event.source.line) }
  if (!event.problem) return record
  const problem: SourceProblem = {
    code: 'notADate',
    field: 'date',
    reason: `${lineOf(event.source.file, event.source.line)}: ${event.problem}`
  }
  return { ...record, [SOURCE_PROBLEM]: problem }
}

function problemRecord({ file, line, message, code }: LogProblem, type: EventType): SourceRecord {
  const problem: SourceProblem = { code: code ?? 'noKey', field: 'id', reason: `${lineOf(file, line)}: ${message} — it cannot be synced` }
  return { id: null, type, profileKey: null, [SOURCE_LINE]: lineOf(file, line), [SOURCE_PROBLEM]: problem }
}

interface HistoryCursor {
  t: 'history'
  /** Events at or before this time were read by an earlier run. */
  since?: string
  /** The profile page being read (a Campaign next link), and the watermark this run will store. */
  next?: string
  until?: string
}

const skewMs = 5 * 60_000
/**
 * Campaign consolidates tracking logs in batches, so an open or a click can be logged hours
 * after it happened, dated when it happened. Each incremental read therefore looks back this
 * far before the last watermark; events read again are upserted by their event id, so they
 * come out unchanged, never twice.
 */
export const defaultLookbackMs = 3 * 24 * 60 * 60_000

export class ProfileHistorySource implements RecordSource {
  readonly kind: 'incremental' | 'full'
  /**
   * Profiles this run passed over because they carry no Dynamics id: their history is not read
   * (their events regard no contact), so the run's summary says how many there were instead.
   */
  profilesWithoutKey = 0

  constructor(
    private readonly connector: CampaignConnector,
    private readonly type: EventType,
    kind: 'incremental' | 'full',
    private readonly options: { pageSize?: number; now?: () => number; lookbackMs?: number } = {}
  ) {
    this.kind = kind
  }

  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    const c: HistoryCursor =
      cursor && typeof cursor === 'object' && !Array.isArray(cursor) && (cursor as { t?: unknown }).t === 'history'
        ? (cursor as unknown as HistoryCursor)
        : { t: 'history' }
    const lookback = this.options.lookbackMs ?? defaultLookbackMs
    const since = this.kind === 'full' || !c.since ? undefined : new Date(Date.parse(c.since) - lookback).toISOString()
    const until = c.until ?? new Date((this.options.now ?? Date.now)() - skewMs).toISOString()
    const keyField = this.connector.dynamicsKeyField
    try {
      const start = c.next
      for await (const { records: profiles, next } of pagesFromPosition(
        () => this.connector.profiles({ pageSize: this.options.pageSize ?? 100, signal, ...(start ? { from: start } : {}) }),
        start,
        this.connector,
        signal
      )) {
        const records: SourceRecord[] = []
        for (const profile of profiles) {
          const key = profile[keyField]
          if (typeof key !== 'string' || !key || typeof profile.PKey !== 'string') {
            this.profilesWithoutKey++
            continue
          }
          // Adobe documents no order for a profile's events: every page is read, older ones passed over.
          for await (const event of this.connector.historyEvents(profile.PKey, { pageSize: 100, signal })) {
            const date = String(event.date ?? '')
            // As written when it is not a real date (never rolled to another day): the flow's target rule then refuses it.
            const iso = readCampaignDate(date) ?? date
            if (since && iso <= since) continue
            if (iso > until) continue
            const kind = historyEventKind(event)
            // Another kind is another flow's; an unknown kind goes on, for the flow to report it skipped.
            if (kind !== undefined && kind !== this.type) continue
            const record: SourceRecord = eventRecord({
              id: String(event.eventId ?? event.PKey),
              type: (kind ?? null) as EventType,
              date: iso,
              deliveryId: str(event.deliveryId),
              deliveryLabel: str(event.deliveryLabel),
              deliveryCode: str(event.deliveryCode),
              campaignLabel: str(event.campaignLabel),
              campaignCode: str(event.campaignCode),
              profileKey: key,
              // No address: Adobe documents none on a history event (see the header), and the profile's email is its
              // address now, not the one the message went to. Left empty rather than claimed (docs/sync.md).
              address: undefined,
              url: str(event.url),
              failureType: str(event.failureType),
              failureReason: str(event.failureReason),
              mirrorPage: str(event.mirrorPageUrl ?? (event.mirrorPage as { href?: string } | undefined)?.href)
            })
            // What Campaign said of an event of unknown kind, for the skip's reason (events-flow.ts).
            records.push(kind ? record : { ...record, [UNKNOWN_KIND]: describeEvent(event) })
          }
        }
        if (signal.aborted) throw abortError()
        yield {
          records,
          cursor: next ? { t: 'history', ...(c.since ? { since: c.since } : {}), next, until } : { t: 'history', since: until }
        }
      }
    } catch (error) {
      rethrowFatal(error, 'reading Campaign marketing history')
      throw error
    }
  }
}

/** The source field an event of unknown kind carries: what Campaign said of it. */
export const UNKNOWN_KIND = 'historyEventUnknownKind'

function describeEvent(event: CampaignRecord): string {
  return `"${str(event.label) ?? ''}" (${str(event.category) ?? 'no category'}, ${str(event.type) ?? 'no type'})`
}

function str(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value)
}
