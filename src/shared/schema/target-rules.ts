import { guidPattern, numberTypes, textTypes, type Field, type System, type Table } from './model'

/**
 * The rules a target service applies to a value before it stores it, written down once
 * beside the schema model. Validation (for what a document can know), preview, dry run and
 * the runner (for each record, before any write) all call `fieldRule`, so a record the
 * service would refuse is a per-record failure with the field and the reason everywhere,
 * and is never sent. What only the service can decide is listed by `decidedByTarget`.
 * The sources of each rule are in docs/validation.md ("Target rules").
 */

/**
 * Campaign's email check (the `email` data policy of `nms:recipient`, error XTK-170001).
 * Adobe does not document the rule itself; this is the rule the built-in sandbox's Campaign
 * simulator applies: one "@", no spaces, a dot in the domain, something on each side.
 * docs/validation.md says where each part comes from.
 */
export const campaignEmailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/** Campaign's date and timestamp grammar (`YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS.mmmZ`, or ISO 8601). */
const campaignDatePattern = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/

/** The verdict on one value: the value to write (possibly normalised), or why the service would refuse it. */
/** `code`: what the rule refused, for the errors view's reason filter (src/shared/mapping/failure-reasons.ts). */
export type RuleVerdict = { ok: true; value: unknown } | { ok: false; reason: string; code: string }

export type FieldRule = (value: unknown) => RuleVerdict

const ok = (value: unknown): RuleVerdict => ({ ok: true, value })
const no = (reason: string, code: string): RuleVerdict => ({ ok: false, reason, code })

/** `"Email" (email)` — the name a consultant sees, and the API name they map. */
export function fieldLabel(field: Pick<Field, 'name' | 'displayName'>): string {
  return field.displayName && field.displayName !== field.name ? `"${field.displayName}" (${field.name})` : `"${field.name}"`
}

const systemName = (system: System) => (system === 'campaign' ? 'Campaign' : 'Dynamics')

/**
 * A NUL, or a UTF-16 surrogate without its other half. Without the `u` flag a regex reads code
 * units, so a lone half is a match and a pair is not. One native scan: the runner checks every
 * text value of every record (a loop over the characters in JS cost several times the mapping).
 */
const badCharacterPattern = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Characters a JSON body carries but the service cannot store: NUL (PostgreSQL text) and lone UTF-16 surrogates (not UTF-8). */
function badCharacter(text: string): string | undefined {
  const found = badCharacterPattern.exec(text)
  if (!found) return undefined
  const position = found.index + 1
  return found[0] === '\0'
    ? `contains a NUL character (U+0000) at position ${position}, which Campaign cannot store — remove it with a "replace" step`
    : `contains a lone UTF-16 surrogate at position ${position} (broken text that cannot be sent as UTF-8) — fix the source value`
}

const surrogatePattern = /[\uD800-\uDFFF]/

/** Length as the service counts it: Campaign in characters (code points), Dataverse in UTF-16 code units. */
export function lengthIn(system: System, text: string): number {
  // Text without surrogates has as many code points as code units: one native scan decides.
  if (system === 'dynamics' || !surrogatePattern.test(text)) return text.length
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1) // NaN past the end: a lone high surrogate counts as one
      if (next >= 0xdc00 && next <= 0xdfff) i++
    }
    n++
  }
  return n
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined
}

/**
 * The rule for one target field, or undefined when the service checks nothing we can see
 * (links are checked by the sink against the parent flow; collections are never written).
 * Empty values: null and undefined are "no value"; on an email field an empty or
 * spaces-only text is also "no value" (written as null, never as ""). A required field with
 * no value fails.
 */
