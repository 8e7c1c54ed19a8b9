import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseDocumentText } from '../../shared/mapping/document-io'
import type { MappingDocument } from '../../shared/mapping/document'
import { formatProblem } from '../../shared/problems'
import { startSandbox, type RunningSandbox } from '../sandbox/index'
import { createConnections, journalFolderIn, throwawayStorage, userDataStorage } from '../composition-root'
import type { ConnectionService } from '../connections/connection-service'
import type { SandboxConnectionInfo } from '../connections/sandbox-profiles'
import { userDataFolder } from '../workspace/user-data'
import { UsageError, type CliIO } from './command'

/**
 * What `run` and `preview` share: reading the mapping file, and the connections — the
 * saved profiles / environment variables, or (`--sandbox`) the embedded sandbox started in
 * this process with its snapshot in the journal folder, so the next `--sandbox` run sees
 * the same Dynamics and Campaign data.
 */

export async function readMapping(file: string, io: CliIO): Promise<MappingDocument | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot read ${file} (${code === 'ENOENT' ? 'it does not exist' : code}) — check the path`)
  }
  const parsed = parseDocumentText(text)
  if (!parsed.ok) {
    for (const problem of parsed.problems) io.err(`${file}: ${formatProblem(problem)}`)
    io.err(`${file}: ${parsed.problems.length} problem(s) — fix them (sync-studio validate ${file}) and run again`)
    return undefined
  }
  return parsed.document
}

export interface SandboxFlags {
  contacts?: number
  profiles?: number
  latencyMs?: number
  /** Where Campaign's exportLogs() writes (the events flows' folder). */
  exportFolder?: string
}

export interface Workspace {
  connections: ConnectionService
  sandbox?: RunningSandbox
  /** Saves the sandbox snapshot (coalesced: concurrent callers share the next save). */
  saveSandbox?: () => Promise<void>
  close(): Promise<void>
}

export function defaultJournalFolder(): string {
  return journalFolderIn(userDataFolder())
}

/**
 * The connections a command works with. With `sandbox`, the embedded sandbox; its snapshot
 * lives in `journalFolder`, or nowhere without one (a fresh dataset, as `schema` lists it).
 */
export async function openWorkspace(options: {
  sandbox: boolean
  journalFolder?: string
  flags?: SandboxFlags
  io: CliIO
}): Promise<Workspace> {
  if (!options.sandbox) {
    const connections = createConnections({
      ...userDataStorage(userDataFolder()),
      interaction: { onDeviceCode: (code) => options.io.err(code.message) }
    })
    return { connections, close: () => connections.dispose() }
  }
  const flags = options.flags ?? {}
  const snapshotFile = options.journalFolder === undefined ? undefined : resolve(options.journalFolder, 'sandbox.json')
  const sandbox = await startSandbox({
    port: 0,
    ...(snapshotFile ? { snapshotFile } : {}),
    ...(flags.contacts !== undefined ? { contacts: flags.contacts } : {}),
    ...(flags.profiles !== undefined ? { profiles: flags.profiles } : {}),
    ...(flags.exportFolder ? { exportFolder: flags.exportFolder } : {}),
    ...(flags.latencyMs ? { faults: { dynamics: { latencyMs: flags.latencyMs }, campaign: { latencyMs: flags.latencyMs } } } : {})
  })
  const info: SandboxConnectionInfo = sandbox.info
  // The CLI's sandbox keeps its data beside the journal: a dataset of its own, not the app's.
  const connections = createConnections({
    ...throwawayStorage(),
    env: {},
    sandbox: { info: () => info, owner: 'cli', ...(snapshotFile ? { snapshotFile } : {}) }
  })
  // Saves coalesce: a caller waits for a save that starts after its call (so it covers its writes).
  let queued: Promise<void> | undefined
  let current: Promise<void> = Promise.resolve()
  const saveSandbox = (): Promise<void> => {
    if (queued) return queued
    queued = current
      .catch(() => undefined)
      .then(() => {
        queued = undefined
        current = sandbox.save()
        return current
      })
    return queued
  }
  return {
    connections,
    sandbox,
    saveSandbox,
    async close() {
      await connections.dispose()
      await sandbox.close()
    }
  }
}
