import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decodeLine, encodeEntry, journalValue, zeroCounts, type JournalEntry } from '../../src/main/sync/journal-format'
import { SyncJournal } from '../../src/main/sync/journal'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-journal-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const start = (runId: string, at = 1000) => ({ runId, flowId: 'contacts', mappingHash: 'h1', mode: 'full' as const, dryRun: false, at })
const counts = (patch: Partial<ReturnType<typeof zeroCounts>> = {}) => ({ ...zeroCounts(), ...patch })

describe('journal line format', () => {
  it('round-trips entries and rejects any changed byte', () => {
    const entry: JournalEntry = {
      t: 'outcomes',
      at: 5,
      page: 1,
      items: [{ k: 'a"b\n€', o: 'created', op: 'create' }],
      d: { read: 1, created: 1 }
    }
    const line = encodeEntry(entry)
    expect(line.endsWith('}\n')).toBe(true)
    expect(JSON.parse(line)).toMatchObject({ e: entry })
    expect(decodeLine(line.slice(0, -1))).toEqual(entry)
    expect(decodeLine(line.slice(0, -1).replace('created', 'createe'))).toBeUndefined()
    expect(decodeLine(line.slice(0, 30))).toBeUndefined()
    expect(decodeLine('not json')).toBeUndefined()
  })

  it('keeps source values but never secret-looking fields, and shortens long text', () => {
    expect(journalValue({ email: 'a@b.co', password: 'hunter2', nested: { clientSecret: 'x', access_token: 'y' } })).toEqual({
      email: 'a@b.co',
      password: '[redacted]',
      nested: { clientSecret: '[redacted]', access_token: '[redacted]' }
    })
    expect(String(journalValue('x'.repeat(1000)))).toMatch(/… \(1000 characters\)$/)
  })
})

