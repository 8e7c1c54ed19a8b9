import { describe, expect, it } from 'vitest'
import type { Produced } from '../../src/shared/mapping/infer'
import { checkFit, inferMapping, valueMapBetween } from '../../src/shared/mapping/validate-flow'
import type { Field } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsContact, plainField } from '../support/schema-examples'

/**
 * What the inspector says when a mapping's value does not fit its target field: the severity
 * (an error blocks a run, a warning does not), the message the consultant reads, and the steps
 * the "fix" button appends. Each case is one kind of value meeting one kind of field.
 */

const field = (name: string, type: Field['type'], extra: Partial<Field> = {}): Field => ({ ...plainField(name, type), ...extra })
const contactField = (name: string) => dynamicsContact.fields.find((f) => f.name === name)!
const profileField = (name: string) => campaignProfile.fields.find((f) => f.name === name)!
const produced = (type: Produced['type'], extra: Partial<Produced> = {}): Produced => ({ type, ...extra })

describe('a value that cannot be written at all', () => {
  it('a collection is refused, a link is set through the links', () => {
    expect(checkFit(produced('string'), field('subscriptions', 'collection'), 'campaign')).toEqual({
      severity: 'error',
      message: '"subscriptions" is a collection and cannot be written — map another field'
    })
    const link = { severity: 'warning', message: `"country" is a link: set it through the flow's "links" rather than a field mapping` }
    expect(checkFit(produced('string'), field('country', 'link'), 'campaign')).toEqual(link)
    expect(checkFit(produced('string'), field('country', 'lookup'), 'campaign')).toEqual(link)
  })

  it('a Dynamics lookup takes an id or text, not a number', () => {
    expect(checkFit(produced('string'), field('parentcustomerid', 'lookup'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('lookup'), field('parentcustomerid', 'lookup'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('uniqueidentifier'), field('ref', 'uniqueidentifier'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('email'), field('ref', 'uniqueidentifier'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('integer'), field('parentcustomerid', 'lookup'), 'dynamics')).toEqual({
      severity: 'error',
      message: '"parentcustomerid" is lookup, the value is integer — map an id column'
    })
    expect(checkFit(produced('boolean'), field('ref', 'uniqueidentifier'), 'dynamics')).toEqual({
      severity: 'error',
      message: '"ref" is uniqueidentifier, the value is boolean — map an id column'
    })
  })

  it('nothing is said when either side is unknown', () => {
    expect(checkFit(produced('any'), field('x', 'integer'), 'campaign')).toBeUndefined()
    expect(checkFit(produced('boolean'), field('x', 'unknown'), 'campaign')).toBeUndefined()
    expect(checkFit(produced('boolean'), field('x', 'multipicklist'), 'dynamics')).not.toBeUndefined()
  })
})

describe('option sets and enumerations', () => {
  const gender = profileField('gender')

  it('a Dynamics choice feeding a Campaign enumeration needs a value map, and the fix maps the labels', () => {
    expect(checkFit(produced('picklist'), gender, 'campaign', contactField('gendercode'))).toEqual({
      severity: 'error',
      message:
        'a picklist feeds the enumeration "gender" without a value map — add a "valueMap" from "gendercode"\'s values to "gender"\'s ("unknown", "male", "female")',
      steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }]
    })
  })

  it('without a source field (or with nothing to match) the fix is an empty value map to fill in', () => {
    for (const type of ['boolean', 'multipicklist', 'integer', 'money'] as const) {
      expect(checkFit(produced(type), gender, 'campaign')).toEqual({
        severity: 'error',
        message: `a ${type} feeds the enumeration "gender" without a value map — add a "valueMap" from the source's values to "gender"'s ("unknown", "male", "female")`,
        steps: [{ fn: 'valueMap', map: {} }]
      })
    }
    const noOptions = field('status', 'enumeration')
    expect(checkFit(produced('picklist'), noOptions, 'campaign', contactField('statecode'))?.steps).toEqual([{ fn: 'valueMap', map: {} }])
  })

  it('a Dynamics choice or multi-select choice column is an option set too', () => {
    const choice = field('preferredcontactmethodcode', 'picklist', { options: [{ value: 2, label: 'Email' }] })
    expect(checkFit(produced('boolean'), choice, 'dynamics')?.severity).toBe('error')
    const multi = field('new_interests', 'multipicklist', { options: [{ value: 100000000, label: 'Sports' }] })
    expect(checkFit(produced('integer'), multi, 'dynamics')?.severity).toBe('error')
    // A Campaign "picklist" does not exist as such: nothing is claimed about it.
    expect(checkFit(produced('string'), field('p', 'picklist'), 'campaign')).toBeUndefined()
  })

  it('known exact values are checked value by value, not here', () => {
    expect(checkFit(produced('string', { values: ['male'] }), gender, 'campaign')).toBeUndefined()
    expect(checkFit(produced('integer', { values: [1] }), gender, 'campaign')).toBeUndefined()
  })

  it('text into a Dynamics choice is read as a label; text into an enumeration must be one of its values', () => {
    const choice = field('familystatuscode', 'picklist', { options: [{ value: 1, label: 'Single' }] })
    expect(checkFit(produced('string'), choice, 'dynamics')).toEqual({
      severity: 'warning',
      message: '"familystatuscode" is picklist: text is written as a label — add "optionValue" to turn labels into values',
      steps: [{ fn: 'optionValue' }]
    })
    expect(checkFit(produced('string'), gender, 'campaign')).toEqual({
      severity: 'warning',
      message: '"gender" is enumeration: only "unknown", "male", "female" are accepted — add a "valueMap" or "optionValue"',
      steps: [{ fn: 'optionValue' }]
    })
    const interests = field('new_interests', 'multipicklist', { options: [{ value: 100000000, label: 'Sports' }] })
    expect(checkFit(produced('string'), interests, 'dynamics')?.message).toBe(
      '"new_interests" is multipicklist: only 100000000 are accepted — add a "valueMap" or "optionValue"'
    )
  })

  it('a choice whose schema lists no values says so, and offers the one fix that works without them', () => {
    const unlisted = field('cusTier', 'enumeration')
    expect(checkFit(produced('string'), unlisted, 'campaign')).toEqual({
      severity: 'warning',
      message:
        '"cusTier" is enumeration: only its own values are accepted, which the schema does not list (check them in the target system) — add a "valueMap"',
      steps: [{ fn: 'valueMap', map: {} }]
    })
    expect(checkFit(produced('boolean'), unlisted, 'campaign')?.message).toBe(
      'a boolean feeds the enumeration "cusTier" without a value map — add a "valueMap" from the source\'s values to "cusTier"\'s, which the schema does not list (check them in the target system)'
    )
  })
})

describe('values written into a text field', () => {
  const city = profileField('location.city')

  it('suggests the step that chooses the written form', () => {
    expect(checkFit(produced('picklist'), city, 'campaign')).toEqual({
      severity: 'warning',
      message: `the option's number is written into "location.city" — add "optionLabel" to write its label instead`,
      steps: [{ fn: 'optionLabel' }]
    })
    expect(checkFit(produced('boolean'), city, 'campaign')).toEqual({
      severity: 'warning',
      message: 'true/false is written into the text field "location.city" — add "booleanToText"',
      steps: [{ fn: 'booleanToText', whenTrue: 'yes', whenFalse: 'no' }]
    })
    for (const type of ['integer', 'bigint', 'double', 'decimal', 'money'] as const) {
      expect(checkFit(produced(type), city, 'campaign')).toEqual({
        severity: 'warning',
        message: 'a number is written into the text field "location.city" — add "formatNumber" to choose its form',
        steps: [{ fn: 'formatNumber' }]
      })
    }
  })

  it("a date-time as text takes the target system's form", () => {
    expect(checkFit(produced('datetime'), city, 'campaign')).toEqual({
      severity: 'warning',
      message: 'a date-time is written as text into "location.city" — add "formatDate" to choose its form',
      steps: [{ fn: 'formatDate', format: 'dateTime' }]
    })
    expect(checkFit(produced('datetime'), field('description', 'memo'), 'dynamics')?.steps).toEqual([{ fn: 'formatDate', format: 'iso' }])
  })

  it('text, ids and dates as text fit without a word', () => {
    for (const type of ['string', 'memo', 'email', 'phone', 'url', 'uniqueidentifier', 'lookup', 'dateonly'] as const) {
      expect(checkFit(produced(type), city, 'campaign')).toBeUndefined()
      expect(checkFit(produced(type), profileField('email'), 'campaign')).toBeUndefined()
    }
  })
})

describe('numbers', () => {
  const children = field('numberofchildren', 'integer')

  it('numbers and option values fit a number; fractions into a whole number are flagged', () => {
    expect(checkFit(produced('integer'), children, 'dynamics')).toBeUndefined()
    expect(checkFit(produced('picklist'), children, 'dynamics')).toBeUndefined()
    expect(checkFit(produced('money'), field('creditlimit', 'money'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('integer'), field('rate', 'decimal'), 'dynamics')).toBeUndefined()
    expect(checkFit(produced('double'), field('rate', 'decimal'), 'dynamics')).toBeUndefined()
    for (const [source, target] of [
      ['decimal', 'integer'],
      ['money', 'integer'],
      ['double', 'bigint']
    ] as const) {
      expect(checkFit(produced(source), field('n', target), 'dynamics')).toEqual({
        severity: 'warning',
        message: `"n" is ${target}: fractions from the ${source} source are cut or refused — round them in an "expression" or map to a decimal field`
      })
    }
    expect(checkFit(produced('bigint'), field('n', 'integer'), 'dynamics')).toBeUndefined()
  })

  it('booleans and text need converting first', () => {
    expect(checkFit(produced('boolean'), children, 'dynamics')).toEqual({
      severity: 'error',
      message: '"numberofchildren" is integer, the source is a boolean — add a "valueMap" true → 1, false → 0',
      steps: [{ fn: 'valueMap', map: { true: 1, false: 0 } }]
    })
    for (const type of ['string', 'memo', 'phone'] as const) {
      expect(checkFit(produced(type), children, 'dynamics')).toEqual({
        severity: 'error',
        message: '"numberofchildren" is integer, the value is text — add "parseNumber"',
        steps: [{ fn: 'parseNumber' }]
      })
    }
    expect(checkFit(produced('datetime'), children, 'dynamics')).toEqual({
      severity: 'error',
      message: '"numberofchildren" is integer, the value is datetime — convert it first (an "expression" can)'
    })
  })
})

describe('booleans', () => {
  const optOut = profileField('blackListEmail')

  it('text, numbers and options convert with toBoolean; anything else needs a value map', () => {
    expect(checkFit(produced('boolean'), optOut, 'campaign')).toBeUndefined()
    for (const type of ['string', 'integer', 'picklist'] as const) {
      expect(checkFit(produced(type), optOut, 'campaign')).toEqual({
        severity: 'error',
        message: `"blackListEmail" is boolean, the value is ${type} — add "toBoolean" (it reads yes/no, true/false, 1/0)`,
        steps: [{ fn: 'toBoolean' }]
      })
    }
    expect(checkFit(produced('datetime'), optOut, 'campaign')).toEqual({
      severity: 'error',
      message: '"blackListEmail" is boolean, the value is datetime — map it with "valueMap" to true and false'
    })
  })
})

describe('dates', () => {
  const birthDate = profileField('birthDate')
  const stamp = field('lastusedincampaign', 'datetime')

  it('a calendar date takes a date, a date-time cut to its day, or parsed text', () => {
    expect(checkFit(produced('dateonly'), birthDate, 'campaign')).toBeUndefined()
    expect(checkFit(produced('datetime'), birthDate, 'campaign')).toEqual({
      severity: 'error',
      message:
        '"birthDate" is dateonly (YYYY-MM-DD), the value is a date-time — add "formatDate" with format "date" (the day in UTC, or set a zone)',
      steps: [{ fn: 'formatDate', format: 'date' }]
    })
    expect(checkFit(produced('string'), birthDate, 'campaign')).toEqual({
      severity: 'error',
      message: '"birthDate" is dateonly, the value is text — add "parseDate" (with its format) and "formatDate" with format "date"',
      steps: [{ fn: 'parseDate' }, { fn: 'formatDate', format: 'date' }]
    })
    expect(checkFit(produced('integer'), birthDate, 'campaign')).toEqual({
      severity: 'error',
      message: '"birthDate" is dateonly, the value is integer'
    })
  })

  it("a date-time is written in the target system's form", () => {
    expect(checkFit(produced('datetime', { dateText: 'iso' }), stamp, 'dynamics')).toBeUndefined()
    expect(checkFit(produced('datetime'), stamp, 'dynamics')).toBeUndefined()
    expect(checkFit(produced('datetime', { dateText: 'campaign' }), stamp, 'campaign')).toBeUndefined()
    expect(checkFit(produced('datetime', { dateText: 'iso' }), stamp, 'campaign')).toEqual({
      severity: 'warning',
      message: 'Campaign writes date-times as "YYYY-MM-DD HH:MM:SS.mmmZ" — add "formatDate" with format "dateTime"',
      steps: [{ fn: 'formatDate', format: 'dateTime' }]
    })
    expect(checkFit(produced('datetime', { dateText: 'campaign' }), stamp, 'dynamics')).toEqual({
      severity: 'warning',
      message: 'Dynamics writes date-times as ISO 8601 — add "formatDate" with format "iso"',
      steps: [{ fn: 'formatDate', format: 'iso' }]
    })
  })

  it('a calendar date or text into a date-time says which form to write', () => {
    expect(checkFit(produced('dateonly'), stamp, 'campaign')).toEqual({
      severity: 'warning',
      message:
        '"lastusedincampaign" is datetime, the value is a calendar date — add "formatDate" with format "dateTime" (midnight UTC, or set a zone)',
      steps: [{ fn: 'formatDate', format: 'dateTime' }]
    })
    expect(checkFit(produced('dateonly'), stamp, 'dynamics')?.steps).toEqual([{ fn: 'formatDate', format: 'iso' }])
    expect(checkFit(produced('url'), stamp, 'dynamics')).toEqual({
      severity: 'error',
      message: '"lastusedincampaign" is datetime, the value is text — add "parseDate" and "formatDate" with format "iso"',
      steps: [{ fn: 'parseDate' }, { fn: 'formatDate', format: 'iso' }]
    })
    expect(checkFit(produced('boolean'), stamp, 'dynamics')).toEqual({
      severity: 'error',
      message: '"lastusedincampaign" is datetime, the value is boolean'
    })
  })
})

describe('value maps between option sets', () => {
  it('matches options by label, or by the target value named like the label, and keeps the "unknown" fallback', () => {
    const source = field('code', 'picklist', {
      options: [
        { value: 1, label: 'Male' },
        { value: 2, label: ' FEMALE ' },
        { value: 3, label: 'Other' }
      ]
    })
    const target = field('gender', 'enumeration', {
      options: [
        { value: 'm', label: 'male' },
        { value: 'female', label: 'Woman' },
        { value: 'x', label: 'Unknown' }
      ]
    })
    expect(valueMapBetween(source, target)).toEqual({ fn: 'valueMap', map: { '1': 'm', '2': 'female' }, otherwise: 'x' })
  })

  it('the fallback is found by value too ("none", "unspecified"), and is left out when there is none', () => {
    const source = field('code', 'picklist', { options: [{ value: 1, label: 'Text' }] })
    const target = (...options: Array<[string, string]>) =>
      field('format', 'enumeration', { options: options.map(([value, label]) => ({ value, label })) })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['none', 'Nothing']))).toEqual({
      fn: 'valueMap',
      map: { '1': 'text' },
      otherwise: 'none'
    })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['unspecified', '?']))).toMatchObject({ otherwise: 'unspecified' })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['unknown', '?']))).toMatchObject({ otherwise: 'unknown' })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['z', 'None']))).toMatchObject({ otherwise: 'z' })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['z', 'Unspecified']))).toMatchObject({ otherwise: 'z' })
    expect(valueMapBetween(source, target(['text', 'Plain'], ['other', 'Other']))).toEqual({ fn: 'valueMap', map: { '1': 'text' } })
  })

  it('no map when either side has no options or nothing matches', () => {
    const withOptions = field('a', 'picklist', { options: [{ value: 1, label: 'One' }] })
    expect(valueMapBetween(field('a', 'picklist'), withOptions)).toBeUndefined()
    expect(valueMapBetween(withOptions, field('b', 'enumeration', { options: [] }))).toBeUndefined()
    expect(valueMapBetween(field('a', 'picklist', { options: [] }), withOptions)).toBeUndefined()
    expect(valueMapBetween(withOptions, field('b', 'enumeration', { options: [{ value: 'two', label: 'Two' }] }))).toBeUndefined()
  })
})

