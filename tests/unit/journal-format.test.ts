// The run journal's record format (src/main/sync/journal-format.ts): what a reader trusts after a
// crash (only lines whose CRC verifies), what a journaled value may hold (never a credential,
// bounded in size), and the counts every summary shows (they always add up to what was read).
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  addCounts,
  countsAddUp,
  decodeLine,
  encodeEntry,
  fullCounts,
  journalValue,
  zeroCounts,
  type JournalEntry
} from '../../src/main/sync/journal-format'

const resume = (at: number): JournalEntry => ({ t: 'resume', at })
/** The line as read back from the file: without its newline. */
const lineOf = (entry: JournalEntry) => encodeEntry(entry).slice(0, -1)
/** A line whose body is any text, with a CRC that verifies. */
const signed = (body: string) => `{"crc":"${crc32(body).toString(16).padStart(8, '0')}","e":${body}}`

describe('journal lines', () => {
  it('is one line of JSON: the CRC of the entry as 8 hex digits, then the entry', () => {
    const line = encodeEntry(resume(7))
    expect(line).toBe(`{"crc":"${crc32('{"t":"resume","at":7}').toString(16).padStart(8, '0')}","e":{"t":"resume","at":7}}\n`)
    expect(line.match(/\n/g)).toHaveLength(1)
  })

  it('writes a CRC with leading zeros as 8 digits, and reads it back', () => {
    let at = 0
    while (crc32(JSON.stringify(resume(at))) >= 0x1000_0000) at++
    const line = lineOf(resume(at))
    expect(line).toMatch(/^\{"crc":"0[0-9a-f]{7}","e":/)
    expect(decodeLine(line)).toEqual(resume(at))
    // A flipped byte in the CRC that a lenient number parser would still read the same is refused.
    for (const flipped of [' ', '+']) expect(decodeLine(line.replace('"crc":"0', `"crc":"${flipped}`))).toBeUndefined()
  })

  it('refuses a line whose frame is damaged anywhere', () => {
    const line = lineOf(resume(1))
    expect(decodeLine(line)).toEqual(resume(1))
    expect(decodeLine(line.replace('{"crc"', '{"cRc"'))).toBeUndefined()
    expect(decodeLine(line.replace('","e":', '","E":'))).toBeUndefined()
    expect(decodeLine(`${line.slice(0, -1)} `)).toBeUndefined()
    expect(decodeLine(line.slice(0, -1))).toBeUndefined()
    expect(decodeLine('')).toBeUndefined()
    expect(decodeLine('{"crc":"00000000","e":}')).toBeUndefined()
    expect(decodeLine(line.replace(/"crc":"[0-9a-f]{8}"/, '"crc":"ffffffff"'))).toBeUndefined()
  })

  it('ignores a verified line that is not an entry', () => {
    for (const body of ['null', '42', '"resume"', '{"at":1}', '{"t":1}', '[1]', '{"t":"resume"'])
      expect(decodeLine(signed(body))).toBeUndefined()
    expect(decodeLine(signed('{"t":"resume","at":3}'))).toEqual(resume(3))
  })
})

describe('journaled values', () => {
  it('keeps scalars as they are, and says what JSON cannot hold', () => {
    expect(journalValue('text')).toBe('text')
    expect(journalValue(12.5)).toBe(12.5)
    expect(journalValue(false)).toBe(false)
    expect(journalValue(null)).toBeNull()
    expect(journalValue(undefined)).toBeNull()
    expect(journalValue(Number.NaN)).toBe('NaN')
    expect(journalValue(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(journalValue(12345678901234567890n)).toBe('12345678901234567890')
    expect(journalValue(new Date('2026-12-06T09:00:00Z'))).toBe('2026-12-06T09:00:00.000Z')
    expect(journalValue(new Date('nope'))).toBeNull()
    expect(journalValue(Symbol.for('s'))).toBe('Symbol(s)')
  })

  it('shortens text past 300 characters and says how long it was', () => {
    expect(journalValue('x'.repeat(300))).toBe('x'.repeat(300))
    expect(journalValue('x'.repeat(301))).toBe(`${'x'.repeat(300)}… (301 characters)`)
  })

  it('keeps 20 items of a list and counts the rest', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => i)
    expect(journalValue(twenty)).toEqual(twenty)
    expect(journalValue([...twenty, 20, 21])).toEqual([...twenty, '… 2 more'])
  })

  it('keeps 40 fields of a record and says the rest were left out', () => {
    const forty = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i]))
    expect(journalValue(forty)).toEqual(forty)
    expect(journalValue({ ...forty, f40: 40 })).toEqual({ ...forty, '…': 'more fields left out' })
  })

  it('stops four levels down', () => {
    expect(journalValue({ a: { b: { c: { d: 'deep' } } } })).toEqual({ a: { b: { c: { d: 'deep' } } } })
    expect(journalValue({ a: { b: { c: { d: { e: 'deeper' } } } } })).toEqual({ a: { b: { c: { d: '[…]' } } } })
    expect(journalValue([[[['x', ['y']]]]])).toEqual([[[['x', '[…]']]]])
  })

  it('never keeps a value under a credential-looking name, at any depth', () => {
    const names = [
      'password',
      'Pass',
      'clientSecret',
      'client_secret',
      'access_token',
      'Authorization',
      'authorisation',
      'apiKey',
      'api-key',
      'api_key',
      'privateKey',
      'private_key',
      'private-key',
      'Cookie'
    ]
    for (const name of names) {
      expect(journalValue({ [name]: 'hunter2' })).toEqual({ [name]: '[redacted]' })
      expect(journalValue({ rows: [{ [name]: { nested: 'hunter2' } }] })).toEqual({ rows: [{ [name]: '[redacted]' }] })
    }
    expect(journalValue({ email: 'a@b.co', firstname: 'Ada', keyid: 'k1' })).toEqual({ email: 'a@b.co', firstname: 'Ada', keyid: 'k1' })
  })
})