export function fieldRule(field: Field, system: System): FieldRule | undefined {
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: said first for the reader; none of these types has a rule below either, so each falls through to the same undefined
  if (field.type === 'link' || field.type === 'collection' || field.type === 'lookup' || field.type === 'unknown') return undefined
  const label = fieldLabel(field)
  const service = systemName(system)
  const required = field.required === 'required'
  const empty = (): RuleVerdict =>
    required
      ? no(`${label} is required in ${service} and the value is empty — map a value (or filter such records out)`, 'requiredMissing')
      : ok(null)
  // Dataverse's rules beyond length are left to Dataverse (the events flows write there): not observed here yet.
  const campaign = system === 'campaign'

  if (textTypes.has(field.type) || field.type === 'uniqueidentifier') {
    const max = field.maxLength
    const email = campaign && field.type === 'email'
    const guid = !campaign && field.type === 'uniqueidentifier'
    return (value) => {
      if (isEmpty(value)) return empty()
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        return no(`${label} is text and the value is ${Array.isArray(value) ? 'a list' : typeof value} — convert it first`, 'wrongType')
      }
      // Stryker disable next-line ConditionalExpression,StringLiteral: String() of a string is the string itself
      let text = typeof value === 'string' ? value : String(value)
      if (email) {
        text = text.trim()
        if (text === '') return empty()
      } else if (campaign && text === '' && required) return empty()
      if (campaign) {
        const bad = badCharacter(text)
        if (bad) return no(`${label} ${bad}`, 'badCharacter')
      }
      const length = lengthIn(system, text)
      if (length > (max ?? Infinity))
        return no(`the value is ${length} characters and ${label} holds ${max} — add a "truncate" step`, 'tooLong')
      if (guid && !guidPattern.test(text))
        return no(`${JSON.stringify(value)} is not a GUID for ${label}, so Dynamics would refuse it — map a Dynamics id`, 'wrongType')
      if (email && !campaignEmailPattern.test(text)) {
        return no(
          `${JSON.stringify(text)} is not an email address Campaign accepts (XTK-170001: one "@", no spaces, a dot in the domain) — fix it in Dynamics or filter it out`,
          'emailRefused'
        )
      }
      // Dataverse takes text only as a JSON string (OData JSON format §7.1, docs/validation.md): a number or yes/no goes as its text.
      return ok(typeof value === 'string' || !campaign ? text : value)
    }
  }
  if (field.type === 'enumeration') {
    const values = field.options?.length ? new Set(field.options.map((o) => o.value)) : undefined
    return (value) => {
      if (isEmpty(value) || value === '') {
        if (!campaign) return ok(value)
        // Campaign stores an empty enumeration as "", which is a value only where the enumeration lists it.
        if (values && !values.has(''))
          return no(
            `${label} is an enumeration and the value is empty — give it one of ${[...values].map((x) => JSON.stringify(x)).join(', ')} (a valueMap "otherwise" does)`,
            'notInList'
          )
        return empty()
      }
      if (values && !values.has(value as string)) {
        return no(
          `${JSON.stringify(value)} is not a value of ${label} (${[...values].map((x) => JSON.stringify(x)).join(', ')}) — map it with "valueMap"`,
          'notInList'
        )
      }
      return ok(value)
    }
  }
  if (!campaign) return dataverseRule(field, label)
  if (numberTypes.has(field.type)) {
    const whole = field.type === 'integer' || field.type === 'bigint'
    return (value) => {
      if (isEmpty(value) || value === '') return empty()
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
      if (!Number.isFinite(n)) return no(`${label} is a number and the value is ${JSON.stringify(value)} — add "parseNumber"`, 'notANumber')
      if (whole && !Number.isInteger(n)) return no(`${label} holds whole numbers and the value is ${n} — round it first`, 'notWholeNumber')
      return ok(value)
    }
  }
  if (field.type === 'boolean') {
    return (value) => {
      if (isEmpty(value)) return empty()
      if (typeof value !== 'boolean')
        return no(`${label} is true/false and the value is ${JSON.stringify(value)} — add "toBoolean"`, 'notTrueOrFalse')
      return ok(value)
    }
  }
  if (field.type === 'dateonly' || field.type === 'datetime') {
    return (value) => {
      if (isEmpty(value) || value === '') return empty()
      const text = typeof value === 'string' ? value.trim() : undefined
      // Stryker disable next-line ConditionalExpression: without the first test, a value that is not text is refused by the pattern all the same (it tests "undefined")
      if (text === undefined || !campaignDatePattern.test(text) || !validDate(text)) {
        return no(
          `${JSON.stringify(value)} is not a ${field.type === 'dateonly' ? 'date (YYYY-MM-DD, years 0000–9999)' : 'date-time Campaign reads (YYYY-MM-DD HH:MM:SS.mmmZ, years 0000–9999)'} for ${label} — add "formatDate"`,
          'dateRefused'
        )
      }
      return ok(value)
    }
  }
  return undefined
}

/**
 * Dataverse's JSON payload types (OData v4 JSON format, https://docs.oasis-open.org/odata/odata-json-format/v4.01/odata-json-format-v4.01.html
 * §7.1): a number column takes a JSON number, a Yes/No column `true`/`false`, a choice column one
 * of its option values (an integer), a date and time column an ISO 8601 text
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/datetimeattributemetadata).
 * Anything else Dataverse answers 400 "Cannot convert the literal … to the expected type 'Edm.…'"
 * (docs/validation.md, "Target rules"). Empty (null) is left to Dataverse, as for text.
 */
