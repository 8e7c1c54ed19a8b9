import { describe, expect, it } from 'vitest'
import { tryCompileFlow } from '../../src/shared/mapping/compile'
import { applySteps, flowWith, stepError, stepValue } from '../support/run-steps'

// Email addresses and phone numbers as they sit in a CRM: typed by people, with spaces, capitals
// and mistakes. What reaches Campaign, and what fails the record (with why).

const email = (input: unknown, validate?: boolean) => stepValue([{ fn: 'email', validate }], input)
const emailReason = async (input: unknown) => (await stepError([{ fn: 'email' }], input)).reason

describe('email', () => {
  it('trims, composes accents and lower-cases the domain only (the name part is case-sensitive)', async () => {
    expect(await email('  Anna.Muller@Example.COM\t')).toBe('Anna.Muller@example.com')
    // "é" typed as e + combining accent becomes the one character.
    expect(await email('Rene\u0301@Example.fr')).toBe('Ren\u00e9@example.fr')
    expect(await email('o"x@EXAMPLE.com', false)).toBe('o"x@example.com')
    expect(await email('a@b@Example.COM', false)).toBe('a@b@example.com')
  })

  it('gives null for nothing and blank text', async () => {
    expect(await email(null)).toBe(null)
    expect(await email('   ')).toBe(null)
  })

  it('accepts the forms real addresses take', async () => {
    for (const ok of [
      "o'brien+news@example.co.uk",
      'first.last@sub.example.com',
      'a@b.io',
      'x_y-z@my-host.example',
      'user@xn--bcher-kva.de',
      'ü@bücher.de',
      `${'n'.repeat(64)}@example.com`,
      `a@${'d'.repeat(63)}.com`
    ]) {
      expect(await email(ok)).toBe(ok)
    }
  })

  it('says what is wrong with a malformed address', async () => {
    expect(await emailReason('anna.example.com')).toBe('"anna.example.com" is not an email address: it has no "@" with a name before it')
    expect(await emailReason('@example.com')).toBe('"@example.com" is not an email address: it has no "@" with a name before it')
    expect(await emailReason('an na@example.com')).toBe('"an na@example.com" is not an email address: it contains white space')
    expect(await emailReason('anna.@example.com')).toBe(
      '"anna.@example.com" is not an email address: it has a name part ("anna.") with characters an address cannot hold'
    )
    expect(await emailReason('anna@example')).toBe(
      '"anna@example" is not an email address: it has a domain ("example") that is not a valid host name'
    )
    expect(await emailReason('anna@example.c')).toMatch(/has a domain \("example\.c"\)/)
    expect(await emailReason('anna@exa_mple.com')).toMatch(/has a domain/)
    expect(await emailReason('anna@example-.com')).toMatch(/has a domain/)
    expect(await emailReason(`${'n'.repeat(65)}@example.com`)).toMatch(/: it has a name part longer than 64 characters$/)
    expect(await emailReason(`a@${'d'.repeat(64)}.com`)).toMatch(/has a domain/)
    const longest = `${'n'.repeat(60)}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.${'g'.repeat(6)}.com`
    expect(longest.length).toBe(254)
    expect(await email(longest)).toBe(longest)
    expect(await emailReason(longest.replace('.com', 'g.com'))).toMatch(/: it is longer than 254 characters$/)
  })

  it('fails the record with the value as it came in, and refuses lists and objects as text', async () => {
    const r = await stepError([{ fn: 'email' }], ' Not An Address ')
    expect(r.input).toBe(' Not An Address ')
    expect(await stepError([{ fn: 'email' }], { address: 'a@b.io' })).toMatchObject({
      code: 'notText',
      reason: 'expected text, found {"address":"a@b.io"}'
    })
  })

  it('without validation, writes the normalised text as it is', async () => {
    expect(await email(' Not An Address ', false)).toBe('Not An Address')
  })
})

describe('phone', () => {
  it('writes E.164 for numbers with a country code or the default country, in any case', async () => {
    expect(await stepValue([{ fn: 'phone' }], ' +33 1 42 68 53 00 ')).toBe('+33142685300')
    expect(await stepValue([{ fn: 'phone', defaultCountry: 'fr' }], '01 42 68 53 00')).toBe('+33142685300')
    expect(await stepValue([{ fn: 'phone', defaultCountry: 'US' }], '(212) 555-0100')).toBe('+12125550100')
  })

  it('gives null for nothing and blank text', async () => {
    expect(await stepValue([{ fn: 'phone' }], null)).toBe(null)
    expect(await stepValue([{ fn: 'phone' }], '  ')).toBe(null)
  })

  it('writes what it cannot read as typed (trimmed), and says so with the country it tried', async () => {
    const withCountry = await applySteps([{ fn: 'phone', defaultCountry: 'DE' }], ' 12 ')
    expect(withCountry).toMatchObject({
      value: '12',
      warnings: [{ field: 'out', step: 0, message: '"12" is not a valid phone number for DE — written as is' }]
    })
    const national = await applySteps([{ fn: 'phone' }], '01 42 68 53 00')
    expect(national).toMatchObject({
      value: '01 42 68 53 00',
      warnings: [{ message: '"01 42 68 53 00" is not a valid phone number (no country code; set "defaultCountry") — written as is' }]
    })
    // A number of 250 digits makes the parser give up: still written as typed, with the warning.
    const huge = await applySteps([{ fn: 'phone' }], `+${'9'.repeat(250)}`)
    expect(huge).toMatchObject({
      value: `+${'9'.repeat(250)}`,
      warnings: [{ message: expect.stringMatching(/is not a valid phone number/) }]
    })
  })

  it('refuses an unknown country when compiling, at "defaultCountry"', () => {
    const r = tryCompileFlow(flowWith('out', ['x'], [{ fn: 'phone', defaultCountry: 'ZZ' }]))
    expect(r.ok ? [] : r.problems.map((p) => [p.path, p.message])).toEqual([
      [
        ['flows', 0, 'fields', 0, 'steps', 0, 'defaultCountry'],
        '"ZZ" is not a country code libphonenumber knows — use two letters such as "DE" or "US"'
      ]
    ])
  })
})
