import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RunHistory } from '../../src/main/sync/history'
import { SyncJournal } from '../../src/main/sync/journal'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Dataverse's change tracking names a deleted row by its primary id alone. A flow matched on an
 * alternate key (`new_externalkey`) with "apply source deletes" on cannot tell which profile a
 * deleted contact was: it deleted nothing, and every run announced "changes and deletions since
 * the last run" — validate, the plan and the run all silent about it. Now validate warns and the
 * run says deletions are not applied.
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

describe('a flow matched on an alternate key, with source deletes on', () => {
  it('says on every run that deletions in Dynamics are not applied', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 })
    const service = bench.service()
    const said =
      'contact: change tracking (changes since the last run; deletions are not applied: Dynamics names a deleted row by its contactid alone, and the flow matches on new_externalkey)'
    const first = await service.run(byExternalKey)
    expect(first.flows[0].status).toBe('completed')
    const dynamics = await bench.connections.dynamics('Sandbox')
    const [row] = (await dynamics.query('contact', { select: ['contactid'], top: 1 }).next()).value!.records
    bench.sandbox.dynamics.remove('contact', String(row.contactid))
    for (const dryRun of [true, false]) {
      const result = await service.run(byExternalKey, { dryRun })
      expect(result.flows[0].notices).toContain(said)
      expect(result.flows[0].counts).toMatchObject({ read: 0, deleted: 0 })
    }
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
