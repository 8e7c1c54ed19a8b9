import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import Conf from 'conf'
import { afterAll, describe, expect, it } from 'vitest'
import { removeDeadLock, withFileLock } from '../../src/main/files/file-lock'
import { RunIndex } from '../../src/main/sync/journal-index'
import { confFile, jsonFileStore, SharedFileStore } from '../../src/main/workspace/store'
import { SETTINGS_FILE } from '../../src/main/workspace/user-data'

/**
 * Files that several Sync Studio processes write at once — the desktop app, browser mode and
 * CLI runs on one machine: each process here is real (node + tsx), they start writing at the
 * same moment, and at the end nothing one of them wrote is missing.
 */
const root = join(__dirname, '../..')
const child = join(__dirname, 'fixtures/shared-files-child.ts')
const dir = mkdtempSync(join(tmpdir(), 'ss-shared-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Starts each child, waits until every one is ready, then lets them all go at once. */
async function together(argsList: string[][]): Promise<void> {
  const procs = argsList.map((args) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    proc.stderr.on('data', (chunk) => (stderr += String(chunk)))
    const ready = new Promise<void>((resolve, reject) => {
      proc.stdout.once('data', () => resolve())
      proc.once('error', reject)
    })
    const exited = new Promise<void>((resolve, reject) =>
      proc.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`child ${args.join(' ')} exited ${code}: ${stderr}`))))
    )
    return { proc, ready, exited }
  })
  await Promise.all(procs.map((p) => p.ready))
  for (const { proc } of procs) proc.stdin.end('go\n')
  await Promise.all(procs.map((p) => p.exited))
}

const expectedEntries = (tags: string[], n: number) => tags.flatMap((tag) => Array.from({ length: n }, (_, i) => `${tag}-${i}`)).sort()

describe('config.json written by the app, browser mode and CLI runs at once', () => {
  it('keeps every change of every process, and the file stays whole JSON in electron-store format', async () => {
    const folder = join(dir, 'config')
    mkdirSync(folder)
    const file = join(folder, SETTINGS_FILE)
    const N = 25
    // Two plain-Node processes (a CLI run, browser mode) and two conf ones (the app's electron-store).
    const writers = [
      ['plain', 'cli'],
      ['plain', 'web'],
      ['conf', 'app'],
      ['conf', 'app2']
    ]
    await together(writers.map(([kind, tag]) => ['store', file, kind, tag, String(N)]))
    const text = readFileSync(file, 'utf8')
    const values = JSON.parse(text) as Record<string, unknown>
    expect((values.entries as string[]).slice().sort()).toEqual(
      expectedEntries(
        writers.map(([, tag]) => tag),
        N
      )
    )
    for (const [, tag] of writers) expect(values[`last-${tag}`]).toBe(N - 1)
    expect(text.startsWith('{\n\t"')).toBe(true) // conf's format: tabs
  })

  it('the app and the plain-Node store read each other’s writes at once, with no restart', async () => {
    const folder = join(dir, 'read-each-other')
    mkdirSync(folder)
    const plain = jsonFileStore(join(folder, SETTINGS_FILE))
    const app = new SharedFileStore(
      confFile(new Conf<Record<string, unknown>>({ cwd: folder, configName: 'config', projectName: 'sync-studio' }))
    )
    await plain.set('settings', { theme: 'dark' })
    expect(app.get('settings')).toEqual({ theme: 'dark' })
    await app.update('settings', (s) => ({ ...(s as object), recentLimit: 4 }))
    expect(plain.get('settings')).toEqual({ theme: 'dark', recentLimit: 4 })
    await plain.delete('settings')
    expect(app.get('settings')).toBeUndefined()
  })

  it('one store object per file in a process', () => {
    const file = join(dir, 'one', SETTINGS_FILE)
    expect(jsonFileStore(file)).toBe(jsonFileStore(join(dir, 'one', '.', SETTINGS_FILE)))
  })
})

describe("the run journal's index with the app and a CLI run on one journal", () => {
  it('keeps every run summary while both append to the log and fold it into the snapshot', async () => {
    const folder = join(dir, 'journal')
    mkdirSync(folder)
    const N = 60
    await together([
      ['index', folder, '5', 'app', String(N)],
      ['index', folder, '7', 'cli', String(N)]
    ])
    const index = await RunIndex.load(folder)
    expect(
      index
        .runs()
        .map((r) => r.runId)
        .sort()
    ).toEqual(expectedEntries(['app', 'cli'], N))
  })
})

