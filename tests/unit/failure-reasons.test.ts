// Why a record failed, as the errors view's reason filter and the plan show it: the same code
// for the same failure in the dry run and the run, in words a consultant reads.
import { describe, expect, it } from 'vitest'
import { stepNames } from '../../src/shared/mapping/steps'
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
    // Every step's code, every target rule's and every record-level one has words of its own.
    const codes = [
      ...stepNames.map(stepFailureCode),
      ...['requiredMissing', 'tooLong', 'badCharacter', 'wrongType', 'notInList', 'emailRefused', 'notWholeNumber', 'dateRefused'],
      ...['noKey', 'linkMissing', 'unexpected', 'parentMissing', 'contactMissing', 'notFound', 'noOutcome']
    ]
    for (const code of codes) {
      expect(code).toMatch(/^[a-zA-Z]+$/)
      expect(failureReasonText(code), code).toMatch(/^[a-z][a-z ]+[a-z]$/)
      expect(failureReasonText(code), code).not.toMatch(/^target refused/)
    }
    // The reason filter lists one entry per code: two codes never read the same.
    const distinct = [...new Set(codes)]
    expect(new Set(distinct.map(failureReasonText)).size).toBe(distinct.length)
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
