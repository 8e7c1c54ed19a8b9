import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readLogExports } from '../../src/main/connectors/campaign/log-files'

/**
 * A Campaign log export that is not UTF-8 (saved again as Latin-1, cut mid-character): its rows
 * with bytes that are not text are reported by file and line, never written with "�" in place
 * of the text; a UTF-8 file whose text holds "�" itself is read as it is.
 */
let folder: string | undefined
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true })
})

const header = 'id,eventDate,address,status\r\n'

describe('log exports that are not UTF-8', () => {
  it('report the rows whose bytes are not text and read the others', async () => {
    folder = await mkdtemp(join(tmpdir(), 'log-encoding-'))
    const latin1 = Buffer.concat([
      Buffer.from(`${header}ev-1,2026-12-06 10:00:00.000Z,ok@example.com,sent\r\n`),
      Buffer.from('ev-2,2026-12-06 10:00:00.000Z,ren', 'utf8'),
      Buffer.from([0xe9]), // "é" in Latin-1: not UTF-8
      Buffer.from('e@example.com,sent\r\n', 'utf8')
    ])
    await writeFile(join(folder, 'broadLogRcp_20261206_01.csv'), latin1)
    const { events, problems } = await readLogExports(folder)
    expect(events.map((e) => e.id)).toEqual(['ev-1'])
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'broadLogRcp_20261206_01.csv',
        line: 3,
        type: 'send',
        code: 'notUtf8',
        message: 'the row is not valid UTF-8 (bytes that are not text, read as "�") — export the file again as UTF-8'
      })
    ])
  })

  it('keep a "�" that a UTF-8 file holds as text', async () => {
    folder = await mkdtemp(join(tmpdir(), 'log-encoding-'))
    await writeFile(join(folder, 'broadLogRcp_20261206_01.csv'), `${header}ev-1,2026-12-06 10:00:00.000Z,a\uFFFDb@example.com,sent\r\n`)
    const { events, problems } = await readLogExports(folder)
    expect(problems).toEqual([])
    expect(events.map((e) => e.id)).toEqual(['ev-1'])
  })
})
