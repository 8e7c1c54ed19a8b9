import { homedir } from 'node:os'
import { join } from 'node:path'

export const PRODUCT_NAME = 'Sync Studio'

/**
 * The folder Electron's app.getPath('userData') gives for this app, computed without
 * Electron so browser mode and the CLI share the app's settings. SYNC_STUDIO_USER_DATA
 * overrides it (tests give each run its own folder).
 */
export function userDataFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SYNC_STUDIO_USER_DATA) return env.SYNC_STUDIO_USER_DATA
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME)
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME)
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), PRODUCT_NAME)
}

/** electron-store's default file name, so both modes read the same file. */
export const SETTINGS_FILE = 'config.json'
