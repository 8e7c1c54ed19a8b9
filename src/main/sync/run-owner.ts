import { hostname, uptime } from 'node:os'

/**
 * Which process runs a run: `<host> <pid> <boot>`, kept in its start and resume entries (`boot`:
 * when the machine started, in seconds). The app, browser mode and CLI runs may share one
 * journal; a process opening it brings its index up to date with the run files, and a run with
 * no end entry used to be taken for a crashed one — its file cut at its last whole line and
 * marked resumable while another process was still writing it (then another run could resume it
 * at the same time). A run whose owner still runs on this machine is live: left as it is, and
 * not resumable.
 *
 * A process id is used again once its process has ended: after a restart of the machine (most
 * often, and the boot time tells it) or, rarely, within one boot — then the run shows as running
 * until that other process ends, and the next run starts anew instead of resuming it (what it
 * wrote is found unchanged). On another machine sharing the folder the owner cannot be asked;
 * such a run is taken for crashed, as before (docs/sync.md, "The journal").
 */
export function thisProcess(): string {
  return `${hostname()} ${process.pid} ${bootTime()}`
}

/** Whether the process that owns a run is still running (this process: only when the run is open in it, which the journal knows). */
export function ownerRuns(owner: string | undefined): boolean {
  const match = /^(.+) (\d+) (\d+)$/.exec(owner ?? '')
  if (!match) return false
  const [, host, pidText, boot] = match
  const pid = Number(pidText)
  if (host !== hostname() || pid <= 0 || pid === process.pid) return false
  // Another boot of this machine: that process is gone, whatever runs under its id now.
  if (Math.abs(Number(boot) - bootTime()) > BOOT_SLACK_S) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The clock and the uptime are read a moment apart, and the clock may be set: a boot differs by more than this. */
const BOOT_SLACK_S = 120

function bootTime(): number {
  return Math.round(Date.now() / 1000 - uptime())
}
