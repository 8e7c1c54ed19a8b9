import { describe, expect, it } from 'vitest'
import { compileFlow, tryCompileFlow } from '../../src/shared/mapping/compile'
import type { Step } from '../../src/shared/mapping/steps'
import { stepError, stepValue, flowWith } from '../support/run-steps'

// The date steps as a consultant meets them: Dynamics and Campaign text in, the canonical
// forms out (docs/mapping.md, "Dates"), and a record that fails with its input when a value is
// not a date.

const parse = (input: unknown, zone?: string) => stepValue([{ fn: 'parseDate', zone }], input)
const format = (input: unknown, fmt: string, zone?: string) => stepValue([{ fn: 'formatDate', format: fmt, zone }], input)

/** Where the editor points for a step whose arguments cannot work. */
function problemAt(step: Step) {
  const result = tryCompileFlow(flowWith('out', ['x'], [{ fn: 'trim' }, step]))
  if (result.ok) throw new Error('expected the step to be refused')
  return result.problems.map((p) => p.path)
}

describe('parseDate without a format', () => {
  it('keeps the years 0001–0099 as written, not as 1900–1999', async () => {
    expect(await parse('0050-03-01')).toBe('0050-03-01')
    expect(await parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z')
    expect(await parse('0099-12-31T23:59:59.999Z')).toBe('0099-12-31T23:59:59.999Z')
    expect(await format('0099-12-31T23:59:59Z', 'dateTime')).toBe('0099-12-31 23:59:59.000Z')
    expect(await format('0050-03-01 10:00:00Z', 'date')).toBe('0050-03-01')
    expect(await format('0050-03-01', 'iso')).toBe('0050-03-01')
  })

  it('reads offsets in every ISO spelling', async () => {
    expect(await parse('2024-03-31T08:00:00+05:30')).toBe('2024-03-31T02:30:00.000Z')
    expect(await parse('2024-03-31T08:00:00+0530')).toBe('2024-03-31T02:30:00.000Z')
    expect(await parse('2024-03-31T08:00:00-03')).toBe('2024-03-31T11:00:00.000Z')
    expect(await parse('2024-03-31T08:00:00-03:15')).toBe('2024-03-31T11:15:00.000Z')
    expect(await parse('2024-03-31t08:00:00z')).toBe('2024-03-31T08:00:00.000Z')
    // An offset wins over the step's zone.
    expect(await parse('2024-03-31T08:00:00Z', 'Asia/Tokyo')).toBe('2024-03-31T08:00:00.000Z')
    expect(await parse('2024-03-31T08:00:00+01:00', 'Asia/Tokyo')).toBe('2024-03-31T07:00:00.000Z')
  })

  it('reads Campaign text, seconds and fractions of a second', async () => {
    expect(await parse('2019-09-25 23:20:35.000Z')).toBe('2019-09-25T23:20:35.000Z')
    expect(await parse('2019-09-25 23:20')).toBe('2019-09-25T23:20:00.000Z')
    expect(await parse('2019-09-25T23:20:35,5Z')).toBe('2019-09-25T23:20:35.500Z')
    expect(await parse('2019-09-25T23:20:35.123456789Z')).toBe('2019-09-25T23:20:35.123Z')
    expect(await parse('  2019-09-25T23:59:59Z  ')).toBe('2019-09-25T23:59:59.000Z')
  })

  it('reads text without an offset in the step zone, and a calendar date as a date', async () => {
    expect(await parse('2024-07-01T10:00', 'America/New_York')).toBe('2024-07-01T14:00:00.000Z')
    expect(await parse('2024-07-01T10:00', 'utc')).toBe('2024-07-01T10:00:00.000Z')
    expect(await parse('2024-07-01', 'America/New_York')).toBe('2024-07-01')
  })

  it('reads epoch milliseconds, Date objects, RFC 2822 and other ISO forms', async () => {
    expect(await parse(Date.UTC(2024, 2, 31, 8))).toBe('2024-03-31T08:00:00.000Z')
    expect(await parse(new Date(Date.UTC(2024, 2, 31, 8)))).toBe('2024-03-31T08:00:00.000Z')
    expect(await parse('Sun, 31 Mar 2024 08:00:00 +0000')).toBe('2024-03-31T08:00:00.000Z')
    expect(await parse('2024-W13-7T08:00:00Z')).toBe('2024-03-31T08:00:00.000Z')
    // Text from a spreadsheet often carries spaces around the value.
    expect(await parse(' 2024-W13-7T08:00:00Z ')).toBe('2024-03-31T08:00:00.000Z')
  })

  it('reads other ISO forms without an offset in the step zone too', async () => {
    // Week dates and hour-only times go through Luxon: the zone must still apply.
    expect(await parse('2024-W27-1T10:00', 'America/New_York')).toBe('2024-07-01T14:00:00.000Z')
    expect(await parse('2024-07-01T10', 'Asia/Tokyo')).toBe('2024-07-01T01:00:00.000Z')
  })

  it('gives null for nothing, and fails the record with its input for what is not a date', async () => {
    expect(await parse(null)).toBe(null)
    expect(await parse('')).toBe(null)
    expect(await parse(undefined)).toBe(null)
    for (const bad of [NaN, Infinity, new Date('nope'), true, { year: 2024 }, 'soon']) {
      const r = await stepError([{ fn: 'parseDate' }], bad)
      expect(r.reason).toMatch(/is not a date — expected ISO text/)
      expect(r.input).toEqual(bad)
    }
  })

  it('refuses impossible days and times', async () => {
    for (const bad of [
      '2023-02-29',
      '1900-02-29',
      '2024-04-31',
      '2024-06-31',
      '2024-09-31',
      '2024-11-31',
      '2024-00-10',
      '2024-13-10',
      '2024-01-00',
      '2024-01-32',
      '2024-01-01T24:30:00Z',
      '2024-01-01T12:60:00Z',
      '2024-01-01T12:00:60Z'
    ]) {
      expect((await stepError([{ fn: 'parseDate' }], bad)).input).toBe(bad)
    }
    // ISO 8601's end of a day is the next day's midnight.
    expect(await parse('2024-01-01T24:00:00Z')).toBe('2024-01-02T00:00:00.000Z')
    // Leap days of leap years are days.
    expect(await parse('2024-02-29')).toBe('2024-02-29')
    expect(await parse('2000-02-29')).toBe('2000-02-29')
    expect(await parse('2024-12-31T23:59:59Z')).toBe('2024-12-31T23:59:59.000Z')
    expect(await parse('2024-01-01T00:00:00Z')).toBe('2024-01-01T00:00:00.000Z')
  })
})

describe('parseDate with a format', () => {
  it('gives a calendar date when the format has no time of day, quoted words aside', async () => {
    expect(await stepValue([{ fn: 'parseDate', format: "'Date:' dd/MM/yyyy" }], 'Date: 24/10/1980')).toBe('1980-10-24')
    expect(await stepValue([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], ' 24/10/1980 ')).toBe('1980-10-24')
    expect(await stepValue([{ fn: 'parseDate', format: 'dd/MM/yyyy h:mm a', zone: 'UTC' }], '24/10/1980 3:05 PM')).toBe(
      '1980-10-24T15:05:00.000Z'
    )
  })

  it('gives null for nothing and fails a value that is not text', async () => {
    expect(await stepValue([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], '')).toBe(null)
    expect(await stepValue([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], null)).toBe(null)
    const r = await stepError([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], 19801024)
    expect(r.reason).toBe('expected a date as text, found 19801024')
    expect((await stepError([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], '1980-10-24')).reason).toBe(
      '"1980-10-24" does not match the date format "dd/MM/yyyy"'
    )
  })

  it('refuses an empty format when compiling, pointing at the format', () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'parseDate', format: '  ' }]))).toThrow(/the format is empty/)
    expect(problemAt({ fn: 'parseDate', format: '  ' })).toEqual([['flows', 0, 'fields', 0, 'steps', 1, 'format']])
  })
})

