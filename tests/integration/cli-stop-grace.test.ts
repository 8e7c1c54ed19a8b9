// Ctrl+C and SIGTERM always end the CLI (docs/cli.md): a run waiting for a journal file another
// process holds locked ignored SIGTERM for about 30 s, as long as the wait for the lock.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
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

describe('the CLI on a signal it cannot act on at once', () => {
  for (const [signal, exitCode] of [
    ['SIGTERM', 143],
    ['SIGINT', 130]
  ] as const) {
    it(`says it waits for the journal's lock a live process holds, and ends within its grace after ${signal}, saying so`, async () => {
      folder = await mkdtemp(join(tmpdir(), 'sync-studio-grace-'))
      const journal = join(folder, 'journal')
      await mkdir(journal, { recursive: true })
      // A live process of this machine holds the lock: it is not taken over as a dead one's.
      const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
      holders.push(holder)
      await writeFile(join(journal, 'index.json.lock'), `${hostname()} ${holder.pid} deadbeefdeadbeef`)
      const child = spawn(process.execPath, [bin, 'run', join(root, 'examples/contacts.mapping.json'), '--sandbox', '--journal', journal], {
        cwd: root,
        env: { ...process.env, SYNC_STUDIO_USER_DATA: join(folder, 'user-data'), SYNC_STUDIO_STOP_GRACE_MS: '1500' }
      })
      let output = ''
      child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text))
      child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text))
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
      const started = Date.now()
      while (!/Running/.test(output) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50))
      expect(output).toMatch(/Running/)
      // The wait is said, with who holds the journal, a second into it.
      while (!/waiting for the run journal/.test(output) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50))
      expect(output).toContain(`contacts: waiting for the run journal ${journal}: process ${holder.pid} on this machine holds its lock`)
      expect(output).toMatch(/giving up in \d+ s\. Stopping the run now \(Cancel, or Ctrl\+C on the command line\) is safe/)
      const signalled = Date.now()
      child.kill(signal)
      const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 8_000))])
      if (code === 'still running') child.kill('SIGKILL')
      expect(code).toBe(exitCode)
      expect(Date.now() - signalled).toBeLessThan(6_000)
      expect(output).toContain('still stopping after 1.5 s — ended now; a run resumes from its last checkpoint')
    }, 60_000)
  }
})
