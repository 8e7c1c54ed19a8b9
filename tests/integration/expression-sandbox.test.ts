import { afterEach, describe, expect, it } from 'vitest'
import { compileFlow } from '../../src/shared/mapping/compile'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { ExpressionStopped } from '../../src/shared/mapping/transforms/runtime'
import { ExpressionSandbox } from '../../src/main/expressions/expression-sandbox'

const sandboxes: ExpressionSandbox[] = []
const sandbox = (budget?: { timeMs: number; memoryMb: number }) => {
  const s = new ExpressionSandbox(budget)
  sandboxes.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((s) => s.close()))
})

function flowWith(expr: string): RecordsFlow {
  return {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    fields: [
      { target: 'email', from: ['emailaddress1'] },
      { target: 'out', from: ['x'], steps: [{ fn: 'trim' }, { fn: 'expression', expr }] }
    ]
  }
}

describe('expressions run in a worker with a time and memory budget', () => {
  it('evaluates over the record with $value, and fails a record on an ordinary error', async () => {
    const s = sandbox()
    const flow = compileFlow(flowWith('$uppercase($value) & "/" & lastname'), { expressions: s })
    const ok = await flow.run({ contactid: 'a', x: ' anna ', lastname: 'M' })
    expect(ok.kind === 'ok' && ok.target.out).toBe('ANNA/M')
    const bad = await compileFlow(flowWith('$value + 1'), { expressions: s }).run({ contactid: 'a', x: 'text' })
    expect(bad.kind).toBe('error')
    if (bad.kind === 'error') expect(bad.reason).toMatch(/expression failed/)
    expect(s.running).toBe(true)
  })

  it('terminates a backtracking $match and stops with the step path, while main stays responsive', async () => {
    const s = sandbox({ timeMs: 500, memoryMb: 64 })
    const flow = compileFlow(flowWith('$match($value, /(a|aa)+b/)'), { expressions: s, flowIndex: 3 })
    let ticks = 0
    const ticker = setInterval(() => ticks++, 20)
    const started = Date.now()
    const outcome = await flow.run({ contactid: 'a', x: 'a'.repeat(60) }).then(
      () => undefined,
      (error: unknown) => error
    )
    clearInterval(ticker)
    expect(outcome).toBeInstanceOf(ExpressionStopped)
    expect((outcome as ExpressionStopped).path).toEqual(['flows', 3, 'fields', 1, 'steps', 1, 'expr'])
    expect((outcome as Error).message).toMatch(/^flows\[3\]\.fields\[1\]\.steps\[1\]\.expr: the expression ran longer than 500 ms/)
    expect(Date.now() - started).toBeLessThan(5000)
    // The event loop kept turning while the worker was busy.
    expect(ticks).toBeGreaterThan(5)
    expect(s.running).toBe(false)
    // Spent: the next record stops at once instead of waiting out the budget again.
    const again = Date.now()
    await expect(flow.run({ contactid: 'b', x: 'b' })).rejects.toBeInstanceOf(ExpressionStopped)
    expect(Date.now() - again).toBeLessThan(200)
  })

  it('stops an expression that needs more memory than the budget', async () => {
    const s = sandbox({ timeMs: 10_000, memoryMb: 16 })
    const flow = compileFlow(flowWith('$count([1..9000000].($string($) & "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"))'), { expressions: s })
    const error = await flow.run({ contactid: 'a', x: 'a' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExpressionStopped)
    expect((error as Error).message).toMatch(/memory|sequence/)
  })

  it('stops runaway recursion with the step path (JSONata depth limit)', async () => {
    const s = sandbox()
    const flow = compileFlow(flowWith('($f := function($n){ $f($n + 1) }; $f(1))'), { expressions: s })
    const error = await flow.run({ contactid: 'a', x: '1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExpressionStopped)
    expect((error as Error).message).toMatch(/fields\[1\]\.steps\[1\]\.expr: the expression (recursed deeper|ran longer than 250 ms)/)
  })

  it('refuses a function as a result', async () => {
    const s = sandbox()
    const r = await compileFlow(flowWith('function($x){ $x }'), { expressions: s }).run({ contactid: 'a', x: '1' })
    expect(r.kind).toBe('error')
    if (r.kind === 'error') expect(r.reason).toMatch(/function/)
  })
})
