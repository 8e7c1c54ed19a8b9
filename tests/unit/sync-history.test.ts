import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { csvField, RunHistory, toCsv } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import { zeroCounts } from '../../src/main/sync/journal-format'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-history-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('CSV (RFC 4180)', () => {
  it('quotes fields with commas, quotes and line breaks, doubles quotes, ends lines with CRLF', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', '']])).toBe('a,"b,c","say ""hi""","two\nlines",\r\n')
  })
  it('keeps spreadsheet formulas as text when asked', () => {
    expect(csvField('=HYPERLINK("x")', true)).toBe('"\'=HYPERLINK(""x"")"')
    expect(csvField('-5', true)).toBe("'-5")
    expect(csvField('=1+1', false)).toBe('=1+1')
  })
})

describe('run history', () => {
  it('lists runs, deduplicates errors by record, exports them and plans a retry', async () => {
    const journal = await SyncJournal.open(dir)
    const history = new RunHistory(journal)
    const run = await journal.begin({
      runId: 'r1',
      flowId: 'contacts',
      mappingHash: 'h',
      mappingVersion: 'v3',
      mode: 'full',
      dryRun: false,
      at: 10
    })
    await run.append({
      t: 'outcomes',
      at: 11,
      page: 1,
      items: [
        {
          k: 'a',
          o: 'failed',
          stage: 'write',
          op: 'create',
          code: 'badRequest',
          message: 'email, "x" refused',
          field: 'email',
          retryable: false
        },
        { id: '#1:4', o: 'failed', stage: 'transform', code: 'noKey', message: 'no key' },
        { k: 'b', o: 'deferred', code: 'parentMissing', message: 'no parent', pending: { op: 'create', key: 'b', record: {} } },
        { k: 'c', o: 'failed', stage: 'transform', code: 'transform', message: 'not a date', field: 'birthDate', step: 0, input: '=cmd|x' }
      ],
      d: { read: 4, failed: 3, deferred: 1 }
    })
    // b, deferred as an orphan, is written in a retry pass: it is no longer an error.
    await run.append({
      t: 'outcomes',
      at: 12,
      page: 0,
      pass: 1,
      items: [{ k: 'b', o: 'created', op: 'create' }],
      d: { deferred: -1, created: 1 }
    })
    await run.end({ t: 'end', at: 20, status: 'completed', counts: { ...zeroCounts(), read: 4, failed: 3, created: 1 }, durationMs: 10 })

    const [summary] = await history.list()
    expect(summary).toMatchObject({
      runId: 'r1',
      mappingVersion: 'v3',
      mode: 'full',
      status: 'completed',
      durationMs: 10,
      errorCount: 3,
      counts: { failed: 3, created: 1 }
    })
    const errors = await history.errors('r1')
    expect(errors.map((e) => e.id)).toEqual(['a', '#1:4', 'c'])
    expect(await history.errors('r1', { offset: 1, limit: 1 })).toEqual([expect.objectContaining({ id: '#1:4' })])

    const csv = await history.errorsCsv('r1')
    expect(csv.charCodeAt(0)).toBe(0xfeff) // the byte-order mark: spreadsheets read UTF-8
    const lines = csv.slice(1).split('\r\n')
    expect(lines[0]).toBe('run,key,stage,operation,code,reason,field,step,stepName,message,value,retryable')
    expect(lines[1]).toBe('r1,a,write,create,badRequest,target refused (badRequest),email,,,"email, ""x"" refused",,false')
    // A run journaled before the failure codes: its mapping failures read "step failed".
    expect(lines[3]).toBe("r1,c,transform,,transform,step failed,birthDate,0,,not a date,'=cmd|x,")

    expect(await history.retryPlan('r1')).toEqual({ retryOf: 'r1', flowId: 'contacts', onlyKeys: ['a', 'c'], withoutKey: 1 })
    await expect(history.errors('../etc')).rejects.toThrow(/not a run id/)
  })
})

describe('the field of a refused record', () => {
  it('is the one written field whose value the service quotes', async () => {
    const { fieldHolding } = await import('../../src/main/sync/flows/errors')
    const sent = { email: 'ann@@example', firstName: 'Ann', location: { city: 'Zürich' } }
    expect(fieldHolding("XTK-170001 The email address 'ann@@example' is not valid.", sent)).toBe('email')
    expect(fieldHolding("The value 'Zürich' is too long.", sent)).toBe('location.city')
    expect(fieldHolding('Something failed.', sent)).toBeUndefined()
    expect(fieldHolding("The value 'Ann' is refused.", { firstName: 'Ann', lastName: 'Ann' })).toBeUndefined() // two fields hold it: no guess
  })
})
