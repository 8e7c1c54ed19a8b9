import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeEntry, zeroCounts, type OutcomeItem } from '../../src/main/sync/journal-format'
import { SyncJournal } from '../../src/main/sync/journal'
import { RunHistory } from '../../src/main/sync/history'

// The journal's parts seen from outside: error pages read through the run's failure offsets,
// and the index kept as a snapshot plus a log of changes.

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sync-journal-parts-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const start = (runId: string, at = 1000) => ({ runId, flowId: 'contacts', mappingHash: 'h1', mode: 'full' as const, dryRun: false, at })
const counts = (patch: Partial<ReturnType<typeof zeroCounts>> = {}) => ({ ...zeroCounts(), ...patch })
const failed = (k: string, message = `refused ${k}`): OutcomeItem => ({ k, o: 'failed', stage: 'write', code: 'badRequest', message })

/** A finished run of `pages` pages of 10 records: record p-i fails when i is 3 or 7; page 2's record 3 succeeds later. */
async function runWithFailures(journal: SyncJournal, runId: string, pages: number, at = 1000): Promise<void> {
  const run = await journal.begin(start(runId, at))
  for (let p = 1; p <= pages; p++) {
    const items: OutcomeItem[] = []
    for (let i = 0; i < 10; i++) items.push(i === 3 || i === 7 ? failed(`${p}-${i}`) : { k: `${p}-${i}`, o: 'created' })
    await run.append({ t: 'outcomes', at: 1000 + p, page: p, items, d: { read: 10, created: 8, failed: 2 } })
  }
  await run.append({ t: 'outcomes', at: 2000, page: 0, pass: 1, items: [{ k: '2-3', o: 'updated' }], d: { failed: -1, updated: 1 } })
  await run.end({ t: 'end', at: 3000, status: 'completed', counts: counts({ read: pages * 10 }), durationMs: 2000 })
}

describe('error pages', () => {
  it('pages through the failed records in the order they failed, without the ones that later succeeded', async () => {
    const journal = await SyncJournal.open(dir)
    await runWithFailures(journal, 'r1', 5)
    const history = new RunHistory(journal)
    const all = (await history.errors('r1')).map((e) => e.key)
    expect(all).toEqual(['1-3', '1-7', '2-7', '3-3', '3-7', '4-3', '4-7', '5-3', '5-7'])
    expect((await history.errors('r1', { offset: 2, limit: 3 })).map((e) => [e.key, e.page, e.message])).toEqual([
      ['2-7', 2, 'refused 2-7'],
      ['3-3', 3, 'refused 3-3'],
      ['3-7', 3, 'refused 3-7']
    ])
    expect(await history.errors('r1', { offset: 9, limit: 5 })).toEqual([])
    expect((await journal.summary('r1'))?.errorCount).toBe(9)
  })

  it('keeps the offsets beside the run file, and they serve a journal opened later', async () => {
    await runWithFailures(await SyncJournal.open(dir), 'r1', 3)
    const sidecar = join(dir, 'runs', 'r1.failures.json')
    expect(existsSync(sidecar)).toBe(true)
    const reopened = new RunHistory(await SyncJournal.open(dir))
    expect((await reopened.errors('r1', { offset: 1, limit: 2 })).map((e) => e.key)).toEqual(['1-7', '2-7'])
  })

  it('reads the failures again when the run file changed under its offsets (resumed, compacted, cut)', async () => {
    const journal = await SyncJournal.open(dir)
    await runWithFailures(journal, 'r1', 2)
    const history = new RunHistory(journal)
    expect((await history.errors('r1')).map((e) => e.key)).toEqual(['1-3', '1-7', '2-7'])

    // Another process appends to the run (a resume that fixes 1-3 and fails a new record).
    appendFileSync(
      journal.runPath('r1'),
      encodeEntry({ t: 'outcomes', at: 4000, page: 3, items: [{ k: '1-3', o: 'updated' }, failed('3-1')], d: {} })
    )
    expect((await history.errors('r1')).map((e) => e.key)).toEqual(['1-7', '2-7', '3-1'])

    // Offsets that point at other lines than they were built from are never trusted.
    const sidecar = join(dir, 'runs', 'r1.failures.json')
    const saved = JSON.parse(readFileSync(sidecar, 'utf8'))
    saved.failures = saved.failures.map(([, length, item, page]: number[]) => [0, length, item, page])
    writeFileSync(sidecar, JSON.stringify(saved))
    const fresh = new RunHistory(await SyncJournal.open(dir))
    expect((await fresh.errors('r1')).map((e) => e.key)).toEqual(['1-7', '2-7', '3-1'])
  })

  it('still lists the failures of a compacted run', async () => {
    const journal = await SyncJournal.open(dir)
    await runWithFailures(journal, 'old', 3)
    await runWithFailures(journal, 'new', 1, 5000)
    const before = (await new RunHistory(journal).errors('old')).map((e) => e.key)
    expect(await journal.compact({ keepDetailed: 1 })).toEqual(['old'])
    expect((await new RunHistory(journal).errors('old')).map((e) => e.key)).toEqual(before)
  })

  it('shows the failures of a run still being written', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('live'))
    await run.append({ t: 'outcomes', at: 1001, page: 1, items: [failed('a')], d: { read: 1, failed: 1 } })
    expect((await journal.failurePage('live')).map((f) => f.item.k)).toEqual(['a'])
    await run.append({ t: 'outcomes', at: 1002, page: 2, items: [failed('b'), { k: 'a', o: 'created' }], d: {} })
    expect((await journal.failurePage('live')).map((f) => f.item.k)).toEqual(['b'])
    await run.close()
  })
})

