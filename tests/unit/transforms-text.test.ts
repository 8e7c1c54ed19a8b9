import { describe, expect, it } from 'vitest'
import { compileFlow, FlowCompileError } from '../../src/shared/mapping/compile'
import type { Step } from '../../src/shared/mapping/steps'
import { campaignProfile } from '../support/schema-examples'
import { applySteps, CONTACT_ID, flowWith, stepValue } from '../support/run-steps'

// The text steps as a consultant meets them (docs/mapping.md, "Steps"): a value that is not
// text yet is written as text, nothing stays nothing, and the parts the step names are the ones
// the user counted.

/** The problems compiling one step raises, with their place in the document. */
function compileProblems(steps: Step[], target = 'out') {
  try {
    compileFlow(flowWith(target, ['x'], steps), { target: campaignProfile })
  } catch (error) {
    if (error instanceof FlowCompileError) return error.problems
    throw error
  }
  return []
}

describe('text steps on values that are not text, and on nothing', () => {
  it('trim, lower, upper and titleCase write numbers and yes/no as text', async () => {
    expect(await stepValue([{ fn: 'trim' }], 12.5)).toBe('12.5')
    expect(await stepValue([{ fn: 'lower' }], true)).toBe('true')
    expect(await stepValue([{ fn: 'upper' }], false)).toBe('FALSE')
    expect(await stepValue([{ fn: 'titleCase' }], 7)).toBe('7')
  })

  it('every text step keeps nothing as nothing', async () => {
    const steps: Step[] = [
      { fn: 'trim' },
      { fn: 'lower' },
      { fn: 'upper' },
      { fn: 'titleCase' },
      { fn: 'split', separator: ',', index: 0 },
      { fn: 'substring', start: 0, length: 2 },
      { fn: 'pad', length: 3 },
      { fn: 'truncate', length: 3 }
    ]
    for (const step of steps) {
      expect(await stepValue([step], null), step.fn).toBe(null)
      expect(await stepValue([step], undefined), step.fn).toBe(null)
    }
  })

  it('each step changes the text it is given, not only other values', async () => {
    expect(await stepValue([{ fn: 'trim' }], '\t Anna \n')).toBe('Anna')
    expect(await stepValue([{ fn: 'lower' }], 'Anna MÜLLER')).toBe('anna müller')
    expect(await stepValue([{ fn: 'upper' }], 'Anna Müller')).toBe('ANNA MÜLLER')
  })
})

describe('join', () => {
  const joined = (from: string[], record: Record<string, unknown>, step: Step = { fn: 'join' }) => {
    const result = compileFlow(flowWith('full', from, [step])).runSync({ contactid: CONTACT_ID, ...record })
    return result.kind === 'ok' ? result.target.full : result
  }

  it('joins with a space unless told otherwise, skipping missing parts anywhere', () => {
    expect(joined(['firstname', 'lastname'], { firstname: 'Anna', lastname: 'Müller' })).toBe('Anna Müller')
    expect(joined(['a', 'b', 'c'], { a: 'Anna', b: null, c: 'Müller' })).toBe('Anna Müller')
    expect(joined(['a', 'b', 'c'], { a: 'Anna', b: '', c: undefined })).toBe('Anna')
    expect(joined(['a', 'b'], { a: 'x', b: 2 }, { fn: 'join', separator: ', ' })).toBe('x, 2')
  })

  it('a single value is the joined text', async () => {
    expect(await stepValue([{ fn: 'join', separator: '-' }], 'Anna')).toBe('Anna')
    expect(await stepValue([{ fn: 'join' }], 42)).toBe('42')
  })
})

describe('split', () => {
  it('counts parts from 0, and from the end with negative indexes', async () => {
    expect(await stepValue([{ fn: 'split', separator: '@', index: 0 }], 'anna@example.com')).toBe('anna')
    expect(await stepValue([{ fn: 'split', separator: '@', index: 1 }], 'anna@example.com')).toBe('example.com')
    expect(await stepValue([{ fn: 'split', separator: '.', index: -2 }], 'mail.example.com')).toBe('example')
  })

  it('a part that is not there is nothing', async () => {
    expect(await stepValue([{ fn: 'split', separator: '@', index: 2 }], 'anna@example.com')).toBe(null)
    expect(await stepValue([{ fn: 'split', separator: '@', index: -3 }], 'anna@example.com')).toBe(null)
  })

  it('an empty separator is refused when compiling, pointing at the separator', () => {
    expect(compileProblems([{ fn: 'split', separator: '', index: 0 }])).toEqual([
      {
        severity: 'error',
        path: ['flows', 0, 'fields', 0, 'steps', 0, 'separator'],
        message: 'the separator is empty — give the text that separates the parts'
      }
    ])
  })
})