describe('run counts', () => {
  it('add up per name; a journal written before a count existed reads it as 0', () => {
    const into = fullCounts({ read: 3, created: 1, skipped: 2 })
    expect(into).toEqual({ ...zeroCounts(), read: 3, created: 1, skipped: 2 })
    expect(addCounts(into, { read: 2, created: 1, failed: 1, filteredOut: 1 })).toEqual({
      ...zeroCounts(),
      read: 5,
      created: 2,
      skipped: 2,
      failed: 1,
      filteredOut: 1
    })
    const one = Object.fromEntries(Object.keys(zeroCounts()).map((name) => [name, 1]))
    expect(addCounts(zeroCounts(), one)).toEqual(one)
    const old = { read: 1, created: 1 } as ReturnType<typeof zeroCounts>
    expect(addCounts(old, { pending: 2 })).toMatchObject({ read: 1, created: 1, pending: 2 })
    expect(fullCounts(undefined)).toEqual(zeroCounts())
  })

  it('every outcome counts towards what was read; filtered-out is not an outcome of its own', () => {
    const outcomes = ['created', 'updated', 'unchanged', 'skipped', 'failed', 'deleted', 'deferred', 'pending'] as const
    for (const name of outcomes) {
      expect(countsAddUp({ ...zeroCounts(), read: 1, [name]: 1 })).toBe(true)
      expect(countsAddUp({ ...zeroCounts(), read: 2, [name]: 1 })).toBe(false)
    }
    expect(countsAddUp({ ...zeroCounts(), read: 1, skipped: 1, filteredOut: 1 })).toBe(true)
    expect(countsAddUp({ ...zeroCounts(), read: 1, filteredOut: 1 })).toBe(false)
    // An older journal's counts lack pending: still adds up.
    const { pending: _pending, ...older } = { ...zeroCounts(), read: 2, created: 2 }
    expect(countsAddUp(older as ReturnType<typeof zeroCounts>)).toBe(true)
  })
})
