import { callNames, calls, type CallName, type CallOutput, type CallParsedInput, type CallResult } from '../../shared/contract'
import { problemsFromZod } from '../../shared/mapping/problems'
import { formatProblem } from '../../shared/problems'
import { ServiceError } from '../errors'

/** One function per call of the contract, taking its parsed input. */
export type Handlers = { [N in CallName]: (input: CallParsedInput<N>) => Promise<CallOutput<N>> | CallOutput<N> }

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void

/**
 * The one generic helper every transport (Electron IPC, browser-mode HTTP, the smoke test)
 * goes through: it refuses unknown names, validates the input with the contract's zod
 * schema before any service runs, and turns errors into messages a person can act on.
 */
export function createDispatcher(handlers: Handlers, log: Logger = () => undefined) {
  const known = new Set<string>(callNames)
  return async function dispatch(name: unknown, rawInput: unknown): Promise<CallResult<unknown>> {
    if (typeof name !== 'string' || !known.has(name)) {
      return { ok: false, error: { code: 'unknownCall', message: `There is no call named ${JSON.stringify(name)}.` } }
    }
    const callName = name as CallName
    const parsed = calls[callName].input.safeParse(rawInput ?? {})
    if (!parsed.success) {
      const problems = problemsFromZod(parsed.error, rawInput)
      return {
        ok: false,
        error: {
          code: 'badInput',
          message: `${callName}: the request is not valid — ${problems.map(formatProblem).join('; ')}`,
          problems
        }
      }
    }
    try {
      const handler = handlers[callName] as (input: unknown) => Promise<unknown> | unknown
      const value = await handler(parsed.data)
      return { ok: true, value }
    } catch (error) {
      // Services' errors are written for the user and carry no secret (connector errors are
      // redacted at the source and add their hint).
      if (error instanceof ServiceError)
        return {
          ok: false,
          error: { code: error.outcome, message: error.userMessage, ...(error.problems ? { problems: error.problems } : {}) }
        }
      // Unexpected: log the detail in main, give the renderer nothing it could leak.
      log('error', `${callName} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return {
        ok: false,
        error: { code: 'failed', message: `${callName} failed unexpectedly — see the log for details, and report it if it persists.` }
      }
    }
  }
}
export type Dispatch = ReturnType<typeof createDispatcher>
