import { RE2JS } from 're2js'
import type { Step } from '../steps'
import { fail, StepConfigError, sync, toText, type CompiledStep, type StepContext } from './runtime'

/**
 * "replace" runs a user's regular expression on every record. It runs on RE2JS, a
 * linear-time engine (https://github.com/google/re2/wiki/Syntax): no pattern can backtrack,
 * so `(a|aa)+b` costs the same as `ab` per character. RE2 has no look-ahead and no
 * back-references (those are what make backtracking necessary); such patterns are refused
 * with a clear message when the document is validated. Inputs are still capped in length.
 */

export const MAX_PATTERN_LENGTH = 500
export const MAX_REPLACE_INPUT = 10_000
/**
 * Most instructions one pattern may compile to. A repeat count copies what it follows: 450
 * characters of `\pL{1000}` (50 copies) compile to 50,002 instructions, about 0.08 s. RE2 bounds a
 * program by its memory (https://github.com/google/re2/blob/main/re2/re2.h, `max_mem`); RE2JS
 * does not, so the bound is here.
 */
export const MAX_PROGRAM_SIZE = 25_000
/**
 * Most instructions the distinct patterns of one document (or one flow, when compiled) may
 * compile to together — about half a second of compiling on a laptop. Without it, thousands of
 * heavy patterns, each within its own limits, froze a check or a run for minutes.
 */
export const MAX_PROGRAMS_SIZE = 250_000

/** What the patterns of one document or one flow have compiled to so far: each distinct pattern counted once. */
export class PatternBudget {
  private readonly counted = new Set<string>()
  used = 0

  /** Over the limit already: a new pattern is refused without being compiled. */
  refuses(key: string): boolean {
    return this.used > MAX_PROGRAMS_SIZE && !this.counted.has(key)
  }

  /** Counts `size` for the pattern `key` (once); false when the total is over the limit. */
  take(key: string, size: number): boolean {
    if (!this.counted.has(key)) {
      this.counted.add(key)
      this.used += size
    }
    return this.used <= MAX_PROGRAMS_SIZE
  }
}

/** A compiled user pattern: replace the first match, or all of them with the `g` flag. */
export interface UserPattern {
  replace(text: string, replacement: string): string
}

export interface RegexCheck {
  ok: boolean
  message?: string
  regex?: UserPattern
}

const unsupported =
  'RE2 runs in linear time and has no look-around or back-references — rewrite the pattern without it (docs/transforms.md)'

