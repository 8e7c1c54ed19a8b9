import jsonata from 'jsonata'
import type { Step } from '../steps'
import { StepConfigError, StepFailure, type CompiledStep, type StepContext } from './runtime'

/**
 * JSONata is the sandboxed escape hatch: no `eval`, no `Function`, no access to anything but
 * the record and `$value` (the value the previous steps produced). Its evaluate() is async
 * in 2.x and costs tens of microseconds per call, so a flow only becomes async when one of
 * its fields uses an expression (see compile.ts); every other field stays synchronous.
 * Guardrails: a time limit and a stack limit per evaluation, so a runaway expression
 * (`($f := function($n){ $f($n) }; $f(1))`) fails its record instead of hanging the run.
 */

export const EXPRESSION_TIMEOUT_MS = 250
export const EXPRESSION_MAX_DEPTH = 300
const MAX_SEQUENCE = 100_000

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
}

export function checkExpression(expr: string): ExpressionCheck {
  try {
    jsonata(expr)
    return { ok: true }
  } catch (error) {
    const e = error as JsonataError
    return { ok: false, message: `not a valid JSONata expression: ${e.message ?? String(error)}${e.position !== undefined ? ` (at character ${e.position})` : ''}`, position: e.position }
  }
}

/** JSONata returns sequences (arrays with extra flags) and undefined for "nothing". */
function plain(result: unknown): unknown {
  if (result === undefined) return null
  if (Array.isArray(result)) return Array.from(result, plain)
  return result
}

export function expression(step: Extract<Step, { fn: 'expression' }>, ctx: StepContext): CompiledStep {
  const check = checkExpression(step.expr)
  if (!check.ok) throw new StepConfigError(check.message ?? 'invalid expression', ['expr'])
  const compiled = jsonata(step.expr, { timeout: EXPRESSION_TIMEOUT_MS, stack: EXPRESSION_MAX_DEPTH, sequence: MAX_SEQUENCE })
  return {
    async: true,
    run: async (v, record) => {
      try {
        return plain(await compiled.evaluate(record, { value: v === undefined ? null : v }))
      } catch (error) {
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
