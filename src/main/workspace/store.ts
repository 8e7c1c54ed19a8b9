import { readFileSync, renameSync } from 'node:fs'
import { writeFileAtomic } from '../files/atomic-write'

/**
 * Where main keeps small persistent state (settings, recent files, window bounds). In
 * Electron it is electron-store; in browser mode, the CLI and tests it is a JSON file of the
 * same format in the same folder, so both modes see the same settings.
 */
export interface KeyValueStore {
  get(key: string): unknown
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
}

export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, unknown>()
  get(key: string): unknown {
    return structuredClone(this.values.get(key))
  }
  async set(key: string, value: unknown): Promise<void> {
    this.values.set(key, structuredClone(value))
  }
  async delete(key: string): Promise<void> {
    this.values.delete(key)
  }
}

/** A JSON object in one file, written atomically; a corrupt file is set aside, not lost. */
export class JsonFileStore implements KeyValueStore {
  private values: Record<string, unknown>
  private writing: Promise<void> = Promise.resolve()

  constructor(private readonly path: string) {
    this.values = this.load()
  }

  private load(): Record<string, unknown> {
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

  get(key: string): unknown {
    return structuredClone(this.values[key])
  }

  async set(key: string, value: unknown): Promise<void> {
    this.values = { ...this.values, [key]: structuredClone(value) }
    await this.flush()
  }

  async delete(key: string): Promise<void> {
    const { [key]: _removed, ...rest } = this.values
    this.values = rest
    await this.flush()
  }

  /** Writes are serialised so an older snapshot never lands after a newer one. */
  private flush(): Promise<void> {
    const snapshot = JSON.stringify(this.values, null, 2)
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.path, snapshot))
    return this.writing
  }
}