describe('substring and pad', () => {
  it('substring takes length characters from start, or the rest without a length', async () => {
    expect(await stepValue([{ fn: 'substring', start: 2, length: 3 }], 'abcdefgh')).toBe('cde')
    expect(await stepValue([{ fn: 'substring', start: 2 }], 'abcdefgh')).toBe('cdefgh')
    expect(await stepValue([{ fn: 'substring', start: 1 }], '😀ab😀')).toBe('ab😀')
  })

  it('pad fills with spaces unless told otherwise, at the start unless told the end', async () => {
    expect(await stepValue([{ fn: 'pad', length: 5 }], 'ab')).toBe('   ab')
    expect(await stepValue([{ fn: 'pad', length: 5, side: 'start', char: '0' }], 7)).toBe('00007')
    expect(await stepValue([{ fn: 'pad', length: 2 }], 'abc')).toBe('abc')
  })
})

describe('truncate', () => {
  it('text that fits exactly is kept without a warning', async () => {
    expect(await applySteps([{ fn: 'truncate', length: 5 }], 'exact')).toEqual({ value: 'exact', warnings: [] })
    expect(await applySteps([{ fn: 'truncate', length: 5 }], 12345)).toEqual({ value: '12345', warnings: [] })
  })

  it('a number longer than the limit is cut as text, with a warning', async () => {
    expect(await applySteps([{ fn: 'truncate', length: 3 }], 123456)).toEqual({
      value: '123',
      warnings: [{ field: 'out', step: 0, message: 'cut from 6 to 3 characters' }]
    })
  })

  it('counts as the target counts: 51 emoji fit a 50-character Campaign field but one, and the warning counts characters', async () => {
    const emoji = '😀'.repeat(51)
    const cut = await applySteps([{ fn: 'truncate' }], emoji, { target: 'lastName', targetTable: campaignProfile })
    expect(cut).toEqual({
      value: '😀'.repeat(50),
      warnings: [{ field: 'lastName', step: 0, message: 'cut from 51 to 50 characters' }]
    })
    // 50 emoji are 100 UTF-16 units and 50 characters: they fit, whole, with no warning.
    expect(await applySteps([{ fn: 'truncate' }], '😀'.repeat(50), { target: 'lastName', targetTable: campaignProfile })).toEqual({
      value: '😀'.repeat(50),
      warnings: []
    })
  })

  it('Dataverse counts UTF-16 units: a Dynamics field of 4 holds two emoji', async () => {
    const dynamics = { ...campaignProfile, system: 'dynamics' as const }
    expect(await applySteps([{ fn: 'truncate', length: 4 }], '😀😀😀', { target: 'lastName', targetTable: dynamics })).toEqual({
      value: '😀😀',
      warnings: [{ field: 'lastName', step: 0, message: 'cut from 6 to 4 characters' }]
    })
  })

  it('never splits what a reader sees as one character: a ZWJ family, a flag, a letter and its accent go whole', async () => {
    const family = '👨‍👩‍👧' // 5 code points joined by zero-width joiners
    expect(await stepValue([{ fn: 'truncate', length: 6 }], `ab${family}`)).toBe('ab')
    expect(await stepValue([{ fn: 'truncate', length: 7 }], `ab${family}c`)).toBe(`ab${family}`)
    expect(await stepValue([{ fn: 'truncate', length: 3 }], 'ab🇫🇷')).toBe('ab')
    expect(await stepValue([{ fn: 'truncate', length: 2 }], 'ae\u0301')).toBe('a')
  })

  it('without a length and no limit to take, compiling says which field and what to give', () => {
    expect(compileProblems([{ fn: 'truncate' }])).toEqual([
      {
        severity: 'error',
        path: ['flows', 0, 'fields', 0, 'steps', 0, 'length'],
        message: 'the target field\'s length is not known here — give "length"'
      }
    ])
    expect(compileProblems([{ fn: 'truncate' }], 'birthDate').map((p) => p.message)).toEqual([
      '"birthDate" has no length limit — give "length", or remove the step'
    ])
  })
})
