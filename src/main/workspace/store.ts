import { readFileSync, renameSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { writeFileAtomic } from '../files/atomic-write'
import { withFileLock } from '../files/file-lock'

/**
 * Where main keeps small persistent state (settings, recent files, connection profiles,
 * sealed secrets, window bounds): a JSON object in one file. In Electron the file is
 * electron-store's; in browser mode, the CLI and tests it is the same file in the same
 * format, read and written in plain Node. The desktop app, browser mode and any number of
 * CLI runs may have it open at once, so every change is one step under a lock on the file
 * (read the file again, change one key, write it atomically): nobody writes over a change
 * made by another process, and nobody reads a half-written file.
 */
export interface KeyValueStore {
  get(key: string): unknown
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
  /**
   * Changes one key from its current value on disk, with no other writer (in this process or
   * another) in between; `undefined` from `change` deletes the key. Read-modify-write callers
   * (a list, a map of secrets) use this, so two processes adding an entry each keep both.
   */
  update(key: string, change: (current: unknown) => unknown): Promise<void>
}

export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, unknown>()
  get(key: string): unknown {
    return structuredClone(this.values.get(key))
  }
  async set(key: string, value: unknown): Promise<void> {
    await this.update(key, () => value)
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }
  async update(key: string, change: (current: unknown) => unknown): Promise<void> {
    const next = change(this.get(key))
    if (next === undefined) this.values.delete(key)
    else this.values.set(key, structuredClone(next))
  }
}

/** How a store reads and writes its file: electron-store in the app, plain Node elsewhere. */
export interface JsonObjectFile {
  readonly path: string
  /** The file's object as it is on disk now (a fresh object the caller may change). */
  read(): Record<string, unknown>
  /** Replaces the whole file atomically. */
  write(values: Record<string, unknown>): Promise<void> | void
}

/** A KeyValueStore over one JSON file that other processes write too (see KeyValueStore). */
export class SharedFileStore implements KeyValueStore {
  private queue: Promise<void> = Promise.resolve()

  constructor(private readonly file: JsonObjectFile) {}

  get path(): string {
    return this.file.path
  }

  get(key: string): unknown {
    return structuredClone(this.file.read()[key])
  }

  set(key: string, value: unknown): Promise<void> {
    return this.update(key, () => value)
  }

  delete(key: string): Promise<void> {
    return this.update(key, () => undefined)
  }

  update(key: string, change: (current: unknown) => unknown): Promise<void> {
    // Changes from this process queue here; the file lock orders them with other processes'.
    const next = this.queue.then(() =>
      withFileLock(this.file.path, async () => {
        const values = this.file.read()
        const value = change(structuredClone(values[key]))
        if (value === undefined) delete values[key]
        else values[key] = structuredClone(value)
        await this.file.write(values)
      })
    )
    this.queue = next.catch(() => undefined)
    return next
  }
}

/**
 * The file through `conf` (electron-store is conf with Electron's paths): conf reads the file
 * on every access and writes it atomically.
 */
export function confFile(conf: { readonly path: string; store: Record<string, unknown> }): JsonObjectFile {
  return {
    path: conf.path,
    read: () => ({ ...conf.store }),
    write: (values) => {
      conf.store = values
    }
  }
}

/**
 * The file in plain Node, in electron-store's format (`conf`: a JSON object indented with
 * tabs). Reads are cached until the file changes on disk (another process's atomic write
 * is a new file); an unreadable file is set aside for the user, not overwritten.
 */
export class PlainJsonFile implements JsonObjectFile {
  private cached: { stamp: string; values: Record<string, unknown> } | undefined

  constructor(readonly path: string) {}

  read(): Record<string, unknown> {
    let stamp: string
    try {
      const stat = statSync(this.path)
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`
    } catch {
      return {}
    }
    if (this.cached?.stamp !== stamp) this.cached = { stamp, values: this.parse() }
    return { ...this.cached.values }
  }

  private parse(): Record<string, unknown> {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch {
      return {}
    }
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
    } catch {
      // fall through: keep the unreadable file for the user instead of overwriting it
    }
    renameSync(this.path, `${this.path}.corrupt-${Date.now()}`)
    return {}
  }

  async write(values: Record<string, unknown>): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify(values, undefined, '\t'))
    this.cached = undefined
  }
}

const openFiles = new Map<string, SharedFileStore>()

/**
 * The store of a JSON file in plain Node: one object per file in a process (every caller
 * naming the file gets the same one), so changes made in this process queue in one place.
 */
export function jsonFileStore(path: string): SharedFileStore {
  const key = resolve(path)
  let store = openFiles.get(key)
  if (!store) {
    store = new SharedFileStore(new PlainJsonFile(key))
    store.get('') // an unreadable file is set aside now, when the store opens, as the user would expect
    openFiles.set(key, store)
  }
  return store
}
