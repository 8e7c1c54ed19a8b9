import { describe, expect, it } from 'vitest'
import { compileFlow, tryCompileFlow } from '../../src/shared/mapping/compile'
import type { Step } from '../../src/shared/mapping/steps'
import {
  checkExpression,
  describeJsonataLimit,
  isJsonataLimit,
  MAX_EXPRESSION_LENGTH
} from '../../src/shared/mapping/transforms/expression'
import { ExpressionStopped, type ExpressionEvaluator } from '../../src/shared/mapping/transforms/runtime'
import { CONTACT_ID, flowWith } from '../support/run-steps'

// JSONata "expression" steps as a consultant writes them: what they give, what fails one record,
// and what stops the preview or run (a budget exceeded), with the step's path.

async function evaluate(steps: Step[], record: Record<string, unknown>, expressions?: ExpressionEvaluator) {
  const r = await compileFlow(flowWith('out', ['x'], steps), { expressions }).run({ contactid: CONTACT_ID, ...record })
  return r.kind === 'ok' ? r.target.out : r
}

const stopped = (steps: Step[], record: Record<string, unknown>) =>
  evaluate(steps, record).then(
    () => {
      throw new Error('expected the run to stop')
    },
    (error: unknown) => error as ExpressionStopped
  )

describe('expression results', () => {
  it('gives plain lists for sequences and null for nothing', async () => {
    const record = { x: 1, orders: [{ lines: [{ sku: 'a' }, { sku: 'b' }] }, { lines: [{ sku: 'c' }] }] }
    const list = await evaluate([{ fn: 'expression', expr: 'orders.lines.sku' }], record)
    expect(list).toEqual(['a', 'b', 'c'])
    expect(Object.getPrototypeOf(list)).toBe(Array.prototype)
    expect(JSON.stringify(list)).toBe('["a","b","c"]')
    expect(await evaluate([{ fn: 'expression', expr: '[[1, 2], [3]]' }], record)).toEqual([[1, 2], [3]])
    expect(await evaluate([{ fn: 'expression', expr: 'nosuchfield' }], record)).toBe(null)
  })

  it("$value is the previous steps' result, null when the source is missing", async () => {
    expect(await evaluate([{ fn: 'trim' }, { fn: 'expression', expr: '$value & "!"' }], { x: ' hi ' })).toBe('hi!')
    expect(await evaluate([{ fn: 'expression', expr: '$value = null ? "none" : "some"' }], {})).toBe('none')
  })

  it('a failure on one record fails that record with the reason and the input', async () => {
    const r = await evaluate([{ fn: 'expression', expr: '$value + 1' }], { x: 'a' })
    expect(r).toMatchObject({
      kind: 'error',
      field: 'out',
      step: 0,
      input: 'a',
      reason: 'the expression failed: The left side of the "+" operator must evaluate to a number'
    })
    const raised = await evaluate([{ fn: 'expression', expr: '$error("no country for " & $value)' }], { x: 'Atlantis' })
    expect(raised).toMatchObject({ kind: 'error', reason: 'the expression failed: no country for Atlantis' })
  })

  it("an evaluator's plain failure is still one record's error", async () => {
    const throwsText: ExpressionEvaluator = {
      evaluate: () => Promise.reject('worker gone')
    }
    const coded: ExpressionEvaluator = {
      evaluate: () => Promise.reject(Object.assign(new Error(''), { message: undefined, code: 'T1006' }))
    }
    expect(await evaluate([{ fn: 'expression', expr: 'x' }], { x: 1 }, throwsText)).toMatchObject({
      kind: 'error',
      reason: 'the expression failed: worker gone'
    })
    expect(await evaluate([{ fn: 'expression', expr: 'x' }], { x: 1 }, coded)).toMatchObject({ reason: 'the expression failed: T1006' })
  })
})

