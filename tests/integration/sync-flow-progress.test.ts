import { progressPercent } from '../../src/shared/run-progress'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { afterEach, describe, expect, it } from 'vitest'
import { DynamicsRecordSource } from '../../src/main/sync/flows/dynamics-source'
import type { SourcePage } from '../../src/main/sync/ports'
import type { RunProgress } from '../../src/main/sync/progress'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

async function pagesOf(source: DynamicsRecordSource, cursor?: SourcePage['cursor']): Promise<SourcePage[]> {
  const pages: SourcePage[] = []
  for await (const page of source.pages(cursor, new AbortController().signal)) pages.push(page)
  return pages
}

describe('progress totals from Dataverse', () => {
  it('full and incremental runs report total and an ETA', async () => {
    // Slow answers, so the run lasts the second of writes the time left is measured over (progress.ts).
    bench = await syncBench({ contacts: 60, faults: { campaign: { latencyMs: 250 } } })
    const service = bench.service({ progressIntervalMs: 0 })
    const seen: RunProgress[] = []
    const first = await service.run(contactsDocument, { onProgress: (e) => e.type === 'progress' && seen.push(e.progress) })
    expect(first.flows[0].status).toBe('completed')
    const reading = seen.filter((p) => p.counts.read > 0)
    expect(reading.length).toBeGreaterThan(0)
    expect(reading.every((p) => p.total === 60)).toBe(true)
    expect(reading.some((p) => typeof p.etaMs === 'number' && p.etaMs > 0)).toBe(true)
    // The end: 100 % of the total, no time left to tell; before it, never 100 % and never "0 s left"; every event adds up.
    const last = seen[seen.length - 1]
    expect(last).toMatchObject({ total: 60, phase: 'done', finished: 60 })
    expect(last.etaMs).toBeUndefined()
    expect(progressPercent(last)).toBe(100)
    for (const p of seen.slice(0, -1)) {
      expect(progressPercent(p) ?? 0).toBeLessThan(100)
      if (p.etaMs !== undefined) expect(p.etaMs).toBeGreaterThan(0)
    }
    expect(seen.every((p) => countsAddUp(p.counts))).toBe(true)

    // Incremental (change tracking): the number of changes behind the delta link.
    const ids = [0, 1, 2].map((i) => bench!.sandbox.dynamics.idOf('contact', i))
    bench.sandbox.dynamics.touch('contact', ids[0], { lastname: 'One' })
    bench.sandbox.dynamics.touch('contact', ids[1], { lastname: 'Two' })
    bench.sandbox.dynamics.remove('contact', ids[2])
    seen.length = 0
    const second = await service.run(contactsDocument, { onProgress: (e) => e.type === 'progress' && seen.push(e.progress) })
    expect(second.flows[0].counts.read).toBe(3)
    expect(seen.filter((p) => p.counts.read > 0).every((p) => p.total === 3)).toBe(true)
    expect(seen[seen.length - 1]).toMatchObject({ total: 3, phase: 'done' })
    expect(seen[seen.length - 1].etaMs).toBeUndefined()
  })

  it('without change tracking: the filtered $count on a full read, the watermark $count on an incremental one', async () => {
    bench = await syncBench({ contacts: 80 })
    const connector = await bench.connections.dynamics('Sandbox')
    const active = (await connector.count('contact', { filter: 'statecode eq 0' })).count
    expect(active).toBeLessThan(80)
    const options = {
      connector,
      table: 'contact',
      keyColumn: 'contactid',
      select: ['contactid', 'lastname', 'modifiedon'],
      odataFilter: 'statecode eq 0',
      pageSize: 30,
      useChangeTracking: false
    }
    const full = await pagesOf(new DynamicsRecordSource({ ...options, kind: 'full' }))
    expect(full[0].total).toBe(active)
    expect(full.slice(1).every((p) => p.total === undefined)).toBe(true)
    expect(full.reduce((n, p) => n + p.records.length, 0)).toBe(active)

    // Resuming from a stored paging link keeps the run's own total (the source does not recount).
    const resumed = await pagesOf(new DynamicsRecordSource({ ...options, kind: 'full' }), full[0].cursor)
    expect(resumed.every((p) => p.total === undefined)).toBe(true)

    expect(full[full.length - 1].cursor).toMatchObject({ t: 'mark' })
    const activeIds = full.flatMap((p) => p.records.map((r) => String(r.contactid)))
    bench.sandbox.dynamics.touch('contact', activeIds[0], { lastname: 'Later', modifiedon: '2030-01-01T00:00:00Z' })
    bench.sandbox.dynamics.touch('contact', activeIds[1], { lastname: 'Later too', modifiedon: '2030-01-01T00:00:01Z' })
    const incremental = await pagesOf(new DynamicsRecordSource({ ...options, kind: 'incremental' }), {
      t: 'mark',
      w: '2029-12-31T00:00:00Z',
      id: ''
    })
    expect(incremental[0].total).toBe(2)
    expect(incremental.reduce((n, p) => n + p.records.length, 0)).toBe(2)
  })

  it('above 5,000 rows the RetrieveTotalRecordCount snapshot is the total', async () => {
    bench = await syncBench({ contacts: 7_000, profiles: 0 })
    const connector = await bench.connections.dynamics('Sandbox')
    // (The service reads the schema before a run; a cold read fans out a dozen metadata requests on one signal.)
    await connector.tableSchema('contact')
    expect(await connector.totalRecordCount('contact')).toEqual({ count: 7_000, from: 'snapshot', capped: false })
    const source = new DynamicsRecordSource({
      connector,
      table: 'contact',
      keyColumn: 'contactid',
      select: ['contactid'],
      kind: 'full',
      useChangeTracking: false
    })
    const iterator = source.pages(undefined, new AbortController().signal)[Symbol.asyncIterator]()
    const first = await iterator.next()
    expect(first.value?.total).toBe(7_000)
    let rows = first.value!.records.length
    for (let step = await iterator.next(); !step.done; step = await iterator.next()) {
      expect(step.value.total).toBeUndefined()
      rows += step.value.records.length
    }
    expect(rows).toBe(7_000)
  })
})

describe('count parsing is tolerant', () => {
  it('reads RetrieveTotalRecordCount bodies and $count texts in their variants', async () => {
    const { parseTotalRecordCount, parseCount } = await import('../../src/main/connectors/dynamics/connector')
    const documented = {
      '@odata.context': 'x',
      EntityRecordCountCollection: { Count: 1, IsReadOnly: false, Keys: ['contact'], Values: [1234] }
    }
    expect(parseTotalRecordCount(documented, 'contact')).toBe(1234)
    expect(
      parseTotalRecordCount({ EntityRecordCountCollection: { Keys: ['account', 'Contact'], Values: ['12', '9007199254740'] } }, 'contact')
    ).toBe(9007199254740)
    expect(parseTotalRecordCount({ EntityRecordCountCollection: [{ Key: 'contact', Value: 5 }] }, 'contact')).toBe(5)
    expect(parseTotalRecordCount({ EntityRecordCountCollection: { Keys: ['account'], Values: [-1] } }, 'contact')).toBeUndefined()
    expect(parseTotalRecordCount({ EntityRecordCountCollection: { Keys: ['account', 'lead'], Values: [1, 2] } }, 'contact')).toBeUndefined()
    expect(parseTotalRecordCount('nonsense', 'contact')).toBeUndefined()
    expect(parseCount('\uFEFF 42\n')).toBe(42)
    expect(parseCount('{"value":7}')).toBe(7)
    expect(parseCount('"8"')).toBe(8)
    expect(parseCount('<html>')).toBeUndefined()
  })
})
