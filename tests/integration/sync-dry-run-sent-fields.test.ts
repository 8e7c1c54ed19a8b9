import { afterEach, describe, expect, it } from 'vitest'
import type { PlanEntry } from '../../src/main/sync/runner'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * An incremental run sends a changed record's fields that changed since they were last sent,
 * by key, whatever Campaign holds; its dry run planned the record's whole difference with
 * Campaign instead. A profile someone edited in Campaign (a last name) whose contact then
 * changed in Dynamics (a first name): the plan said both would be overwritten, the run wrote the
 * first name and left the Campaign edit — "1 update" on both sides, field by field not the same.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('an incremental dry run plans the fields the run sends', () => {
  it('the changed first name, not the last name edited in Campaign; the run leaves that edit, as planned', async () => {
    bench = await syncBench({ contacts: 30, profiles: 0 })
    const service = bench.service()
    // A nested field too: planned by the name a person reads (`location.city`), as the run writes it.
    const flow = contactsDocument.flows[0] as RecordsFlow
    const document: MappingDocument = {
      ...contactsDocument,
      flows: [{ ...flow, fields: [...flow.fields, { target: 'location.city', from: ['address1_city'] }] }]
    }
    await service.run(document)
    const profiles = await profilesByKey(bench)
    const [contactId] = [...profiles.keys()]
    const campaignLastName = 'EditedInCampaign'
    bench.sandbox.campaign.editProfile(profiles.get(contactId)![0].PKey as string, { lastName: campaignLastName })
    bench.sandbox.dynamics.touch('contact', contactId, { firstname: 'Renamed', address1_city: 'Lyon' })

    const plan: PlanEntry[] = []
    const planned = await service.run(document, { dryRun: true, planLimit: 0, onPlan: (_flow, entry) => plan.push(entry) })
    expect(planned.flows[0].counts).toMatchObject({ read: 1, updated: 1 })
    const entry = plan.find((e) => e.key === contactId)
    expect(entry).toMatchObject({
      action: 'update',
      changes: [
        { field: 'firstName', new: 'Renamed' },
        { field: 'location.city', new: 'Lyon' }
      ]
    })

    const run = await service.run(document)
    expect(run.flows[0].counts).toMatchObject({ read: 1, updated: 1 })
    const after = (await profilesByKey(bench)).get(contactId)![0]
    expect(after).toMatchObject({ firstName: 'Renamed', lastName: campaignLastName, location: { city: 'Lyon' } })
  })
})