describe('the index', () => {
  it('appends each change to its log instead of rewriting the summaries; a reopened journal replays it', async () => {
    const journal = await SyncJournal.open(dir)
    const snapshot = readFileSync(join(dir, 'index.json'), 'utf8')
    const run = await journal.begin(start('r1'))
    await run.end({ t: 'end', at: 1500, status: 'completed', counts: counts({ read: 3, created: 3 }), durationMs: 500, cursor: 'w1' })
    // The snapshot is untouched; the changes are lines of the log.
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe(snapshot)
    const log = readFileSync(join(dir, 'index.log'), 'utf8').trim().split('\n')
    expect(log.map((line) => Object.keys(JSON.parse(line))[0])).toEqual(['run', 'run', 'flow'])

    // A crash here (no fold): the next open replays the log, then folds it into the snapshot.
    const reopened = await SyncJournal.open(dir)
    expect(await reopened.summary('r1')).toMatchObject({ status: 'completed', counts: { created: 3 } })
    expect(await reopened.flowState('contacts')).toMatchObject({ cursor: 'w1', runId: 'r1' })
    expect(existsSync(join(dir, 'index.log'))).toBe(false)
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).flows.contacts).toMatchObject({ cursor: 'w1' })
  })

  it('ignores a torn last line of the log (a change that was never confirmed)', async () => {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin(start('r1'))
    await run.end({ t: 'end', at: 1500, status: 'completed', counts: counts({ read: 1, created: 1 }), durationMs: 1, cursor: 'w1' })
    appendFileSync(join(dir, 'index.log'), '{"flow":"contacts","state":{"flowId":"contacts","cursor":"w2"')
    const reopened = await SyncJournal.open(dir)
    expect(await reopened.flowState('contacts')).toMatchObject({ cursor: 'w1' })
  })

  it('folds the log into the snapshot once it has grown, keeping every change', async () => {
    const journal = await SyncJournal.open(dir)
    for (let i = 0; i < 150; i++) {
      const run = await journal.begin(start(`r${i}`, 1000 + i))
      await run.end({ t: 'end', at: 2000 + i, status: 'completed', counts: counts({ read: 1, created: 1 }), durationMs: 1, cursor: i })
    }
    // 150 runs × (begin, end, flow) = 450 changes: folded at least once, so the log stays short.
    const logLines = existsSync(join(dir, 'index.log')) ? readFileSync(join(dir, 'index.log'), 'utf8').trim().split('\n').length : 0
    expect(logLines).toBeLessThanOrEqual(256)
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).runs).length).toBeGreaterThan(0)
    const reopened = await SyncJournal.open(dir)
    expect(await reopened.list()).toHaveLength(150)
    expect(await reopened.flowState('contacts')).toMatchObject({ cursor: 149, runId: 'r149' })
  }, 60_000)

  it('rebuilds the summaries from the run files when both the snapshot and the log are lost', async () => {
    const journal = await SyncJournal.open(dir)
    await runWithFailures(journal, 'r1', 2)
    rmSync(join(dir, 'index.json'))
    rmSync(join(dir, 'index.log'), { force: true })
    const rebuilt = await SyncJournal.open(dir)
    expect(await rebuilt.summary('r1')).toMatchObject({ status: 'completed', errorCount: 3 })
    expect(statSync(join(dir, 'index.json')).size).toBeGreaterThan(0)
  })
})