/** What RE2 refuses, in the user's words (RE2JS's messages name its own syntax). */
function explainRe2Error(message: string): string {
  if (/\(\?[=!]|\(\?<[=!]/.test(message))
    return `look-ahead and look-behind ("(?=", "(?!", "(?<=", "(?<!") are not supported: ${unsupported}`
  if (/invalid escape sequence: `\\[1-9]/.test(message)) return `back-references ("\\1") are not supported: ${unsupported}`
  if (/invalid repeat count/.test(message)) return 'a repeat count is too large (RE2 allows at most {1000}) — use a smaller count'
  // The two cases below are what RE2 may still refuse; with today's RE2JS every pattern JavaScript accepts either compiles
  // or is caught above (look-arounds, back-references, repeat counts), so no test can reach them.
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable with today's RE2JS (see above)
  if (/expression too large|pattern too large/.test(message)) return 'the pattern compiles to too large a program — simplify it'
  // Stryker disable next-line StringLiteral,Regex: unreachable with today's RE2JS (see above)
  return `not supported by the linear-time engine: ${message.replace(/^error parsing regexp: /, '')} — see docs/transforms.md`
}

/** Compiled patterns by flags and text: a document that repeats a pattern compiles it once. */
const compiledPatterns = new Map<string, { check: RegexCheck; size: number }>()
const CACHE_SIZE = 500

/**
 * Whether `pattern` runs on the linear-time engine, compiled (from the cache when it was
 * compiled before). With a `budget`, the document's or the flow's patterns together must stay
 * under MAX_PROGRAMS_SIZE.
 */
export function checkPattern(pattern: string, flags: string, budget?: PatternBudget): RegexCheck {
  const key = `${flags}/${pattern}`
  if (budget?.refuses(key)) return overBudget(budget)
  let entry = compiledPatterns.get(key)
  if (entry) compiledPatterns.delete(key)
  else entry = compilePattern(pattern, flags)
  compiledPatterns.set(key, entry)
  if (compiledPatterns.size > CACHE_SIZE) compiledPatterns.delete(compiledPatterns.keys().next().value!)
  if (entry.check.ok && budget && !budget.take(key, entry.size)) return overBudget(budget)
  return entry.check
}

function overBudget(budget: PatternBudget): RegexCheck {
  return {
    ok: false,
    message: `with the patterns before it, the mapping's regular expressions compile to more than ${MAX_PROGRAMS_SIZE.toLocaleString('en-US')} instructions (${budget.used.toLocaleString('en-US')}) — a repeat count copies what it follows, so use fewer or smaller ones (docs/transforms.md)`
  }
}

/** How many instructions RE2JS compiled the pattern to (its program, not a public API: tests/unit/transforms-regex-cost.test.ts watches it). */
function programSize(compiled: RE2JS): number {
  const program = (compiled as unknown as { re2Input?: { prog?: { inst?: unknown[] } } }).re2Input?.prog?.inst
  return Array.isArray(program) ? program.length : 0
}

function compilePattern(pattern: string, flags: string): { check: RegexCheck; size: number } {
  const check = compileCheck(pattern, flags)
  if (!check.ok) return { check, size: 0 }
  const size = check.size
  if (size > MAX_PROGRAM_SIZE) {
    return {
      check: {
        ok: false,
        message: `the pattern compiles to ${size.toLocaleString('en-US')} instructions; keep it under ${MAX_PROGRAM_SIZE.toLocaleString('en-US')} — a repeat count copies what it follows, so use a smaller one (docs/transforms.md)`
      },
      size: 0
    }
  }
  return { check: { ok: true, regex: check.regex }, size }
}

function compileCheck(pattern: string, flags: string): (RegexCheck & { ok: false }) | { ok: true; regex: UserPattern; size: number } {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, message: `the pattern is ${pattern.length} characters long; keep it under ${MAX_PATTERN_LENGTH}` }
  }
  // The JavaScript syntax first: users write JavaScript patterns, and its messages are the familiar ones.
  try {
    new RegExp(pattern, flags.replace(/[^imsu]/g, ''))
  } catch (error) {
    return {
      ok: false,
      // Stryker disable next-line Regex: JavaScript's message starts with these words, so the anchor changes nothing
      message: `not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`
    }
  }
  // RE2JS's translation would turn "\k<name>" into plain text; refuse it before it does.
  if (/\\k</.test(pattern)) return { ok: false, message: `back-references ("\\k<name>") are not supported: ${unsupported}` }
  let compiled: RE2JS
  try {
    const inline = ['i', 'm', 's'].filter((f) => flags.includes(f)).join('')
    compiled = RE2JS.compile(`${inline ? `(?${inline})` : ''}${RE2JS.translateRegExp(pattern)}`)
  } catch (error) {
    return { ok: false, message: explainRe2Error(error instanceof Error ? error.message : String(error)) }
  }
  const all = flags.includes('g')
  return {
    ok: true,
    size: programSize(compiled),
    regex: {
      replace: (text, replacement) => {
        const matcher = compiled.matcher(text)
        return all ? matcher.replaceAll(replacement) : matcher.replaceFirst(replacement)
      }
    }
  }
}

export function replace(step: Extract<Step, { fn: 'replace' }>, ctx: StepContext): CompiledStep {
  // Without flags, replace every match: what "replace" means to most people.
  const flags = step.flags ?? 'g'
  const check = checkPattern(step.pattern, flags, ctx.patterns)
  // Stryker disable next-line StringLiteral: a refused pattern always comes with its message (the path is caught by the refusal tests)
  if (!check.ok || !check.regex) throw new StepConfigError(check.message ?? 'invalid pattern', ['pattern'])
  const regex = check.regex
  const { replacement } = step
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    if (text.length > MAX_REPLACE_INPUT) {
      return fail(
        ctx,
        `the text is ${text.length} characters long; "replace" reads at most ${MAX_REPLACE_INPUT} — cut it first with "truncate" or "substring"`,
        v
      )
    }
    return regex.replace(text, replacement)
  })
}
