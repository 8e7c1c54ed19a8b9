import { crc32 } from 'node:zlib'
import type { RunCounts } from '../../shared/contract'
import { zeroCounts } from '../../shared/run-counts'
import type { Json, RecordConflict, SourceCursor, WriteOp } from './ports'

/**
 * The run journal's entries and their line format. One line per entry:
 *
 *   {"crc":"1a2b3c4d","e":{"t":"checkpoint",...}}
 *
 * The CRC-32 (hex) covers the exact text after `"e":` up to the final `}`, so a reader
 * verifies a line without re-serialising it. A line that does not verify, or the last line
 * when it has no newline, is a torn write: it and everything after it are ignored.
 */

// A run's counts: one shape for the journal, the sync service and the renderer (the contract's schema, src/shared/contract.ts).
export type { RunCounts }

export const countNames = [
  'read',
  'created',
  'updated',
  'unchanged',
  'skipped',
  'failed',
  'unknown',
  'deleted',
  'deferred',
  'pending',
  'filteredOut',
  'sourceDeletions'
] as const satisfies ReadonlyArray<keyof RunCounts>

/** The buckets every record read ends in: their sum is `read`. */
export const outcomeCountNames = [
  'created',
  'updated',
  'unchanged',
  'skipped',
  'failed',
  'unknown',
  'deleted',
  'deferred',
  'pending'
] as const satisfies ReadonlyArray<keyof RunCounts>

export { zeroCounts }

export function addCounts(into: RunCounts, delta: Partial<RunCounts>): RunCounts {
  // `?? 0`: counts written by an older version lack the newer names.
  for (const name of countNames) if (delta[name]) into[name] = (into[name] ?? 0) + delta[name]!
  return into
}

/**
 * Counts with every name present (older journals lack `pending`, `filteredOut`, `sourceDeletions`
 * and `unknown` — a run journaled before `unknown` existed counted those records in `failed`).
 */
export function fullCounts(counts: Partial<RunCounts> | undefined): RunCounts {
  return addCounts(zeroCounts(), counts ?? {})
}

/** The invariant: every record read is in exactly one bucket. */
export function countsAddUp(counts: RunCounts): boolean {
  let sum = 0
  for (const name of outcomeCountNames) sum += counts[name] ?? 0
  return sum === counts.read
}

export type RunMode = 'full' | 'incremental' | 'retry'
export type RunStatus = 'running' | 'completed' | 'failed' | 'canceled' | 'interrupted'

export interface StartEntry {
  t: 'start'
  at: number
  runId: string
  flowId: string
  /** sha256 of the flow's canonical JSON: a resume with another mapping is refused. */
  mappingHash: string
  /**
   * sha256 of what decides what the flow writes for a record (`contentHash`): an incremental run
   * after a change of it reads every record again (docs/sync.md, "A changed mapping"). Absent in
   * journals written before it was kept.
   */
  contentHash?: string
  /** The user's label for the mapping version (file revision, git commit), when known. */
  mappingVersion?: string
  mode: RunMode
  dryRun: boolean
  /** Where the source started (an incremental run: the previous run's last cursor). */
  cursor?: SourceCursor
  /** A "retry failed records" run: the run it retries and the keys it is restricted to. */
  retryOf?: string
  onlyKeys?: string[]
  /** An incremental run's records read by key after its changes (rows whose parent is back: src/main/sync/orphaned-rows.ts). */
  reread?: string[]
  /**
   * The services the run reached (connection identities, e.g. `dynamics:https://org.crm.dynamics.com
   * → campaign:https://mc.adobe.io/acme`): a flow's incremental position and its resumable runs are
   * per identity, so a different sandbox or tenant never shares a watermark.
   */
  identity?: string
  /** The process that runs it (`<host> <pid> <boot>`): another process does not take a live run for a crashed one (run-owner.ts). */
  owner?: string
}

/**
 * `skipped`/`unchanged` lines are written only when a run stops mid-page, so its resume does not decide those records twice.
 * `unknown`: the write got no answer (code `outcomeUnknown`); older runs journaled such records as `failed` with that code.
 */
export type OutcomeName = 'created' | 'updated' | 'unchanged' | 'deleted' | 'failed' | 'unknown' | 'deferred' | 'superseded' | 'skipped'

/** A record the errors list holds: it failed, or its write got no answer (its count is the outcome's own: `failed` or `unknown`). */
export function isListedError(o: OutcomeName): o is 'failed' | 'unknown' {
  return o === 'failed' || o === 'unknown'
}

