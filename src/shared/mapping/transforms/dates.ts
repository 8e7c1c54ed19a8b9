import { DateTime, IANAZone } from 'luxon'
import type { Step } from '../steps'
import { fail, show, StepConfigError, sync, type CompiledStep, type StepContext } from './runtime'

/**
 * Dates travel between steps as text in one of two canonical forms, so a trace stays
 * readable and a value can be written as is:
 *   - a calendar date, `YYYY-MM-DD` (Dynamics DateOnly columns, Campaign `date` fields);
 *   - an instant in UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ` (Dynamics UserLocal date-times).
 * A calendar date never shifts with a time zone; an instant is shown in one.
 *
 * The common cases (ISO or Campaign text in UTC, to a date or Campaign date-time) run on a
 * small hand parser; time zones and Luxon formats go through Luxon.
 */

export interface ParsedDate {
  /** Epoch milliseconds: the instant, or midnight UTC of a calendar date. */
  ms: number
  dateOnly: boolean
}

const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n))
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n))
const pad4 = (n: number) => String(n).padStart(4, '0')

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
function daysIn(year: number, month: number): number {
  if (month !== 2) return monthDays[month - 1]
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
}

// The shape Dataverse sends (`1980-10-24`, `2023-04-07T21:59:01Z`): its day is its first ten characters.
const utcIsoPattern = /^\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?Z)?$/

// A module-level helper, not a closure per call: this runs once per record, and tooling that
// keeps function names (tsx, vitest) would also rename every such closure (about a third of
// a whole record's time in bench/engine.ts).
// Stryker disable next-line ArithmeticOperator: wrong digits give a month past 12, so utcDayOf says "not this shape" and the full parser answers
const digit = (text: string, i: number) => text.charCodeAt(i) - 48

/** The calendar day of ISO text in UTC without building a date, or undefined for other shapes. */
// Stryker disable next-line BlockStatement: a shortcut; without it every caller falls back to the full parser, which gives the same day
export function utcDayOf(text: string): string | undefined {
  if (!utcIsoPattern.test(text)) return undefined
  // Digits by char code: no match array per record.
  // Stryker disable next-line ArithmeticOperator: the year only decides whether February has a 29th; a wrong sum is never a leap year where the real one is not (it differs by a multiple of 4 and stays a century only when the real one is), and a refusal falls back to the full parser
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3)
  // Stryker disable next-line ArithmeticOperator: a month that is not 1–12 has no days (daysIn), so the full parser answers (a wrong month in range is caught by the impossible-day tests)
  const month = digit(text, 5) * 10 + digit(text, 6)
  const day = digit(text, 8) * 10 + digit(text, 9)
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: the month bounds are guarded again by daysIn (no days outside 1–12), and any refusal falls back to the full parser; accepting a day that does not exist is caught by the impossible-day tests
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) ? text.slice(0, 10) : undefined
}

export function zoneOrThrow(zone: string | undefined, at: string): string {
  if (zone === undefined) return 'UTC'
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: a shortcut; "UTC" and "utc" are IANA names too, and Luxon reads both as UTC
  if (zone === 'UTC' || zone === 'utc') return 'UTC'
  if (!IANAZone.isValidZone(zone)) {
    throw new StepConfigError(`"${zone}" is not a time zone — use an IANA name such as "Europe/Paris", or "UTC"`, [at])
  }
  return zone
}

/**
 * ISO 8601 and Campaign text (`2019-09-25 23:20:35.000Z`). Text without an offset is read
 * in `zone`. Undefined when the text is not such a date or names an impossible day.
 */
export function parseIsoDate(text: string, zone = 'UTC'): ParsedDate | undefined {
  const m = isoPattern.exec(text.trim())
  if (!m) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined
  // Not Date.UTC: it reads years 0–99 as 1900–1999; setUTCFullYear takes the year as written.
  const midnight = new Date(0).setUTCFullYear(year, month - 1, day)
  if (m[4] === undefined) return { ms: midnight, dateOnly: true }
  const hour = Number(m[4])
  const minute = Number(m[5])
  const second = m[6] === undefined ? 0 : Number(m[6])
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  const offset = m[8]
  const wall = midnight + ((hour * 60 + minute) * 60 + second) * 1000 + millis
  if (offset === undefined) {
    // Stryker disable next-line ConditionalExpression,StringLiteral: a shortcut; Luxon reads the same wall time in UTC (the zone tests catch the branch always taken)
    if (zone === 'UTC') return { ms: wall, dateOnly: false }
    const local = DateTime.fromObject({ year, month, day, hour, minute, second, millisecond: millis }, { zone })
    return local.isValid ? { ms: local.toMillis(), dateOnly: false } : undefined
  }
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: a shortcut; read as an offset, "Z" is no digits, which count as zero minutes
  if (offset === 'Z' || offset === 'z') return { ms: wall, dateOnly: false }
  const sign = offset[0] === '-' ? -1 : 1
  const digits = offset.slice(1).replace(':', '')
  // Stryker disable next-line ConditionalExpression,EqualityOperator: without minutes the rest is empty text, which Number reads as 0 (an offset with minutes is caught by the offset tests)
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0)
  return { ms: wall - sign * offsetMinutes * 60_000, dateOnly: false }
}

