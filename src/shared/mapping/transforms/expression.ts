import jsonata from 'jsonata'
import type { Step } from '../steps'
import { ExpressionStopped, StepConfigError, StepFailure, type CompiledStep, type ExpressionEvaluator, type StepContext } from './runtime'

/**
 * JSONata is the escape hatch for everything the steps cannot say: no `eval`, no
 * `Function`, no access to anything but the record and `$value` (the value the previous
 * steps produced). Its evaluate() is async in 2.x, so a flow only becomes async when one of
 * its fields uses an expression (see compile.ts); every other field stays synchronous.
 *
 * Where it runs is the caller's choice (`StepContext.expressions`): main runs expressions in
 * a worker it can terminate, with a hard time and memory budget per preview or run
 * (src/main/expressions), because JSONata's own time limit cannot interrupt a single
 * built-in call such as a backtracking `$match`. Without an evaluator (unit tests, the
 * renderer's checks) they run in-process with JSONata's own limits.
 *
 * Either way, hitting a limit (time, recursion depth, sequence size, memory) stops the
 * preview or run with the step's JSON path (`ExpressionStopped`), instead of failing every
 * record slowly; an ordinary failure (a type error on this record) fails the record.
 */

export const EXPRESSION_TIMEOUT_MS = 250
export const EXPRESSION_MAX_DEPTH = 300
export const EXPRESSION_MAX_SEQUENCE = 100_000
/** Longer expressions are refused when the document is validated: JSONata's parser recurses. */
export const MAX_EXPRESSION_LENGTH = 5_000

/** The options JSONata enforces itself, in-process and in the worker. */
export const jsonataLimits = { timeout: EXPRESSION_TIMEOUT_MS, stack: EXPRESSION_MAX_DEPTH, sequence: EXPRESSION_MAX_SEQUENCE }

export interface ExpressionCheck {
  ok: boolean
  message?: string
  position?: number
}

interface JsonataError {
  code?: string
  message?: string
  position?: number
  token?: string
  value?: unknown
}

/** JSONata's own limit errors (D1011 stack depth, D1012 time, D2014/D2015 sequence size): the budget, not the record. */
export function isJsonataLimit(error: unknown): boolean {
  const code = (error as JsonataError | null)?.code
  return code === 'D1011' || code === 'D1012' || code === 'D2015' || code === 'D2014' || error instanceof RangeError
}

export function describeJsonataLimit(error: unknown): string {
  const e = error as JsonataError
  if (e.code === 'D1012')
    return `the expression ran longer than ${EXPRESSION_TIMEOUT_MS} ms on one record and was stopped — look for a loop without end or a regular expression that backtracks`
  if (e.code === 'D1011' || error instanceof RangeError)
    return `the expression recursed deeper than ${EXPRESSION_MAX_DEPTH} calls and was stopped — look for a function that calls itself without end`
  return `the expression built a sequence of more than ${EXPRESSION_MAX_SEQUENCE} items and was stopped`
}

export function checkExpression(expr: string): ExpressionCheck {
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    return {
      ok: false,
      message: `the expression is ${expr.length} characters long; keep it under ${MAX_EXPRESSION_LENGTH} (split the work over several steps)`
    }
  }
  try {
    jsonata(expr)
    return { ok: true }
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, message: 'the expression is nested too deeply to read — simplify it' }
    const e = error as JsonataError
    return {
      ok: false,
      message: `not a valid JSONata expression: ${e.message ?? String(error)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`,
      position: e.position
    }
  }
}

/** JSONata returns sequences (arrays with extra flags) and undefined for "nothing". */
export function plainResult(result: unknown): unknown {
  if (result === undefined) return null
  if (Array.isArray(result)) return Array.from(result, plainResult)
  return result
}

/** In-process evaluation with JSONata's own limits: for tests and checks, never for a user's preview or run in main. */
export function inProcessEvaluator(): ExpressionEvaluator {
  const compiled = new Map<string, jsonata.Expression>()
  return {
    evaluate: async (expr, record, value) => {
      let expression = compiled.get(expr)
      if (!expression) {
        expression = jsonata(expr, jsonataLimits)
        compiled.set(expr, expression)
      }
      try {
        return plainResult(await expression.evaluate(record, { value }))
      } catch (error) {
        if (isJsonataLimit(error)) throw new ExpressionStopped(describeJsonataLimit(error))
        throw error
      }
    }
  }
}

export function expression(step: Extract<Step, { fn: 'expression' }>, ctx: StepContext): CompiledStep {
  const check = checkExpression(step.expr)
  // Stryker disable next-line StringLiteral: a refused expression always comes with its message (the path is caught by the refusal tests)
  if (!check.ok) throw new StepConfigError(check.message ?? 'invalid expression', ['expr'])
  const evaluator = ctx.expressions ?? inProcessEvaluator()
  const { expr } = step
  // Stryker disable next-line ArrayDeclaration: compile always gives the step's path
  const path = [...(ctx.path ?? []), 'expr']
  return {
    async: true,
    run: async (v, record) => {
      try {
        return await evaluator.evaluate(expr, record, v === undefined ? null : v)
      } catch (error) {
        if (error instanceof ExpressionStopped) throw new ExpressionStopped(error.reason, path)
        const e = error as JsonataError
        throw new StepFailure(`the expression failed: ${e.message ?? e.code ?? String(error)}`, v, ctx.location)
      }
    }
  }
}

interface AstNode {
  type?: string
  value?: unknown
  steps?: AstNode[]
  [key: string]: unknown
}

/**
 * The record fields an expression can read (the names in its paths), so a flow with an
 * expression still asks Dataverse for its columns only. Undefined when the expression can
 * read any field: the whole record (`$`, `$$`, `$keys($)`), a wildcard or a descendant path.
 * A name that is not a column (a nested property, a predicate's name) is harmless: the
 * caller keeps only the table's columns.
 */
export function expressionFields(expr: string): string[] | undefined {
  let ast: AstNode
  try {
    ast = jsonata(expr).ast() as AstNode
  } catch {
    return undefined
  }
  const names = new Set<string>()
  let whole = false
  const visit = (node: unknown): void => {
    if (whole || node === null || typeof node !== 'object') return
    if (Array.isArray(node)) return node.forEach(visit)
    const n = node as AstNode
    if (n.type === 'wildcard' || n.type === 'descendant') {
      whole = true
      return
    }
    if (n.type === 'variable' && (n.value === '' || n.value === '$')) {
      whole = true // the record itself, not one of its fields
      return
    }
    if (n.type === 'name' && typeof n.value === 'string') names.add(n.value)
    if (n.type === 'path' && Array.isArray(n.steps)) {
      const [first, ...rest] = n.steps
      // `$.field` / `$$.field`: the context, then a field — that reads the field only.
      const context = first?.type === 'variable' && (first.value === '' || first.value === '$') && rest.length > 0
      for (const [key, value] of Object.entries(n)) if (key !== 'steps') visit(value)
      visit(context ? rest : n.steps)
      return
    }
    for (const value of Object.values(n)) visit(value)
  }
  visit(ast)
  return whole ? undefined : [...names]
}
