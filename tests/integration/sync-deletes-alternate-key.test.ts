import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RunHistory } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Dataverse's change tracking names a deleted row by its primary id alone. A flow matched on an
 * alternate key (`new_externalkey`) with "apply source deletes" on could not tell which profile a
 * deleted contact was: it deleted nothing (and, before that, said nothing). It now keeps the key
 * each row had when last read, by its id, and deletes by it — in the plan as in the run; what it
 * cannot delete (a row it never read, a key another row has taken) is counted in the summary.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const flow = contactsDocument.flows[0] as RecordsFlow
const byExternalKey: MappingDocument = {
  ...contactsDocument,
  flows: [{ ...flow, match: { source: 'new_externalkey', target: 'cusDynamicsContactId' }, filter: undefined }]
}
const said =
  'contact: change tracking (changes and deletions since the last run; a deleted row is deleted by the new_externalkey this flow last read for it (Dynamics names it by its contactid alone))'

/** A contact whose profile the first run wrote: its id and its key. */
async function syncedContact(b: SyncBench, skip = 0): Promise<{ id: string; key: string }> {
  const profiles = await profilesByKey(b)
  const dynamics = await b.connections.dynamics('Sandbox')
  const synced: Array<{ id: string; key: string }> = []
  for await (const row of dynamics.records('contact', { select: ['contactid', 'new_externalkey'] }))
    if (profiles.has(String(row.new_externalkey))) synced.push({ id: String(row.contactid), key: String(row.new_externalkey) })
  return synced[skip]
}

describe('a flow matched on an alternate key, with source deletes on', () => {
  it('deletes the profile of a contact deleted in Dynamics by the key it last read for it, in the plan as in the run', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 })
    const service = bench.service()
    const first = await service.run(byExternalKey)
    expect(first.flows[0].status).toBe('completed')
    const gone = await syncedContact(bench)
    bench.sandbox.dynamics.remove('contact', gone.id)

    const plan = (await service.run(byExternalKey, { dryRun: true, planLimit: 100 })).flows[0]
    const run = (await service.run(byExternalKey)).flows[0]
    for (const result of [plan, run]) {
      expect(result.notices).toContain(said)
      expect(result.counts).toMatchObject({ read: 1, sourceDeletions: 1, deleted: 1 })
      expect(result.summary ?? []).toEqual([])
    }
    expect(plan.plan?.entries.find((e) => e.action === 'delete')?.key).toBe(gone.key)
    expect((await profilesByKey(bench)).has(gone.key)).toBe(false)
    // Done once: the next run has nothing to delete.
    expect((await service.run(byExternalKey)).flows[0].counts).toMatchObject({ read: 0, deleted: 0 })
  })

  it('counts a deleted row it never read, and a row whose key another row has taken: neither is deleted, both are said', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 })
    const service = bench.service()
    await service.run(byExternalKey)
    // A journal of a version that kept no keys: the deleted row was synced, but its key is not known.
    await rm(join(bench.folder, 'journal', 'keys'), { recursive: true, force: true })
    const unknown = await syncedContact(bench)
    bench.sandbox.dynamics.remove('contact', unknown.id)
    const first = (await service.run(byExternalKey)).flows[0]
    expect(first.counts).toMatchObject({ deleted: 0 })
    expect(first.summary).toEqual([
      "1 row(s) deleted in Dynamics were not deleted from Campaign: this flow had not read them by their new_externalkey (deleted before its first read of them, or synced by a version of Sync Studio that kept no keys) — delete their profile records in Campaign if they are there; a run with --full (Full replay) reads every row's key again"
    ])
    expect((await profilesByKey(bench)).has(unknown.key)).toBe(true)

    // A full run reads every row again; then a contact's key moves to another contact, and the first is deleted.
    expect((await service.run(byExternalKey, { full: true })).flows[0].status).toBe('completed')
    const moved = await syncedContact(bench, 1)
    const other = await syncedContact(bench, 2)
    bench.sandbox.dynamics.touch('contact', moved.id, { new_externalkey: `${moved.key}-old` })
    bench.sandbox.dynamics.touch('contact', other.id, { new_externalkey: moved.key })
    bench.sandbox.dynamics.remove('contact', moved.id)
    const plan = (await service.run(byExternalKey, { dryRun: true })).flows[0]
    const run = (await service.run(byExternalKey)).flows[0]
    for (const result of [plan, run]) {
      expect(result.counts).toMatchObject({ deleted: 0 })
      expect(result.summary).toEqual([
        "1 row(s) deleted in Dynamics kept their Campaign record: another row has their new_externalkey now, and the profile record is that row's"
      ])
    }
    expect((await profilesByKey(bench)).has(moved.key)).toBe(true)
  })

  it('keeps the keys with deletes off, so that turning them on later deletes a row read before', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 })
    const service = bench.service()
    const off: MappingDocument = {
      ...byExternalKey,
      flows: [{ ...(byExternalKey.flows[0] as RecordsFlow), deletes: { applySourceDeletes: false, deleteWhenFilteredOut: false } }]
    }
    expect((await service.run(off)).flows[0].status).toBe('completed')
    const gone = await syncedContact(bench)
    bench.sandbox.dynamics.remove('contact', gone.id)
    const run = (await service.run(byExternalKey)).flows[0]
    expect(run.counts).toMatchObject({ deleted: 1 })
    expect(run.summary ?? []).toEqual([])
    expect((await profilesByKey(bench)).has(gone.key)).toBe(false)
  })

  it('a retry of its failed records says how many are no longer in Dynamics under their key', async () => {
    bench = await syncBench({ contacts: 60, profiles: 0 })
    const service = bench.service()
    const first = (await service.run(byExternalKey)).flows[0]
    expect(first.counts.failed).toBeGreaterThan(1)
    const errors = await new RunHistory(await SyncJournal.open(join(bench.folder, 'journal'))).errors(first.runId!)
    const keyed = errors.filter((e) => e.key)
    const dynamics = await bench.connections.dynamics('Sandbox')
    const [gone] = (await dynamics.query('contact', { select: ['contactid'], filter: `new_externalkey eq '${keyed[0].key}'` }).next())
      .value!.records
    bench.sandbox.dynamics.remove('contact', String(gone.contactid))

    const retried = (await service.retryFailed(byExternalKey, first.runId!)).flows[0]
    expect(retried.counts.read).toBe(keyed.length - 1)
    expect(retried.notices).toContain(
      `1 failed record(s) of run ${first.runId} are no longer in Dynamics under their key (deleted, or the key changed since): nothing to retry for them`
    )
  })
})
