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
    expect(Object.fromEntries(stepNames.map((step) => [step, stepFailureCode(step)]))).toEqual({
      trim: 'notText',
      lower: 'notText',
      upper: 'notText',
      titleCase: 'notText',
      join: 'notText',
      split: 'notText',
      substring: 'notText',
      replace: 'patternInputTooLong',
      pad: 'notText',
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
      truncate: 'notText',
      expression: 'expressionFailed'
    })
    expect(codes.slice(stepNames.length).map(failureReasonText)).toEqual([
      'required value missing',
      'too long for the field',
      'character the target cannot store',
      'wrong type for the field',
      'not a value of the field',
      'email the target refuses',
      'not a whole number',
      'date the target refuses',
      'match key missing',
      'parent link missing',
      'unexpected failure',
      'parent record missing',
      'contact not found',
      'record not found',
      'no answer from the target'
    ])
    expect(
      ['notText', 'patternInputTooLong', 'valueNotMapped', 'notANumber', 'notTrueOrFalse', 'notADate', 'notAnOption'].map(failureReasonText)
    ).toEqual([
      'not text',
      'too long for the pattern',
      'value map has no match',
      'not a number',
      'not true or false',
      'not a date',
      'not an option'
    ])
    expect(['notAnEmail', 'notAPhoneNumber', 'lookupNotFound', 'expressionFailed', 'stepFailed'].map(failureReasonText)).toEqual([
      'not an email address',
      'not a phone number',
      'lookup not found',
      'expression failed',
      'step failed'
    ])
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
