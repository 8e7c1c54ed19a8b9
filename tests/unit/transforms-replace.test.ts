import { describe, expect, it } from 'vitest'
import { tryCompileFlow } from '../../src/shared/mapping/compile'
import type { Step } from '../../src/shared/mapping/steps'
import { checkPattern } from '../../src/shared/mapping/transforms/regex'
import { flowWith, stepError, stepValue } from '../support/run-steps'

// "replace" as consultants use it (clean phone numbers, reformat codes): flags, limits, and
// patterns refused when the mapping is checked, each with what to do instead.

const replace = (input: unknown, pattern: string, replacement: string, flags?: string) =>
  stepValue([{ fn: 'replace', pattern, replacement, flags }], input)

function refusedPattern(step: Step) {
  const r = tryCompileFlow(flowWith('out', ['x'], [step]))
  if (r.ok) throw new Error('expected the pattern to be refused')
  return r.problems.map((p) => ({ path: p.path, message: p.message }))
}

describe('the pattern check the document validation uses', () => {
  it('refuses what the step would refuse, so a document with such a pattern is not valid', () => {
    for (const pattern of ['x'.repeat(501), '(', '(?<n>a)\\k<n>', 'a(?=b)', 'a{1001}']) {
      const check = checkPattern(pattern, 'g')
      expect(check.ok).toBe(false)
      expect(check.regex).toBeUndefined()
      expect(check.message).toBeTruthy()
    }
    expect(checkPattern('a+', 'gi').ok).toBe(true)
  })
})

describe('replace', () => {
  it('replaces every match without flags, only the first with flags that leave out "g"', async () => {
    expect(await replace('a-b-c', '-', '')).toBe('abc')
    expect(await replace('a-b-c', '-', '', '')).toBe('ab-c')
    expect(await replace('a-b-c', '-', '', 'i')).toBe('ab-c')
  })

  it('honours the i, m and s flags', async () => {
    expect(await replace('Mr MR mr', 'mr', 'Mx', 'gi')).toBe('Mx Mx Mx')
    expect(await replace('line\nline', '^l', 'L', 'gm')).toBe('Line\nLine')
    expect(await replace('line\nline', '^l', 'L', 'g')).toBe('Line\nline')
    expect(await replace('a\nb', 'a.b', 'x', 's')).toBe('x')
    expect(await replace('a\nb', 'a.b', 'x', '')).toBe('a\nb')
    expect(await replace('Line\nline', '^l', 'L', 'gim')).toBe('Line\nLine')
    expect(await replace('A\nb', 'a.B', 'x', 'si')).toBe('x')
  })

  it('turns numbers into text and keeps nothing as nothing', async () => {
    expect(await replace(20240131, '(\\d{4})(\\d{2})(\\d{2})', '$3.$2.$1')).toBe('31.01.2024')
    expect(await replace(null, 'a', 'b')).toBe(null)
  })

  it('reads texts up to 10000 characters and refuses longer ones, saying how to cut them', async () => {
    expect(await replace('a'.repeat(10_000), 'a', 'b')).toBe('b'.repeat(10_000))
    const r = await stepError([{ fn: 'replace', pattern: 'a', replacement: 'b' }], 'a'.repeat(10_001))
    expect(r.reason).toBe('the text is 10001 characters long; "replace" reads at most 10000 — cut it first with "truncate" or "substring"')
    expect(r.input).toBe('a'.repeat(10_001))
  })

  it('refuses, at "pattern", patterns too long, with huge repeat counts, or look-arounds, saying why', () => {
    expect(refusedPattern({ fn: 'replace', pattern: 'x'.repeat(501), replacement: '' })).toEqual([
      { path: ['flows', 0, 'fields', 0, 'steps', 0, 'pattern'], message: 'the pattern is 501 characters long; keep it under 500' }
    ])
    expect(tryCompileFlow(flowWith('out', ['x'], [{ fn: 'replace', pattern: 'x'.repeat(500), replacement: '' }])).ok).toBe(true)
    expect(refusedPattern({ fn: 'replace', pattern: 'a{1001}', replacement: '' })[0].message).toBe(
      'a repeat count is too large (RE2 allows at most {1000}) — use a smaller count'
    )
    expect(refusedPattern({ fn: 'replace', pattern: '(?<=@)\\w+', replacement: '' })[0].message).toBe(
      'look-ahead and look-behind ("(?=", "(?!", "(?<=", "(?<!") are not supported: RE2 runs in linear time and has no look-around or back-references — rewrite the pattern without it (docs/transforms.md)'
    )
    expect(refusedPattern({ fn: 'replace', pattern: 'a(?!b)', replacement: '' })[0].message).toMatch(/^look-ahead and look-behind/)
    expect(refusedPattern({ fn: 'replace', pattern: '(a)\\1', replacement: '' })[0].message).toBe(
      'back-references ("\\1") are not supported: RE2 runs in linear time and has no look-around or back-references — rewrite the pattern without it (docs/transforms.md)'
    )
    expect(refusedPattern({ fn: 'replace', pattern: '(?<n>a)\\k<n>', replacement: '' })[0].message).toBe(
      'back-references ("\\k<name>") are not supported: RE2 runs in linear time and has no look-around or back-references — rewrite the pattern without it (docs/transforms.md)'
    )
    expect(refusedPattern({ fn: 'replace', pattern: 'a**', replacement: '' })[0].message).toBe(
      'not a valid regular expression: /a**/: Nothing to repeat'
    )
  })
})
