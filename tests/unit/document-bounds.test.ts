import { describe, expect, it } from 'vitest'
import { capProblems, checkText, checkValue, documentLimits, lineAndColumn, MAX_PROBLEMS } from '../../src/shared/mapping/document-bounds'
import { formatProblem, type Problem } from '../../src/shared/problems'

/**
 * The limits that keep checking any file cheap: each names its place and what to do, and a
 * file within them is never refused by them.
 */

const lines = (problems: Problem[]) => problems.map(formatProblem)

describe('line and column of a place in the text', () => {
  it('counts from 1, lines by line feeds', () => {
    expect(lineAndColumn('abc', 0)).toEqual({ line: 1, column: 1 })
    expect(lineAndColumn('abc', 2)).toEqual({ line: 1, column: 3 })
    expect(lineAndColumn('ab\ncd\nef', 3)).toEqual({ line: 2, column: 1 })
    expect(lineAndColumn('ab\ncd\nef', 7)).toEqual({ line: 3, column: 2 })
    // The line feed itself ends its line.
    expect(lineAndColumn('ab\ncd', 2)).toEqual({ line: 1, column: 3 })
    // Past the end: the end of the last line.
    expect(lineAndColumn('ab\n', 5)).toEqual({ line: 2, column: 3 })
  })
})

describe('the raw text', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

  it('nesting up to the limit is fine, one more is refused where it is crossed', () => {
    expect(checkText(nested(documentLimits.depth))).toBeUndefined()
    expect(checkText(`{"a":\n ${nested(documentLimits.depth + 1)}}`)).toEqual({
      severity: 'error',
      path: [],
      message:
        'nested more than 64 levels deep at line 2, column 65 — a mapping file is never this deep; flatten the filter (an "all" or "any" takes many conditions)'
    })
    expect(checkText('{'.repeat(65))?.message).toMatch(/^nested more than 64 levels deep at line 1, column 65 /)
  })

  it('closed objects and lists do not add up, however many there are', () => {
    expect(checkText(`[${Array.from({ length: 200 }, () => '{"a":[1]}').join(',')}]`)).toBeUndefined()
    expect(checkText(`[${Array.from({ length: 200 }, () => '[]').join(',')}]`)).toBeUndefined()
  })

  it('brackets inside texts are text, escaped quotes included', () => {
    expect(checkText(`{"a": "${'{['.repeat(100)}"}`)).toBeUndefined()
    expect(checkText(`{"a": "say \\"${'['.repeat(100)}\\" and \\\\", "b": 1}`)).toBeUndefined()
    // After the closing quote, brackets count again.
    expect(checkText(`["\\\\", ${nested(70)}]`)).toBeDefined()
  })

  it('a file over the size limit is refused by its size alone', () => {
    expect(checkText(' '.repeat(documentLimits.textLength))).toBeUndefined()
    expect(checkText('x'.repeat(documentLimits.textLength + 1))).toEqual({
      severity: 'error',
      path: [],
      message: 'the file is 5,000,001 characters long; a mapping file is at most 5,000,000 — is this the right file?'
    })
  })
})