describe('the file lock', () => {
  it('takes over at once a lock whose holder on this machine is gone', async () => {
    const file = join(dir, 'dead.json')
    const dead = spawnSync(process.execPath, ['-e', '']).pid // a process that has ended
    writeFileSync(`${file}.lock`, `${hostname()} ${dead} 0`) // as a killed process leaves it
    expect(await withFileLock(file, () => 'mine', { waitMs: 0 })).toBe('mine')
    expect(existsSync(`${file}.lock`)).toBe(false)
  })

  it('a takeover never removes a lock made after it saw the dead one', async () => {
    const file = join(dir, 'fenced.json')
    const dead = `${hostname()} ${spawnSync(process.execPath, ['-e', '']).pid} 0`
    // Between the look (the dead lock) and the removal, the dead lock went and a live process made its own.
    const live = `${hostname()} ${process.pid} live`
    writeFileSync(`${file}.lock`, live)
    expect(await removeDeadLock(`${file}.lock`, dead, 30_000)).toBe(true)
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(live)
    // The same call with the lock still the dead one removes it, and leaves no fence behind.
    writeFileSync(`${file}.lock`, dead)
    expect(await removeDeadLock(`${file}.lock`, dead, 30_000)).toBe(true)
    expect(existsSync(`${file}.lock`)).toBe(false)
    expect(readdirSync(dir).filter((name) => name.startsWith('fenced.json.lock'))).toEqual([])
  })

  it('many processes taking over one dead lock at once: one at a time inside, every one gets its turn', async () => {
    const file = join(dir, 'contended.json')
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid
    for (let round = 0; round < 20; round++) {
      writeFileSync(`${file}.lock`, `${hostname()} ${deadPid} ${round}`)
      let inside = 0
      let most = 0
      let turns = 0
      await Promise.all(
        Array.from({ length: 12 }, () =>
          withFileLock(
            file,
            async () => {
              most = Math.max(most, ++inside)
              await new Promise<void>((resolve) => setImmediate(resolve))
              inside--
              turns++
            },
            { waitMs: 20_000 }
          )
        )
      )
      expect({ round, most, turns }).toEqual({ round, most: 1, turns: 12 })
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('contended.json.lock'))).toEqual([])
  }, 60_000)

  it("takes over another machine's lock only once it is stale", async () => {
    const file = join(dir, 'elsewhere.json')
    writeFileSync(`${file}.lock`, 'another-host 1 0')
    await expect(withFileLock(file, () => 'mine', { waitMs: 100 })).rejects.toThrow(/locked by another Sync Studio process/)
    const old = new Date(Date.now() - 60_000)
    utimesSync(`${file}.lock`, old, old)
    expect(await withFileLock(file, () => 'mine', { staleMs: 30_000, waitMs: 0 })).toBe('mine')
  })

  it('waits for a live holder, then says who to ask when it holds on too long', async () => {
    const file = join(dir, 'held.json')
    const order: string[] = []
    let release!: () => void
    let entered!: () => void
    const inside = new Promise<void>((resolve) => (entered = resolve))
    const held = withFileLock(file, () => {
      entered()
      return new Promise<void>((resolve) => (release = resolve)).then(() => order.push('first'))
    })
    // Both calls race for the lock file: the second starts once the first holds it.
    await inside
    await expect(withFileLock(file, () => undefined, { waitMs: 300 })).rejects.toThrow(/locked by another Sync Studio process/)
    const second = withFileLock(file, () => order.push('second'))
    release()
    await Promise.all([held, second])
    expect(order).toEqual(['first', 'second'])
  })

  it('says, while it waits, who holds the lock and when it gives up — after a second, then every five', async () => {
    const file = join(dir, 'reported.json')
    // A live process of this machine (this one) holds it: never taken over as a dead one's.
    writeFileSync(`${file}.lock`, `${hostname()} ${process.pid} cafecafecafecafe`)
    const waits: Array<{ holder?: string; waitedMs: number; givesUpInMs: number }> = []
    const started = Date.now()
    const late = setTimeout(() => rmSync(`${file}.lock`), 6_500)
    try {
      expect(await withFileLock(file, () => 'mine', { waitMs: 20_000, onWait: (wait) => waits.push(wait) })).toBe('mine')
    } finally {
      clearTimeout(late)
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_500)
    expect(waits.map((w) => w.holder)).toEqual([`process ${process.pid} on this machine`, `process ${process.pid} on this machine`])
    expect(waits[0]!.waitedMs).toBeGreaterThanOrEqual(1_000)
    expect(waits[0]!.waitedMs).toBeLessThan(2_000)
    expect(waits[1]!.waitedMs - waits[0]!.waitedMs).toBeGreaterThanOrEqual(5_000)
    expect(waits[0]!.givesUpInMs + waits[0]!.waitedMs).toBeGreaterThan(19_900)
    expect(waits[0]!.givesUpInMs + waits[0]!.waitedMs).toBeLessThanOrEqual(20_000)
  }, 20_000)

  it('says nothing when the lock is free or held only for a moment', async () => {
    const file = join(dir, 'quiet.json')
    const waits: unknown[] = []
    writeFileSync(`${file}.lock`, `${hostname()} ${process.pid} beefbeefbeefbeef`)
    setTimeout(() => rmSync(`${file}.lock`), 200)
    expect(await withFileLock(file, () => 'mine', { onWait: (wait) => waits.push(wait) })).toBe('mine')
    expect(await withFileLock(file, () => 'again', { onWait: (wait) => waits.push(wait) })).toBe('again')
    expect(waits).toEqual([])
  })
})
