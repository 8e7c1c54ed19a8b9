import safeRegex from 'safe-regex2'
import type { Step } from '../steps'
import { fail, StepConfigError, sync, toText, type CompiledStep, type StepContext } from './runtime'

/**
 * "replace" runs a user's regular expression on every record, so a pattern that can
 * backtrack catastrophically (`(a+)+$`) would hang a run. Such patterns are refused when
 * the flow is compiled (safe-regex2's star-height check), and inputs are capped in length,
 * which bounds the work even of patterns the check lets through.
 */

export const MAX_PATTERN_LENGTH = 500
export const MAX_REPLACE_INPUT = 10_000

export interface RegexCheck {
  ok: boolean
  message?: string
  regex?: RegExp
}

export function checkPattern(pattern: string, flags = 'g'): RegexCheck {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return { ok: false, message: `the pattern is ${pattern.length} characters long; keep it under ${MAX_PATTERN_LENGTH}` }
  }
  let regex: RegExp
  try {
    regex = new RegExp(pattern, flags)
  } catch (error) {
    return { ok: false, message: `not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` }
  }
  if (!safeRegex(pattern)) {
    return {
      ok: false,
      message: 'this pattern can take exponential time on some inputs (nested repetition such as "(a+)+") — rewrite it without a repeated group that itself repeats'
    }
  }
  return { ok: true, regex }
}

export function replace(step: Extract<Step, { fn: 'replace' }>, ctx: StepContext): CompiledStep {
  // Without flags, replace every match: what "replace" means to most people.
  const flags = step.flags ?? 'g'
  const check = checkPattern(step.pattern, flags)
  if (!check.ok || !check.regex) throw new StepConfigError(check.message ?? 'invalid pattern', ['pattern'])
  const regex = check.regex
  const { replacement } = step
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    if (text.length > MAX_REPLACE_INPUT) {
      return fail(ctx, `the text is ${text.length} characters long; "replace" reads at most ${MAX_REPLACE_INPUT} — cut it first with "truncate" or "substring"`, v)
    }
    regex.lastIndex = 0
    return text.replace(regex, replacement)
  })
}
