import type { Step } from '../steps'
import { fail, show, sync, type CompiledStep, type StepContext } from './runtime'

type StepOf<F extends Step['fn']> = Extract<Step, { fn: F }>

// Group separators people type: spaces (also no-break and thin), apostrophes (Swiss).
const groupSpaces = /[\s\u00a0\u202f'’]/g
const withDot = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:e[+-]?\d+)?$/i
const withComma = /^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d*)(?:,\d+)?$/

/** Text whose digits a number cannot hold: how many significant digits it has. */
export interface TooManyDigits {
  digits: number
}

// A double keeps every decimal of 15 significant digits exactly; past that it may round.
const EXACT_DIGITS = 15

/** The significant digits of a plain decimal ("-0012.50e3" → "125"), or of a number. */
function significantDigits(decimal: string): string {
  const mantissa = decimal.replace(/^[+-]/, '').replace(/e.*$/i, '')
  return mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '')
}

/**
 * Whether the number read is the number written. Past 15 significant digits a double rounds
 * ("9007199254740993" reads as …992): such text is refused, not silently changed.
 */
function readExactly(decimal: string): number | TooManyDigits {
  const n = Number(decimal)
  const written = significantDigits(decimal)
  if (!Number.isFinite(n) || written.length <= EXACT_DIGITS) return n
  return significantDigits(Math.abs(n).toExponential()) === written ? n : { digits: written.length }
}

/**
 * Text to a number; null when the text is empty; undefined when it is not a finite number;
 * TooManyDigits when it has more digits than a number holds (it would be written rounded).
 */
export function readNumber(text: string, decimalSeparator: '.' | ','): number | null | undefined | TooManyDigits {
  const compact = text.replace(groupSpaces, '')
  if (compact === '') return null
  if (!/\d/.test(compact)) return undefined
  if (decimalSeparator === ',') {
    if (!withComma.test(compact)) return undefined
    return readExactly(compact.replace(/\./g, '').replace(',', '.'))
  }
  if (!withDot.test(compact)) return undefined
  // An exponent without digits before it ("e5") reads as NaN, one too large ("1e400") as Infinity: neither is a number to write.
  const n = readExactly(compact.replace(/,/g, ''))
  return typeof n === 'object' || Number.isFinite(n) ? n : undefined
}

const tooManyDigits = (v: unknown, n: TooManyDigits) =>
  `${show(v)} has ${n.digits} significant digits and a number keeps ${EXACT_DIGITS} exactly, so it would be written as a different number — round it in the source, or map it as text`

export function parseNumber(step: StepOf<'parseNumber'>, ctx: StepContext): CompiledStep {
  const separator = step.decimalSeparator ?? '.'
  return sync((v) => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : fail(ctx, `${v} is not a finite number`, v)
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null is caught by the nothing-in tests
    if (v === null || v === undefined) return null
    if (typeof v !== 'string') return fail(ctx, `expected a number as text, found ${show(v)}`, v)
    const n = readNumber(v, separator)
    if (typeof n === 'object' && n !== null) return fail(ctx, tooManyDigits(v, n), v)
    if (n === undefined) {
      return fail(
        ctx,
        `${show(v)} is not a number${separator === '.' ? ' (decimal point ".")' : ' (decimal comma ",")'} — fix the value or change "decimalSeparator"`,
        v
      )
    }
    return n
  })
}

export function formatNumber(step: StepOf<'formatNumber'>, ctx: StepContext): CompiledStep {
  const { decimals } = step
  const comma = step.decimalSeparator === ','
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut for '' (readNumber reads empty text as nothing too), and no read or step hands on undefined (a missing column is read as null); null is caught by the nothing-in tests
    if (v === null || v === undefined || v === '') return null
    // Stryker disable next-line StringLiteral: readNumber reads any mark but ',' as a decimal point (the type names are caught by the value tests)
    const n = typeof v === 'number' ? v : typeof v === 'string' ? readNumber(v, comma ? ',' : '.') : undefined
    if (n === null) return null
    if (typeof n === 'object') return fail(ctx, tooManyDigits(v, n), v)
    // Stryker disable next-line ConditionalExpression: undefined is not finite either (Infinity and NaN are caught by the value tests)
    if (n === undefined || !Number.isFinite(n)) return fail(ctx, `${show(v)} is not a number`, v)
    const fixed = decimals === undefined ? String(n) : n.toFixed(decimals)
    // toFixed keeps the sign of a number that rounds to zero (-0.001 → "-0.00"): zero has none.
    const text = /^-0(?:\.0*)?$/.test(fixed) ? fixed.slice(1) : fixed
    return comma ? text.replace('.', ',') : text
  })
}

export const defaultTrueValues = ['true', 'yes', 'y', '1', 'on', 'x']
export const defaultFalseValues = ['false', 'no', 'n', '0', 'off', '']

/** A boolean reader built from word lists, shared by toBoolean and booleanToText. */
export function booleanReader(trueValues: readonly string[], falseValues: readonly string[]) {
  const truthy = new Set(trueValues.map((t) => t.trim().toLowerCase()))
  const falsy = new Set(falseValues.map((f) => f.trim().toLowerCase()))
  return (v: unknown): boolean | null | undefined => {
    if (typeof v === 'boolean') return v
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null is caught by the nothing-in tests
    if (v === null || v === undefined) return null
    if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : undefined
    if (typeof v !== 'string') return undefined
    const key = v.trim().toLowerCase()
    if (truthy.has(key)) return true
    if (falsy.has(key)) return key === '' ? null : false
    return undefined
  }
}

export function toBoolean(step: StepOf<'toBoolean'>, ctx: StepContext): CompiledStep {
  const trueValues = step.trueValues ?? defaultTrueValues
  const falseValues = step.falseValues ?? defaultFalseValues
  const read = booleanReader(trueValues, falseValues)
  return sync((v) => {
    const b = read(v)
    if (b === undefined) {
      return fail(
        ctx,
        `${show(v)} is neither true (${trueValues.join(', ')}) nor false (${falseValues.filter(Boolean).join(', ')}) — add it to "trueValues" or "falseValues"`,
        v
      )
    }
    return b
  })
}

export function booleanToText(step: StepOf<'booleanToText'>, ctx: StepContext): CompiledStep {
  const read = booleanReader(defaultTrueValues, defaultFalseValues)
  const { whenTrue, whenFalse } = step
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression: a shortcut; the reader gives the same for true and false
    if (v === true) return whenTrue
    // Stryker disable next-line ConditionalExpression: a shortcut; the reader gives the same for true and false
    if (v === false) return whenFalse
    const b = read(v)
    if (b === undefined) return fail(ctx, `${show(v)} is not a boolean — put "toBoolean" with its words before this step`, v)
    return b === null ? null : b ? whenTrue : whenFalse
  })
}