describe('the parsed value', () => {
  it('a good value has no problems and is not fatal', () => {
    expect(checkValue({ name: 'Contoso', flows: [{ id: 'a', fields: [{ target: 'x', from: ['y'] }] }] })).toEqual({
      problems: [],
      fatal: false
    })
  })

  it('more values than a mapping ever holds: fatal, said once', () => {
    const many = Array.from({ length: 100 }, () => Array.from({ length: 2_600 }, () => 0))
    expect(checkValue(many)).toEqual({
      problems: [
        {
          severity: 'error',
          path: [],
          message: 'the document holds more than 250,000 values — a mapping file is never this large; is this the right file?'
        }
      ],
      fatal: true
    })
    expect(checkValue(Array.from({ length: 24 }, () => Array.from({ length: 10_000 }, () => 0))).fatal).toBe(false)
  })

  it('a text over the length limit: named at its path, and nothing else checked after', () => {
    const long = 'x'.repeat(documentLimits.textValueLength + 1)
    const result = checkValue({ description: long, name: 'C:\\Users\\anna' })
    expect(lines(result.problems)).toEqual([
      'description: this text is 20,001 characters long; at most 20,000 — shorten it',
      'name: this text looks like a Windows path — remove it: a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere'
    ])
    expect(result.fatal).toBe(true)
    expect(checkValue({ description: 'x'.repeat(documentLimits.textValueLength) })).toEqual({ problems: [], fatal: false })
  })

  it('a long key is named in its object; a key that looks like a path at its own place', () => {
    const result = checkValue({ flows: [{ ['k'.repeat(201)]: 1, ['/home/anna/x']: 2, ['k'.repeat(200)]: 3 }] })
    expect(lines(result.problems)).toEqual([
      'flows[0]: a key of 201 characters; keys are at most 200 — remove or rename it',
      'flows[0]["/home/anna/x"]: this key looks like a path on this machine — remove it: a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere'
    ])
    expect(result.fatal).toBe(true)
  })

  it('hundreds of over-long texts: the list stops past the cap', () => {
    const long = 'x'.repeat(documentLimits.textValueLength + 1)
    const result = checkValue({ notes: Array.from({ length: 500 }, () => long) })
    expect(result.problems).toHaveLength(MAX_PROBLEMS + 1)
    expect(result.fatal).toBe(true)
    const keys = checkValue(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${i}`.padEnd(201, 'k'), 1])))
    expect(keys.problems).toHaveLength(MAX_PROBLEMS + 1)
  })

  it('numbers beyond the double range, with their sign', () => {
    expect(lines(checkValue({ a: Infinity, b: -Infinity, c: NaN, d: 1e308 }).problems)).toEqual([
      'a: this number is out of range (beyond ±1.8e308, so it reads as infinity) — write a smaller number',
      'b: this number is out of range (beyond ±1.8e308, so it reads as minus infinity) — write a smaller number',
      'c: this number is out of range (beyond ±1.8e308, so it reads as infinity) — write a smaller number'
    ])
  })

  it('nesting: the 64th level is fine, deeper is fatal at its path', () => {
    let ok: unknown = 1
    for (let i = 0; i < documentLimits.depth; i++) ok = [ok]
    expect(checkValue(ok)).toEqual({ problems: [], fatal: false })
    const deep = [ok]
    const result = checkValue(deep)
    expect(result.fatal).toBe(true)
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0].path).toHaveLength(documentLimits.depth)
    expect(result.problems[0].message).toBe(
      'nested more than 64 levels deep — a mapping file is never this deep; flatten the filter (an "all" or "any" takes many conditions)'
    )
  })

  it('each list has its own limit and advice', () => {
    const list = (n: number) => Array.from({ length: n }, () => null)
    expect(lines(checkValue({ flows: list(201) }).problems)).toEqual([
      'flows: 201 flows; at most 200 — split the mapping into several files'
    ])
    expect(checkValue({ flows: list(200) }).problems).toEqual([])
    expect(lines(checkValue({ flows: [{ fields: [{ steps: list(51) }] }] }).problems)).toEqual([
      'flows[0].fields[0].steps: 51 steps in one field mapping; at most 50 — combine steps, or use one "expression"'
    ])
    expect(checkValue({ flows: [{ fields: [{ steps: list(50) }] }] }).problems).toEqual([])
    expect(lines(checkValue({ flows: [{ fields: list(1_001) }] }).problems)).toEqual([
      'flows[0].fields: 1,001 field mappings in one flow; at most 1,000 — split the flow; Campaign resources hold far fewer fields'
    ])
    // "flows" and "fields" elsewhere are ordinary lists.
    expect(checkValue({ notes: { flows: list(300) } }).problems).toEqual([])
    expect(checkValue({ flows: [{ x: { fields: list(1_500) } }] }).problems).toEqual([])
    expect(lines(checkValue({ values: list(10_001) }).problems)).toEqual([
      'values: 10,001 items; at most 10,000 — a mapping file never needs this many'
    ])
    expect(checkValue({ values: list(10_000) }).problems).toEqual([])
  })

  it('an object with too many keys', () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))
    expect(checkValue({ map: keys(10_000) }).problems).toEqual([])
    expect(lines(checkValue({ map: keys(10_001) }).problems)).toEqual([
      'map: 10,001 keys in one object; at most 10,000 — a mapping file never needs this many'
    ])
  })

  it('reports in document order', () => {
    const result = checkValue({ a: 'C:\\x\\y', b: [Infinity, '/home/u/x'], c: -Infinity })
    expect(result.problems.map((p) => p.path)).toEqual([['a'], ['b', 0], ['b', 1], ['c']])
  })
})

describe('the list of problems', () => {
  const problem = (i: number): Problem => ({ severity: 'error', path: ['p', i], message: `m${i}` })
  it('at most 200, then one line counting the rest', () => {
    const exactly = Array.from({ length: MAX_PROBLEMS }, (_, i) => problem(i))
    expect(capProblems(exactly)).toBe(exactly)
    const over = Array.from({ length: 1_450 }, (_, i) => problem(i))
    const capped = capProblems(over)
    expect(capped).toHaveLength(MAX_PROBLEMS + 1)
    expect(capped[MAX_PROBLEMS - 1]).toEqual(problem(MAX_PROBLEMS - 1))
    expect(capped[MAX_PROBLEMS]).toEqual({ severity: 'error', path: [], message: '…and 1,250 more problems — fix these first' })
  })
})
