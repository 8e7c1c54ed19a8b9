import { EventEmitter } from 'node:events'
import Module from 'node:module'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MenuCommand } from '../../src/shared/contract'
import { CALL_CHANNEL, EVENT_CHANNEL, callNames } from '../../src/shared/contract-names'
import { acceleratorOf, menuCommands, menuKey } from '../../src/shared/menu-commands'
import { createElectronStandIn } from './electron-stand-in'

/**
 * Loads the built Electron main bundle (out/main/index.js) in plain Node, with a
 * stand-in for the electron module, and calls every registered handler through the
 * generic helper — proof that the bundle loads and the whole contract is bound.
 */
const bundle = join(__dirname, '../../out/main/index.js')
const userData = mkdtempSync(join(tmpdir(), 'sync-studio-smoke-'))
const standIn = createElectronStandIn(userData)
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown }
const originalLoad = loader._load

const ourWindow = { senderFrame: { url: 'app://sync-studio/index.html', parent: null } }
const validInput: Record<string, unknown> = {
  'document/open': {},
  'document/save': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] } },
  'document/import': { text: '{"format":"sync-studio/mapping@1","name":"Smoke","flows":[]}' },
  'document/export': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] } },
  'document/validate': { document: {} },
  'settings/set': { showMinimap: false },
  'connections/create': { connection: { name: 'Smoke', system: 'campaign', baseUrl: 'https://mc.adobe.io/x/campaign/', apiKey: 'k' } },
  'connections/update': { id: 'missing', changes: {} },
  'connections/delete': { id: 'missing' },
  'connections/test': { id: 'sandbox-dynamics' },
  'schema/tables': { system: 'dynamics', connection: 'Sandbox' },
  'schema/table': { system: 'campaign', connection: 'Sandbox', name: 'profile' },
  'preview/records': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] }, flowId: 'none', limit: 1 },
  'preview/trace': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] }, flowId: 'none', key: 'k' },
  'preview/dryRun': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] }, flowId: 'none', limit: 1 },
  'run/start': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] }, dryRun: true },
  'run/cancel': { runKey: 'none' },
  'run/errors': { runId: 'none' },
  'run/errorsCsv': { runId: 'none' },
  'run/conflicts': { runId: 'none' },
  'run/retryFailed': { document: { format: 'sync-studio/mapping@1', name: 'Smoke', flows: [] }, runId: 'none' }
}
/** Calls whose valid input names something this fresh app does not have: they must reach their service and say so. */
const answersWithAMessage = new Set([
  'connections/update',
  'preview/records',
  'preview/trace',
  'preview/dryRun',
  'run/errors',
  'run/errorsCsv',
  'run/conflicts',
  'run/retryFailed'
])

beforeAll(async () => {
  if (!existsSync(bundle)) throw new Error('out/main/index.js is missing — run `npm run build` first (npm test does)')
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === 'electron') return standIn.electron
    return originalLoad.call(this, request, ...rest)
  }
  Module.createRequire(__filename)(bundle)
  await standIn.app.ready
  await new Promise((resolve) => setTimeout(resolve, 50))
})
afterAll(() => {
  loader._load = originalLoad
})

describe('the built main bundle', () => {
  it('opens one secure window on the app protocol', () => {
    expect(standIn.windows).toHaveLength(1)
    const [window] = standIn.windows
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true
    })
    expect(window.loadedUrl).toBe('app://sync-studio/index.html')
    expect(standIn.menus).toHaveLength(1)
  })

  it('the native menu sends each document command to the page, with the words and keys the renderer binds', () => {
    type Item = { label?: string; accelerator?: string; click?: () => void; submenu?: Item[] }
    const items = (standIn.menus[0] as Item[]).flatMap((menu) => menu.submenu ?? [])
    for (const command of MenuCommand.options) {
      const item = items.find((i) => i.label === menuCommands[command].label)
      expect(item, command).toBeDefined()
      const key = menuKey(command, process.platform === 'darwin')
      expect(item!.accelerator).toBe(key ? acceleratorOf(key) : undefined)
      const window = standIn.windows[0]
      window.sent.length = 0
      item!.click!()
      expect(window.sent).toEqual([[EVENT_CHANNEL, 'menu/command', { command }]])
    }
  })

  it('binds every call of the contract through the one generic helper', async () => {
    const handler = standIn.ipcHandlers.get(CALL_CHANNEL)
    expect(handler).toBeTypeOf('function')
    for (const name of callNames) {
      const result = (await handler!(ourWindow, name, validInput[name] ?? {})) as { ok: boolean; error?: { code: string; message: string } }
      if (answersWithAMessage.has(name)) expect({ name, code: result.error?.code }).toEqual({ name, code: 'failed' })
      else expect({ name, ok: result.ok, error: result.error?.message }).toEqual({ name, ok: true, error: undefined })
    }
  })

  it('validates input before a service runs', async () => {
    const handler = standIn.ipcHandlers.get(CALL_CHANNEL)!
    expect(await handler(ourWindow, 'settings/set', { theme: 7 })).toMatchObject({ ok: false, error: { code: 'badInput' } })
    expect(await handler(ourWindow, 'shell/exec', {})).toMatchObject({ ok: false, error: { code: 'unknownCall' } })
  })

  it('refuses calls from a frame that is not our own window', async () => {
    const handler = standIn.ipcHandlers.get(CALL_CHANNEL)!
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } }
    const subframe = { senderFrame: { url: 'app://sync-studio/index.html', parent: {} } }
    expect(await handler(foreign, 'app/info', {})).toMatchObject({ ok: false, error: { code: 'refused' } })
    expect(await handler(subframe, 'app/info', {})).toMatchObject({ ok: false, error: { code: 'refused' } })
  })

  it('denies new windows and navigation away from the app', () => {
    const contents = Object.assign(new EventEmitter(), {
      openHandler: undefined as undefined | ((details: { url: string }) => { action: string }),
      setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
        this.openHandler = handler
      }
    })
    standIn.app.emit('web-contents-created', {}, contents)
    expect(contents.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    let prevented = false
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/')
    expect(prevented).toBe(true)
    prevented = false
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'app://sync-studio/index.html')
    expect(prevented).toBe(false)
  })
})
