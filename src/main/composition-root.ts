import { join } from 'node:path'
import { ConnectionService, type ConnectionServiceOptions } from './connections/connection-service'
import type { SandboxConnectionInfo } from './connections/sandbox-profiles'
import { PreviewService } from './preview/preview-service'
import { SyncService, type SyncServiceOptions } from './sync/sync-service'
import { FileSecretStore, MemorySecretStore, type SecretStore } from './workspace/secrets'
import { jsonFileStore, MemoryStore, type KeyValueStore } from './workspace/store'
import { SETTINGS_FILE } from './workspace/user-data'

/**
 * The one place that wires connection profiles, secrets, the connectors built from them and
 * the sync and preview services over them, for the desktop app, browser mode and the CLI
 * alike. What differs between them comes in as options: where profiles and secrets are kept,
 * the operating system's network, a running sandbox, where the journal is.
 */

/** Where profiles and secrets are kept. */
export interface Storage {
  store: KeyValueStore
  secrets: SecretStore
}

/** The user-data folder outside Electron (browser mode, the CLI): config.json and an encrypted secrets file. */
export function userDataStorage(userData: string): Storage {
  return { store: jsonFileStore(join(userData, SETTINGS_FILE)), secrets: FileSecretStore.inFolder(userData) }
}

/** Nothing persists and no environment profiles: the CLI's own `--sandbox`. */
export function throwawayStorage(): Storage {
  return { store: new MemoryStore(), secrets: new MemorySecretStore() }
}

export interface ConnectionsOptions extends Storage {
  /**
   * A built-in sandbox: its addresses (read on each call, so it may start later) and which
   * snapshot holds its data — the app's and the CLI's sandboxes are different datasets, so
   * the run journal must not share a flow's position between them.
   */
  sandbox?: { info: () => SandboxConnectionInfo | undefined; owner: 'app' | 'cli'; snapshotFile?: string }
  env?: ConnectionServiceOptions['env']
  network?: ConnectionServiceOptions['network']
  interaction?: ConnectionServiceOptions['interaction']
}

export function createConnections(options: ConnectionsOptions): ConnectionService {
  const { sandbox, store, secrets, env, network, interaction } = options
  return new ConnectionService({
    store,
    secrets,
    ...(env !== undefined ? { env } : {}),
    ...(network !== undefined ? { network } : {}),
    ...(interaction !== undefined ? { interaction } : {}),
    ...(sandbox
      ? {
          sandbox: sandbox.info,
          ...(sandbox.snapshotFile !== undefined ? { sandboxDataset: `${sandbox.owner}:${sandbox.snapshotFile}` } : {})
        }
      : {})
  })
}

/** The run journal's folder inside a user-data folder: the app's, browser mode's and the CLI's default. */
export function journalFolderIn(userData: string): string {
  return join(userData, 'sync')
}

/** What a sync service needs besides the connections: where its journal is, and the CLI's extras. */
export type SyncOptions = Omit<SyncServiceOptions, 'connections'>

/** The sync service over these connections: the app's (through its run manager) and the CLI's `run`. */
export function createSync(connections: ConnectionService, options: SyncOptions): SyncService {
  return new SyncService({ connections, ...options })
}

/** Previews, record traces and dry-run diffs over these connections: the app's and the CLI's `preview`. */
export function createPreviews(connections: ConnectionService): PreviewService {
  return new PreviewService(connections)
}
