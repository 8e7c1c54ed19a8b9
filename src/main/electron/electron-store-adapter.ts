import ElectronStore from 'electron-store'
import type { KeyValueStore } from '../workspace/store'

/** The only file that imports electron-store: the Electron-side implementation of KeyValueStore. */
export function createElectronStore(): KeyValueStore {
  const store = new ElectronStore<Record<string, unknown>>({ name: 'config', clearInvalidConfig: false })
  return {
    get: (key) => structuredClone(store.get(key)),
    set: async (key, value) => store.set(key, value),
    delete: async (key) => store.delete(key)
  }
}
