import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * The hostile corpus (tests/fixtures/hostile: small files kept in git, large ones written by
 * generate.mjs) through the built CLI, as a user runs it: `validate`, `preview` and
 * `run --dry-run` (--sandbox). Each process runs with a heap cap and a deadline; none may
 * crash, hang or exceed the budget, every hostile file is rejected (or, for the run-* files,
 * stopped at run time) and every rejection names its place.
 */

const budget = {
  /** V8's heap cap for the CLI process: exceeding it is a crash the test sees. */
  heapMb: 384,
  /** Peak resident memory of the whole process (main thread, expression worker, sandbox). */
  rssMb: 640,
  /** Deadlines are generous: the test machine is shared; a hang is minutes, not seconds. */
  validateMs: 60_000,
  runMs: 120_000
}

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
  peakRssMb: number
  timedOut: boolean
}

/** Runs the built CLI with the heap cap, samples its peak memory (VmHWM), kills it at the deadline. */
function cli(args: string[], deadlineMs: number, userData: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${budget.heapMb}`, bin, ...args], {
      cwd: root,
      env: { ...process.env, SYNC_STUDIO_USER_DATA: userData }
    })
    let stdout = ''
    let stderr = ''
    let peakKb = 0
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
    const sample = () => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]))
      } catch {
        // Exited between samples.
      }
    }
    const sampler = setInterval(sample, 25)
    const deadline = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, deadlineMs)
    child.on('exit', (code) => {
      clearInterval(sampler)
      clearTimeout(deadline)
      resolve({ code, stdout, stderr, peakRssMb: Math.round(peakKb / 1024), timedOut })
    })
  })
}

const crashSigns = /Maximum call stack|heap out of memory|FATAL ERROR|failed unexpectedly|internal error|^\s+at .+:\d+:\d+\)?$/m

function expectWithinBudget(what: string, outcome: Outcome): void {
  expect(outcome.timedOut, `${what} hung`).toBe(false)
  expect(outcome.stderr, `${what} crashed`).not.toMatch(crashSigns)
  expect(outcome.code, `${what} ended by a signal or crashed: ${outcome.stderr.slice(0, 300)}`).not.toBeNull()
  expect(outcome.peakRssMb, `${what} used ${outcome.peakRssMb} MB`).toBeLessThan(budget.rssMb)
}

interface Problem {
  path: Array<string | number>
  message: string
}

/** A place: a JSON path, a line and column, or a limit of the whole file that says so. */
function hasPlace(problem: Problem): boolean {
  if (problem.path.length > 0) return true
  return /line \d+, column \d+|^the file is|^the document holds|^expected object|^…and [\d,]+ more problems/.test(problem.message)
}

const folder = mkdtempSync(join(tmpdir(), 'sync-studio-corpus-'))
const generated = join(folder, 'generated')
const userData = join(folder, 'user-data')
const committed = join(root, 'tests/fixtures/hostile')
let files: string[] = []

beforeAll(async () => {
  ensureCliBuilt()
  const { hostileDocuments } = await import('../fixtures/hostile/generate.mjs')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(generated)
  for (const [name, text] of Object.entries(hostileDocuments())) writeFileSync(join(generated, name), text)
  files = [
    ...readdirSync(committed)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(committed, f)),
    ...readdirSync(generated).map((f) => join(generated, f))
  ].sort()
}, 120_000)

/** Valid files: they pass validation, and are hostile (or just large) only when they run. */
const valid = (file: string) => /^run-|^large-value-map/.test(basename(file))

describe('validate', () => {
  it('has a corpus of its own: at least forty files, large ones generated', () => {
    expect(files.length).toBeGreaterThanOrEqual(40)
    expect(files.filter((f) => f.startsWith(generated)).length).toBeGreaterThanOrEqual(10)
  })

  const check = (file: string, report: { ok: boolean; problems: Problem[] }) => {
    const name = basename(file)
    expect(report.ok, `${name}: ${JSON.stringify(report.problems).slice(0, 300)}`).toBe(valid(file))
    if (!valid(file)) expect(report.problems.length, name).toBeGreaterThan(0)
    for (const problem of report.problems) {
      expect(hasPlace(problem), `${name}: a problem without a place: ${problem.message}`).toBe(true)
      expect(problem.message.length, `${name}: a message of ${problem.message.length} characters`).toBeLessThan(1000)
    }
  }

  it('answers every large file within the budget, each in its own process; rejects the hostile ones, naming the place of each problem', async () => {
    for (const file of files.filter((f) => f.startsWith(generated))) {
      const outcome = await cli(['validate', '--json', '--offline', file], budget.validateMs, userData)
      expectWithinBudget(`validate ${basename(file)}`, outcome)
      expect(outcome.code).toBe(valid(file) ? 0 : 1)
      check(file, (JSON.parse(outcome.stdout) as Array<{ ok: boolean; problems: Problem[] }>)[0])
    }
  }, 1_200_000)

  it('answers all the small files in one process within the budget, with a place for every problem', async () => {
    const small = files.filter((f) => f.startsWith(committed))
    const outcome = await cli(['validate', '--json', '--offline', ...small], budget.validateMs, userData)
    expectWithinBudget('validate (small files)', outcome)
    expect(outcome.code).toBe(1)
    const reports = JSON.parse(outcome.stdout) as Array<{ file: string; ok: boolean; problems: Problem[] }>
    expect(reports.map((r) => r.file)).toEqual(small)
    reports.forEach((report) => check(report.file, report))
  }, 120_000)
})

describe('preview and run --dry-run (--sandbox)', () => {
  const sample = [
    'syntax-trailing-comma.json',
    'regex-lookahead.json',
    'token-in-description.json',
    'large-nested-filters-100k.json',
    'large-100k-mappings.json',
    'large-unknown-key-2mb.json'
  ]
  it('refuse a rejected file with its problems, before connecting to anything', async () => {
    for (const name of sample) {
      const file = files.find((f) => basename(f) === name)!
      for (const command of [
        ['preview', file, '--sandbox', '--journal', join(folder, 'journal-rejected')],
        ['run', file, '--dry-run', '--sandbox', '--journal', join(folder, 'journal-rejected')]
      ]) {
        const outcome = await cli(command, budget.validateMs, userData)
        expectWithinBudget(`${command[0]} ${name}`, outcome)
        expect(outcome.code).toBe(2)
        expect(outcome.stderr).toMatch(
          new RegExp(
            `${name.replace(/[.]/g, '\\.')}: (flows|description|connections|\\(document\\): (not valid JSON at line|nested more than|the file is))`
          )
        )
      }
    }
  }, 600_000)

  it('run a file whose regex backtracks elsewhere in linear time, and a 9,000-entry value map', async () => {
    for (const name of ['run-regex-backtracking.json', 'large-value-map-9k.json']) {
      const file = files.find((f) => basename(f) === name)!
      const journal = join(folder, `journal-${name}`)
      const preview = await cli(['preview', file, '--sandbox', '--journal', journal, '--limit', '20', '--json'], budget.runMs, userData)
      expectWithinBudget(`preview ${name}`, preview)
      const shown = JSON.parse(preview.stdout) as { preview: { rows: unknown[] } }
      expect(shown.preview.rows.length).toBeGreaterThan(0)
      const dryRun = await cli(['run', file, '--dry-run', '--sandbox', '--journal', journal], budget.runMs, userData)
      expectWithinBudget(`run --dry-run ${name}`, dryRun)
      expect(dryRun.code, dryRun.stderr.slice(0, 300)).not.toBe(2)
    }
  }, 600_000)

  it('stop a file whose expression exceeds its budget, naming the step', async () => {
    for (const name of [
      'run-expression-backtracking.json',
      'run-expression-recursion.json',
      'run-expression-memory.json',
      'run-expression-long-string.json'
    ]) {
      const file = files.find((f) => basename(f) === name)!
      const journal = join(folder, `journal-${name}`)
      const preview = await cli(['preview', file, '--sandbox', '--journal', journal, '--limit', '5'], budget.runMs, userData)
      expectWithinBudget(`preview ${name}`, preview)
      expect(preview.code).toBe(2)
      expect(preview.stderr).toMatch(/Stopped: flows\[0\]\.fields\[6\]\.steps\[\d\]\.expr: the expression /)
      const dryRun = await cli(['run', file, '--dry-run', '--sandbox', '--journal', journal], budget.runMs, userData)
      expectWithinBudget(`run --dry-run ${name}`, dryRun)
      expect(dryRun.code).toBe(2)
      expect(dryRun.stdout + dryRun.stderr).toMatch(
        /expressionStopped\): stopped: flows\[0\]\.fields\[6\]\.steps\[\d\]\.expr: the expression /
      )
    }
  }, 900_000)
})
