import { afterEach, describe, expect, it } from 'vitest'
import type { SandboxRequest } from '../../src/main/sandbox'
import type { OptOutFlow } from '../../src/shared/mapping/document'
import { contactsDocument, optOutsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Opt-outs over real HTTP when many profiles changed: the contacts of a 500-profile page are read
 * in `In()` queries short enough for Dataverse's URL limit (32,768 characters,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors#maximum-url-length),
 * each id once; and a run that fails after clearing an opt-out still says so.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const optOuts = (direction: OptOutFlow['direction'] = 'both') => optOutsDocument(direction)

function record(into: SandboxRequest[]): () => void {
  return bench!.sandbox.onRequest((request) => {
    if (request.service !== 'other') into.push(request)
  })
}

const guid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

describe('opt-outs after many changes', () => {
  it('a second run after more than 500 changed profiles succeeds, changes nothing, and reads each contact once', async () => {
    bench = await syncBench({ contacts: 800, profiles: 0 })
    const service = bench.service({ optOutLookbackMs: 0 })
    await service.run(contactsDocument)
    const first = await service.run(await optOuts())
    expect(first.flows[0]).toMatchObject({ status: 'completed' })
    const keys = [...(await profilesByKey(bench)).keys()]
    expect(keys.length).toBeGreaterThan(520)
    // More than a page (500) of profiles change in Campaign, none of their opt-outs.
    const changed = keys.slice(0, 520)
    for (const key of changed) bench.sandbox.campaign.editProfile(key, { lastName: `Renamed ${key.slice(0, 4)}` })

    const requests: SandboxRequest[] = []
    const stop = record(requests)
    const second = await service.run(await optOuts()).finally(stop)
    expect(second.flows[0].error).toBeUndefined()
    expect(second.flows[0]).toMatchObject({ status: 'completed' })
    // Read: the renamed profiles, and those the first run wrote after it began (changed since, too).
    expect(second.flows[0].counts).toMatchObject({ updated: 0, failed: 0 })
    expect(second.flows[0].counts.read).toBeGreaterThanOrEqual(changed.length)
    expect(second.flows[0].summary).toEqual(['no opt-out conflict resolved: Dynamics and Campaign agreed on every opt-out'])

    const lookups = requests.filter((r) => r.service === 'dynamics' && r.method === 'GET' && r.url.includes('Microsoft.Dynamics.CRM.In'))
    expect(lookups.length).toBeGreaterThan(1) // the 500-profile page was split
    for (const lookup of lookups) expect(lookup.url.length).toBeLessThanOrEqual(17_000) // half the limit, and room for the rest
    const read = lookups.flatMap((r) => decodeURIComponent(r.url.slice(r.url.indexOf('$filter='))).match(guid) ?? [])
    expect(new Set(read).size).toBe(read.length) // each id once
    expect(read.length).toBe(second.flows[0].counts.read)
    for (const key of changed) expect(read).toContain(key)
  })

  it('a run that fails after clearing an opt-out says so in its summary', async () => {
    bench = await syncBench({ contacts: 30, profiles: 0 })
    const service = bench.service({ optOutLookbackMs: 0 })
    await service.run(contactsDocument)
    expect((await service.run(await optOuts('toCampaign'))).flows[0]).toMatchObject({ status: 'completed' })
    const key = [...(await profilesByKey(bench)).keys()][0]
    // Campaign opts the profile out; the contact (opted in) changes later: one way, Dynamics' false overwrites it.
    bench.sandbox.campaign.editProfile(key, { blackListEmail: true })
    bench.sandbox.dynamics.touch('contact', key, { donotbulkemail: false })

    // Once the opt-out is cleared (the profile PATCH), Campaign fails every later call: the run fails reading.
    let cleared = false
    const stop = bench.sandbox.onRequest((request) => {
      if (request.service !== 'campaign') return
      if (request.method === 'PATCH') cleared = true
      else if (cleared) bench!.sandbox.campaign.faults.update({ serverErrorRate: 1 })
    })
    const run = await service.run(await optOuts('toCampaign')).finally(stop)
    bench.sandbox.campaign.faults.update({ serverErrorRate: 0 })
    expect(cleared).toBe(true)
    expect((await profilesByKey(bench)).get(key)![0].blackListEmail).toBe(false)
    expect(run.flows[0]).toMatchObject({ status: 'failed', counts: expect.objectContaining({ updated: 1 }) })
    expect(run.flows[0].summary).toEqual([
      "1 opt-out conflict resolved before the run failed: 0 kept Campaign's value, 1 kept Dynamics' value — by rule: 1 one way (the source side written); 1 cleared an opt-out (true → false)"
    ])
    // The journal holds the same conflict.
    expect((await service.conflicts(run.flows[0].runId!)).conflicts).toEqual([
      expect.objectContaining({ key, kept: 'dynamics', rule: 'oneWay', campaign: expect.objectContaining({ value: true }) })
    ])
  })
})
