// Ctrl+C and SIGTERM always end the CLI (docs/cli.md): a wait for the journal's lock another
// process holds is canceled at once (it ignored SIGTERM for about 30 s, as long as the wait);
// what cannot be interrupted (a file system call that never returns) ends within the grace.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, constants as fsConstants, openSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { constants, hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const root = join(__dirname, '../..')
const bin = join(root, 'bin/sync-studio.cjs')
let folder: string | undefined
const holders: Array<{ kill(): void }> = []
afterEach(async () => {
  for (const holder of holders.splice(0)) holder.kill()
  if (folder) await rm(folder, { recursive: true, force: true })
})

/** A contacts run on the sandbox with its journal in a folder of its own; its output as it comes. */
async function startRun() {
  folder = await mkdtemp(join(tmpdir(), 'sync-studio-grace-'))
  const journal = join(folder, 'journal')
  await mkdir(journal, { recursive: true })
  const launch = () => {
    const child = spawn(process.execPath, [bin, 'run', join(root, 'examples/contacts.mapping.json'), '--sandbox', '--journal', journal], {
      cwd: root,
      env: { ...process.env, SYNC_STUDIO_USER_DATA: join(folder!, 'user-data'), SYNC_STUDIO_STOP_GRACE_MS: '1500' }
    })
    // The exit status as a shell sees it: a process ended by a signal is 128 + the signal's number.
    const exited = new Promise<number | null>((done) =>
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 + constants.signals[signal] : null)))
    )
    const run = { child, output: '', exited }
    child.stdout.setEncoding('utf8').on('data', (text: string) => (run.output += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (run.output += text))
    return run
  }
  return { journal, launch }
}

async function until(test: () => boolean, ms = 30_000): Promise<void> {
  const started = Date.now()
  while (!test() && Date.now() - started < ms) await new Promise((r) => setTimeout(r, 50))
}

/** The exit code within `ms` of the signal, or 'still running' (then killed). */
async function exitAfter(
  run: { child: { kill(signal?: NodeJS.Signals): boolean }; exited: Promise<number | null> },
  signal: NodeJS.Signals,
  ms: number
) {
  run.child.kill(signal)
  const code = await Promise.race([run.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))])
  if (code === 'still running') run.child.kill('SIGKILL')
  return code
}

describe('the CLI waiting for the journal a live process holds locked', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`says who holds it and when it gives up, and ${signal} cancels the wait at once: nothing read or written`, async () => {
      const { journal, launch } = await startRun()
      // A live process of this machine holds the lock: it is not taken over as a dead one's.
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
      holders.push(holder)
      await writeFile(join(journal, 'index.json.lock'), `${hostname()} ${holder.pid} deadbeefdeadbeef`)
      const run = launch()
      await until(() => /waiting for the run journal/.test(run.output))
      expect(run.output).toContain(`contacts: waiting for the run journal ${journal}: process ${holder.pid} on this machine holds its lock`)
      expect(run.output).toMatch(/giving up in \d+ s\. Stopping the run now \(Cancel, or Ctrl\+C on the command line\) is safe/)
      const signalled = Date.now()
      expect(await exitAfter(run, signal, 8_000)).toBe(2)
      expect(Date.now() - signalled).toBeLessThan(1_500) // before the grace: the wait itself ended
      expect(run.output).toContain('Sync canceled — run the same command again to resume from the last checkpoint.')
      expect(run.output).not.toContain('still stopping')
    }, 60_000)
  }
})

describe('the CLI on a signal it cannot act on at once', () => {
  for (const [signal, exitCode] of [
    ['SIGTERM', 143],
    ['SIGINT', 130]
  ] as const) {
    it(`ends within its grace after ${signal}, saying so, while a file system call never returns`, async () => {
      const { journal, launch } = await startRun()
      // The journal's index is a named pipe with a writer that never writes: reading it never returns.
      const fifo = join(journal, 'index.json')
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0)
      const run = launch()
      // Signalled once the run is inside that read (a writer can open a pipe without waiting only
      // while a reader has it open) — not while it still loads the schemas, which a signal cancels
      // at once (exit 2), as a loaded machine showed.
      let writer: number | undefined
      await until(() => {
        try {
          writer = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK)
          return true
        } catch {
          return false
        }
      })
      try {
        expect(writer, 'the run never read the journal index').toBeDefined()
        expect(run.output).toMatch(/Running/)
        const signalled = Date.now()
        expect(await exitAfter(run, signal, 8_000)).toBe(exitCode)
        expect(Date.now() - signalled).toBeLessThan(6_000)
        expect(run.output).toContain('still stopping after 1.5 s — ended now; a run resumes from its last checkpoint')
      } finally {
        if (writer !== undefined) closeSync(writer)
      }
    }, 60_000)
  }
})