describe('what a mapping produces, step by step', () => {
  const ctx = { source: dynamicsContact, sourceSystem: 'dynamics' as const }

  it('starts from the source field, and has one entry per step', () => {
    const chain = inferMapping({ target: 'firstName', from: ['firstname'], steps: [{ fn: 'trim' }, { fn: 'truncate', length: 10 }] }, ctx)
    expect(chain).toHaveLength(3)
    expect(chain[0]).toMatchObject({ type: 'string', maxLength: 50 })
    expect(chain[2]).toMatchObject({ maxLength: 10, truncated: true })
  })

  it('a constant with no source starts from nothing known; several sources are not one type', () => {
    expect(inferMapping({ target: 'x', steps: [] }, ctx)).toEqual([{ type: 'any' }])
    expect(inferMapping({ target: 'x', from: ['firstname', 'numberofchildren'] }, ctx)).toEqual([{ type: 'any' }])
    expect(inferMapping({ target: 'x', from: ['nosuchfield'] }, ctx)).toEqual([{ type: 'any' }])
    expect(inferMapping({ target: 'x', from: ['firstname'] }, { sourceSystem: 'dynamics' })).toEqual([{ type: 'any' }])
  })

  it('a choice read as labels is text, one of its labels', () => {
    const labels = { ...ctx, picklists: 'labels' as const }
    expect(inferMapping({ target: 'gender', from: ['gendercode'] }, labels)).toEqual([
      { type: 'string', values: ['Male', 'Female'], options: contactField('gendercode').options }
    ])
    // A multi-select choice reads as several labels: text, but not one known label.
    expect(inferMapping({ target: 'x', from: ['new_interests'] }, labels)).toEqual([
      { type: 'string', options: contactField('new_interests').options }
    ])
    expect(inferMapping({ target: 'x', from: ['gendercode'] }, ctx)[0]).toMatchObject({ type: 'picklist' })
    expect(inferMapping({ target: 'x', from: ['firstname'] }, labels)[0]).toMatchObject({ type: 'string', maxLength: 50 })
  })
})
