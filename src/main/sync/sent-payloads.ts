import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { writeFileAtomic } from '../files/atomic-write'
import type { TargetRecord } from '../../shared/mapping/engine'

/**
 * What a records flow last sent to the target, per source key: a digest of each field of the
 * payload (our own computed values — never Campaign's PKey or href, which Adobe says must not
 * be stored outside Campaign). An incremental run compares a changed record's payload with it:
 *  - every field's digest equal → the target already got exactly this: `unchanged`, no call;
 *  - some differ → an update of just those fields, addressed by the key (no lookup first);
 *  - no digest (never sent, failed, another mapping) → the lookup against the target, as before.
 * A full run decides against the target's own values (a profile edited in Campaign behind the
 * sync is put right there) and records the digests for the next incremental run.
 *
 * One append-only file per flow, identity and mapping version (`<journal>/sent/<id>.tsv`, lines
 * `key<TAB>digests`, or `key<TAB>-` for "forget"; the last line for a key wins). Appends are
 * buffered and written after each batch's outcomes are journaled: a digest lost in a crash
 * only means the next run looks that record up; a digest is written only after the target
 * confirmed the write, so it never claims a write that did not land.
 */
export interface SentPayloads {
  /** The digests last recorded for this key, or undefined. */
  get(key: string): string | undefined
  record(key: string, digests: string): void
  forget(key: string): void
  /** Writes what was recorded since the last flush. */
  flush(): Promise<void>
}

/** Digest length per field: 12 base64url characters, 72 bits — a changed value goes unnoticed with odds of 2⁻⁷². */
const fieldDigestLength = 12

/**
 * The digests of a payload's top-level fields: a digest of the field names (so a record of
 * another shape never compares equal), then one per field in name order. "No value" (null,
 * missing, "") digests alike, as the runner's diff counts them equal.
 */
export function payloadDigests(record: TargetRecord): string {
  const names = Object.keys(record).sort()
  let out = digest(names.join('\u0000'))
  for (const name of names) out += digest(canonical(record[name]))
  return out
}

/** Fields whose digest differs between two digest strings of the same shape; undefined when the shapes differ. */
export function changedFields(record: TargetRecord, before: string, now: string): string[] | undefined {
  if (before.slice(0, fieldDigestLength) !== now.slice(0, fieldDigestLength) || before.length !== now.length) return undefined
  const names = Object.keys(record).sort()
  const changed: string[] = []
  names.forEach((name, i) => {
    const at = (i + 1) * fieldDigestLength
    if (before.slice(at, at + fieldDigestLength) !== now.slice(at, at + fieldDigestLength)) changed.push(name)
  })
  return changed
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, fieldDigestLength)
}

function canonical(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'null'
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}

/** The file-backed store. `load: false` (a full run): records only, nothing is read — memory stays flat. */
export class SentPayloadFile implements SentPayloads {
  private readonly known = new Map<string, string>()
  private pending: string[] = []
  private lines = 0

  private constructor(
    private readonly path: string,
    private readonly loaded: boolean
  ) {}

  static async open(journalRoot: string, identity: string, options: { load: boolean }): Promise<SentPayloadFile> {
    const folder = join(journalRoot, 'sent')
    await mkdir(folder, { recursive: true })
    const name = createHash('sha256').update(identity).digest('hex').slice(0, 32)
    const file = new SentPayloadFile(join(folder, `${name}.tsv`), options.load)
    if (options.load) await file.load()
    return file
  }

  private async load(): Promise<void> {
    let stream
    try {
      stream = createReadStream(this.path, { encoding: 'utf8' })
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
        const tab = line.indexOf('\t')
        if (tab <= 0) continue // a torn last line: that record is looked up
        this.lines++
        const digests = line.slice(tab + 1)
        if (digests === '-') this.known.delete(line.slice(0, tab))
        else this.known.set(line.slice(0, tab), digests)
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    // Mostly superseded lines: rewrite the file with the live ones (atomically).
    if (this.lines > 10_000 && this.lines > 2 * this.known.size) {
      const text = [...this.known].map(([k, d]) => `${k}\t${d}\n`).join('')
      await writeFileAtomic(this.path, text)
      this.lines = this.known.size
    }
  }

  get(key: string): string | undefined {
    return this.loaded ? this.known.get(key) : undefined
  }

  record(key: string, digests: string): void {
    if (key.includes('\t') || key.includes('\n')) return
    if (this.loaded) this.known.set(key, digests)
    this.pending.push(`${key}\t${digests}\n`)
  }

  forget(key: string): void {
    if (key.includes('\t') || key.includes('\n')) return
    if (this.loaded && !this.known.delete(key)) return
    this.pending.push(`${key}\t-\n`)
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return
    const text = this.pending.join('')
    this.pending = []
    await appendFile(this.path, text)
  }
}

/**
 * Records of a flow the target deleted as a side effect of another flow's delete (Campaign
 * deleting a profile's custom-resource rows with it): the flow's next run must not take them
 * for synced. Noted by the deleting run (`<journal>/sent/gone-<id>.txt`, one key a line, per
 * flow and identity), taken by the flow's next run before it compares anything.
 */
function gonePath(journalRoot: string, flowId: string, identity: string): string {
  return flowFile(journalRoot, 'gone', flowId, identity)
}

/** A file of the journal's `sent` folder kept per flow and identity (`<kind>-<id>.txt`). */
export function flowFile(journalRoot: string, kind: string, flowId: string, identity: string): string {
  const name = createHash('sha256').update([flowId, identity].join('\u0000')).digest('hex').slice(0, 32)
  return join(journalRoot, 'sent', `${kind}-${name}.txt`)
}

/** A flow file's text; none yet is empty. */
export async function readFlowFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}

/** Appends whole lines; each append starts on a line of its own, so a line a crash cut short never runs into the next. */
export async function appendLines(path: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `\n${lines.join('\n')}\n`)
}

export async function noteGone(journalRoot: string, flowId: string, identity: string, keys: readonly string[]): Promise<void> {
  await appendLines(
    gonePath(journalRoot, flowId, identity),
    keys.filter((k) => !k.includes('\n'))
  )
}

/** The keys noted gone for this flow; `consume`: the note is removed (after the caller forgot them). */
export async function goneKeys(
  journalRoot: string,
  flowId: string,
  identity: string
): Promise<{ keys: Set<string>; consume(): Promise<void> }> {
  const path = gonePath(journalRoot, flowId, identity)
  const keys = new Set((await readFlowFile(path)).split('\n').filter(Boolean))
  return { keys, consume: async () => (keys.size ? rm(path, { force: true }) : undefined) }
}

/** `inner` with `hidden` keys unknown (a dry run: what the run will have forgotten, with nothing written). */
export function withoutKeys(inner: SentPayloads, hidden: ReadonlySet<string>): SentPayloads {
  return {
    get: (key) => (hidden.has(key) ? undefined : inner.get(key)),
    record: (key, digests) => inner.record(key, digests),
    forget: (key) => inner.forget(key),
    flush: () => inner.flush()
  }
}
