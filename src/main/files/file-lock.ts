import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * A lock on a file shared by processes: the desktop app, browser mode and CLI runs may all
 * write the same settings file or run journal at once. While one holds the lock the others
 * wait (up to `waitMs`); each reads the file again inside the lock, so no process writes over
 * a change it has not seen. What runs inside is short (read, change, one atomic write).
 *
 * The lock is a `<file>.lock` file created exclusively (`wx`: exactly one creator wins, on
 * every local file system) holding its holder's host and process id. A lock left by a process
 * that died never blocks the next one: one whose holder on this machine no longer runs is
 * taken over at once, and one older than `staleMs` (a holder on another machine or container
 * sharing the folder) too. A takeover first renames the lock aside and checks it is still the
 * dead holder's, so two processes taking over at once cannot both win.
 */

export interface FileLockOptions {
  /** A lock older than this belongs to a process that died (default 30 s). */
  staleMs?: number
  /** How long to wait for another process's lock before giving up (default 30 s). */
  waitMs?: number
}

export class FileLockTimeoutError extends Error {
  constructor(readonly file: string) {
    super(
      `${file} is locked by another Sync Studio process (the app, browser mode or a CLI run) that has held it too long — let it finish, or close it, and try again`
    )
  }
}

const me = () => `${hostname()} ${process.pid} ${randomBytes(4).toString('hex')}`

export async function withFileLock<T>(file: string, task: () => Promise<T> | T, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000
  const deadline = Date.now() + (options.waitMs ?? 30_000)
  const lockFile = `${file}.lock`
  const holder = me()
  await mkdir(dirname(file), { recursive: true })
  for (;;) {
    try {
      await writeFile(lockFile, holder, { flag: 'wx' })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    if (await takeOverDeadLock(lockFile, staleMs)) continue
    if (Date.now() >= deadline) throw new FileLockTimeoutError(file)
    await sleep(10 + Math.random() * 30)
  }
  try {
    return await task()
  } finally {
    // Only our own lock goes (after a takeover as stale, it is someone else's now).
    if ((await readFile(lockFile, 'utf8').catch(() => '')) === holder) await rm(lockFile, { force: true })
  }
}

/** Removes a lock whose holder is gone; true when the caller should try again at once. */
async function takeOverDeadLock(lockFile: string, staleMs: number): Promise<boolean> {
  const seen = await readFile(lockFile, 'utf8').catch(() => undefined)
  if (seen === undefined) return true // released meanwhile
  const age = await stat(lockFile).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0
  )
  // An empty lock is one just created whose holder is writing its name: alive unless old.
  if (!(age > staleMs || (seen !== '' && holderIsGone(seen)))) return false
  const aside = `${lockFile}.${randomBytes(6).toString('hex')}.dead`
  try {
    await rename(lockFile, aside)
  } catch {
    return true // someone else took it over or it was released: try again
  }
  const taken = await readFile(aside, 'utf8').catch(() => '')
  if (taken !== seen) {
    // A live holder's lock, made between our look and our rename: give it back.
    await rename(aside, lockFile).catch(() => undefined)
    return false
  }
  await rm(aside, { force: true })
  return true
}

/** The holder was a process on this machine that no longer runs (killed, crashed). */
function holderIsGone(holder: string): boolean {
  const [host, pid] = holder.split(' ')
  if (host !== hostname() || !/^\d+$/.test(pid ?? '')) return false
  try {
    process.kill(Number(pid), 0) // signal 0: only asks whether the process exists
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
