import { randomBytes } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { decodeLine, encodeEntry, type CheckpointEntry, type EndEntry, type JournalEntry } from './journal-format'

/**
 * One run's file (`runs/<runId>.jsonl`): its name, reading it line by line, reading chosen
 * lines back by their offsets, and appending to it through one queue.
 */

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

export function isRunId(value: string): boolean {
  return RUN_ID.test(value)
}

export function newRunId(flowId: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${flowId.slice(0, 64)}-${randomBytes(3).toString('hex')}`
}

/** Where an entry's line is in its file: the error pages read it back from there. */
export interface LineAt {
  offset: number
  length: number
}

/**
 * Reads a journal file line by line (bounded memory). `validBytes`: where the verified prefix
 * ends; a line that does not verify ends the scan (it and everything after it are a torn write).
 */
export async function scanFile(
  path: string,
  onEntry: (entry: JournalEntry, at: LineAt) => void
): Promise<{ validBytes: number; size: number }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const chunk = Buffer.alloc(1 << 16)
    let carry: Buffer = Buffer.alloc(0)
    let offset = 0
    let validBytes = 0
    let broken = false
    while (!broken) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset)
      if (bytesRead === 0) break
      offset += bytesRead
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : Buffer.from(chunk.subarray(0, bytesRead))
      let start = 0
      for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, start)) {
        const entry = decodeLine(data.toString('utf8', start, i))
        if (!entry) {
          broken = true
          break
        }
        onEntry(entry, { offset: validBytes, length: i - start })
        validBytes += i + 1 - start
        start = i + 1
      }
      carry = broken ? Buffer.alloc(0) : data.subarray(start)
      data = Buffer.alloc(0)
    }
    return { validBytes, size }
  } finally {
    await handle.close()
  }
}

/** The entries at the given lines (each verified again: a line that no longer verifies is undefined). */
export async function readLinesAt(path: string, lines: readonly LineAt[]): Promise<(JournalEntry | undefined)[]> {
  if (!lines.length) return []
  const handle = await open(path, 'r')
  try {
    const out: (JournalEntry | undefined)[] = []
    for (const line of lines) {
      const buffer = Buffer.alloc(line.length)
      const { bytesRead } = await handle.read(buffer, 0, line.length, line.offset)
      out.push(bytesRead === line.length ? decodeLine(buffer.toString('utf8')) : undefined)
    }
    return out
  } finally {
    await handle.close()
  }
}

/** What a run's file tells the journal that owns it. */
export interface RunFileOwner {
  /** The end entry is on disk. */
  runEnded(runId: string): Promise<void>
  /** The file is closed (ended, failed or canceled). */
  released(runId: string): void
}

/** Appends to one run's file. Appends are queued, so they land in call order. */
export class RunJournal {
  private queue: Promise<void> = Promise.resolve()
  private failure: unknown
  private closed = false

  constructor(
    readonly runId: string,
    private readonly handle: FileHandle,
    private readonly owner: RunFileOwner
  ) {}

  /** Appends an entry (no fsync). Once an append fails, every later one fails too: nothing commits past a gap. */
  append(entry: JournalEntry): Promise<void> {
    return this.enqueue(entry, false)
  }

  /** Appends a checkpoint and flushes it to disk. */
  checkpoint(entry: CheckpointEntry): Promise<void> {
    return this.enqueue(entry, true)
  }

  /** Appends any entry and flushes it to disk. */
  commit(entry: JournalEntry): Promise<void> {
    return this.enqueue(entry, true)
  }

  /** Appends the end entry, flushes, updates the index and closes the file. */
  async end(entry: EndEntry): Promise<void> {
    try {
      await this.enqueue(entry, true)
    } finally {
      await this.close()
    }
    await this.owner.runEnded(this.runId)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue.catch(() => undefined)
    await this.handle.close()
    this.owner.released(this.runId)
  }

  private enqueue(entry: JournalEntry, sync: boolean): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure
      if (this.closed) throw new Error(`run ${this.runId}: the journal is closed`)
      try {
        const bytes = Buffer.from(encodeEntry(entry), 'utf8')
        let written = 0
        while (written < bytes.length) written += (await this.handle.write(bytes, written, bytes.length - written)).bytesWritten
        if (sync) await this.handle.datasync()
      } catch (error) {
        this.failure = error
        throw error
      }
    })
    this.queue = next.catch(() => undefined)
    return next
  }
}

/** Makes a new file's directory entry durable; not possible on every platform (Windows). */
export async function syncDir(path: string): Promise<void> {
  try {
    const handle = await open(path, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // best effort
  }
}
