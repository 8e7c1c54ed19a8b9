import { readFile } from 'node:fs/promises'
import { writeFileAtomic } from '../files/atomic-write'

/**
 * The embedded sandbox's state on disk, so a sandbox survives a restart of the app. Only
 * what differs from the seeded data is stored (Dataverse: written rows and tombstones;
 * Campaign: its whole store, which is small), plus the seed and sizes it was taken with:
 * the Dataverse part is meaningless over another seed.
 */
export const snapshotFormat = 'sync-studio/sandbox-snapshot@1'

export interface SandboxSnapshot {
  format: typeof snapshotFormat
  savedAt: string
  seed: number
  contacts: number
  /** Seeded Campaign profiles (undefined = the Campaign sandbox's default). */
  profiles?: number
  dynamics: unknown
  campaign: unknown
}

/** The snapshot in `file`, or undefined when there is no such file yet. */
export async function readSnapshot(file: string): Promise<SandboxSnapshot | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Error(`cannot read the sandbox snapshot ${file}: ${(error as Error).message}`, { cause: error })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new Error(
      `the sandbox snapshot ${file} is not valid JSON (${(error as Error).message}) — delete it to start from the seeded data`,
      { cause: error }
    )
  }
  const snapshot = value as Partial<SandboxSnapshot> | null
  if (!snapshot || typeof snapshot !== 'object' || snapshot.format !== snapshotFormat) {
    throw new Error(
      `${file} is not a Sync Studio sandbox snapshot (expected "format": "${snapshotFormat}") — pick another file or delete it`
    )
  }
  if (!Number.isInteger(snapshot.seed) || !Number.isInteger(snapshot.contacts)) {
    throw new Error(`the sandbox snapshot ${file} has no valid "seed"/"contacts" — delete it to start from the seeded data`)
  }
  return snapshot as SandboxSnapshot
}

/** Writes the snapshot atomically (files/atomic-write.ts): a crash leaves the old snapshot or the new one, never half of one. */
export async function writeSnapshot(file: string, snapshot: SandboxSnapshot): Promise<void> {
  try {
    await writeFileAtomic(file, JSON.stringify(snapshot))
  } catch (error) {
    throw new Error(`cannot save the sandbox snapshot to ${file}: ${(error as Error).message}`, { cause: error })
  }
}
