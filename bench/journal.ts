/**
 * npm run bench -- journal
 *
 * The journal's two incremental paths, each beside what it replaces, in one run:
 * - a page of 50 errors of a 100,000-record run (1 % failed), read through the run's failure
 *   offsets, against a scan of the whole run file (how every error page was read before);
 * - one change to an index of 2,000 runs, appended to the index log, against rewriting the
 *   whole index (how every change was written before).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunHistory } from '../src/main/sync/history'
import { SyncJournal } from '../src/main/sync/journal'
import { zeroCounts, type OutcomeItem } from '../src/main/sync/journal-format'
import { RunIndex, type RunSummary } from '../src/main/sync/journal-index'
import { outcomeId } from '../src/main/sync/journal-recovery'

const RECORDS = 100_000
const PAGE = 500
const ROUNDS = 15

async function median(run: () => Promise<unknown>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now()
    await run()
    samples.push(performance.now() - start)
  }
  return samples.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-journal-'))
  try {
    const journal = await SyncJournal.open(dir)
    const run = await journal.begin({ runId: 'big', flowId: 'contacts', mappingHash: 'h', mode: 'full', dryRun: false, at: 1 })
    for (let p = 0; p < RECORDS / PAGE; p++) {
      const items: OutcomeItem[] = []
      for (let i = 0; i < PAGE; i++) {
        const n = p * PAGE + i
        items.push(
          n % 100 === 0
            ? { k: `c-${n}`, o: 'failed', stage: 'write', code: 'badRequest', message: `email of c-${n} refused`, input: `x${n}@` }
            : { k: `c-${n}`, o: 'created', op: 'create' }
        )
      }
      await run.append({ t: 'outcomes', at: 2 + p, page: p + 1, items, d: { read: PAGE } })
    }
    await run.end({ t: 'end', at: 10_000, status: 'completed', counts: zeroCounts(), durationMs: 1 })
    const size = statSync(journal.runPath('big')).size

    const history = new RunHistory(journal)
    const page = await history.errors('big', { offset: 500, limit: 50 })
    if (page.length !== 50 || page[0].key !== 'c-50000') throw new Error(`unexpected page: ${page[0]?.key}`)
    // Before: every error page folded the whole run file.
    const scanPage = async () => {
      const failures = new Map<string, OutcomeItem>()
      await journal.readEntries('big', (entry) => {
        if (entry.t !== 'outcomes') return
        for (const item of entry.items) {
          if (item.o === 'failed') failures.set(outcomeId(item), item)
          else if (item.o !== 'deferred') failures.delete(outcomeId(item))
        }
      })
      return [...failures.values()].slice(500, 550)
    }
    if ((await scanPage())[0].k !== 'c-50000') throw new Error('the scan disagrees')
    const offsetsWarm = await median(() => history.errors('big', { offset: 500, limit: 50 }))
    const offsetsOpened = await median(async () => new RunHistory(await SyncJournal.open(dir)).errors('big', { offset: 500, limit: 50 }))
    const scan = await median(scanPage)
    console.log(`run file: ${RECORDS} records, ${RECORDS / 100} failed, ${(size / 1e6).toFixed(1)} MB`)
    console.log(`error page (50 of ${RECORDS / 100}) through the offsets: median ${offsetsWarm.toFixed(2)} ms`)
    console.log(`error page, journal just opened (offsets read from disk): median ${offsetsOpened.toFixed(2)} ms`)
    console.log(`error page by scanning the run file (before): median ${scan.toFixed(2)} ms`)
    console.log(`ratio scan / offsets: ${(scan / offsetsWarm).toFixed(1)}× (just opened: ${(scan / offsetsOpened).toFixed(1)}×)`)

    const indexDir = mkdtempSync(join(tmpdir(), 'bench-index-'))
    try {
      const index = await RunIndex.load(indexDir)
      const summary = (i: number): RunSummary => ({
        runId: `r${i}`,
        flowId: 'contacts',
        mappingHash: 'h',
        mode: 'incremental',
        dryRun: false,
        status: 'completed',
        counts: zeroCounts(),
        startedAt: i,
        durationMs: 1,
        errorCount: 0,
        resumable: false
      })
      await index.putRuns(Array.from({ length: 2000 }, (_, i) => summary(i)))
      await index.fold()
      let next = 2000
      const append = await median(() => index.putRuns([summary(next++)]))
      const rewrite = await median(() => index.fold())
      console.log(`index of ${next} runs, one change appended to the log: median ${append.toFixed(2)} ms`)
      console.log(`index of ${next} runs, whole index rewritten (before, on every change): median ${rewrite.toFixed(2)} ms`)
      console.log(`ratio rewrite / append: ${(rewrite / append).toFixed(1)}×`)
    } finally {
      rmSync(indexDir, { recursive: true, force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