describe('run journal', () => {
  it('recovers the last checkpoint and the records journaled after it; cuts a torn tail', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('r1'))
    await run.append({ t: 'outcomes', at: 1001, page: 1, items: [{ k: 'a', o: 'created' }], d: { read: 1, created: 1 } })
    await run.checkpoint({
      t: 'checkpoint',
      at: 1002,
      phase: 'pages',
      page: 1,
      pass: 0,
      cursor: { at: 1 },
      counts: counts({ read: 2, created: 1, unchanged: 1 })
    })
    await run.append({
      t: 'outcomes',
      at: 1003,
      page: 2,
      items: [
        { k: 'b', o: 'created' },
        { k: 'c', o: 'deferred', code: 'parentMissing', message: 'm', pending: { op: 'create', key: 'c', record: { x: 1 } } }
      ],
      d: { read: 2, created: 1, deferred: 1 }
    })
    await run.append({
      t: 'outcomes',
      at: 1004,
      page: 2,
      items: [{ id: '#2:5', o: 'failed', stage: 'transform', code: 'transform', message: 'bad' }],
      d: { read: 1, failed: 1 }
    })
    await run.close()
    // A crash mid-append: half a line at the end.
    const path = journal.runPath('r1')
    const sizeBefore = statSync(path).size
    appendFileSync(
      path,
      encodeEntry({ t: 'outcomes', at: 1005, page: 2, items: [{ k: 'd', o: 'created' }], d: { read: 1, created: 1 } }).slice(0, 40)
    )

    const recovery = await journal.recover('r1')
    expect(recovery.status).toBe('interrupted')
    expect(recovery.checkpoint).toMatchObject({ page: 1, cursor: { at: 1 } })
    expect(recovery.counts).toMatchObject({ read: 5, created: 2, unchanged: 1, deferred: 1, failed: 1 })
    expect([...recovery.doneAfterCheckpoint.keys()]).toEqual(['b', 'c', '#2:5'])
    expect([...recovery.deferred.keys()]).toEqual(['c'])
    expect(recovery.tornBytes).toBe(40)
    expect(statSync(path).size).toBe(sizeBefore)
    expect(recovery.durationMs).toBe(4)
    // Opening the journal again (the app restarting) summarises the crashed run.
    const reopened = await SyncJournal.open(dir)
    expect((await reopened.recover('r1')).tornBytes).toBe(0)
    expect(await reopened.summary('r1')).toMatchObject({ status: 'interrupted', resumable: true, errorCount: 1 })
  })

  it('ignores everything after a corrupt line (a flipped byte is never trusted)', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('r2'))
    await run.checkpoint({
      t: 'checkpoint',
      at: 1001,
      phase: 'pages',
      page: 1,
      pass: 0,
      cursor: 'one',
      counts: counts({ read: 1, created: 1 })
    })
    await run.checkpoint({
      t: 'checkpoint',
      at: 1002,
      phase: 'pages',
      page: 2,
      pass: 0,
      cursor: 'two',
      counts: counts({ read: 2, created: 2 })
    })
    await run.checkpoint({
      t: 'checkpoint',
      at: 1003,
      phase: 'pages',
      page: 3,
      pass: 0,
      cursor: 'three',
      counts: counts({ read: 3, created: 3 })
    })
    await run.close()
    const path = journal.runPath('r2')
    const lines = readFileSync(path, 'utf8').split('\n')
    lines[2] = lines[2].replace('"two"', '"twX"')
    writeFileSync(path, lines.join('\n'))
    const recovery = await journal.recover('r2')
    expect(recovery.checkpoint?.cursor).toBe('one')
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(2)
  })

  it('summarises finished runs in the index, rebuilds it when lost, and keeps flow cursors', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('r3'))
    await run.end({
      t: 'end',
      at: 1500,
      status: 'completed',
      counts: counts({ read: 3, created: 3 }),
      durationMs: 500,
      cursor: { delta: 'link' }
    })
    expect(await journal.summary('r3')).toMatchObject({ status: 'completed', durationMs: 500, counts: { created: 3 }, resumable: false })
    expect(await journal.flowState('contacts')).toMatchObject({ cursor: { delta: 'link' }, runId: 'r3' })

    rmSync(join(dir, 'index.json'))
    const rebuilt = await SyncJournal.open(dir)
    expect(await rebuilt.summary('r3')).toMatchObject({ status: 'completed', counts: { created: 3 } })
    expect(existsSync(join(dir, 'index.json'))).toBe(true)
  })

  it('resume appends to the same file; the duration adds up the attempts', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('r4', 0))
    await run.checkpoint({ t: 'checkpoint', at: 100, phase: 'pages', page: 1, pass: 0, cursor: 1, counts: counts({ read: 1, created: 1 }) })
    await run.close() // crashed: no end
    const { run: again, recovery } = await journal.reopen('r4')
    expect(recovery.durationMs).toBe(100)
    await again.end({ t: 'end', at: 5000, status: 'completed', counts: counts({ read: 2, created: 2 }), durationMs: 150 })
    const entries: string[] = []
    await journal.readEntries('r4', (e) => entries.push(e.t))
    expect(entries).toEqual(['start', 'checkpoint', 'resume', 'end'])
    expect(await journal.summary('r4')).toMatchObject({ status: 'completed', durationMs: 150 })
  })

  it('compacts old runs to start, failures, last checkpoint and what followed it', async () => {
    const journal = await SyncJournal.open(dir)
    for (let i = 0; i < 3; i++) {
      const run = await journal.begin(start(`old${i}`, 1000 + i))
      await run.append({
        t: 'outcomes',
        at: 1,
        page: 1,
        items: [
          { k: 'a', o: 'created' },
          { k: 'b', o: 'failed', code: 'x', message: 'refused' }
        ],
        d: { read: 2, created: 1, failed: 1 }
      })
      await run.checkpoint({
        t: 'checkpoint',
        at: 2,
        phase: 'pages',
        page: 1,
        pass: 0,
        cursor: 1,
        counts: counts({ read: 2, created: 1, failed: 1 })
      })
      await run.append({ t: 'outcomes', at: 3, page: 2, items: [{ k: 'c', o: 'created' }], d: { read: 1, created: 1 } })
      await run.end({ t: 'end', at: 4, status: 'canceled', counts: counts({ read: 3, created: 2, failed: 1 }), durationMs: 3 })
    }
    const before = statSync(journal.runPath('old0')).size
    const compacted = await journal.compact({ keepDetailed: 1 })
    expect(compacted.sort()).toEqual(['old0', 'old1'])
    expect(statSync(journal.runPath('old0')).size).toBeLessThan(before)
    const recovery = await journal.recover('old0')
    expect(recovery.counts).toMatchObject({ read: 3, created: 2, failed: 1 })
    expect([...recovery.doneAfterCheckpoint.keys()]).toEqual(['c'])
    expect([...(await journal.failures('old0')).keys()]).toEqual(['b'])
    expect(await journal.summary('old0')).toMatchObject({ compacted: true, status: 'canceled' })
    expect((await journal.summary('old2'))?.compacted).toBeUndefined()
  })

  it("keeps each record's last conflicts through compaction; a later failure still reads as failed", async () => {
    const { RunHistory } = await import('../../src/main/sync/history')
    const journal = await SyncJournal.open(dir)
    const conflict = (field: string) => ({
      field,
      dynamics: { value: false, changedAt: '2026-12-06T10:00:00.000Z' },
      campaign: { value: true, changedAt: '2026-12-06T10:00:01.000Z' },
      kept: 'campaign' as const,
      rule: 'campaignNewer' as const,
      label: `Conflict: ${field}`
    })
    const run = await journal.begin(start('c1'))
    await run.append({
      t: 'outcomes',
      at: 1,
      page: 1,
      items: [
        { k: 'a', o: 'updated', conflicts: [conflict('first')] },
        { k: 'b', o: 'updated', conflicts: [conflict('b')] },
        { k: 'd', o: 'updated', conflicts: [conflict('d')] },
        { k: 'e', o: 'updated' }
      ],
      d: { read: 4, updated: 4 }
    })
    // Written again later in the run: a's last write settled another conflict; d's none; b failed after its conflict.
    await run.append({
      t: 'outcomes',
      at: 2,
      page: 1,
      items: [
        { k: 'a', o: 'updated', conflicts: [conflict('second')] },
        { k: 'd', o: 'unchanged' },
        { k: 'b', o: 'failed', stage: 'write', code: 'x', message: 'refused' }
      ],
      d: {}
    })
    await run.checkpoint({ t: 'checkpoint', at: 3, phase: 'pages', page: 1, pass: 0, cursor: 1, counts: counts({ read: 4, updated: 4 }) })
    await run.end({ t: 'end', at: 4, status: 'completed', counts: counts({ read: 4, updated: 4 }), durationMs: 3 })
    const history = new RunHistory(journal)
    const before = await history.conflicts('c1')
    expect(before.conflicts.map((c) => [c.key, c.field])).toEqual([
      ['a', 'second'],
      ['b', 'b']
    ])
    expect(await journal.compact({ keepDetailed: 0 })).toEqual(['c1'])
    expect(await history.conflicts('c1')).toEqual(before)
    expect([...(await journal.failures('c1')).keys()]).toEqual(['b'])
    expect((await journal.recover('c1')).counts).toMatchObject({ read: 4, updated: 4 })
  })
})
