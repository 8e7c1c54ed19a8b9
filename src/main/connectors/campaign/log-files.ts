import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseIsoDate } from '../../../shared/mapping/transforms/dates'

/**
 * Delivery and tracking logs exported by a Campaign workflow into a folder
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/managing-processes-and-data/importing-and-exporting-data/exporting-logs:
 * incremental query on broadLogRcp / trackingLogRcp → extract file → transfer). Parsing is
 * tolerant: BOM, CRLF or LF, comma/semicolon/tab, quoted fields with doubled quotes and
 * line breaks, columns in any order, unknown columns ignored, short rows padded.
 */

export type MarketingEventType = 'send' | 'bounce' | 'open' | 'click'

export interface MarketingEvent {
  /** Unique across both files: the idempotency key of the event. */
  id: string
  type: MarketingEventType
  /** ISO 8601 when the date could be read, else as written. */
  date: string
  deliveryId?: string
  deliveryLabel?: string
  deliveryCode?: string
  campaignLabel?: string
  campaignCode?: string
  /** The profile's Dynamics contact id (profile-key / recipient-key), when exported. */
  profileKey?: string
  /** Campaign's internal profile id (not a PKey). */
  profileId?: string
  address?: string
  url?: string
  urlLabel?: string
  failureType?: string
  failureReason?: string
  mirrorPage?: string
  /** File and line the event came from (for error reports). */
  source: { file: string; line: number }
  /** Why the event cannot be synced as exported (its date is not a date): it fails with this, never written. */
  problem?: string
}

export interface LogProblem {
  file: string
  line: number
  message: string
  /** The kind of event the row holds, when its columns say it (the flow of that kind reports the row). */
  type?: MarketingEventType
  /** What is wrong (failure-reasons.ts): `noKey` (no event id) unless said. */
  code?: 'noKey' | 'notUtf8'
}

export function parseCsv(text: string): string[][] {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const firstLine = input.slice(0, input.search(/\r?\n|$/))
  const delimiter = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1])[0][0]
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < input.length; i++) {
    const c = input[i]
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === delimiter) {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++
      row.push(field)
      field = ''
      if (row.length > 1 || row[0] !== '') rows.push(row)
      row = []
    } else field += c
  }
  if (field !== '' || row.length > 0) {
    row.push(field)
    if (row.length > 1 || row[0] !== '') rows.push(row)
  }
  return rows
}

/**
 * `2024-05-13 08:15:16.943Z` (Campaign's export format) or ISO 8601 → ISO 8601 in UTC (a time
 * without a zone is UTC); undefined when the text is not a real date and time. Strict: 2026-02-30
 * or 25:00 is refused, never rolled over to another day as `Date.parse` does, and no other
 * spelling is guessed at (05/06/2026 reads two ways). The transforms' date reader (`parseIsoDate`).
 */
export function readCampaignDate(value: string): string | undefined {
  const parsed = parseIsoDate(value)
  return parsed ? new Date(parsed.ms).toISOString() : undefined
}

function pick(record: Record<string, string>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = record[name.toLowerCase()]
    if (value !== undefined && value !== '') return value
  }
  return undefined
}

function fileKind(name: string): 'broadLog' | 'trackingLog' | undefined {
  if (/^broadlog/i.test(name)) return 'broadLog'
  if (/^trackinglog/i.test(name)) return 'trackingLog'
  return undefined
}

/** Events in one export file. */
/**
 * A log export's text. Campaign writes UTF-8; a file that is not (saved again in another
 * encoding, cut mid-character) is read leniently, and `notUtf8` says so: its rows holding the
 * replacement character U+FFFD are reported, never written with "�" in place of the text.
 */
export async function readLogFile(path: string): Promise<{ text: string; notUtf8: boolean }> {
  const bytes = await readFile(path)
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), notUtf8: false }
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), notUtf8: true }
  }
}

