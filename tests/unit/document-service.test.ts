import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { createDispatcher, type Dispatch } from '../../src/main/contract/dispatcher'
import type { DocumentDialogs } from '../../src/main/documents/document-service'
import { createServices } from '../../src/main/services'
import { jsonFileStore } from '../../src/main/workspace/store'
import { FileSecretStore } from '../../src/main/workspace/secrets'
import { newDocument, serializeDocument } from '../../src/shared/mapping/document-io'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')

/** Dialogs answered by the test, as a user would pick files. */
class PickedFiles implements DocumentDialogs {
  toOpen: string | undefined
  toSave: string | undefined
  async pickDocumentToOpen() {
    return this.toOpen
  }
  async pickDocumentToSave() {
    return this.toSave
  }
}

let folder: string
let dialogs: PickedFiles
let dispatch: Dispatch

function start(withDialogs = true) {
  const services = createServices({
    mode: 'electron',
    store: jsonFileStore(join(folder, 'config.json')),
    secrets: FileSecretStore.inFolder(folder),
    userData: folder,
    embeddedSandbox: false,
    dialogs: withDialogs ? dialogs : undefined
  })
  dispatch = createDispatcher(services.handlers)
}

async function ok(name: string, input: unknown) {
  const result = await dispatch(name, input)
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`)
  return result.value as Record<string, unknown>
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'sync-studio-docs-'))
  dialogs = new PickedFiles()
  start()
})

describe('the generic dispatcher', () => {
  it('refuses an unknown call by name', async () => {
    expect(await dispatch('fs/readFile', { path: '/etc/passwd' })).toEqual({
      ok: false,
      error: { code: 'unknownCall', message: 'There is no call named "fs/readFile".' }
    })
  })

  it('validates input before any service runs, and says what is wrong where', async () => {
    const result = await dispatch('settings/set', { theme: 'purple', recentLimit: -1 })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('badInput')
    expect(result.error.message).toContain('theme: "purple" is not allowed')
    expect(result.error.message).toContain('recentLimit: must be at least 0')
    expect((await ok('settings/get', {})).theme).toBe('system')
  })

  it('turns an unexpected failure into a message with no internals', async () => {
    const services = createServices({
      mode: 'browser',
      store: jsonFileStore(join(folder, 'config.json')),
      secrets: FileSecretStore.inFolder(folder),
      userData: folder,
      embeddedSandbox: false
    })
    const logged: string[] = []
    const failing = createDispatcher(
      {
        ...services.handlers,
        'recent/list': () => {
          throw new Error(`secret at ${folder}`)
        }
      },
      (_level, message) => logged.push(message)
    )
    const result = await failing('recent/list', {})
    expect(result).toEqual({
      ok: false,
      error: { code: 'failed', message: 'recent/list failed unexpectedly — see the log for details, and report it if it persists.' }
    })
    expect(logged[0]).toContain('secret at')
  })
})

describe('documents', () => {
  it('saves canonical JSON atomically where the user picked, and remembers it as recent', async () => {
    const { document } = await ok('document/new', { name: 'Contoso' })
    dialogs.toSave = join(folder, 'contoso.mapping.json')
    expect(await ok('document/save', { document })).toEqual({ status: 'saved', path: dialogs.toSave })
    expect(readFileSync(dialogs.toSave, 'utf8')).toBe(serializeDocument(newDocument('Contoso')))
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const recent = (await ok('recent/list', {})).documents as Array<{ path: string; name: string }>
    expect(recent.map((r) => [r.path, r.name])).toEqual([[dialogs.toSave, 'Contoso']])
  })

  it('saves again to the same file without asking, and saves as where the user picks', async () => {
    const { document } = await ok('document/new', { name: 'A' })
    dialogs.toSave = join(folder, 'a.json')
    await ok('document/save', { document })
    dialogs.toSave = undefined
    expect(await ok('document/save', { document: { ...(document as object), name: 'A2' }, path: join(folder, 'a.json') })).toEqual({
      status: 'saved',
      path: join(folder, 'a.json')
    })
    expect(JSON.parse(readFileSync(join(folder, 'a.json'), 'utf8')).name).toBe('A2')
    expect(await ok('document/save', { document, path: join(folder, 'a.json'), saveAs: true })).toEqual({ status: 'canceled' })
  })

  it('refuses to read or write a path main never gave out', async () => {
    const stranger = join(folder, 'elsewhere.json')
    writeFileSync(stranger, readFileSync(fixture))
    const open = await dispatch('document/open', { path: stranger })
    expect(open).toMatchObject({ ok: false, error: { code: 'refused' } })
    const { document } = await ok('document/new', {})
    expect(await dispatch('document/save', { document, path: stranger })).toMatchObject({ ok: false, error: { code: 'refused' } })
  })

  it('opens a file picked in the dialog, then reopens it from the recent list', async () => {
    const copy = join(folder, 'contacts.json')
    writeFileSync(copy, readFileSync(fixture))
    dialogs.toOpen = copy
    const opened = await ok('document/open', {})
    expect(opened.status).toBe('opened')
    expect((opened.document as { name: string }).name).toBe('Contoso contacts')
    start() // a new session: the path is known only through the recent list now
    expect((await ok('document/open', { path: copy })).status).toBe('opened')
  })

  it('opens a broken file as a list of problems, not an exception', async () => {
    const broken = join(folder, 'broken.json')
    writeFileSync(broken, readFileSync(join(__dirname, '../fixtures/mappings/broken/misspelt-transform.json')))
    dialogs.toOpen = broken
    expect(await ok('document/open', {})).toMatchObject({
      status: 'invalid',
      path: broken,
      problems: [{ path: ['flows', 0, 'fields', 3, 'steps', 1, 'fn'], message: 'unknown transform "lowr" — did you mean "lower"?' }]
    })
  })

  it('explains a missing file in words', async () => {
    dialogs.toOpen = join(folder, 'gone.json')
    const result = await dispatch('document/open', {})
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'failed', message: `Could not read ${dialogs.toOpen}: the file does not exist (moved or deleted?) — pick it again` }
    })
  })

  it('in browser mode, open and save say there is no native dialog, and export gives the text', async () => {
    start(false)
    expect(await ok('document/open', {})).toEqual({ status: 'noDialog' })
    const { document } = await ok('document/new', { name: 'Zoë & Co' })
    expect(await ok('document/save', { document })).toEqual({ status: 'noDialog' })
    const exported = await ok('document/export', { document })
    expect(exported).toEqual({ status: 'exported', text: serializeDocument(newDocument('Zoë & Co')), fileName: 'zoe-co.mapping.json' })
  })

  it('export never carries the machine path the document was opened from', async () => {
    const copy = join(folder, 'secret-folder-name', 'contacts.json')
    await import('node:fs').then((fs) => fs.mkdirSync(join(folder, 'secret-folder-name')))
    writeFileSync(copy, readFileSync(fixture))
    dialogs.toOpen = copy
    const opened = await ok('document/open', {})
    const exported = await ok('document/export', { document: opened.document })
    expect(exported.text).not.toContain('secret-folder-name')
    expect(exported.text).not.toContain(folder)
  })

  it('imports text with every problem at once', async () => {
    const result = await ok('document/import', {
      text: readFileSync(join(__dirname, '../fixtures/mappings/broken/many-problems.json'), 'utf8')
    })
    expect(result.status).toBe('invalid')
    expect((result.problems as unknown[]).length).toBe(11)
  })
})

describe('settings and recent files', () => {
  it('keeps settings across restarts and repairs a hand-broken value without losing the others', async () => {
    await ok('settings/set', { theme: 'dark', recentLimit: 3 })
    start()
    expect(await ok('settings/get', {})).toEqual({ theme: 'dark', recentLimit: 3, showMinimap: true })
    const file = join(folder, 'config.json')
    const stored = JSON.parse(readFileSync(file, 'utf8'))
    stored.settings.recentLimit = 'lots'
    writeFileSync(file, JSON.stringify(stored))
    start()
    expect(await ok('settings/get', {})).toEqual({ theme: 'dark', recentLimit: 10, showMinimap: true })
  })

  it('sets a corrupt settings file aside instead of overwriting it', async () => {
    writeFileSync(join(folder, 'config.json'), '{ not json')
    start()
    expect((await ok('settings/get', {})).theme).toBe('system')
    expect(readdirSync(folder).some((f) => f.startsWith('config.json.corrupt-'))).toBe(true)
  })

  it('keeps only as many recent files as the setting allows, newest first', async () => {
    await ok('settings/set', { recentLimit: 2 })
    for (const name of ['one', 'two', 'three']) {
      dialogs.toSave = join(folder, `${name}.json`)
      await ok('document/save', { document: newDocument(name) })
    }
    const recent = (await ok('recent/list', {})).documents as Array<{ name: string }>
    expect(recent.map((r) => r.name)).toEqual(['three', 'two'])
    expect(((await ok('recent/forget', {})).documents as unknown[]).length).toBe(0)
  })
})
