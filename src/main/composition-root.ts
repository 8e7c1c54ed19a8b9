import { join } from 'node:path'
import { ConnectionService, type ConnectionServiceOptions } from './connections/connection-service'
import type { SandboxConnectionInfo } from './connections/sandbox-profiles'
import { FileSecretStore, MemorySecretStore, type SecretStore } from './workspace/secrets'
import { JsonFileStore, MemoryStore, type KeyValueStore } from './workspace/store'
import { SETTINGS_FILE } from './workspace/user-data'

/**
 * The one place that wires connection profiles, secrets and the connectors built from them, for the desktop
 * app, browser mode and the CLI alike. What differs between them comes in as options:
 * where profiles and secrets are kept, the operating system's network, a running sandbox.
 * The sync and preview services take the ConnectionService this builds.
 */

/** Where profiles and secrets are kept. */
export interface Storage {
  store: KeyValueStore
  secrets: SecretStore
}

/** The user-data folder outside Electron (browser mode, the CLI): config.json and an encrypted secrets file. */
export function userDataStorage(userData: string): Storage {
  return { store: new JsonFileStore(join(userData, SETTINGS_FILE)), secrets: FileSecretStore.inFolder(userData) }
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
