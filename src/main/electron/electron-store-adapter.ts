import ElectronStore from 'electron-store'
import { confFile, SharedFileStore, type KeyValueStore } from '../workspace/store'

/**
 * The only file that imports electron-store: config.json in the desktop app, through the same
 * shared store (and file lock) as browser mode and the CLI, so a CLI run's change is never
 * written over by the app, nor the app's by a CLI run.
 */
export function createElectronStore(): KeyValueStore {
  return new SharedFileStore(confFile(new ElectronStore<Record<string, unknown>>({ name: 'config', clearInvalidConfig: false })))
}