describe('expression budgets stop the run with the step path', () => {
  it('a computation running too long', async () => {
    const steps: Step[] = [{ fn: 'trim' }, { fn: 'expression', expr: '($f := function($n){ $n > 0 ? $f($n-1) + $f($n-1) : 1 }; $f(40))' }]
    const error = await stopped(steps, { x: 'a' })
    expect(error).toBeInstanceOf(ExpressionStopped)
    expect(error.path).toEqual(['flows', 0, 'fields', 0, 'steps', 1, 'expr'])
    expect(error.message).toBe(
      'flows[0].fields[0].steps[1].expr: the expression ran longer than 250 ms on one record and was stopped — look for a loop without end or a regular expression that backtracks'
    )
  })

  it('a sequence too large', async () => {
    const error = await stopped([{ fn: 'expression', expr: '$count([1..500000])' }], {})
    expect(error.message).toBe(
      'flows[0].fields[0].steps[0].expr: the expression built a sequence of more than 100000 items and was stopped'
    )
  })

  it("an evaluator's own budget (the worker's) keeps its reason and gains the path", async () => {
    const overBudget: ExpressionEvaluator = { evaluate: () => Promise.reject(new ExpressionStopped('the expression used more than 64 MB')) }
    const compiled = compileFlow(flowWith('out', ['x'], [{ fn: 'trim' }, { fn: 'expression', expr: 'x' }]), { expressions: overBudget })
    const stop = await compiled.run({ contactid: CONTACT_ID, x: 'a' }).catch((e: unknown) => e as ExpressionStopped)
    expect(stop).toBeInstanceOf(ExpressionStopped)
    expect((stop as ExpressionStopped).message).toBe('flows[0].fields[0].steps[1].expr: the expression used more than 64 MB')
  })

  it("JSONata's limit errors, told in the user's words", () => {
    expect(isJsonataLimit({ code: 'D1011' })).toBe(true)
    expect(isJsonataLimit({ code: 'D1012' })).toBe(true)
    expect(isJsonataLimit({ code: 'D2014' })).toBe(true)
    expect(isJsonataLimit({ code: 'D2015' })).toBe(true)
    expect(isJsonataLimit(new RangeError('Maximum call stack size exceeded'))).toBe(true)
    expect(isJsonataLimit({ code: 'T2001' })).toBe(false)
    expect(isJsonataLimit(null)).toBe(false)
    expect(describeJsonataLimit({ code: 'D1011' })).toBe(
      'the expression recursed deeper than 300 calls and was stopped — look for a function that calls itself without end'
    )
    expect(describeJsonataLimit(new RangeError('Maximum call stack size exceeded'))).toMatch(
      /^the expression recursed deeper than 300 calls/
    )
    expect(describeJsonataLimit({ code: 'D2014' })).toBe('the expression built a sequence of more than 100000 items and was stopped')
  })
})

describe('expressions refused when compiling', () => {
  const problems = (expr: string) => {
    const r = tryCompileFlow(flowWith('out', ['x'], [{ fn: 'trim' }, { fn: 'expression', expr }]))
    return r.ok ? [] : r.problems.map((p) => ({ path: p.path, message: p.message }))
  }

  it('a syntax error, with where it is', () => {
    expect(problems('$uppercase(')).toEqual([
      {
        path: ['flows', 0, 'fields', 0, 'steps', 1, 'expr'],
        message: 'not a valid JSONata expression: Expected ")" before end of expression (at character 11)'
      }
    ])
    expect(checkExpression('1 +')).toEqual({
      ok: false,
      message: 'not a valid JSONata expression: Unexpected end of expression (at character 3)',
      position: 3
    })
    expect(checkExpression('firstname & lastname')).toEqual({ ok: true })
  })

  it('an expression too long to read', () => {
    const longest = `"${'a'.repeat(MAX_EXPRESSION_LENGTH - 2)}"`
    expect(checkExpression(longest)).toEqual({ ok: true })
    expect(problems(`${longest} `)).toEqual([
      {
        path: ['flows', 0, 'fields', 0, 'steps', 1, 'expr'],
        message: 'the expression is 5001 characters long; keep it under 5000 (split the work over several steps)'
      }
    ])
  })
})
