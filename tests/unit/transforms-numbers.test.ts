import { describe, expect, it } from 'vitest'
import { stepError, stepValue } from '../support/run-steps'

// Numbers and yes/no values as consultants meet them in exports: grouped thousands in several
// national spellings, decimal commas, and words for true and false (docs/transforms.md).

const parse = (input: unknown, decimalSeparator?: '.' | ',') => stepValue([{ fn: 'parseNumber', decimalSeparator }], input)
const parseError = async (input: unknown, decimalSeparator?: '.' | ',') =>
  (await stepError([{ fn: 'parseNumber', decimalSeparator }], input)).reason

describe('parseNumber', () => {
  it('reads thousands grouped by commas, spaces, no-break and thin spaces, and apostrophes', async () => {
    expect(await parse('1,234,567.25')).toBe(1234567.25)
    expect(await parse('1 234 567')).toBe(1234567)
    expect(await parse('1\u00a0234')).toBe(1234)
    expect(await parse('1\u202f234,5', ',')).toBe(1234.5)
    expect(await parse("1'234.50")).toBe(1234.5)
    expect(await parse('1’234')).toBe(1234)
    expect(await parse('1.234.567,89', ',')).toBe(1234567.89)
    expect(await parse('1.234', ',')).toBe(1234)
  })

  it('reads signs, leading decimal marks and exponents', async () => {
    expect(await parse('-1,234.5')).toBe(-1234.5)
    expect(await parse('+42')).toBe(42)
    expect(await parse('.5')).toBe(0.5)
    expect(await parse(',5', ',')).toBe(0.5)
    expect(await parse('-0,25', ',')).toBe(-0.25)
    expect(await parse('1.5e3')).toBe(1500)
    expect(await parse('2E-2')).toBe(0.02)
  })

  it('refuses text whose grouping does not match the decimal mark, instead of guessing', async () => {
    // "1,5" is one and a half in Germany and fifteen nowhere: with a decimal point it is refused.
    expect(await parseError('1,5')).toBe('"1,5" is not a number (decimal point ".") — fix the value or change "decimalSeparator"')
    expect(await parseError('1,2345')).toMatch(/is not a number/)
    expect(await parseError('1.23', ',')).toBe('"1.23" is not a number (decimal comma ",") — fix the value or change "decimalSeparator"')
    expect(await parseError('1,5e3', ',')).toMatch(/is not a number/)
    expect(await parseError('12abc')).toMatch(/is not a number/)
  })

  it('refuses an exponent without digits and a number too large to write (not NaN or Infinity)', async () => {
    for (const text of ['e5', '-E10', '1e400', '-1e400']) expect(await parseError(text)).toMatch(/is not a number/)
  })

  it('gives null for nothing and for blank text; refuses signs and marks alone', async () => {
    expect(await parse(null)).toBe(null)
    expect(await parse(undefined)).toBe(null)
    expect(await parse('')).toBe(null)
    expect(await parse('   ')).toBe(null)
    for (const text of ['-', '.', ',', '+-']) expect(await parseError(text)).toMatch(/is not a number/)
    for (const text of ['-', '+', ',', '.']) expect(await parseError(text, ',')).toMatch(/is not a number \(decimal comma/)
  })

  it('passes finite numbers through and refuses other values with what was found', async () => {
    expect(await parse(0)).toBe(0)
    expect(await parse(-7.5)).toBe(-7.5)
    expect(await parseError(NaN)).toBe('NaN is not a finite number')
    expect(await parseError(Infinity)).toBe('Infinity is not a finite number')
    expect(await parseError(true)).toBe('expected a number as text, found true')
    expect(await parseError({ amount: 3 })).toBe('expected a number as text, found {"amount":3}')
  })
})

describe('formatNumber', () => {
  const format = (input: unknown, opts: { decimals?: number; decimalSeparator?: '.' | ',' } = {}) =>
    stepValue([{ fn: 'formatNumber', ...opts }], input)

  it('writes numbers and numeric text with the chosen decimals and mark', async () => {
    expect(await format(1234.5)).toBe('1234.5')
    expect(await format(1234.5, { decimalSeparator: ',' })).toBe('1234,5')
    expect(await format(2.345, { decimals: 1 })).toBe('2.3')
    expect(await format(7, { decimals: 0 })).toBe('7')
    expect(await format(-0.5, { decimals: 2, decimalSeparator: ',' })).toBe('-0,50')
    expect(await format('1,234.5', { decimals: 2 })).toBe('1234.50')
    expect(await format('1.234,5', { decimals: 2, decimalSeparator: ',' })).toBe('1234,50')
  })

  it('gives null for nothing and blank text', async () => {
    expect(await format(null)).toBe(null)
    expect(await format(undefined)).toBe(null)
    expect(await format('')).toBe(null)
    expect(await format('  ')).toBe(null)
  })

  it('fails the record for what is not a number', async () => {
    for (const bad of ['abc', 'e5', true, NaN, Infinity, { n: 1 }]) {
      const r = await stepError([{ fn: 'formatNumber' }], bad)
      expect(r.reason).toMatch(/ is not a number$/)
      expect(r.input).toEqual(bad)
    }
    expect((await stepError([{ fn: 'formatNumber' }], 'abc')).reason).toBe('"abc" is not a number')
  })
})

describe('toBoolean', () => {
  const toBoolean = (input: unknown, lists: { trueValues?: string[]; falseValues?: string[] } = {}) =>
    stepValue([{ fn: 'toBoolean', ...lists }], input)

  it('reads the default words in any case and with spaces, and 1/0', async () => {
    for (const yes of ['true', 'YES', ' y ', '1', 'On', 'x', 'X']) expect(await toBoolean(yes)).toBe(true)
    for (const no of ['False', 'no', 'N', '0', 'OFF']) expect(await toBoolean(no)).toBe(false)
    expect(await toBoolean(1)).toBe(true)
    expect(await toBoolean(0)).toBe(false)
    expect(await toBoolean(true)).toBe(true)
    expect(await toBoolean(false)).toBe(false)
  })

  it('gives null for nothing, empty and blank text', async () => {
    expect(await toBoolean(null)).toBe(null)
    expect(await toBoolean(undefined)).toBe(null)
    expect(await toBoolean('')).toBe(null)
    expect(await toBoolean('   ')).toBe(null)
  })

  it("reads the mapping's own words, trimmed and in any case, instead of the defaults", async () => {
    const lists = { trueValues: [' Ja '], falseValues: ['NEIN ', 'Non'] }
    expect(await toBoolean('ja', lists)).toBe(true)
    expect(await toBoolean(' nein ', lists)).toBe(false)
    expect((await stepError([{ fn: 'toBoolean', ...lists }], 'yes')).reason).toBe(
      '"yes" is neither true ( Ja ) nor false (NEIN , Non) — add it to "trueValues" or "falseValues"'
    )
  })

  it('fails the record for other numbers, words and values, listing the words it knows', async () => {
    const r = await stepError([{ fn: 'toBoolean' }], 'maybe')
    expect(r.reason).toBe(
      '"maybe" is neither true (true, yes, y, 1, on, x) nor false (false, no, n, 0, off) — add it to "trueValues" or "falseValues"'
    )
    expect(r.input).toBe('maybe')
    for (const bad of [2, -1, 0.5, { yes: true }, ['yes']]) expect((await stepError([{ fn: 'toBoolean' }], bad)).input).toEqual(bad)
  })
})

describe('booleanToText', () => {
  const words = { fn: 'booleanToText', whenTrue: 'Do Not Allow', whenFalse: 'Allow' } as const

  it('writes either value for booleans and for the default words', async () => {
    expect(await stepValue([words], true)).toBe('Do Not Allow')
    expect(await stepValue([words], false)).toBe('Allow')
    expect(await stepValue([words], 'Yes')).toBe('Do Not Allow')
    expect(await stepValue([words], 'off')).toBe('Allow')
    expect(await stepValue([words], 1)).toBe('Do Not Allow')
    expect(await stepValue([words], 0)).toBe('Allow')
  })

  it('gives null for nothing and empty text, and fails the record for what is not yes or no', async () => {
    expect(await stepValue([words], null)).toBe(null)
    expect(await stepValue([words], '')).toBe(null)
    const r = await stepError([words], 'sometimes')
    expect(r.reason).toBe('"sometimes" is not a boolean — put "toBoolean" with its words before this step')
    expect(r.input).toBe('sometimes')
  })
})
