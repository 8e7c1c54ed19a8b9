import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { debuglog } from 'node:util'
import { Worker } from 'node:worker_threads'
import { ServiceError } from '../errors'
import { describeJsonataLimit, jsonataLimits } from '../../shared/mapping/transforms/expression'
import { ExpressionStopped, type ExpressionEvaluator, type SourceRecord } from '../../shared/mapping/transforms/runtime'
import { workerSource } from './worker-source'

/**
 * Users' JSONata expressions run here, never in main's event loop: in a worker thread with
 * a hard budget per preview or run. JSONata's own time limit is checked between its steps,
 * so one built-in call (a backtracking `$match`, say) can still run for ever; the worker is
 * terminated when one evaluation takes longer than `timeMs`, or when it needs more than
 * `memoryMb` of heap (V8 ends it). Main stays responsive meanwhile — the evaluation is only
 * a message it waits for — and can always end.
 *
 * Once a budget is exceeded the sandbox is spent: the evaluation that exceeded it and every
 * later one reject with `ExpressionStopped`, which stops the preview or run with the step's
 * JSON path. One sandbox serves one preview or one flow run; `close()` ends its worker.
 */

export interface ExpressionBudget {
  /** Hard limit for one evaluation, measured by main. */
  timeMs: number
  /** Heap of the worker (V8's old generation). */
  memoryMb: number
}

export const defaultExpressionBudget: ExpressionBudget = { timeMs: 1_000, memoryMb: 64 }

/**
 * `NODE_DEBUG=sync-studio-expressions` traces the sandbox on stderr (Node's own debug switch,
 * silent otherwise): the worker ready, each evaluation handed to it, a budget exceeded. It
 * tells a slow expression from a slow read — and lets a test act while the worker is busy.
 */
const trace = debuglog('sync-studio-expressions')

/** How long the worker may take to start and load JSONata, on a busy machine. */
const STARTUP_MS = 20_000

interface Answer {
  id?: number
  ready?: boolean
  ok?: boolean
  value?: unknown
  limit?: string
  code?: string
  message?: string
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

let jsonataSource: string | undefined
function readJsonata(): string {
  // Read by main (fs reads inside an asar archive too) and handed to the worker as text.
  jsonataSource ??= readFileSync(createRequire(__filename).resolve('jsonata'), 'utf8')
  return jsonataSource
}

/** An error from the expression itself on one record (not the budget). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(message)
  }
}

export class ExpressionSandbox implements ExpressionEvaluator {
  private worker: Worker | undefined
  private ready: Promise<Worker> | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private stopped: ExpressionStopped | undefined
  private closed = false

  constructor(private readonly budget: ExpressionBudget = defaultExpressionBudget) {}

  async evaluate(expr: string, record: SourceRecord, value: unknown): Promise<unknown> {
    if (this.stopped) throw this.stopped
    if (this.closed) throw new ExpressionStopped('the preview or run this expression belonged to has ended')
    const worker = await this.start()
    if (this.stopped) throw this.stopped
    const id = this.nextId++
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.stop(
            `the expression ran longer than ${this.budget.timeMs} ms on one record and was stopped — simplify it (a regular expression that backtracks, or a loop without end, are the usual causes)`
          ),
        this.budget.timeMs
      )
      this.pending.set(id, { resolve, reject, timer })
      if (this.pending.size === 1) worker.ref()
      try {
        worker.postMessage({ id, expr, record, value })
        trace('evaluation %d handed to the worker (budget %d ms)', id, this.budget.timeMs)
      } catch (error) {
        this.settle(id)
        reject(new ExpressionError(`the record cannot be given to the expression: ${(error as Error).message}`))
      }
    })
  }

  /** Ends the worker; later evaluations are refused. */
  async close(): Promise<void> {
    this.closed = true
    const worker = this.worker
    this.worker = undefined
    this.ready = undefined
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer)
      entry.reject(new ExpressionStopped('the preview or run was closed'))
      this.pending.delete(id)
    }
    if (worker) await worker.terminate()
  }

  /** Whether a worker is running (for tests: a spent sandbox has none). */
  get running(): boolean {
    return this.worker !== undefined
  }

  private start(): Promise<Worker> {
    if (this.ready) return this.ready
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { jsonataSource: readJsonata(), limits: jsonataLimits },
      resourceLimits: {
        maxOldGenerationSizeMb: this.budget.memoryMb,
        maxYoungGenerationSizeMb: Math.min(16, this.budget.memoryMb),
        stackSizeMb: 4
      },
      // The worker inherits nothing it does not need.
      env: {},
      stdout: true,
      stderr: true
    })
    this.worker = worker
    this.ready = new Promise<Worker>((resolve, reject) => {
      const startup = setTimeout(() => {
        this.stop('the expression engine did not start in time')
        reject(this.stopped)
      }, STARTUP_MS)
      worker.on('message', (answer: Answer) => {
        if (answer.ready) {
          trace('worker ready')
          clearTimeout(startup)
          if (this.pending.size === 0) worker.unref()
          resolve(worker)
          return
        }
        if (answer.id === undefined) return
        const entry = this.settle(answer.id)
        if (!entry) return
        if (answer.ok) entry.resolve(answer.value)
        else if (answer.limit) {
          this.stop(describeJsonataLimit({ code: answer.limit }))
          entry.reject(this.stopped!)
        } else entry.reject(new ExpressionError(answer.message ?? 'failed', answer.code))
      })
      worker.on('error', (error: Error & { code?: string }) => {
        clearTimeout(startup)
        this.stop(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `the expression needed more than ${this.budget.memoryMb} MB of memory and was stopped — it builds too large a value`
            : `the expression engine failed: ${error.message}`
        )
        reject(this.stopped)
      })
      worker.on('exit', () => {
        clearTimeout(startup)
        if (!this.closed && !this.stopped) this.stop('the expression engine ended unexpectedly')
        reject(this.stopped)
      })
    })
    // Callers await it; this only keeps a rejection nobody waits for from being reported as unhandled.
    this.ready.catch(() => undefined)
    return this.ready
  }

  private settle(id: number): Pending | undefined {
    const entry = this.pending.get(id)
    if (!entry) return undefined
    clearTimeout(entry.timer)
    this.pending.delete(id)
    if (this.pending.size === 0) this.worker?.unref()
    return entry
  }

  /** The budget was exceeded: terminate the worker and fail what waits on it. */
  private stop(reason: string): void {
    if (this.stopped) return
    trace('stopped: %s', reason)
    this.stopped = new ExpressionStopped(reason)
    const worker = this.worker
    this.worker = undefined
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer)
      entry.reject(this.stopped)
      this.pending.delete(id)
    }
    void worker?.terminate()
  }
}

/**
 * Runs `work` (a preview, a trace, a dry-run diff) with a fresh sandbox and always ends its
 * worker; an expression over its budget becomes a message for the user, with the step's path.
 */
export async function withExpressionSandbox<T>(
  work: (sandbox: ExpressionSandbox) => Promise<T>,
  options: { signal?: AbortSignal; budget?: ExpressionBudget } = {}
): Promise<T> {
  const sandbox = new ExpressionSandbox(options.budget)
  // Canceling (Ctrl+C, SIGTERM, the Cancel button) ends the worker at once, mid-evaluation.
  const cancel = () => void sandbox.close()
  options.signal?.addEventListener('abort', cancel, { once: true })
  try {
    return await work(sandbox)
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error
    if (error instanceof ExpressionStopped) throw new ServiceError(`Stopped: ${error.message}`)
    throw error
  } finally {
    options.signal?.removeEventListener('abort', cancel)
    await sandbox.close()
  }
}
