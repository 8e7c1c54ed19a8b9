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

export function checkPattern(pattern: string, flags: string): RegexCheck {
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
  const check = checkPattern(step.pattern, flags)
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