function dataverseRule(field: Field, label: string): FieldRule | undefined {
  const refuse = (value: unknown, what: string, code: string, fix: string) =>
    no(`${JSON.stringify(value) ?? String(value)} is not ${what} for ${label}, so Dynamics would refuse it — ${fix}`, code)
  if (numberTypes.has(field.type)) {
    const whole = field.type === 'integer' || field.type === 'bigint'
    return (value) => {
      if (isEmpty(value)) return ok(null)
      if (typeof value !== 'number' || !Number.isFinite(value))
        return refuse(value, 'a number (Dynamics takes no text here)', 'notANumber', 'add "parseNumber"')
      if (whole && !Number.isInteger(value)) return refuse(value, 'a whole number', 'notWholeNumber', 'round it first')
      if (field.type === 'integer' && (value < -2147483648 || value > 2147483647))
        return refuse(value, 'a whole number Dynamics holds (-2147483648 to 2147483647)', 'notWholeNumber', 'fix the value')
      return ok(value)
    }
  }
  if (field.type === 'boolean') {
    return (value) => {
      if (isEmpty(value)) return ok(null)
      return typeof value === 'boolean' ? ok(value) : refuse(value, 'true or false', 'notTrueOrFalse', 'add "toBoolean"')
    }
  }
  if (field.type === 'picklist') {
    const values = field.options?.length ? field.options.map((o) => o.value) : undefined
    return (value) => {
      if (isEmpty(value)) return ok(null)
      if (typeof value !== 'number' || !Number.isInteger(value))
        return refuse(value, 'a choice value (an integer)', 'notInList', 'map it with "valueMap" or "optionValue"')
      if (values && !values.includes(value))
        return refuse(value, `one of the choice's values (${values.join(', ')})`, 'notInList', 'map it with "valueMap"')
      return ok(value)
    }
  }
  if (field.type === 'datetime' || field.type === 'dateonly') {
    const dateOnly = field.type === 'dateonly' || field.dateBehavior === 'dateOnly'
    return (value) => {
      if (isEmpty(value)) return ok(null)
      // From 1753 on: a DateTime holds 1753-01-01 to 9999-12-31 (MC-CSDL 2.2.1.4,
      // https://learn.microsoft.com/openspecs/windows_protocols/mc-csdl/0d84a8c8-5f14-4567-b9b7-651f69c13df8).
      if (
        typeof value !== 'string' ||
        !dataverseDatePattern.test(value) ||
        digits(value, 0, 4) < 1753 ||
        !validDate(value) ||
        !validTime(value)
      )
        return refuse(
          value,
          dateOnly ? 'a date (YYYY-MM-DD) from 1753 on' : 'a date and time (ISO 8601: YYYY-MM-DDTHH:MM:SSZ) from 1753 on',
          'dateRefused',
          'add "formatDate", or fix the value in the source'
        )
      return ok(value)
    }
  }
  return undefined
}

/** ISO 8601 as Dataverse reads a date and time: a `T` between date and time, an optional zone (the API takes a time without one as UTC). */
const dataverseDatePattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$/

/** Hours 00–23, minutes and seconds 00–59 (the pattern has put digits at 11–12, 14–15, 17–18). */
function validTime(text: string): boolean {
  if (text.length <= 10) return true
  if (digits(text, 11, 2) > 23 || digits(text, 14, 2) > 59) return false
  return text[16] !== ':' || digits(text, 17, 2) <= 59
}

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The number written by the `count` decimal digits at `at`. */
function digits(text: string, at: number, count: number): number {
  let value = 0
  for (let i = at; i < at + count; i++) value = value * 10 + text.charCodeAt(i) - 48
  return value
}

/** A real calendar date and time (2024-02-30 is not), as Campaign's parser requires. */
function validDate(text: string): boolean {
  // Date refuses month 13, day 32 or hour 25, but rolls 2024-02-30 over to March: the day is checked against its month.
  if (Number.isNaN(new Date(text.replace(' ', 'T')).getTime())) return false
  // The pattern has put digits at 0–3, 5–6 and 8–9 (a split and map here cost most of the rule).
  const y = digits(text, 0, 4)
  const m = digits(text, 5, 2)
  const d = digits(text, 8, 2)
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  return d <= (m === 2 && leap ? 29 : daysInMonth[m - 1])
}

/**
 * What the target decides and we cannot see, for the plan to say rather than promise:
 * uniqueness on the service side (identification keys other than the match key), and the
 * rules of the service that no metadata describes.
 */
export function decidedByTarget(target: Table, mapped: readonly string[], matchTarget?: string): string[] {
  const service = systemName(target.system)
  const notes: string[] = []
  const byName = new Map(target.fields.map((f) => [f.name, f]))
  for (const name of mapped) {
    const field = byName.get(name)
    if (!field) continue
    if (field.isKey && name !== matchTarget)
      notes.push(`uniqueness of ${fieldLabel(field)} is decided by ${service} (another record may already hold the value)`)
  }
  if (target.system === 'campaign') {
    notes.push(
      'rules Campaign applies that its metadata does not describe (custom data policies, workflows on the resource) are decided by Campaign'
    )
  }
  return notes
}
