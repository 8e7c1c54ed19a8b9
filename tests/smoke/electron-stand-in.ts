import { EventEmitter } from 'node:events'

/**
 * A stand-in for the `electron` module, so the built main bundle can be loaded in plain
 * Node (the Electron binary cannot be downloaded here). It records what main asks of
 * Electron; it is not used to test our own code's behaviour, only the shell's wiring.
 */
export function createElectronStandIn(userData: string) {
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>()
  const app = Object.assign(new EventEmitter(), {
    ready: Promise.resolve(),
    whenReady: () => app.ready,
    requestSingleInstanceLock: () => true,
    getPath: (name: string) => (name === 'userData' ? userData : `${userData}/${name}`),
    setPath: () => undefined,
    getVersion: () => '0.0.0',
    getName: () => 'Sync Studio',
    quit: () => undefined
  })
  const windows: StandInWindow[] = []
  class StandInWindow extends EventEmitter {
    static getAllWindows = () => windows
    static getFocusedWindow = () => windows[0]
    /** What main sent the page (channel and arguments), e.g. the native menu's commands. */
    readonly sent: unknown[][] = []
    readonly webContents = Object.assign(new EventEmitter(), {
      send: (...args: unknown[]) => void this.sent.push(args),
      isDestroyed: () => false,
      setWindowOpenHandler: () => undefined
    })
    loadedUrl: string | undefined
    constructor(readonly options: Record<string, unknown>) {
      super()
      windows.push(this)
    }
    loadURL(url: string) {
      this.loadedUrl = url
      return Promise.resolve()
    }
    maximize() {}
    show() {}
    isDestroyed = () => false
    isMinimized = () => false
    isMaximized = () => false
    getNormalBounds = () => ({ x: 0, y: 0, width: 1440, height: 900 })
  }
  const menus: unknown[] = []
  const privileged: unknown[] = []
  const electron = {
    app,
    BrowserWindow: StandInWindow,
    ipcMain: Object.assign(new EventEmitter(), {
      handle: (channel: string, handler: (...args: unknown[]) => unknown) => ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => ipcHandlers.delete(channel)
    }),
    protocol: { registerSchemesAsPrivileged: (schemes: unknown) => privileged.push(schemes), handle: () => undefined },
    net: { fetch: () => Promise.reject(new Error('not in the smoke test')) },
    session: { defaultSession: { setPermissionRequestHandler: () => undefined } },
    Menu: { buildFromTemplate: (template: unknown) => template, setApplicationMenu: (menu: unknown) => menus.push(menu) },
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }) },
    shell: { openExternal: async () => undefined, openPath: async () => '' },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    // Reversible, not encryption: the smoke test checks wiring, not the OS keychain.
    safeStorage: {
      getSelectedStorageBackend: () => 'gnome_libsecret',
      isAsyncEncryptionAvailable: async () => true,
      encryptStringAsync: async (text: string) => Buffer.from(text, 'utf8').reverse(),
      decryptStringAsync: async (sealed: Buffer) => ({ shouldReEncrypt: false, result: Buffer.from(sealed).reverse().toString('utf8') })
    }
  }
  return { electron, app, ipcHandlers, windows, menus, privileged }
}
