import { formatPath } from '../../problems'
import type { Field, SchemaCatalog, System, Table } from '../../schema/model'
import type { PatternBudget } from './regex'

/**
 * What every step implementation shares. A step is compiled once, from its arguments and
 * the schema around it, into a `StepFn`; running a record only calls closures. A failing
 * step throws a `StepFailure` carrying its place in the document, so the record function
 * needs one try/catch and no bookkeeping per step.
 */

export type SourceRecord = Readonly<Record<string, unknown>>

export interface EngineWarning {
  /** The target field. */
  field: string
  /** Index of the step in the field's steps, when a step raised it. */
  step?: number
  message: string
}

/** Mutable per-record state; warnings are allocated only when a step warns. */
export interface RunState {
  warnings: EngineWarning[] | null
}

export type StepFn = (value: unknown, record: SourceRecord, rt: RunState) => unknown
export type AsyncStepFn = (value: unknown, record: SourceRecord, rt: RunState) => Promise<unknown>

export type CompiledStep = { async: false; run: StepFn } | { async: true; run: AsyncStepFn }

export interface StepLocation {
  fieldIndex: number
  stepIndex: number
  /** The target field the step feeds. */
  target: string
}

export interface StepContext {
  location: StepLocation
  /** The step's JSON path in the document (`['flows', 0, 'fields', 2, 'steps', 1]`), for problems that stop a run. */
  path?: ReadonlyArray<string | number>
  /** Where "expression" steps are evaluated; in-process JSONata when absent (see expression.ts). */
  expressions?: ExpressionEvaluator
  /** The field mapping's source field names. */
  from: readonly string[]
  /** Schema of `from[0]`, when the source table is known. */
  sourceField?: Field
  /** Schema of the target field, when the target table is known. */
  targetField?: Field
  /** The target's system, when known: how it counts a text's length (target-rules.ts `lengthIn`). */
  targetSystem?: System
  sourceTable?: Table
  catalog?: SchemaCatalog
  /** What the flow's regular expressions have compiled to so far (regex.ts): their total is bounded. */
  patterns?: PatternBudget
}

/** A record-level failure of one step: the record is reported, the run goes on. */
export class StepFailure extends Error {
  constructor(
    readonly reason: string,
    readonly input: unknown,
    readonly location: StepLocation,
    /** What failed (failure-reasons.ts), when the step knows better than its kind: e.g. `notText`. */
    readonly code?: string
  ) {
    super(reason)
  }
}

/** A step whose arguments cannot work (bad regex, no length known): found when compiling. */
export class StepConfigError extends Error {
  constructor(
    message: string,
    /** Path below the step, e.g. ['pattern']; empty for the step itself. */
    readonly at: Array<string | number>
  ) {
    super(message)
  }
}

/**
 * Evaluates users' JSONata expressions. Main gives the engine one that runs them in a worker
 * with a time and memory budget (src/main/expressions); shared code only sees this interface.
 * `evaluate` resolves to a plain, cloneable value (null for "nothing"); it rejects with an
 * `ExpressionStopped` when the budget is exceeded, and with any other error when the
 * expression fails on this record.
 */
export interface ExpressionEvaluator {
  evaluate(expr: string, record: SourceRecord, value: unknown): Promise<unknown>
}

/**
 * A user expression exceeded its budget (time, memory, recursion depth, sequence size): the
 * preview or run stops here, with the step's JSON path, instead of failing every record
 * slowly or freezing the process.
 */
export class ExpressionStopped extends Error {
  constructor(
    /** What was exceeded, in the user's words. */
    readonly reason: string,
    /** The step's JSON path, once known. */
    readonly path: ReadonlyArray<string | number> = []
  ) {
    super(path.length > 0 ? `${formatPath(path)}: ${reason}` : reason)
    this.name = 'ExpressionStopped'
  }
}

export const sync = (run: StepFn): CompiledStep => ({ async: false, run })

export function fail(ctx: StepContext, reason: string, input: unknown, code?: string): never {
  throw new StepFailure(reason, input, ctx.location, code)
}

export function warn(rt: RunState, ctx: StepContext, message: string): void {
  const warning: EngineWarning = { field: ctx.location.target, step: ctx.location.stepIndex, message }
  if (rt.warnings) rt.warnings.push(warning)
  else rt.warnings = [warning]
}

export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true
  if (Array.isArray(value)) return value.every(isEmpty)
  return false
}

/** A short, safe rendering of a value for messages. */
export function show(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}

/**
 * A scalar as text. Null stays null (steps pass empty values through); a list means
 * several sources reached a text step without being combined.
 */
export function toText(value: unknown, ctx: StepContext): string | null {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return null
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (Array.isArray(value)) {
    return fail(ctx, 'several values reach a text step — combine the source fields first with "join" or "coalesce"', value, 'notText')
  }
  return fail(ctx, `expected text, found ${show(value)}`, value, 'notText')
}

let graphemes: Intl.Segmenter | undefined

/**
 * What may join the character before it into one user-perceived character: a combining mark, a
 * zero-width joiner, a variation selector, an emoji skin tone, a tag, a regional indicator (two
 * make a flag), a Hangul vowel or final jamo. And what may join the character after it: a mark
 * (an Indic virama joins the next consonant) or a zero-width joiner. A cut with neither on its
 * sides is a grapheme boundary (UAX #29, https://www.unicode.org/reports/tr29/).
 */
const joinsBefore =
  /^(?:\p{M}|\u200D|\uFE0E|\uFE0F|[\u{1F3FB}-\u{1F3FF}]|[\u{E0020}-\u{E007F}]|[\u{1F1E6}-\u{1F1FF}]|[\u1160-\u11FF]|[\uD7B0-\uD7FF])/u
const joinsAfter = /(?:\p{M}|\u200D)$/u

/**
 * The longest start of `text` at most `length` long as the target counts it (`codePoints`:
 * Campaign's characters; `units`: Dataverse's UTF-16 units), cut between user-perceived
 * characters (grapheme clusters, UAX #29 through `Intl.Segmenter`): an emoji, a flag, a family
 * of emoji joined by ZWJ or a letter with its accents stays whole or goes whole. The cut is
 * found by counting; the segmenter (slow: a cut on every record of a large run) is asked only
 * when the character at the cut may join the one before it.
 */
export function cutText(text: string, length: number, count: 'codePoints' | 'units' = 'units'): string {
  if (text.length <= length) return text // never more code points (nor units) than units
  let end = 0
  if (count === 'units') end = length
  else for (let n = 0; n < length && end < text.length; n++) end += isPairAt(text, end) ? 2 : 1
  if (end > 0 && isPairAt(text, end - 1)) end-- // never half a surrogate pair
  if (end >= text.length || (!joinsBefore.test(text.slice(end, end + 2)) && !joinsAfter.test(text.slice(Math.max(0, end - 2), end))))
    return text.slice(0, end)
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  let boundary = 0
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > end) break
    boundary = index + segment.length
  }
  return text.slice(0, boundary)
}

/** A UTF-16 surrogate pair starts at `at`. */
function isPairAt(text: string, at: number): boolean {
  const code = text.charCodeAt(at)
  if (code < 0xd800 || code > 0xdbff) return false
  const next = text.charCodeAt(at + 1)
  return next >= 0xdc00 && next <= 0xdfff
}

/** Trim + lower-case + strip accents: how names and labels are compared loosely. */
export function fold(text: string): string {
  const lower = text.trim().toLowerCase()
  return isAscii(lower) ? lower : lower.normalize('NFD').replace(/\p{M}/gu, '')
}

/** ASCII text has no accents to strip: the common case skips normalisation. */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false
  return true
}
