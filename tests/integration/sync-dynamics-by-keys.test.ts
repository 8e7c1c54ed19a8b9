import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsRecordSource } from '../../src/main/sync/flows/dynamics-source'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * "Retry failed records" reads just those keys (`byKeys`), over real HTTP against the Dataverse
 * sandbox. The key is whatever the flow matches on: a GUID, a number, or text that may hold a
 * quote. Each is written as the column's kind takes it (Dataverse's `In` query function), and a
 * key that no value of the column could be never reaches the query.
 */

let bench: SyncBench
beforeAll(async () => {
  bench = await syncBench({ contacts: 20, profiles: 0 })
})
afterAll(() => bench.close())

const contactId = (index: number) => bench.sandbox.dynamics.idOf('contact', index)

async function readByKeys(keyColumn: string, keys: string[]): Promise<{ ids: string[]; deleted: string[] }> {
  const source = new DynamicsRecordSource({
    connector: await bench.connections.dynamics('Sandbox'),
    table: 'contact',
    keyColumn,
    kind: 'full',
    select: ['contactid', keyColumn]
  })
  const ids: string[] = []
  const deleted: string[] = []
  for await (const page of source.byKeys(keys, undefined, new AbortController().signal)) {
    ids.push(...page.records.map((r) => String(r.contactid)))
    deleted.push(...(page.deleted ?? []))
  }
  return { ids: ids.sort(), deleted }
}

describe('byKeys: each key as its column takes it', () => {
  it('text with a quote, in a text column and in an e-mail column', async () => {
    bench.sandbox.dynamics.touch('contact', contactId(3), { nickname: "O'Brien" })
    bench.sandbox.dynamics.touch('contact', contactId(4), { emailaddress1: "o'brien@example.com" })
    expect((await readByKeys('nickname', ["O'Brien"])).ids).toEqual([contactId(3)])
    expect((await readByKeys('emailaddress1', ["o'brien@example.com"])).ids).toEqual([contactId(4)])
  })

  it('a number, and a key no number could be is not sent (it would match every row unquoted)', async () => {
    bench.sandbox.dynamics.touch('contact', contactId(5), { new_loyaltypoints: 4242421 })
    expect((await readByKeys('new_loyaltypoints', ['4242421'])).ids).toEqual([contactId(5)])
    expect(await readByKeys('new_loyaltypoints', ['0 or new_loyaltypoints ne 0'])).toEqual({ ids: [], deleted: [] })
  })

  it('GUIDs, more than one query’s worth; a GUID no longer in the table is reported deleted, a key that is no GUID is not', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => contactId(i))
    const gone = '00000000-0000-4000-8000-000000000001'
    const read = await readByKeys('contactid', [...keys, gone, "x' or 'a' eq 'a"])
    expect(read.ids).toEqual([...keys].sort())
    expect(read.deleted).toEqual([gone])
  })
})