export interface OutcomeItem {
  /** The match key; absent for a record that has none. */
  k?: string
  /** For a record without a key: `#<page>:<index>`, stable when the same page is read again. */
  id?: string
  o: OutcomeName
  /** Where it failed: the mapping (transform), or the target (write). */
  stage?: 'transform' | 'write'
  op?: WriteOp['op']
  /** What failed (src/shared/mapping/failure-reasons.ts); runs journaled before those codes say `transform` for any mapping failure. */
  code?: string
  message?: string
  retryable?: boolean
  field?: string
  step?: number
  /** The failing step's name (`valueMap`; `targetRules` for the target's check). Older runs lack it. */
  stepName?: string
  /** The value that failed (source data, shortened; never a secret-looking field). */
  input?: Json
  /** A deferred record's write, kept so a later pass (or a resumed run) can retry it. */
  pending?: WriteOp
  /** The conflicts this write settled (opt-outs both ways), labelled as the dry run planned them. */
  conflicts?: RecordConflict[]
}

export interface OutcomesEntry {
  t: 'outcomes'
  at: number
  /** The page these records came from (1-based); 0 for the retry passes. */
  page: number
  /** The retry pass (1-based) for deferred records. */
  pass?: number
  items: OutcomeItem[]
  /** What these items changed in the run's counts. */
  d: Partial<RunCounts>
}

export interface CheckpointEntry {
  t: 'checkpoint'
  at: number
  /** pages: `cursor` is after page `page`; retry: the source is done and `pass` retry passes are. */
  phase: 'pages' | 'retry'
  page: number
  pass: number
  cursor: SourceCursor | undefined
  counts: RunCounts
  /** The source's total, when it said. */
  total?: number
  /** A sharded run: source records read so far that belong to other shards (not in `counts`). */
  otherShards?: number
}

export interface ResumeEntry {
  t: 'resume'
  at: number
  /** The process that resumed it (`<host> <pid> <boot>`, run-owner.ts). */
  owner?: string
}

export interface EndEntry {
  t: 'end'
  at: number
  status: Exclude<RunStatus, 'running' | 'interrupted'>
  counts: RunCounts
  /** Active time over every attempt of the run (start → end, resume → end). */
  durationMs: number
  /** A completed run: where the next incremental run starts. */
  cursor?: SourceCursor
  error?: { code: string; message: string }
}

export type JournalEntry = StartEntry | OutcomesEntry | CheckpointEntry | ResumeEntry | EndEntry

const PREFIX = '{"crc":"'
const MIDDLE = '","e":'
const BODY_AT = PREFIX.length + 8 + MIDDLE.length

export function encodeEntry(entry: JournalEntry): string {
  const body = JSON.stringify(entry)
  return `${PREFIX}${crcOf(body)}${MIDDLE}${body}}\n`
}

function crcOf(body: string): string {
  return crc32(body).toString(16).padStart(8, '0')
}

/** The entry on one line (without its newline), or undefined when the line does not verify. */
export function decodeLine(line: string): JournalEntry | undefined {
  if (!line.startsWith(PREFIX) || line.slice(PREFIX.length + 8, BODY_AT) !== MIDDLE || !line.endsWith('}')) return undefined
  const body = line.slice(BODY_AT, -1)
  // The CRC as written, compared as text: a lenient number parse would accept " 1a2b3c4" for "01a2b3c4".
  if (line.slice(PREFIX.length, PREFIX.length + 8) !== crcOf(body)) return undefined
  // Stryker disable BlockStatement: an empty catch ends the function with undefined all the same (the try block's own mutant, caught by every test that decodes a line, goes with it)
  try {
    const entry: unknown = JSON.parse(body)
    // Object(): null, numbers and text have no `t` either, so anything but an entry is refused.
    return typeof Object(entry).t === 'string' ? (entry as JournalEntry) : undefined
  } catch {
    return undefined
  }
}

// Stryker restore BlockStatement
// "pass" covers password, "secret" covers clientSecret and client_secret.
const SECRET_NAME = /pass|secret|token|authori[sz]ation|api[-_]?key|private[-_]?key|cookie/i
const MAX_TEXT = 300

/**
 * A value fit for the journal and the error export: JSON, text shortened, and any field
 * whose name suggests a credential replaced by "[redacted]". Source values are the user's
 * data and are kept (they are what makes an error actionable); credentials never are.
 */
export function journalValue(value: unknown, depth = 0): Json {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}… (${value.length} characters)` : value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'boolean') return value
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (depth >= 4) return '[…]'
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((item) => journalValue(item, depth + 1))
    if (value.length > 20) items.push(`… ${value.length - 20} more`)
    return items
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {}
    let n = 0
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (n++ >= 40) {
        out['…'] = 'more fields left out'
        break
      }
      out[key] = SECRET_NAME.test(key) ? '[redacted]' : journalValue(item, depth + 1)
    }
    return out
  }
  return String(value) // bigint, symbol, function
}
