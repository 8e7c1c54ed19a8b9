import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsRecordSource } from '../../src/main/sync/flows/dynamics-source'
import type { SourceCursor } from '../../src/main/sync/ports'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A table without change tracking is read incrementally by its `modifiedon` watermark. Dataverse
 * keeps whole seconds, so many records share one; the position is (modifiedon, id) and the
 * next read asks for `modifiedon gt W or (modifiedon eq W and id gt ID)`. These tests make
 * records share a second on purpose (the sandbox's clock is held still) and check that pages
 * ending inside a second lose nothing and read nothing twice.
 */

const T = Date.parse('2031-03-04T10:00:00Z')
let clock = T
let bench: SyncBench

beforeAll(async () => {
  bench = await syncBench({ contacts: 40, profiles: 0, now: () => clock })
})
afterAll(() => bench.close())

async function source(): Promise<DynamicsRecordSource> {
  return new DynamicsRecordSource({
    connector: await bench.connections.dynamics('Sandbox'),
    table: 'contact',
    keyColumn: 'contactid',
    kind: 'incremental',
    select: ['contactid', 'lastname', 'modifiedon'],
    pageSize: 2,
    useChangeTracking: false
  })
}

/** Reads every page from `cursor`: the keys in order and the cursor after the last page. */
async function readFrom(cursor: SourceCursor): Promise<{ keys: string[]; cursor: SourceCursor }> {
  const keys: string[] = []
  let last = cursor
  for await (const page of (await source()).pages(cursor, new AbortController().signal)) {
    for (const record of page.records) keys.push(String(record.contactid))
    last = page.cursor
  }
  return { keys, cursor: last }
}

const contactId = (index: number) => bench.sandbox.dynamics.idOf('contact', index)
const sortedIds = (indexes: number[]) => indexes.map(contactId).sort()

describe('the modifiedon watermark and its id tie-break', () => {
  it('reads every record of a shared second once, across pages that end inside it, and not again', async () => {
    const touched = [3, 7, 11, 19, 23]
    for (const index of touched) bench.sandbox.dynamics.touch('contact', contactId(index), { lastname: `Same second ${index}` })

    const first = await readFrom({ t: 'mark', w: '2031-03-04T09:59:59Z', id: '' })
    // Pages of 2 split the five records of one second; ordered by (modifiedon, id).
    expect(first.keys).toEqual(sortedIds(touched))
    expect(first.cursor).toEqual({ t: 'mark', w: '2031-03-04T10:00:00Z', id: sortedIds(touched).at(-1) })

    // Nothing changed since: the next read is empty (the second's records are not read again).
    expect((await readFrom(first.cursor)).keys).toEqual([])
  })

  it('continues inside the second from the last id read: what follows it is read, what precedes it is not', async () => {
    const ids = sortedIds([3, 7, 11, 19, 23])
    // A run that stopped after the second record of the second.
    const stopped: SourceCursor = { t: 'mark', w: '2031-03-04T10:00:00Z', id: ids[1] }
    expect((await readFrom(stopped)).keys).toEqual(ids.slice(2))
  })

  it('reads a record changed in a later second whatever its id', async () => {
    const ids = sortedIds([3, 7, 11, 19, 23])
    const after: SourceCursor = { t: 'mark', w: '2031-03-04T10:00:00Z', id: ids.at(-1)! }
    clock = T + 1000
    // The contact with the lowest id of all: below the cursor's id, but a second later.
    const lowest = Array.from({ length: 40 }, (_, i) => contactId(i)).sort()[0]
    bench.sandbox.dynamics.touch('contact', lowest, { lastname: 'A second later' })
    const next = await readFrom(after)
    expect(next.keys).toEqual([lowest])
    expect(next.cursor).toEqual({ t: 'mark', w: '2031-03-04T10:00:01Z', id: lowest })
  })
})
