// What a document's regular expressions may cost to compile (src/shared/mapping/transforms/regex.ts):
// one pattern, and all of a document's or a flow's together, are bounded by the size of the
// program RE2JS compiles them to — a file within every other limit froze `validate` for minutes.
import { describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { checkStepArguments } from '../../src/shared/mapping/document-steps'
import { compileFlow, FlowCompileError } from '../../src/shared/mapping/compile'
import { contactsFlow } from '../support/sync-flows'
import { checkPattern, MAX_PROGRAM_SIZE, MAX_PROGRAMS_SIZE, PatternBudget } from '../../src/shared/mapping/transforms/regex'

const documentWith = (patterns: string[]): MappingDocument => ({
  format: 'sync-studio/mapping@1',
  name: 'patterns',
  flows: [
    {
      ...contactsFlow,
      fields: patterns.map((pattern, i) => ({
        target: `cusField${i}`,
        from: ['firstname'],
        steps: [{ fn: 'replace', pattern, replacement: '' }]
      }))
    }
  ]
})

describe('the cost of compiling regular expressions', () => {
  it('refuses one pattern whose program is too large, saying how large and what to do', () => {
    // 450 characters, under the length limit: 50 copies of a 1,000-fold letter class.
    const heavy = '\\pL{1000}'.repeat(50)
    expect(heavy.length).toBeLessThan(500)
    const check = checkPattern(heavy, 'g')
    expect(check.ok).toBe(false)
    expect(check.message).toBe(
      `the pattern compiles to 50,002 instructions; keep it under ${MAX_PROGRAM_SIZE.toLocaleString('en-US')} — a repeat count copies what it follows, so use a smaller one (docs/transforms.md)`
    )
    expect(checkPattern('\\pL{1000}', 'g').ok).toBe(true)
  })

  it("bounds a document's distinct patterns together, at the first one over, with its path", () => {
    // Each 10,000 instructions and a few: the 25th distinct one passes 250,000.
    const patterns = Array.from({ length: 40 }, (_, i) => `\\pL{1000}`.repeat(10) + `x${i}`)
    const problems = checkStepArguments(documentWith(patterns))
    expect(problems.length).toBe(16)
    expect(problems[0]).toMatchObject({
      severity: 'error',
      path: ['flows', 0, 'fields', 24, 'steps', 0, 'pattern'],
      message: expect.stringMatching(
        new RegExp(
          `^with the patterns before it, the mapping's regular expressions compile to more than ${MAX_PROGRAMS_SIZE.toLocaleString('en-US')} instructions`
        )
      )
    })
    // Compiling the flow stops at the same pattern.
    expect(() => compileFlow(documentWith(patterns).flows[0] as never)).toThrow(FlowCompileError)
  })

  it('counts a pattern repeated across a document once, and compiles it once', () => {
    const same = Array.from({ length: 2000 }, () => `\\pL{1000}`.repeat(20))
    expect(checkStepArguments(documentWith(same))).toEqual([])
    const budget = new PatternBudget()
    for (const pattern of same) expect(checkPattern(pattern, 'g', budget).ok).toBe(true)
    expect(budget.used).toBe(20_002)
  })
})
