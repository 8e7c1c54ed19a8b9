import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'
import type { Step } from '../steps'
import { fail, show, StepConfigError, sync, toText, warn, type CompiledStep, type StepContext } from './runtime'

type StepOf<F extends Step['fn']> = Extract<Step, { fn: F }>

// Local part: RFC 5322 "atext" dot-atoms (no quoted forms: no marketing system takes them).
const localPart = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u
// Domain: labels of letters, digits and inner hyphens; a top-level label of two letters or more.
const domainPart = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u

/** Why an address is malformed, or undefined when it is well formed. */
export function emailProblem(address: string): string | undefined {
  if (address.length > 254) return 'is longer than 254 characters'
  const at = address.lastIndexOf('@')
  if (at <= 0) return 'has no "@" with a name before it'
  const local = address.slice(0, at)
  const domain = address.slice(at + 1)
  if (local.length > 64) return 'has a name part longer than 64 characters'
  if (/\s/.test(address)) return 'contains white space'
  if (!localPart.test(local)) return `has a name part ("${local}") with characters an address cannot hold`
  if (!domainPart.test(domain)) return `has a domain ("${domain}") that is not a valid host name`
  return undefined
}

/** Trim, NFC, lower-case the domain (the name part is case-sensitive by the standard). */
export function normaliseEmail(text: string): string {
  const trimmed = text.trim().normalize('NFC')
  const at = trimmed.lastIndexOf('@')
  return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase()
}

export function email(step: StepOf<'email'>, ctx: StepContext): CompiledStep {
  const validate = step.validate !== false
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    const address = normaliseEmail(text)
    if (address === '') return null
    if (validate) {
      const problem = emailProblem(address)
      if (problem) return fail(ctx, `${show(address)} is not an email address: it ${problem}`, v)
    }
    return address
  })
}

export function phone(step: StepOf<'phone'>, ctx: StepContext): CompiledStep {
  const country = step.defaultCountry?.toUpperCase()
  if (country !== undefined && !isSupportedCountry(country)) {
    throw new StepConfigError(
      `"${step.defaultCountry}" is not a country code libphonenumber knows — use two letters such as "DE" or "US"`,
      ['defaultCountry']
    )
  }
  const defaultCountry = country as CountryCode | undefined
  return sync((v, _record, rt) => {
    const text = toText(v, ctx)
    if (text === null) return null
    const trimmed = text.trim()
    if (trimmed === '') return null
    let parsed
    try {
      parsed = parsePhoneNumberFromString(trimmed, defaultCountry ? { defaultCountry } : undefined)
      // Stryker disable next-line BlockStatement: parsed is still undefined when the parser throws
    } catch {
      parsed = undefined
    }
    if (parsed && parsed.isValid()) return parsed.number
    // "Where it can": an unreadable number is written as typed, and the run says so.
    warn(
      rt,
      ctx,
      `${show(trimmed)} is not a valid phone number${defaultCountry ? ` for ${defaultCountry}` : ' (no country code; set "defaultCountry")'} — written as is`
    )
    return trimmed
  })
}