describe('formatDate', () => {
  it('date: an instant becomes its day in the zone, a calendar date stays its day', async () => {
    expect(await format('2023-04-07T23:30:00-01:00', 'date')).toBe('2023-04-08')
    expect(await format('2023-04-07T21:59:01.5Z', 'date')).toBe('2023-04-07')
    expect(await format('2023-04-07T02:00:00Z', 'date', 'America/Los_Angeles')).toBe('2023-04-06')
    expect(await format('1980-10-24', 'date', 'Pacific/Kiritimati')).toBe('1980-10-24')
    expect(await format(Date.UTC(2023, 3, 7, 23), 'date')).toBe('2023-04-07')
  })

  it('date: Dataverse text naming an impossible day fails the record instead of writing that day', async () => {
    for (const bad of [
      '2024-01-00T10:00:00Z',
      '2024-01-32T10:00:00Z',
      '2024-06-31T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2100-02-29T10:00:00Z',
      '2024-00-10T10:00:00Z',
      '2024-13-10T10:00:00Z',
      '2024-03-31T25:00:00Z',
      '2024-03-31T10:61:00Z'
    ]) {
      expect((await stepError([{ fn: 'formatDate', format: 'date' }], bad)).input).toBe(bad)
    }
    // The days at the edges of months and leap years are days.
    expect(await format('2024-02-29T23:59:59Z', 'date')).toBe('2024-02-29')
    expect(await format('2000-02-29T00:00:00Z', 'date')).toBe('2000-02-29')
    expect(await format('2024-12-31T23:59:59.999Z', 'date')).toBe('2024-12-31')
    expect(await format('2024-01-01T00:00Z', 'date')).toBe('2024-01-01')
    expect(await format('1980-10-24', 'date')).toBe('1980-10-24')
    // A date-time with an offset is the day it is in UTC, not the day written.
    expect(await format('2024-03-31T23:30:00-02:00', 'date')).toBe('2024-04-01')
  })

  it('date: a year past 9999 keeps all its digits', async () => {
    expect(await format(Date.UTC(10000, 0, 1), 'date')).toBe('10000-01-01')
    expect(await format(Date.UTC(999, 0, 1), 'date')).toBe('0999-01-01')
  })

  it('dateTime: milliseconds always have three digits', async () => {
    expect(await format('2023-04-07T10:10:10.010Z', 'dateTime')).toBe('2023-04-07 10:10:10.010Z')
    expect(await format('2023-04-07T10:10:10.100Z', 'dateTime')).toBe('2023-04-07 10:10:10.100Z')
    expect(await format('2023-04-07T10:10:10.009Z', 'dateTime')).toBe('2023-04-07 10:10:10.009Z')
    expect(await format('2023-04-07T10:10:10.099Z', 'dateTime')).toBe('2023-04-07 10:10:10.099Z')
  })

  it('dateTime: Campaign text in UTC; a calendar date is midnight in the zone', async () => {
    expect(await format('1980-10-24', 'dateTime')).toBe('1980-10-24 00:00:00.000Z')
    expect(await format('1980-10-24', 'dateTime', 'Europe/Paris')).toBe('1980-10-23 23:00:00.000Z')
    expect(await format('2023-04-07T21:59:01.007Z', 'dateTime', 'Europe/Paris')).toBe('2023-04-07 21:59:01.007Z')
    expect(await format('2023-04-07T01:02:03.045Z', 'dateTime')).toBe('2023-04-07 01:02:03.045Z')
    expect(await format('2023-04-07T11:12:13.456Z', 'dateTime')).toBe('2023-04-07 11:12:13.456Z')
  })

  it('iso: an instant with the zone offset, a calendar date as a date', async () => {
    expect(await format('2023-04-07T21:59:01Z', 'iso', 'Europe/Berlin')).toBe('2023-04-07T23:59:01.000+02:00')
    expect(await format('2023-04-07T21:59:01Z', 'iso')).toBe('2023-04-07T21:59:01.000Z')
    expect(await format('1980-10-24', 'iso', 'Europe/Berlin')).toBe('1980-10-24')
  })

  it('a Luxon format writes in the zone', async () => {
    expect(await format('2023-04-07T21:59:01Z', 'dd.MM.yyyy HH:mm', 'Asia/Tokyo')).toBe('08.04.2023 06:59')
    expect(await format('1980-10-24', 'dd.MM.yyyy HH:mm', 'Asia/Tokyo')).toBe('24.10.1980 00:00')
  })

  it('gives null for nothing; fails a value that is not a date with its input', async () => {
    expect(await format(null, 'date')).toBe(null)
    expect(await format('', 'dateTime')).toBe(null)
    for (const fmt of ['date', 'dateTime', 'iso']) {
      const r = await stepError([{ fn: 'formatDate', format: fmt }], '2023-02-30T10:00:00Z')
      expect(r.reason).toBe('"2023-02-30T10:00:00Z" is not a date — put "parseDate" with a format before this step')
      expect(r.input).toBe('2023-02-30T10:00:00Z')
    }
  })

  it('refuses an empty format and an unknown zone when compiling', () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'formatDate', format: ' ' }]))).toThrow(
      /the format is empty — use "date", "dateTime", "iso" or a Luxon format/
    )
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'parseDate', zone: 'Europe/Atlantis' }]))).toThrow(
      '"Europe/Atlantis" is not a time zone — use an IANA name such as "Europe/Paris", or "UTC"'
    )
    // The editor points at the argument to fix.
    expect(problemAt({ fn: 'formatDate', format: ' ' })).toEqual([['flows', 0, 'fields', 0, 'steps', 1, 'format']])
    expect(problemAt({ fn: 'formatDate', format: 'date', zone: 'Mars/Olympus' })).toEqual([['flows', 0, 'fields', 0, 'steps', 1, 'zone']])
    expect(problemAt({ fn: 'parseDate', zone: 'Mars/Olympus' })).toEqual([['flows', 0, 'fields', 0, 'steps', 1, 'zone']])
  })
})
