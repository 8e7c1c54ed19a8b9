import { join } from 'node:path'
import type { AppInfo } from '../shared/contract'
import { DocumentService, type DocumentDialogs } from './documents/document-service'
import type { Handlers } from './contract/dispatcher'
import { RecentDocuments } from './workspace/recent-documents'
import { SettingsService } from './workspace/settings'
import { JsonFileStore, type KeyValueStore } from './workspace/store'
import { SETTINGS_FILE, userDataFolder } from './workspace/user-data'

declare const __APP_VERSION__: string

/** What differs between Electron and browser mode; everything else is the same services. */
export interface Platform {
  mode: AppInfo['mode']
  store: KeyValueStore
  dialogs?: DocumentDialogs
  versions?: Record<string, string>
}

export function appVersion(): string {
  return typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev'
}

/** The platform for browser mode and the CLI: a JSON file in the app's user-data folder. */
export function plainNodePlatform(): Platform {
  return { mode: 'browser', store: new JsonFileStore(join(userDataFolder(), SETTINGS_FILE)) }
}

export function createServices(platform: Platform) {
  const settings = new SettingsService(platform.store)
  const recent = new RecentDocuments(platform.store, () => settings.get().recentLimit)
  const documents = new DocumentService(recent, platform.dialogs)
  const handlers: Handlers = {
    'app/info': () => ({
      name: 'Sync Studio',
      version: appVersion(),
      mode: platform.mode,
      platform: process.platform,
      versions: { node: process.versions.node, ...(platform.versions ?? {}) },
      nativeDialogs: platform.dialogs !== undefined
    }),
    'document/new': ({ name }) => documents.create(name),
    'document/open': ({ path }) => documents.open(path),
    'document/save': ({ document, path, saveAs }) => documents.save(document, path, saveAs),
    'document/import': ({ text }) => documents.import(text),
    'document/export': ({ document, toFile }) => documents.export(document, toFile),
    'document/validate': ({ document }) => documents.validate(document),
    'recent/list': () => ({ documents: recent.list() }),
    'recent/forget': async ({ path }) => ({ documents: await recent.forget(path) }),
    'settings/get': () => settings.get(),
    'settings/set': (changes) => settings.set(changes)
  }
  return { handlers, settings, recent, documents }
}
