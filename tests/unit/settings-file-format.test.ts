import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Conf from 'conf'
import { afterEach, describe, expect, it } from 'vitest'
import { jsonFileStore } from '../../src/main/workspace/store'
import { SETTINGS_FILE } from '../../src/main/workspace/user-data'

/**
 * The desktop app keeps config.json with electron-store; browser mode and the CLI read and
 * write the same file with the plain-Node store (jsonFileStore). electron-store is `conf` with Electron's paths, so
 * conf (which runs in plain Node) stands for it here: each must read what the other wrote.
 */
describe('config.json: electron-store and the plain-Node store agree on the format', () => {
  const folders: string[] = []
  const folder = () => {
    const made = mkdtempSync(join(tmpdir(), 'ss-config-'))
    folders.push(made)
    return made
  }
  afterEach(() => {
    for (const made of folders.splice(0)) rmSync(made, { recursive: true, force: true })
  })
  const conf = (cwd: string) => new Conf<Record<string, unknown>>({ cwd, configName: 'config', projectName: 'sync-studio' })
  const settings = { theme: 'dark', recentLimit: 7, nested: { list: [1, 'two', null], flag: false } }

  it('the app writes, browser mode and the CLI read', async () => {
    const cwd = folder()
    const app = conf(cwd)
    app.set('settings', settings)
    app.set('recent', ['/a/b.mapping.json'])
    expect(app.path).toBe(join(cwd, SETTINGS_FILE))
    const plain = jsonFileStore(join(cwd, SETTINGS_FILE))
    expect(plain.get('settings')).toEqual(settings)
    expect(plain.get('recent')).toEqual(['/a/b.mapping.json'])
  })

  it('browser mode or the CLI writes, the app reads', async () => {
    const cwd = folder()
    const plain = jsonFileStore(join(cwd, SETTINGS_FILE))
    await plain.set('settings', settings)
    await plain.set('gone', 1)
    await plain.delete('gone')
    const app = conf(cwd)
    expect(app.get('settings')).toEqual(settings)
    expect(app.has('gone')).toBe(false)
  })
})
