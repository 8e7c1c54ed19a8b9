import type { PathSegment, Problem } from '../problems'
import { policyFinding, policyMessage } from './document-policy'

/**
 * Limits that keep checking any file cheap: the size of the text, how deep it nests, how
 * many items a list or object holds, how long names and texts are. Real mappings stay far
 * below them (a flow maps tens of fields; Adobe allows 50 columns per custom resource).
 * Both checks here are loops with their own stack — no input can overflow the call stack —
 * and they run before the schema, so the schema (which recurses into filters) only ever
 * sees a document within bounds. Every limit names its place and what to do.
 */

export const documentLimits = {
  /** Characters of mapping-file text (about 5 MB). */
  textLength: 5_000_000,
  /** Levels of nested objects and lists (a filter nested ~30 deep fits). */
  depth: 64,
  /** Values of any kind in the whole document. */
  values: 250_000,
  /** Items in a list or keys in an object, unless a tighter limit below applies. */
  items: 10_000,
  flows: 200,
  fieldsPerFlow: 1_000,
  stepsPerField: 50,
  /** Characters in a key. */
  keyLength: 200,
  /** Characters in a text value (a description, an expression, a constant). */
  textValueLength: 20_000
} as const

/** At most this many problems are listed; the rest are counted. */
export const MAX_PROBLEMS = 200

const error = (path: PathSegment[], message: string): Problem => ({ severity: 'error', path, message })

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: offset - lineStart + 1 }
}

/**
 * Size and nesting of the raw text, before parsing: a file nested 100,000 levels deep is
 * refused at its place without building anything. Strings are skipped, escapes included.
 */
export function checkText(text: string): Problem | undefined {
  if (text.length > documentLimits.textLength) {
    return error(
      [],
      `the file is ${text.length.toLocaleString('en-US')} characters long; a mapping file is at most ${documentLimits.textLength.toLocaleString('en-US')} — is this the right file?`
    )
  }
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > documentLimits.depth) {
        const at = lineAndColumn(text, i)
        return error(
          [],
          `nested more than ${documentLimits.depth} levels deep at line ${at.line}, column ${at.column} — a mapping file is never this deep; flatten the filter (an "all" or "any" takes many conditions)`
        )
      }
    } else if (c === 125 || c === 93) depth--
  }
  return undefined
}

function listLimit(path: readonly PathSegment[]): { max: number; what: string; advice: string } {
  const last = path[path.length - 1]
  if (path.length === 1 && last === 'flows')
    return { max: documentLimits.flows, what: 'flows', advice: 'split the mapping into several files' }
  if (path.length === 3 && last === 'fields')
    return {
      max: documentLimits.fieldsPerFlow,
      what: 'field mappings in one flow',
      advice: 'split the flow; Campaign resources hold far fewer fields'
    }
  if (last === 'steps')
    return { max: documentLimits.stepsPerField, what: 'steps in one field mapping', advice: 'combine steps, or use one "expression"' }
  return { max: documentLimits.items, what: 'items', advice: 'a mapping file never needs this many' }
}

/**
 * Walks a parsed document once, without recursion: limits (depth, counts, lengths), numbers
 * out of range, and the file policy (no secrets, tokens or machine paths, keys included).
 * `fatal` means the document is too large or deep to check further.
 */
export function checkValue(root: unknown): { problems: Problem[]; fatal: boolean } {
  const problems: Problem[] = []
  let values = 0
  // Over-long names and texts are reported together, then nothing else is checked: every
  // later message would have to quote them.
  let tooLong = false
  // A key is checked when its value is taken from the stack, so problems come in document order.
  const stack: Array<{ value: unknown; path: PathSegment[]; key?: string }> = [{ value: root, path: [] }]
  while (stack.length > 0) {
    const { value, path, key } = stack.pop()!
    if (key !== undefined) {
      if (key.length > documentLimits.keyLength) {
        problems.push(
          error(
            path.slice(0, -1),
            `a key of ${key.length.toLocaleString('en-US')} characters; keys are at most ${documentLimits.keyLength} — remove or rename it`
          )
        )
        tooLong = true
        if (problems.length > MAX_PROBLEMS) return { problems, fatal: true }
        continue
      }
      // JavaScript reads "__proto__" as the object's prototype: the schema drops it, and saving would lose it.
      if (key === '__proto__')
        problems.push(
          error(
            path,
            '"__proto__" cannot be a key: JavaScript reads it as the object\'s prototype, so it would be dropped — rename it (to match such a value, use an "expression" step)'
          )
        )
      const finding = policyFinding(key)
      if (finding) problems.push(error(path, policyMessage(finding, 'key')))
    }
    if (++values > documentLimits.values) {
      problems.push(
        error(
          [],
          `the document holds more than ${documentLimits.values.toLocaleString('en-US')} values — a mapping file is never this large; is this the right file?`
        )
      )
      return { problems, fatal: true }
    }
    if (typeof value === 'string') {
      if (value.length > documentLimits.textValueLength) {
        problems.push(
          error(
            path,
            `this text is ${value.length.toLocaleString('en-US')} characters long; at most ${documentLimits.textValueLength.toLocaleString('en-US')} — shorten it`
          )
        )
        tooLong = true
        if (problems.length > MAX_PROBLEMS) return { problems, fatal: true }
        continue
      }
      const finding = policyFinding(value)
      if (finding) problems.push(error(path, policyMessage(finding, 'value')))
      continue
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        problems.push(
          error(
            path,
            `this number is out of range (beyond ±1.8e308, so it reads as ${value < 0 ? 'minus ' : ''}infinity) — write a smaller number`
          )
        )
      }
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (path.length >= documentLimits.depth) {
      problems.push(
        error(
          path,
          `nested more than ${documentLimits.depth} levels deep — a mapping file is never this deep; flatten the filter (an "all" or "any" takes many conditions)`
        )
      )
      return { problems, fatal: true }
    }
    if (Array.isArray(value)) {
      const limit = listLimit(path)
      if (value.length > limit.max) {
        problems.push(
          error(
            path,
            `${value.length.toLocaleString('en-US')} ${limit.what}; at most ${limit.max.toLocaleString('en-US')} — ${limit.advice}`
          )
        )
        return { problems, fatal: true }
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] })
      continue
    }
    const keys = Object.keys(value)
    if (keys.length > documentLimits.items) {
      problems.push(
        error(
          path,
          `${keys.length.toLocaleString('en-US')} keys in one object; at most ${documentLimits.items.toLocaleString('en-US')} — a mapping file never needs this many`
        )
      )
      return { problems, fatal: true }
    }
    for (let k = keys.length - 1; k >= 0; k--) {
      stack.push({ value: (value as Record<string, unknown>)[keys[k]], path: [...path, keys[k]], key: keys[k] })
    }
  }
  return { problems, fatal: tooLong }
}

/** Document order, at most MAX_PROBLEMS, and a last line that counts the rest. */
export function capProblems(problems: Problem[]): Problem[] {
  if (problems.length <= MAX_PROBLEMS) return problems
  return [
    ...problems.slice(0, MAX_PROBLEMS),
    error([], `…and ${(problems.length - MAX_PROBLEMS).toLocaleString('en-US')} more problems — fix these first`)
  ]
}
