// Why a record failed, as the errors view's reason filter and the plan show it: the same code
// for the same failure in the dry run and the run, in words a consultant reads.
import { describe, expect, it } from 'vitest'
import { failedStepText, failureReasonText, stepFailureCode, targetRulesStep } from '../../src/shared/mapping/failure-reasons'

describe('failure reasons', () => {
  it('a failing step gives the code of what it checks', () => {
    expect(stepFailureCode('valueMap')).toBe('valueNotMapped')
    expect(stepFailureCode('parseDate')).toBe('notADate')
    expect(stepFailureCode('email')).toBe('notAnEmail')
    expect(stepFailureCode('lookup')).toBe('lookupNotFound')
    // A step without a more precise meaning, an unknown name, or none: "step failed".
    expect(stepFailureCode('coalesce')).toBe('stepFailed')
    expect(stepFailureCode('noSuchStep')).toBe('stepFailed')
    expect(stepFailureCode(undefined)).toBe('stepFailed')
    // Names of Object's own properties are not steps.
    expect(stepFailureCode('toString')).toBe('stepFailed')
    expect(stepFailureCode('constructor')).toBe('stepFailed')
  })

  it('each code reads in words; a code of the target service says the target refused', () => {
    expect(failureReasonText('valueNotMapped')).toBe('value map has no match')
    expect(failureReasonText('tooLong')).toBe('too long for the field')
    expect(failureReasonText('noKey')).toBe('match key missing')
    // Runs journaled before the codes existed carry "transform".
    expect(failureReasonText('transform')).toBe('step failed')
    expect(failureReasonText('XTK-170001')).toBe('target refused (XTK-170001)')
    expect(failureReasonText('0x80040237')).toBe('target refused (0x80040237)')
    expect(failureReasonText('hasOwnProperty')).toBe('target refused (hasOwnProperty)')
    // Every step's code has words of its own.
    for (const step of [
      'trim',
      'replace',
      'valueMap',
      'parseNumber',
      'toBoolean',
      'formatDate',
      'optionValue',
      'email',
      'phone',
      'lookup',
      'expression',
      'default'
    ])
      expect(failureReasonText(stepFailureCode(step)), step).not.toMatch(/^target refused/)
  })

  it('where it failed: the step counted from 1 with its name, or the target rules after the steps', () => {
    expect(failedStepText(1, 'valueMap')).toBe('step 2 · valueMap')
    expect(failedStepText(0, undefined)).toBe('step 1')
    expect(failedStepText(0, '')).toBe('step 1')
    expect(failedStepText(undefined, targetRulesStep)).toBe('target rules')
    expect(targetRulesStep).toBe('targetRules')
    expect(failedStepText(undefined, 'valueMap')).toBeUndefined()
    expect(failedStepText(undefined, undefined)).toBeUndefined()
  })
})
