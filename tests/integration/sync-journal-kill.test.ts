import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SyncJournal } from '../../src/main/sync/journal'
import { expectedRecord, FileSink, key } from './fixtures/sync-kill-child'

/**
 * Crash safety for real: a child process runs the runner against a file-backed sink and is
 * SIGKILLed at a random point (no chance to flush or say goodbye), several times; each
 * time the run is resumed from its journal. At the end the target must hold exactly the
 * expected records, each written once — no record lost, none written twice.
 */
const root = join(__dirname, '../..')
const child = join(__dirname, 'fixtures/sync-kill-child.ts')
const RECORDS = 400
const KILLS = 4

const dir = mkdtempSync(join(tmpdir(), 'sync-kill-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A small seeded PRNG, so a failure can be replayed with SYNC_KILL_SEED. */
function random(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Attempt {
  killed: boolean
  batches: number
  done?: { status: string; counts: Record<string, number>; runId: string }
  stderr: string
}

function attempt(args: string[], killAfterBatches: number | undefined): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const proc = spawn('npx', ['tsx', child, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let pid: number | undefined
    let batches = 0
    let killed = false
    let done: Attempt['done']
    let stderr = ''
    let buffer = ''
    proc.stdout.setEncoding('utf8')
    proc.stdout.on('data', (chunk: string) => {
      buffer += chunk
      let newline: number
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        if (line.startsWith('pid ')) pid = Number(line.slice(4))
        else if (line === 'w') {
          batches++
          if (!killed && killAfterBatches !== undefined && batches >= killAfterBatches && pid) {
            killed = true
            // The runner's own process (npx and tsx sit above it), which this test started.
            process.kill(pid, 'SIGKILL')
          }
        } else if (line.startsWith('done ')) done = JSON.parse(line.slice(5))
      }
    })
    proc.stderr.on('data', (chunk) => (stderr += String(chunk)))
    proc.on('error', reject)
    proc.on('close', () => resolve({ killed: killed && !done, batches, done, stderr }))
  })
}

describe('sync journal under SIGKILL', () => {
  it('resumes after random kills with every record written exactly once', async () => {
    const seed = Number(process.env.SYNC_KILL_SEED ?? Date.now() % 1_000_000)
    const next = random(seed)
    const journalDir = join(dir, 'journal')
    const sinkDir = join(dir, 'target')
    // The target before the run: 1–40 stale (to update), 41–60 current (unchanged), ten profiles the source deleted.
    const seedSink = new FileSink(sinkDir)
    for (let n = 1; n <= 60; n++)
      seedSink.store(key(n), { record: { ...expectedRecord(n), ...(n <= 40 ? { lastName: 'Stale' } : {}) }, writes: 0 })
    for (let g = 1; g <= 10; g++) seedSink.store(`gone-${g}`, { record: { email: `gone${g}@example.com` }, writes: 0 })

    const runId = `kill-test-${seed}`
    const log: string[] = []
    let result: Attempt['done']
    for (let i = 0; !result; i++) {
      const killAt = i < KILLS ? 1 + Math.floor(next() * 18) : undefined
      const outcome = await attempt([journalDir, sinkDir, runId, i === 0 ? 'new' : 'resume', String(RECORDS)], killAt)
      log.push(`attempt ${i}: kill after ${killAt ?? '-'} batches, saw ${outcome.batches}, killed ${outcome.killed}`)
      if (!outcome.killed && !outcome.done) throw new Error(`the child failed (seed ${seed}):\n${outcome.stderr}\n${log.join('\n')}`)
      result = outcome.done
      if (i > KILLS + 1) throw new Error(`no end after ${i} attempts (seed ${seed})`)
    }
    const context = `seed ${seed}\n${log.join('\n')}`
    expect(log.filter((line) => line.endsWith('killed true')).length, context).toBeGreaterThanOrEqual(1)
    expect(result.status, context).toBe('completed')

    const sink = new FileSink(sinkDir)
    for (let n = 1; n <= RECORDS; n++) {
      const stored = sink.read(key(n))
      if (n % 7 === 0) {
        // Inactive: filtered out, never written (the pre-existing ones stay as they were).
        if (n <= 60) expect(stored?.writes, `${key(n)} ${context}`).toBe(0)
        else expect(stored, `${key(n)} ${context}`).toBeUndefined()
        continue
      }
      expect(stored?.record, `${key(n)} ${context}`).toEqual(expectedRecord(n))
      expect(stored?.writes, `${key(n)} ${context}`).toBe(n > 40 && n <= 60 ? 0 : 1)
    }
    for (let g = 1; g <= 10; g++) expect(sink.read(`gone-${g}`), context).toEqual({ deleted: true, writes: 1 })

    const counts = result.counts
    if (process.env.SYNC_KILL_VERBOSE) console.log(context, counts)
    const active = Array.from({ length: RECORDS }, (_, i) => i + 1).filter((n) => n % 7 !== 0)
    expect(counts.read, context).toBe(RECORDS + 10)
    expect(counts.skipped, context).toBe(RECORDS - active.length)
    expect(counts.failed + counts.deferred, context).toBe(0)
    // A record written just before a kill, but not yet journaled, is found on resume and counted unchanged.
    expect(counts.created + counts.updated + counts.unchanged + counts.deleted, context).toBe(active.length + 10)
    const journal = await SyncJournal.open(journalDir)
    expect(await journal.summary(runId), context).toMatchObject({ status: 'completed', errorCount: 0 })
    const entries = readFileSync(journal.runPath(runId), 'utf8').split('\n').filter(Boolean)
    expect(entries.filter((line) => line.includes('"t":"resume"')).length, context).toBe(log.length - 1)
  }, 60_000)
})
