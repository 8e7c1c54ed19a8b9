import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileSecretStore, MemorySecretStore } from '../../src/main/workspace/secrets'

let folder: string
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sync-studio-secrets-'))
})
afterEach(async () => {
  await rm(folder, { recursive: true, force: true })
})

describe('FileSecretStore (plain Node)', () => {
  it('round-trips, survives a new instance, lists keys, deletes', async () => {
    const store = FileSecretStore.inFolder(folder)
    await store.set('connection:a:clientSecret', 'v@lue-ünïcode')
    expect(await FileSecretStore.inFolder(folder).get('connection:a:clientSecret')).toBe('v@lue-ünïcode')
    expect(await store.keys()).toEqual(['connection:a:clientSecret'])
    await store.delete('connection:a:clientSecret')
    expect(await store.get('connection:a:clientSecret')).toBeUndefined()
    expect(store.protection).toBe('file-key')
  })

  it('stores only ciphertext; the key file is 0600; tampering or a moved value reads as absent', async () => {
    const store = FileSecretStore.inFolder(folder)
    await store.set('one', 'plain-secret-text')
    const data = await readFile(join(folder, 'secrets.json'), 'utf8')
    expect(data).not.toContain('plain-secret-text')
    if (process.platform !== 'win32') expect((await stat(join(folder, 'secrets.key'))).mode & 0o777).toBe(0o600)
    const parsed = JSON.parse(data) as { secrets: Record<string, string> }
    await writeFile(join(folder, 'secrets.json'), JSON.stringify({ secrets: { two: parsed.secrets.one } }))
    expect(await FileSecretStore.inFolder(folder).get('two')).toBeUndefined()
  })

  it('a different key file cannot read the values', async () => {
    await FileSecretStore.inFolder(folder).set('k', 'v-123456')
    await rm(join(folder, 'secrets.key'))
    expect(await FileSecretStore.inFolder(folder).get('k')).toBeUndefined()
  })

  it('MemorySecretStore keeps nothing on disk', async () => {
    const store = new MemorySecretStore()
    await store.set('a', 'b')
    expect(await store.get('a')).toBe('b')
    expect(store.protection).toBe('memory')
  })
})
