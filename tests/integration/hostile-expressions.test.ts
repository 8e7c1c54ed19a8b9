import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * A hostile expression (a backtracking regular expression inside JSONata, which JSONata's
 * own time limit cannot interrupt) never freezes the process that runs it: browser mode's
 * server answers other calls within a second while such a preview runs, the preview stops
 * with the step's JSON path, and SIGTERM and SIGINT end the process — browser mode and the
 * CLI, built, as a user runs them.
 */

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  /** Resolves with the first match of `pattern` in stdout and stderr (what came before counts), as the text arrives. */
  printed: (pattern: RegExp, what: string, timeoutMs?: number) => Promise<RegExpExecArray>
  exited: Promise<number | null>
}

// Node's debug switch: the expression sandbox says on stderr when it hands an evaluation to its worker.
const handedToWorker = /evaluation \d+ handed to the worker/g

function start(args: string[], userData: string): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, SYNC_STUDIO_USER_DATA: userData, NODE_DEBUG: 'sync-studio-expressions' }
  })
  let stdout = ''
  let stderr = ''
  const waiting = new Set<() => void>()
  const arrived = () => waiting.forEach((check) => check())
  child.stdout.setEncoding('utf8').on('data', (text: string) => ((stdout += text), arrived()))
  child.stderr.setEncoding('utf8').on('data', (text: string) => ((stderr += text), arrived()))
  const exited = new Promise<number | null>((done) => child.on('exit', (code, signal) => done(code ?? (signal ? -1 : null))))
  const printed = (pattern: RegExp, what: string, timeoutMs = 60_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const finish = (error?: Error, match?: RegExpExecArray) => {
        clearTimeout(timer)
        waiting.delete(check)
        if (match) resolve(match)
        else reject(error)
      }
      const check = () => {
        pattern.lastIndex = 0
        const match = pattern.exec(stdout + stderr)
        if (match) finish(undefined, match)
        else if (child.exitCode !== null) finish(new Error(`the process ended before ${what}:\n${stderr}`))
      }
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs)
      waiting.add(check)
      void exited.then(check)
      check()
    })
  return { child, stdout: () => stdout, stderr: () => stderr, printed, exited }
}

const exitsWithin = (run: Running, ms: number) =>
  Promise.race([run.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))])

/** The contacts example with one field whose expression backtracks for minutes on 70 "a"s. */
function hostileDocument(): MappingDocument {
  const document = JSON.parse(readFileSync(join(root, 'examples/contacts.mapping.json'), 'utf8')) as MappingDocument
  const flow = document.flows[0]
  if (flow.kind !== 'records') throw new Error('the example changed')
  flow.fields.push({
    target: 'salutation',
    from: ['lastname'],
    steps: [
      { fn: 'pad', length: 70, char: 'a' },
      { fn: 'expression', expr: "$match($value, /(a|aa)+b/) ? 'x' : 'y'" }
    ]
  })
  return document
}
const stepPath = 'flows[0].fields[6].steps[1].expr'

const folder = mkdtempSync(join(tmpdir(), 'sync-studio-hostile-'))
const mappingFile = join(folder, 'hostile.mapping.json')

beforeAll(() => {
  ensureCliBuilt()
  writeFileSync(mappingFile, JSON.stringify(hostileDocument()))
}, 120_000)

describe('browser mode during a hostile preview', () => {
  let web: Running
  let base: string
  let token: string
  beforeAll(async () => {
    web = start(['web', '--port', '0'], join(folder, 'web-user-data'))
    const launch = await web.printed(/(http:\/\/127\.0\.0\.1:\d+\/)#token=(\S+)/, 'the launch URL')
    base = launch[1]
    token = launch[2]
  }, 90_000)
  afterAll(() => {
    if (web.child.exitCode === null) web.child.kill('SIGKILL')
  })

  const call = async (name: string, input: unknown) => {
    const response = await fetch(`${base}api/call/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(input)
    })
    return (await response.json()) as { ok: boolean; value?: unknown; error?: { message: string } }
  }

  it('answers another call within a second while the preview runs, then stops the preview with the step path', async () => {
    // Warm up the built-in sandbox, which runs in this process (seeding it is not what this test measures).
    const example = JSON.parse(readFileSync(join(root, 'examples/contacts.mapping.json'), 'utf8')) as MappingDocument
    const warm = await call('preview/records', { document: example, flowId: 'contacts', limit: 5 })
    expect(warm.ok).toBe(true)
    const document = hostileDocument()
    let previewDone = false
    const preview = call('preview/records', { document, flowId: 'contacts', limit: 5 }).finally(() => (previewDone = true))
    preview.catch(() => undefined)
    // Ask while the worker is busy with the expression (the only one in the document).
    await web.printed(handedToWorker, 'the hostile expression in the worker')
    // Answered while the preview still waits on the expression: the main process is not frozen
    // (event order, not a stopwatch — speed belongs in bench/).
    const info = await call('app/info', {})
    expect(info.ok).toBe(true)
    expect(previewDone).toBe(false)
    const answer = await preview
    expect(answer.ok).toBe(false)
    expect(answer.error?.message).toContain(`${stepPath}: the expression ran longer than`)
  }, 90_000)

  it('ends on SIGTERM while a hostile preview runs', async () => {
    const before = web.stderr().match(handedToWorker)?.length ?? 0
    void call('preview/records', { document: hostileDocument(), flowId: 'contacts', limit: 5 }).catch(() => undefined)
    await web.printed(new RegExp(`(?:[^]*?${handedToWorker.source}){${before + 1}}`), 'the hostile expression in the worker')
    web.child.kill('SIGTERM')
    expect(await exitsWithin(web, 10_000)).toBe(true)
  }, 30_000)
})

describe('the CLI during a hostile preview or dry run', () => {
  it('preview stops with the step path and exit code 2', async () => {
    const run = start(['preview', mappingFile, '--sandbox', '--journal', join(folder, 'j1'), '--limit', '3'], join(folder, 'cli-user-data'))
    expect(await exitsWithin(run, 60_000)).toBe(true)
    expect(run.child.exitCode).toBe(2)
    expect(run.stderr()).toContain(`${stepPath}: the expression ran longer than`)
  }, 70_000)

  it('run --dry-run ends failed (expressionStopped) with the step path', async () => {
    const run = start(['run', mappingFile, '--dry-run', '--sandbox', '--journal', join(folder, 'j2')], join(folder, 'cli-user-data'))
    expect(await exitsWithin(run, 60_000)).toBe(true)
    expect(run.child.exitCode).not.toBe(0)
    expect(run.stdout() + run.stderr()).toContain(`expressionStopped`)
    expect(run.stdout() + run.stderr()).toContain(stepPath)
  }, 70_000)

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} ends a preview whose expression is running`, async () => {
      const run = start(
        ['preview', mappingFile, '--sandbox', '--journal', join(folder, `j-${signal}`), '--limit', '3'],
        join(folder, 'cli-user-data')
      )
      await run.printed(handedToWorker, 'the hostile expression in the worker')
      run.child.kill(signal)
      expect(await exitsWithin(run, 10_000)).toBe(true)
      // It ended on the signal, not on the expression's budget, and says so in words (it printed
      // "error.code?.startsWith is not a function": the abort's DOMException has a numeric code).
      expect(run.stderr()).not.toContain('the expression ran longer than')
      expect(run.stderr()).toContain('sync-studio preview: The operation was canceled.')
      expect(run.stderr()).not.toContain('is not a function')
    }, 30_000)
  }
})