export function isoDate(ms: number): string {
  const d = new Date(ms)
  return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`
}

/** Campaign's date-time text: `YYYY-MM-DD HH:MM:SS.mmmZ`, always UTC. */
export function campaignDateTime(ms: number): string {
  const d = new Date(ms)
  return `${isoDate(ms)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${pad3(d.getUTCMilliseconds())}Z`
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString()
}

/** Whether a Luxon format reads or writes a time of day (and not only a date). */
export function formatHasTime(format: string): boolean {
  const tokens = format.replace(/'[^']*'/g, '')
  return /[HhmsSuaTtfFZz]/.test(tokens)
}

const MAX_DATE_MS = 8.64e15

function readAny(value: unknown, zone: string): ParsedDate | undefined {
  // A date holds ±8.64e15 ms (±100,000,000 days from 1970); beyond that Date reads NaN, which would print as "0NaN-NaN-NaN".
  if (typeof value === 'number') return Math.abs(value) <= MAX_DATE_MS ? { ms: value, dateOnly: false } : undefined
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : { ms: value.getTime(), dateOnly: false }
  if (typeof value !== 'string') return undefined
  const iso = parseIsoDate(value, zone)
  if (iso) return iso
  const text = value.trim()
  const attempts = [
    DateTime.fromISO(text, { zone }),
    // Stryker disable next-line ObjectLiteral: an RFC 2822 date always names its zone or offset
    DateTime.fromRFC2822(text, { zone }),
    DateTime.fromSQL(text, { zone })
  ]
  for (const attempt of attempts) {
    if (attempt.isValid) return { ms: attempt.toMillis(), dateOnly: false }
  }
  return undefined
}

export function parseDate(step: Extract<Step, { fn: 'parseDate' }>, ctx: StepContext): CompiledStep {
  const zone = zoneOrThrow(step.zone, 'zone')
  const { format } = step
  if (format !== undefined) {
    if (format.trim() === '') {
      throw new StepConfigError('the format is empty — give a Luxon format such as "dd/MM/yyyy"', ['format'])
    }
    const withTime = formatHasTime(format)
    return sync((v) => {
      // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null and '' are caught by the nothing-in tests
      if (v === null || v === undefined || v === '') return null
      if (typeof v !== 'string') return fail(ctx, `expected a date as text, found ${show(v)}`, v)
      const parsed = DateTime.fromFormat(v.trim(), format, { zone })
      if (!parsed.isValid) return fail(ctx, `${show(v)} does not match the date format "${format}"`, v)
      return withTime ? isoInstant(parsed.toMillis()) : parsed.toFormat('yyyy-MM-dd')
    })
  }
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null and '' are caught by the nothing-in tests
    if (v === null || v === undefined || v === '') return null
    const parsed = readAny(v, zone)
    if (!parsed)
      return fail(ctx, `${show(v)} is not a date — expected ISO text such as "2024-03-31" or "2024-03-31T08:00:00Z", or give a "format"`, v)
    return parsed.dateOnly ? isoDate(parsed.ms) : isoInstant(parsed.ms)
  })
}

export function formatDate(step: Extract<Step, { fn: 'formatDate' }>, ctx: StepContext): CompiledStep {
  const zone = zoneOrThrow(step.zone, 'zone')
  const { format } = step
  // Stryker disable next-line ConditionalExpression,StringLiteral: false takes the general Luxon path, which gives the same text in UTC (true is caught by the zone tests)
  const utc = zone === 'UTC'
  const read = (v: unknown): ParsedDate => {
    const parsed = readAny(v, zone)
    if (!parsed) return fail(ctx, `${show(v)} is not a date — put "parseDate" with a format before this step`, v)
    return parsed
  }
  const inZone = (p: ParsedDate) => (p.dateOnly ? DateTime.fromISO(isoDate(p.ms), { zone }) : DateTime.fromMillis(p.ms, { zone }))
  let write: (p: ParsedDate) => string
  switch (format) {
    case 'date':
      // A calendar date stays the same day; an instant becomes the day it is in `zone`.
      write = (p) => (p.dateOnly || utc ? isoDate(p.ms) : DateTime.fromMillis(p.ms, { zone }).toFormat('yyyy-MM-dd'))
      break
    case 'dateTime':
      // Campaign writes UTC; a calendar date is midnight in `zone`.
      // Stryker disable next-line ConditionalExpression,LogicalOperator: an instant taken into a zone and back is the same instant; only a calendar date outside UTC needs it (caught by the zone tests)
      write = (p) => campaignDateTime(p.dateOnly && !utc ? inZone(p).toMillis() : p.ms)
      break
    case 'iso':
      write = (p) =>
        p.dateOnly ? isoDate(p.ms) : utc ? isoInstant(p.ms) : (DateTime.fromMillis(p.ms, { zone }).toISO() ?? isoInstant(p.ms))
      break
    default: {
      if (format.trim() === '')
        throw new StepConfigError('the format is empty — use "date", "dateTime", "iso" or a Luxon format', ['format'])
      write = (p) => inZone(p).toFormat(format)
    }
  }
  // Stryker disable next-line ConditionalExpression,StringLiteral: false only skips the shortcut below; the general path gives the same day (true is caught by the dateTime tests)
  const fastDay = format === 'date' && utc
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null and '' are caught by the nothing-in tests
    if (v === null || v === undefined || v === '') return null
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,BlockStatement: skipping the shortcut gives the same day, and utcDayOf refuses what is not text (taking it for dateTime is caught by the dateTime tests)
    if (fastDay && typeof v === 'string') {
      const day = utcDayOf(v)
      // Stryker disable next-line ConditionalExpression: false falls through to the general path, which gives the same day
      if (day !== undefined) return day
    }
    return write(read(v))
  })
}