export function parseLogFile(
  name: string,
  text: string,
  options: { notUtf8?: boolean } = {}
): { events: MarketingEvent[]; problems: LogProblem[] } {
  const kind = fileKind(name)
  const problems: LogProblem[] = []
  const events: MarketingEvent[] = []
  if (!kind) return { events, problems: [{ file: name, line: 0, message: 'not a broadLogRcp or trackingLogRcp export (file name)' }] }
  const rows = parseCsv(text)
  if (rows.length === 0) return { events, problems }
  const header = rows[0].map((h) => h.trim().toLowerCase())
  const hasId = header.includes('id')
  if (!hasId) problems.push({ file: name, line: 1, message: 'the header row has no id column' })
  rows.slice(1).forEach((cells, at) => {
    const line = at + 2
    const record: Record<string, string> = {}
    header.forEach((h, i) => {
      record[h] = (cells[i] ?? '').trim()
    })
    let type: MarketingEventType
    if (kind === 'broadLog') type = /fail|bounce|error/i.test(record.status ?? '') ? 'bounce' : 'send'
    // Opens are tracking rows whose URL label is "Open"; every other tracking row is a click.
    else type = /^open$/i.test(record.urllabel ?? '') ? 'open' : 'click'
    const id = record.id
    // Every row is accounted for: one that cannot be an event is a problem of its kind's flow, by file and line.
    if (!hasId) {
      problems.push({
        file: name,
        line,
        type,
        message: 'the file has no id column (its header row names none), so the row has no event id'
      })
      return
    }
    if (!id) {
      problems.push({ file: name, line, type, message: 'the row has no id (the event id Campaign exports)' })
      return
    }
    if (options.notUtf8 && cells.some((cell) => cell.includes('\uFFFD'))) {
      problems.push({
        file: name,
        line,
        type,
        code: 'notUtf8',
        message: 'the row is not valid UTF-8 (bytes that are not text, read as "�") — export the file again as UTF-8'
      })
      return
    }
    const dateColumn = ['eventDate', 'logDate', 'contactDate', 'lastModified'].find((c) => record[c.toLowerCase()])
    const written = dateColumn ? record[dateColumn.toLowerCase()] : ''
    const read = written ? readCampaignDate(written) : ''
    const date = read ?? written
    events.push({
      id,
      type,
      date,
      deliveryId: pick(record, 'delivery-id', 'deliveryId'),
      deliveryLabel: pick(record, 'deliveryLabel'),
      deliveryCode: pick(record, 'deliveryCode'),
      campaignLabel: pick(record, 'campaignLabel'),
      campaignCode: pick(record, 'campaignCode'),
      profileKey: pick(record, 'profile-key', 'recipient-key', 'profileKey', 'recipientKey'),
      profileId: pick(record, 'profile-id', 'recipient-id', 'profileId', 'recipientId'),
      address: pick(record, 'address', 'email'),
      url: pick(record, 'urlSource', 'url'),
      urlLabel: pick(record, 'urlLabel'),
      failureType: pick(record, 'failureType'),
      failureReason: pick(record, 'failureReason'),
      mirrorPage: pick(record, 'mirrorPage'),
      source: { file: name, line },
      ...(read === undefined
        ? { problem: `${dateColumn} ${JSON.stringify(written)} is not a date and time (YYYY-MM-DD HH:MM:SS.mmmZ)` }
        : {})
    })
  })
  return { events, problems }
}

/**
 * Reads every finished export file in `folder` not in `processed` (in-progress `.part`
 * files are skipped), oldest first by name. Returns the events, the files read (store them
 * as processed once the events are written) and per-line problems.
 */
export async function readLogExports(
  folder: string,
  processed: ReadonlySet<string> = new Set()
): Promise<{ events: MarketingEvent[]; files: string[]; problems: LogProblem[] }> {
  const names = (await readdir(folder)).filter((n) => /\.csv$/i.test(n) && fileKind(n) && !processed.has(n)).sort()
  const events: MarketingEvent[] = []
  const problems: LogProblem[] = []
  for (const name of names) {
    const { text, notUtf8 } = await readLogFile(join(folder, name))
    const parsed = parseLogFile(name, text, { notUtf8 })
    events.push(...parsed.events)
    problems.push(...parsed.problems)
  }
  events.sort((a, b) => a.date.localeCompare(b.date) || a.id.localeCompare(b.id))
  return { events, files: names, problems }
}
