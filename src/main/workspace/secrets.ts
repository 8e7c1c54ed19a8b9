import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { jsonFileStore, type KeyValueStore } from './store'

/**
 * Where secrets live: client secrets, certificate keys, pre-acquired tokens and msal token
 * caches. Nothing else in the app stores one. Keys are names like
 * `connection:<id>:clientSecret`; values are never logged.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  /** Keys only, never values (to clean up a deleted connection's secrets). */
  keys(): Promise<string[]>
  /**
   * How the values are protected at rest: `os` (Electron safeStorage: Keychain, DPAPI,
   * libsecret), `os-weak` (safeStorage on Linux without a keyring: a hard-coded key),
   * `file-key` (AES-256-GCM with a key file beside the data), `memory` (not persisted).
   */
  readonly protection: 'os' | 'os-weak' | 'file-key' | 'memory'
}

export class MemorySecretStore implements SecretStore {
  readonly protection = 'memory' as const
  private readonly values = new Map<string, string>()
  async get(key: string) {
    return this.values.get(key)
  }
  async set(key: string, value: string) {
    this.values.set(key, value)
  }
  async delete(key: string) {
    this.values.delete(key)
  }
  async keys() {
    return [...this.values.keys()]
  }
}

/** The KeyValueStore entry under which encrypted secrets are kept (one object, name → ciphertext). */
export const SECRETS_KEY = 'secrets'

/**
 * Secrets encrypted with AES-256-GCM under a random 256-bit key kept in a separate file with
 * mode 0600. For plain Node (browser mode, CLI, tests) only: the key sits on the same disk as
 * the data, so this protects against a copied settings file or a shared screen, not against
 * someone who can read the user's files. In Electron, use the safeStorage store instead.
 */
export class FileSecretStore implements SecretStore {
  readonly protection = 'file-key' as const
  private key: Buffer | undefined
  private readonly sealed: SealedSecrets

  /**
   * @param keyFile path of the 32-byte key file (created with 0600 on first use)
   * @param data where the ciphertexts go; by default `secrets.json` beside the key file
   */
  constructor(
    private readonly keyFile: string,
    data?: KeyValueStore
  ) {
    this.sealed = new SealedSecrets(data ?? jsonFileStore(join(dirname(keyFile), 'secrets.json')))
  }

  /** The conventional layout in a user-data folder: `secrets.key` + `secrets.json`. */
  static inFolder(folder: string): FileSecretStore {
    return new FileSecretStore(join(folder, 'secrets.key'))
  }

  private async loadKey(): Promise<Buffer> {
    if (this.key) return this.key
    try {
      const text = (await readFile(this.keyFile, 'utf8')).trim()
      const key = Buffer.from(text, 'base64')
      if (key.length !== 32) throw new Error(`the key file ${this.keyFile} is damaged (expected 32 bytes)`)
      this.key = key
      return key
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    const key = randomBytes(32)
    await mkdir(dirname(this.keyFile), { recursive: true })
    try {
      // 'wx': never overwrite a key another process just created (that would orphan its secrets).
      const handle = await open(this.keyFile, 'wx', 0o600)
      try {
        await handle.writeFile(key.toString('base64'), 'utf8')
      } finally {
        await handle.close()
      }
      await chmod(this.keyFile, 0o600)
      this.key = key
      return key
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return this.loadKey()
      throw error
    }
  }

  async get(name: string): Promise<string | undefined> {
    const sealed = this.sealed.get(name)
    if (sealed === undefined) return undefined
    const key = await this.loadKey()
    const raw = Buffer.from(sealed, 'base64')
    if (raw.length < 29) return undefined
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
    decipher.setAAD(Buffer.from(name, 'utf8'))
    decipher.setAuthTag(raw.subarray(12, 28))
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    } catch {
      // Wrong key or tampered value: treat as absent so the user is asked again.
      return undefined
    }
  }

  async set(name: string, value: string): Promise<void> {
    const key = await this.loadKey()
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    // The name is authenticated too, so a ciphertext cannot be moved to another entry.
    cipher.setAAD(Buffer.from(name, 'utf8'))
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
    await this.sealed.put(name, sealed)
  }

  async delete(name: string): Promise<void> {
    await this.sealed.delete(name)
  }

  async keys(): Promise<string[]> {
    return this.sealed.names()
  }
}

/** Secret names, in one place so nothing invents its own. */
export const secretKeys = {
  clientSecret: (connectionId: string) => `connection:${connectionId}:clientSecret`,
  certificateKey: (connectionId: string) => `connection:${connectionId}:certificatePrivateKey`,
  bearerToken: (connectionId: string) => `connection:${connectionId}:bearerToken`,
  tokenCache: (connectionId: string) => `connection:${connectionId}:msalCache`,
  prefix: (connectionId: string) => `connection:${connectionId}:`
}

/** The stored map of sealed secrets (name → base64), or none when the key holds something else. */
function sealedEntries(stored: unknown): Record<string, string> {
  return stored && typeof stored === 'object' ? (stored as Record<string, string>) : {}
}

/**
 * Where both encrypted stores keep their ciphertexts: one object under `secrets` in a
 * KeyValueStore (name → base64), each change one read-modify-write of that key.
 */
export class SealedSecrets {
  constructor(private readonly store: KeyValueStore) {}

  get(name: string): string | undefined {
    const sealed = sealedEntries(this.store.get(SECRETS_KEY))[name]
    return typeof sealed === 'string' ? sealed : undefined
  }

  put(name: string, sealed: string): Promise<void> {
    return this.store.update(SECRETS_KEY, (stored) => ({ ...sealedEntries(stored), [name]: sealed }))
  }

  delete(name: string): Promise<void> {
    return this.store.update(SECRETS_KEY, (stored) => {
      const { [name]: _gone, ...rest } = sealedEntries(stored)
      return rest
    })
  }

  names(): string[] {
    return Object.keys(sealedEntries(this.store.get(SECRETS_KEY)))
  }
}
