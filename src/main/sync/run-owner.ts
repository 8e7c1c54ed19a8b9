import { hostname } from 'node:os'

/**
 * Which process runs a run: `<host> <pid>`, kept in its start and resume entries. The app,
 * browser mode and CLI runs may share one journal; a process opening it brings its index up to
 * date with the run files, and a run with no end entry used to be taken for a crashed one —
 * its file cut at its last whole line and marked resumable while another process was still
 * writing it (then another run could resume it at the same time). A run whose owner still runs
 * on this machine is live: left as it is, and not resumable.
 *
 * On another machine sharing the folder the owner cannot be asked; such a run is taken for
 * crashed, as before (docs/sync.md, "The journal").
 */
export function thisProcess(): string {
  return `${hostname()} ${process.pid}`
}

/** Whether the process that owns a run is still running (this process: only when the run is open in it, which the journal knows). */
export function ownerRuns(owner: string | undefined): boolean {
  if (!owner) return false
  const space = owner.lastIndexOf(' ')
  const host = owner.slice(0, space)
  const pid = Number(owner.slice(space + 1))
  if (host !== hostname() || !Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
