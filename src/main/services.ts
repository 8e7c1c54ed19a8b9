import { join } from 'node:path'
import type { AppInfo, TableSummary } from '../shared/contract'
import { DocumentService, type DocumentDialogs } from './documents/document-service'
import type { Handlers } from './contract/dispatcher'
import { EventHub } from './contract/event-hub'
import { RunManager } from './sync/run-manager'
import { createConnections, createPreviews, createSync, journalFolderIn, userDataStorage } from './composition-root'
import type { ConnectionServiceOptions } from './connections/connection-service'
import { EmbeddedSandbox } from './workspace/embedded-sandbox'
import { RecentDocuments } from './workspace/recent-documents'
import type { SecretStore } from './workspace/secrets'
import { SettingsService } from './workspace/settings'
import type { KeyValueStore } from './workspace/store'
import { userDataFolder } from './workspace/user-data'

declare const __APP_VERSION__: string

/** What differs between Electron and browser mode; everything else is the same services. */
export interface Platform {
  mode: AppInfo['mode']
  store: KeyValueStore
  /** Encrypted secrets: Electron's safeStorage, or a key file outside Electron. */
  secrets: SecretStore
  /** The user-data folder (snapshots of the built-in sandbox live there). */
  userData: string
  /** Start the built-in Sandbox services (the app does; tests of other parts need not). */
  embeddedSandbox: boolean
  dialogs?: DocumentDialogs
  versions?: Record<string, string>
  /** The operating system's proxy and certificates (Electron); otherwise the proxy variables apply. */
  network?: ConnectionServiceOptions['network']
}

export function appVersion(): string {
  return typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev'
}

/** The platform for browser mode and the CLI: a JSON file in the app's user-data folder. */
export function plainNodePlatform(): Platform {
  const userData = userDataFolder()
  return {
    mode: 'browser',
    ...userDataStorage(userData),
    userData,
    embeddedSandbox: true
  }
}

export function createServices(platform: Platform, events: EventHub = new EventHub()) {
  const settings = new SettingsService(platform.store)
  const recent = new RecentDocuments(platform.store, () => settings.get().recentLimit)
  const documents = new DocumentService(recent, platform.dialogs)
  const sandbox = new EmbeddedSandbox(platform.userData)
  if (platform.embeddedSandbox) void sandbox.start().catch(() => undefined)
  const connections = createConnections({
    store: platform.store,
    secrets: platform.secrets,
    network: platform.network,
    sandbox: { info: () => sandbox.info(), owner: 'app', snapshotFile: join(platform.userData, 'sandbox-snapshot.json') }
  })
  const previews = createPreviews(connections)
  const sync = createSync(connections, { journalFolder: journalFolderIn(platform.userData) })
  const runs = new RunManager(sync, events)
  // Connections can name the Sandbox before it has finished starting (it takes a moment).
  const ready = () => sandbox.settled()
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
    'settings/set': (changes) => settings.set(changes),
    'connections/list': async () => {
      await ready()
      return { connections: await connections.list() }
    },
    'connections/create': async ({ connection, secret }) => ({ connection: await connections.create(connection, secret) }),
    'connections/update': async ({ id, changes, secret }) => ({ connection: await connections.update(id, changes, secret) }),
    'connections/delete': async ({ id }) => {
      await connections.delete(id)
      return { connections: await connections.list() }
    },
    'connections/test': async ({ id }) => {
      await ready()
      return connections.test(id)
    },
    'schema/tables': async ({ system, connection }) => {
      await ready()
      const tables: TableSummary[] =
        system === 'dynamics'
          ? (await (await connections.dynamics(connection)).listTables()).map((t) => ({
              name: t.name,
              displayName: t.displayName,
              custom: t.custom,
              changeTracking: t.changeTracking,
              isActivity: t.isActivity
            }))
          : (await (await connections.campaign(connection)).listResources()).map((r) => ({
              name: r.name,
              displayName: r.displayName,
              custom: r.custom,
              family: r.family
            }))
      return { tables }
    },
    'schema/table': async ({ system, connection, name }) => {
      await ready()
      const table =
        system === 'dynamics'
          ? await (await connections.dynamics(connection)).getTable(name)
          : await (await connections.campaign(connection)).getResource(name)
      return { table }
    },
    'preview/records': async ({ document, flowId, limit }) => {
      await ready()
      return previews.preview(document, flowId, limit)
    },
    'preview/trace': async ({ document, flowId, key }) => {
      await ready()
      return { trace: await previews.trace(document, flowId, key) }
    },
    'preview/dryRun': async ({ document, flowId, limit }) => {
      await ready()
      return previews.dryRun(document, flowId, limit)
    },
    'run/start': async ({ document, flowIds, dryRun, full, mappingVersion, allowDeletes }) => {
      await ready()
      return { runKey: runs.start(document, { flowIds, dryRun, full, mappingVersion, allowDeletes }) }
    },
    'run/cancel': ({ runKey }) => ({ canceled: runs.cancel(runKey) }),
    'run/history': async ({ flowId }) => ({ runs: await sync.history({ flowId }) }),
    'run/errors': async ({ runId, limit, offset }) => ({ errors: await sync.errors(runId, { limit, offset }) }),
    'run/conflicts': async ({ runId, limit }) => sync.conflicts(runId, { limit }),
    'run/errorsCsv': async ({ runId }) => ({ csv: await sync.errorsCsv(runId), fileName: `sync-errors-${runId}.csv` }),
    'run/retryFailed': async ({ document, runId }) => {
      await ready()
      await sync.summary(runId) // an unknown run is refused now, not reported later as a failed run
      return { runKey: runs.retryFailed(document, runId) }
    },
    'sandbox/simulateDelivery': ({ name }) => sandbox.simulateDelivery(name)
  }
  const dispose = async () => {
    await runs.dispose()
    await connections.dispose()
    await sandbox.close()
  }
  return { handlers, events, settings, recent, documents, connections, sandbox, sync, dispose }
}
