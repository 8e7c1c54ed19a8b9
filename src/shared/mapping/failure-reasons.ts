import type { StepName } from './steps'

/**
 * Why a record failed, by what failed: a code (stable, in the journal, the CSV and the plan)
 * and the words a consultant reads in the errors view's reason filter. The plan (dry run)
 * and the run give a record the same code, so their counts by reason can be compared.
 *
 * Runs journaled before these codes existed carry `transform` for every mapping failure; it
 * still reads ("step failed").
 */

// The two tables are built on each call, not once at load: a mutation test switches a mutant on
// only in code that runs during a test, never in code that ran at import, so the tables' entries
// went unmeasured (https://github.com/stryker-mutator/stryker-js/issues/6209). The cost is one
// small object per failed record.

/** What a failing step of each kind means (a step may say more precisely, e.g. `notText`). */
const codeOfStep = (): Readonly<Record<StepName, string>> => ({
  trim: 'notText',
  lower: 'notText',
  upper: 'notText',
  titleCase: 'notText',
  join: 'notText',
  split: 'notText',
  substring: 'notText',
  pad: 'notText',
  truncate: 'notText',
  replace: 'patternInputTooLong',
  default: 'stepFailed',
  coalesce: 'stepFailed',
  constant: 'stepFailed',
  valueMap: 'valueNotMapped',
  parseNumber: 'notANumber',
  formatNumber: 'notANumber',
  toBoolean: 'notTrueOrFalse',
  booleanToText: 'notTrueOrFalse',
  parseDate: 'notADate',
  formatDate: 'notADate',
  optionLabel: 'notAnOption',
  optionValue: 'notAnOption',
  email: 'notAnEmail',
  phone: 'notAPhoneNumber',
  lookup: 'lookupNotFound',
  expression: 'expressionFailed'
})

export function stepFailureCode(fn: string | undefined): string {
  const codes = codeOfStep()
  return (fn !== undefined && Object.hasOwn(codes, fn) ? codes[fn as StepName] : undefined) ?? 'stepFailed'
}

/** The reason filter's words, by code. */
const reasonWords = (): Readonly<Record<string, string>> => ({
  // A step of the mapping.
  notText: 'not text',
  patternInputTooLong: 'too long for the pattern',
  valueNotMapped: 'value map has no match',
  notANumber: 'not a number',
  notTrueOrFalse: 'not true or false',
  notADate: 'not a date',
  notAnOption: 'not an option',
  notAnEmail: 'not an email address',
  notAPhoneNumber: 'not a phone number',
  lookupNotFound: 'lookup not found',
  expressionFailed: 'expression failed',
  stepFailed: 'step failed',
  transform: 'step failed',
  // The target's rules, checked before any write (src/shared/schema/target-rules.ts).
  requiredMissing: 'required value missing',
  tooLong: 'too long for the field',
  badCharacter: 'character the target cannot store',
  wrongType: 'wrong type for the field',
  notInList: 'not a value of the field',
  emailRefused: 'email the target refuses',
  notWholeNumber: 'not a whole number',
  dateRefused: 'date the target refuses',
  // The record as a whole.
  noKey: 'match key missing',
  duplicateKey: 'match key shared with another record',
  notUtf8: 'not UTF-8 text (log export)',
  linkMissing: 'parent link missing',
  unexpected: 'unexpected failure',
  // The target service.
  parentMissing: 'parent record missing',
  contactMissing: 'contact not found',
  notFound: 'record not found',
  noOutcome: 'no answer from the target',
  // Counted in `unknown`, not `failed` (src/shared/run-counts.ts, OUTCOME_UNKNOWN).
  outcomeUnknown: 'no answer from Dynamics (may be written)'
})

/** The reason in the user's words; a code of the target service reads "target refused (code)". */
export function failureReasonText(code: string): string {
  const words = reasonWords()
  return (Object.hasOwn(words, code) ? words[code] : undefined) ?? `target refused (${code})`
}

/** "step 2 · valueMap", "target rules" (the field's check after its steps), or undefined for a field-level failure. */
export function failedStepText(step: number | undefined, stepName: string | undefined): string | undefined {
  if (step !== undefined) return `step ${step + 1}${stepName ? ` · ${stepName}` : ''}`
  return stepName === targetRulesStep ? 'target rules' : undefined
}

/** The step name of a failure found by the target's rules (after the field's steps). */
export const targetRulesStep = 'targetRules'

/**
 * Why a record fails `duplicateKey`: another record of the source, read after it, has its match
 * key — both would become one target record, so only the later goes on (the run and the preview
 * say it alike; docs/sync.md).
 */
export function sharedKeyReason(key: string, idName: string, later: string, mine: string): string {
  return `another Dynamics record read after it has the same match key "${key}" (${idName} ${later}; this one is ${mine}): only that one goes on to the target, this one is not written — make the match key unique`
}
