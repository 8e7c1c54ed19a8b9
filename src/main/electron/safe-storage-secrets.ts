import { safeStorage } from 'electron'
import { ServiceError } from '../errors'
import { SealedSecrets, type SecretStore } from '../workspace/secrets'
import type { KeyValueStore } from '../workspace/store'

/** The part of Electron's safeStorage this store uses (async API of Electron 45; the sync one is deprecated). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>
  encryptStringAsync(plainText: string): Promise<Buffer>
  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }>
  getSelectedStorageBackend?(): string
}

/**
 * Secrets encrypted by the OS (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on
 * Linux) through Electron's safeStorage; the ciphertext (base64) is kept in the app's
 * KeyValueStore under `secrets`. The only file that imports electron for secrets. Create it
 * after `app.whenReady()`: the async encryptor starts lazily after ready.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly protection: 'os' | 'os-weak'
  private readonly sealed: SealedSecrets

  constructor(
    store: KeyValueStore,
    private readonly storage: SafeStorageLike = safeStorage
  ) {
    this.sealed = new SealedSecrets(store)
    // On Linux without a keyring Electron falls back to a hard-coded password: still
    // encrypted on disk, but anyone with the file can decrypt it. The UI should say so.
    this.protection = process.platform === 'linux' && storage.getSelectedStorageBackend?.() === 'basic_text' ? 'os-weak' : 'os'
  }

  private async ensureAvailable(): Promise<void> {
    if (!(await this.storage.isAsyncEncryptionAvailable()))
      throw new ServiceError(
        'OS encryption is not available, so secrets cannot be stored. On Linux, install and unlock a keyring (GNOME Keyring or KWallet).'
      )
  }

  async get(key: string): Promise<string | undefined> {
    const sealed = this.sealed.get(key)
    if (sealed === undefined) return undefined
    await this.ensureAvailable()
    try {
      const { result, shouldReEncrypt } = await this.storage.decryptStringAsync(Buffer.from(sealed, 'base64'))
      if (shouldReEncrypt) await this.set(key, result)
      return result
    } catch {
      // Encrypted under another OS user or a reset keyring: ask the user again.
      return undefined
    }
  }

  async set(key: string, value: string): Promise<void> {
    await this.ensureAvailable()
    const sealed = (await this.storage.encryptStringAsync(value)).toString('base64')
    await this.sealed.put(key, sealed)
  }

  async delete(key: string): Promise<void> {
    await this.sealed.delete(key)
  }

  async keys(): Promise<string[]> {
    return this.sealed.names()
  }
}

/** For index.ts: `createSafeStorageSecrets(createElectronStore())` after app ready. */
export function createSafeStorageSecrets(store: KeyValueStore): SecretStore {
  return new SafeStorageSecretStore(store)
}
