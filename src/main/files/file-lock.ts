import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { lock } from 'proper-lockfile'

/**
 * A lock on a file shared by processes: the desktop app, browser mode and CLI runs may all
 * write the same settings file or run journal at once. While one holds the lock the others
 * wait (up to `waitMs`); each reads the file again inside the lock, so no process writes over
 * a change it has not seen.
 *
 * The lock is a `<file>.lock` folder (mkdir is atomic on every file system) whose time the
 * holder refreshes; a lock left by a process that died (killed, power cut) is older than
 * `staleMs` and is taken over, so a crash never blocks the next run
 * (https://github.com/moxystudio/node-proper-lockfile#readme).
 */

export interface FileLockOptions {
  /** A lock not refreshed for this long belongs to a process that died (default 10 s). */
  staleMs?: number
  /** How long to wait for another process's lock before giving up (default about 30 s). */
  waitMs?: number
}

export class FileLockTimeoutError extends Error {
  constructor(readonly file: string) {
    super(
      `${file} is locked by another Sync Studio process (the app, browser mode or a CLI run) that has held it too long — let it finish, or close it, and try again`
    )
  }
}

export async function withFileLock<T>(file: string, task: () => Promise<T> | T, options: FileLockOptions = {}): Promise<T> {
  const staleMs = Math.max(options.staleMs ?? 10_000, 2_000) // proper-lockfile's minimum
  const waitMs = options.waitMs ?? 30_000
  await mkdir(dirname(file), { recursive: true })
  let release: () => Promise<void>
  try {
    release = await lock(file, {
      realpath: false, // the file itself may not exist yet
      lockfilePath: `${file}.lock`,
      stale: staleMs,
      retries: { retries: Math.ceil(waitMs / 40), factor: 1, minTimeout: 25, maxTimeout: 100, randomize: true },
      // Taken over as stale while we held it (this process was frozen for staleMs): the
      // writes inside are each atomic, so the file stays whole; carry on rather than crash.
      onCompromised: () => undefined
    })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') throw new FileLockTimeoutError(file)
    throw error
  }
  try {
    return await task()
  } finally {
    await release().catch(() => undefined) // already released by a takeover: nothing to undo
  }
}
