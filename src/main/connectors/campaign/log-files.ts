import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

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
}

export interface LogProblem {
  file: string
  line: number
  message: string
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

/** `2024-05-13 08:15:16.943Z` (Campaign) or ISO → ISO 8601; anything else unchanged. */
export function campaignDate(value: string): string {
  const trimmed = value.trim()
  if (!trimmed) return ''
  const normalized = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(trimmed) ? trimmed.replace(' ', 'T') : trimmed
  const time = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(normalized) || !normalized.includes('T') ? normalized : `${normalized}Z`)
  return Number.isNaN(time) ? trimmed : new Date(time).toISOString()
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
export function parseLogFile(name: string, text: string): { events: MarketingEvent[]; problems: LogProblem[] } {
  const kind = fileKind(name)
  const problems: LogProblem[] = []
  const events: MarketingEvent[] = []
  if (!kind) return { events, problems: [{ file: name, line: 0, message: 'not a broadLogRcp or trackingLogRcp export (file name)' }] }
  const rows = parseCsv(text)
  if (rows.length === 0) return { events, problems }
  const header = rows[0].map((h) => h.trim().toLowerCase())
  if (!header.includes('id')) return { events, problems: [{ file: name, line: 1, message: 'the header row has no id column' }] }
  rows.slice(1).forEach((cells, at) => {
    const line = at + 2
    const record: Record<string, string> = {}
    header.forEach((h, i) => {
      record[h] = (cells[i] ?? '').trim()
    })
    const id = record.id
    if (!id) {
      problems.push({ file: name, line, message: 'row without id skipped' })
      return
    }
    let type: MarketingEventType
    if (kind === 'broadLog') type = /fail|bounce|error/i.test(record.status ?? '') ? 'bounce' : 'send'
    // Opens are tracking rows whose URL label is "Open"; every other tracking row is a click.
    else type = /^open$/i.test(record.urllabel ?? '') ? 'open' : 'click'
    const date = campaignDate(pick(record, 'eventDate', 'logDate', 'contactDate', 'lastModified') ?? '')
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
      source: { file: name, line }
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
    const parsed = parseLogFile(name, await readFile(join(folder, name), 'utf8'))
    events.push(...parsed.events)
    problems.push(...parsed.problems)
  }
  events.sort((a, b) => a.date.localeCompare(b.date) || a.id.localeCompare(b.id))
  return { events, files: names, problems }
}
