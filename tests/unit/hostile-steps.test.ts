import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDocumentText } from '../../src/shared/mapping/document-io'
import { formatProblem } from '../../src/shared/problems'
import { applySteps, stepError, stepValue } from '../support/run-steps'

/**
 * Hostile values through transform steps, found in review: each either gets a clear message
 * at its place (a step argument when the document is read, the record otherwise), or gives
 * exactly the value the user wrote — never a silently different one, an "unexpected failure"
 * or a string the size of memory.
 */

const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')

describe('pad: the length is bounded when the document is read', () => {
  it('a pad length of 100,000,000 is refused at its path, not run on every record', () => {
    const doc = JSON.parse(good) as { flows: Array<{ fields: Array<{ steps?: unknown[] }> }> }
    doc.flows[0].fields[0].steps = [{ fn: 'pad', length: 100_000_000, char: '0' }]
    const result = parseDocumentText(JSON.stringify(doc))
    expect(result.ok).toBe(false)
    const lines = result.ok ? [] : result.problems.map(formatProblem)
    expect(lines).toContainEqual(expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.length: must be at most 10000\b/))
  })

  it('a length the engine cannot build is a config error, not an "unexpected failure" on every record', async () => {
    await expect(applySteps([{ fn: 'pad', length: 1_000_000_000 }], 'a')).rejects.toThrow(/at most 10000/)
  })
})

describe('dates: numbers outside the range of a date', () => {
  it('formatDate fails the record with a message instead of writing "0NaN-NaN-NaN"', async () => {
    const error = await stepError([{ fn: 'formatDate', format: 'date' }], 1e20)
    expect(error.reason).toMatch(/is not a date/)
  })

  it('parseDate fails the record with a message, not "unexpected failure: Invalid time value"', async () => {
    const error = await stepError([{ fn: 'parseDate' }], 1e20)
    expect(error.reason).toMatch(/is not a date/)
    expect(error.code).not.toBe('unexpected')
  })

  it('the last instant a date holds still reads', async () => {
    expect(await stepValue([{ fn: 'parseDate' }], 8.64e15)).toBe('+275760-09-13T00:00:00.000Z')
    expect(await stepValue([{ fn: 'parseDate' }], -8.64e15)).toBe('-271821-04-20T00:00:00.000Z')
  })
})

describe('parseNumber: more digits than a number keeps', () => {
  it('refuses text whose digits a number cannot hold exactly, instead of writing a different number', async () => {
    // 9007199254740993 is 2^53 + 1: read as a double it becomes ...992, one less than the text.
    const error = await stepError([{ fn: 'parseNumber' }], '9007199254740993')
    expect(error.reason).toMatch(/significant digits/)
    expect((await stepError([{ fn: 'parseNumber' }], '12345678901234567890')).reason).toMatch(/significant digits/)
    expect((await stepError([{ fn: 'parseNumber', decimalSeparator: ',' }], '0,10000000000000000001')).reason).toMatch(/significant digits/)
  })

  it('long texts that a number holds exactly still read', async () => {
    expect(await stepValue([{ fn: 'parseNumber' }], '9007199254740992')).toBe(9007199254740992)
    expect(await stepValue([{ fn: 'parseNumber' }], '1,000,000,000,000,000,000,000')).toBe(1e21)
    expect(await stepValue([{ fn: 'parseNumber' }], '0.000000000000000000001')).toBe(1e-21)
    expect(await stepValue([{ fn: 'parseNumber' }], '123456789012345.6')).toBe(123456789012345.6)
    expect(await stepValue([{ fn: 'parseNumber' }], '-00012.5000000000000000000')).toBe(-12.5)
  })
})

describe("lookup: only the related record's own columns", () => {
  it('a field named like an inherited property ("toString", "constructor") reads as empty, never a function', async () => {
    const opts = { from: '_parentcustomerid_value' }
    expect(await stepValue([{ fn: 'lookup', field: 'toString' }], { name: 'Contoso' }, opts)).toBeNull()
    expect(await stepValue([{ fn: 'lookup', field: 'constructor' }], { name: 'Contoso' }, opts)).toBeNull()
    expect(await stepValue([{ fn: 'lookup', field: '__proto__' }], { name: 'Contoso' }, opts)).toBeNull()
    expect(await stepValue([{ fn: 'lookup', field: 'name' }], { name: 'Contoso' }, opts)).toBe('Contoso')
  })
})

describe('formatNumber: a negative number that rounds to zero', () => {
  it('is written "0.00", not "-0.00"', async () => {
    expect(await stepValue([{ fn: 'formatNumber', decimals: 2 }], -0.001)).toBe('0.00')
    expect(await stepValue([{ fn: 'formatNumber', decimals: 0, decimalSeparator: ',' }], '-0,4')).toBe('0')
    expect(await stepValue([{ fn: 'formatNumber' }], -0)).toBe('0')
    expect(await stepValue([{ fn: 'formatNumber', decimals: 2 }], -0.005)).toBe('-0.01')
  })
})
