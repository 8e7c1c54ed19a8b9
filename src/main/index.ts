import { app, BrowserWindow, session, type WebContents } from 'electron'
import { join } from 'node:path'
import { createDispatcher } from './contract/dispatcher'
import { EventHub } from './contract/event-hub'
import { APP_ORIGIN, isAppUrl, registerAppSchemePrivileges, serveRenderer } from './electron/app-protocol'
import { electronDialogs } from './electron/dialogs'
import { createElectronStore } from './electron/electron-store-adapter'
import { createSafeStorageSecrets } from './electron/safe-storage-secrets'
import { systemNetwork } from './electron/system-network'
import { openExternalSafely } from './electron/external-links'
import { bindIpc } from './electron/ipc'
import { installMenu } from './electron/menu'
import { restoreWindowState, trackWindowState } from './electron/window-state'
import { createServices } from './services'

/**
 * The Electron shell: lifecycle, the window and its security settings. Everything else
 * lives in services that run in plain Node too (browser mode, the CLI, the tests).
 */

if (process.env.SYNC_STUDIO_USER_DATA) app.setPath('userData', process.env.SYNC_STUDIO_USER_DATA)

registerAppSchemePrivileges()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let mainWindow: BrowserWindow | undefined
  let dispose: (() => Promise<void>) | undefined
  const events = new EventHub()

  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  // Every web contents, present and future: no navigation away, no new windows.
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault()
    })
    contents.on('will-attach-webview', (event) => event.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      void openExternalSafely(url)
      return { action: 'deny' }
    })
  })

  app.whenReady().then(() => {
    const store = createElectronStore()
    const services = createServices(
      {
        mode: 'electron',
        store,
        secrets: createSafeStorageSecrets(store),
        userData: app.getPath('userData'),
        embeddedSandbox: true,
        dialogs: electronDialogs(
          () => BrowserWindow.getFocusedWindow() ?? mainWindow,
          () => app.getPath('documents')
        ),
        versions: { electron: process.versions.electron, chrome: process.versions.chrome },
        network: systemNetwork(session.defaultSession)
      },
      events
    )
    dispose = services.dispose
    const dispatch = createDispatcher(services.handlers, (level, message) => console[level === 'info' ? 'log' : level](message))
    bindIpc(dispatch, events, () => BrowserWindow.getAllWindows().map((w) => w.webContents))
    serveRenderer(join(__dirname, '../renderer'))
    // The renderer asks for nothing: camera, notifications, geolocation… are all refused.
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
    installMenu(events)

    const state = restoreWindowState(store)
    mainWindow = new BrowserWindow({
      ...state,
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: 'Sync Studio',
      backgroundColor: '#1f1f1f',
      icon: join(__dirname, '../../build/icon.png'),
      webPreferences: {
        preload: join(__dirname, '../preload/index.js'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false
      }
    })
    if (state.maximized) mainWindow.maximize()
    trackWindowState(mainWindow, store)
    mainWindow.once('ready-to-show', () => mainWindow?.show())
    mainWindow.on('closed', () => (mainWindow = undefined))
    void mainWindow.loadURL(`${APP_ORIGIN}/index.html`)
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  // Save the sandbox's snapshot and close connections before the process ends.
  let disposed = false
  app.on('before-quit', (event) => {
    if (disposed || !dispose) return
    event.preventDefault()
    disposed = true
    void dispose().finally(() => app.quit())
  })
}
