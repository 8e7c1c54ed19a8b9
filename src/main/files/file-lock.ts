import { createHash, randomBytes } from 'node:crypto'
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * A lock on a file shared by processes: the desktop app, browser mode and CLI runs may all
 * write the same settings file or run journal at once. While one holds the lock the others
 * wait (up to `waitMs`); each reads the file again inside the lock, so no process writes over
 * a change it has not seen. What runs inside is short (read, change, one atomic write).
 *
 * The lock is a `<file>.lock` file holding its holder's host, process id and a random tag, so
 * no two locks ever hold the same text. It is made whole in one step: the text is written to a
 * file of its own, then hard-linked to the lock's name, which fails when a lock exists (exactly
 * one creator wins, on every local file system; where a file system has no hard links, the lock
 * is created exclusively with `wx` instead).
 *
 * A lock left by a process that died never blocks the next one: one whose holder on this
 * machine no longer runs is taken over at once, and one older than `staleMs` (a holder on
 * another machine or container sharing the folder) too. Taking over is fenced, so it can never
 * remove a lock made after the dead one was seen: the process that removes a dead lock first
 * creates `<file>.lock.<digest of the dead lock's text>` exclusively — one process per dead
 * lock — and then removes the lock only if it still holds that text. Since no later lock can
 * hold the same text, a lock made meanwhile is left alone. A fence left by a process that died
 * while taking over is itself taken over the same way.
 *
 * What no lock file can tell: a holder that is alive but has held the lock longer than
 * `staleMs` is taken for dead. What runs inside takes milliseconds, so `staleMs` (30 s) is
 * far beyond it.
 */

export interface FileLockOptions {
  /** A lock older than this belongs to a process that died (default 30 s). */
  staleMs?: number
  /** How long to wait for another process's lock before giving up (default 30 s). */
  waitMs?: number
  /**
   * Told while the lock is held by another process: after a second of waiting, then every five
   * seconds, so a wait that can last `waitMs` is never silent (the CLI prints it).
   */
  onWait?: (wait: LockWait) => void
  /** Ends the wait (an AbortError) when aborted: a run canceled while another process holds the lock. */
  signal?: AbortSignal
}

/** A wait for a lock another process holds. */
export interface LockWait {
  file: string
  /** Who holds it, in words ("process 4120 on this machine"), when the lock says. */
  holder?: string
  waitedMs: number
  /** When this process gives up (FileLockTimeoutError) unless the holder lets go first. */
  givesUpInMs: number
}

/** First report of a wait, then one every REPORT_EVERY_MS: a lock is held for milliseconds, so a second is already unusual. */
const FIRST_REPORT_MS = 1_000
const REPORT_EVERY_MS = 5_000

export class FileLockTimeoutError extends Error {
  constructor(readonly file: string) {
    super(
      `${file} is locked by another Sync Studio process (the app, browser mode or a CLI run) that has held it too long — let it finish, or close it, and try again`
    )
  }
}

const me = () => `${hostname()} ${process.pid} ${randomBytes(8).toString('hex')}`

const code = (error: unknown) => (error as NodeJS.ErrnoException).code

export async function withFileLock<T>(file: string, task: () => Promise<T> | T, options: FileLockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000
  const started = Date.now()
  const deadline = started + (options.waitMs ?? 30_000)
  const lockFile = `${file}.lock`
  const holder = me()
  let nextReport = started + FIRST_REPORT_MS
  await mkdir(dirname(file), { recursive: true })
  while (!(await createLock(lockFile, holder))) {
    options.signal?.throwIfAborted()
    if (await takeOverDeadLock(lockFile, staleMs)) continue
    const now = Date.now()
    if (now >= deadline) throw new FileLockTimeoutError(file)
    if (options.onWait && now >= nextReport) {
      nextReport = now + REPORT_EVERY_MS
      const seen = await readFile(lockFile, 'utf8').catch(() => '')
      options.onWait({ file, ...holderWords(seen), waitedMs: now - started, givesUpInMs: deadline - now })
    }
    await sleep(10 + Math.random() * 30, undefined, options.signal ? { signal: options.signal } : undefined)
  }
  try {
    return await task()
  } finally {
    // Only our own lock goes (after a takeover as stale, it is someone else's now).
    if ((await readFile(lockFile, 'utf8').catch(() => '')) === holder) await rm(lockFile, { force: true })
  }
}

/** The lock's holder in words: its process id, and its host when not this machine. */
function holderWords(text: string): { holder?: string } {
  const [host, pid] = text.split(' ')
  if (!host || !/^\d+$/.test(pid ?? '')) return {}
  return { holder: host === hostname() ? `process ${pid} on this machine` : `process ${pid} on ${host}` }
}

/** Creates `path` holding `text`, whole, unless it exists; true when this call made it. */
async function createLock(path: string, text: string): Promise<boolean> {
  const draft = `${path}.${randomBytes(6).toString('hex')}.new`
  await writeFile(draft, text)
  try {
    await link(draft, path)
    return true
  } catch (error) {
    if (code(error) === 'EEXIST') return false
    if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV'].includes(code(error) ?? '')) throw error
  } finally {
    await rm(draft, { force: true })
  }
  // No hard links here: create it exclusively (for a moment it is empty, which a taker-over respects).
  try {
    await writeFile(path, text, { flag: 'wx' })
    return true
  } catch (error) {
    if (code(error) === 'EEXIST') return false
    throw error
  }
}

/** Removes a lock whose holder is gone; true when the caller should try again at once. */
async function takeOverDeadLock(lockFile: string, staleMs: number, depth = 0): Promise<boolean> {
  const seen = await readFile(lockFile, 'utf8').catch(() => undefined)
  if (seen === undefined) return true // released meanwhile
  if (!(await isDead(lockFile, seen, staleMs))) return false
  return removeDeadLock(lockFile, seen, staleMs, depth)
}

/**
 * Removes `lockFile` if it still holds `seen`, a dead holder's text. One process per dead
 * lock does it: the one that creates the fence `<lockFile>.<digest of seen>`. False while
 * another process holds the fence (the caller waits a moment). Exported for the test that
 * makes a new lock between the look and the removal.
 */
export async function removeDeadLock(lockFile: string, seen: string, staleMs: number, depth = 0): Promise<boolean> {
  const fence = `${lockFile}.${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`
  // A process that died while taking over leaves its fence; it is dead in turn (a chain of
  // such deaths ends here: each needs a crash within milliseconds).
  if (!(await createLock(fence, me()))) return depth < 3 && takeOverDeadLock(fence, staleMs, depth + 1)
  try {
    const now = await readFile(lockFile, 'utf8').catch(() => undefined)
    // An empty lock (only where there are no hard links) is one whose holder is still writing
    // its name, unless it is old: every empty lock reads the same, so its age is asked again.
    if (now === seen && (seen !== '' || (await isDead(lockFile, seen, staleMs)))) await rm(lockFile, { force: true })
    return true
  } finally {
    // Once the dead lock is gone its fence guards nothing: a late taker-over who makes it
    // again finds another text in the lock and leaves it.
    await rm(fence, { force: true })
  }
}

async function isDead(lockFile: string, seen: string, staleMs: number): Promise<boolean> {
  const age = await stat(lockFile).then(
    (s) => Date.now() - s.mtimeMs,
    () => 0
  )
  return age > staleMs || (seen !== '' && holderIsGone(seen))
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
