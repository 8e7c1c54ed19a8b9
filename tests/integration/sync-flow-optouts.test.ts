import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SyncJournal } from '../../src/main/sync/journal'
import type { OptOutFlow } from '../../src/shared/mapping/document'
import { contactsDocument, optOutsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
  skew = 0
})

/** The services' clock runs ahead of the real one by `skew`: "later" is a step of that clock, not a sleep. */
let skew = 0
const servicesClock = () => Date.now() + skew
/** The next change in either service is stamped at least `ms` later (Dynamics keeps whole seconds). */
const later = (ms = 1100) => void (skew += ms)

const optOuts = (direction: OptOutFlow['direction'] = 'both') => optOutsDocument(direction)

async function contact(bench: SyncBench, id: string): Promise<Record<string, unknown>> {
  return (await bench.connections.dynamics('Sandbox')).getJson(`contacts(${id})?$select=donotbulkemail,donotphone,modifiedon`)
}

describe('opt-outs over the sandbox', () => {
  it('plans without writing, then applies the documented rule both ways', async () => {
    bench = await syncBench({ contacts: 60, profiles: 0, now: servicesClock })
    const service = bench.service()
    await service.run(contactsDocument)
    const before = await profilesByKey(bench)
    const dynamics = await bench.connections.dynamics('Sandbox')
    const contacts = new Map<string, Record<string, unknown>>()
    for await (const row of dynamics.records('contact', { select: ['contactid', 'donotbulkemail', 'donotphone'] }))
      contacts.set(String(row.contactid), row)
    const optedOut = [...before.keys()].filter((k) => contacts.get(k)?.donotbulkemail === true)
    expect(optedOut.length).toBeGreaterThan(0)

    // off: nothing; dry run: a plan and no write.
    expect((await service.run(await optOuts('off'))).flows[0].counts.updated).toBe(0)
    const plan = await service.plan(await optOuts('both'))
    expect(plan.flows[0].counts.updated).toBeGreaterThanOrEqual(optedOut.length)
    expect(
      plan.flows[0].plan!.entries.some(
        (e) => e.action === 'update' && e.changes.some((c) => c.field === 'campaign.blackListEmail' && c.new === true)
      )
    ).toBe(true)
    expect((await profilesByKey(bench)).get(optedOut[0])![0].blackListEmail).toBe(false)

    // both: Dynamics' opt-outs reach Campaign (a tie or Dynamics newer: opt-out wins).
    const first = await service.run(await optOuts('both'))
    expect(first.flows[0]).toMatchObject({ status: 'completed' })
    expect(first.flows[0].counts.failed).toBe(0)
    let profiles = await profilesByKey(bench)
    for (const key of optedOut) expect(profiles.get(key)![0].blackListEmail).toBe(true)
    expect((await service.run(await optOuts('both'))).flows[0].counts.updated).toBe(0)

    // An opt-in made in Campaign later than the contact's last change wins over Dynamics.
    const key = optedOut[0]
    later()
    bench.sandbox.campaign.editProfile(key, { blackListEmail: false })
    await service.run(await optOuts('both'))
    expect((await contact(bench, key)).donotbulkemail).toBe(false)

    // One way: Dynamics → Campaign copies the contact's value whatever the times.
    bench.sandbox.dynamics.touch('contact', key, { donotphone: true })
    bench.sandbox.campaign.editProfile(key, { blackListPhone: false })
    await service.run(await optOuts('toCampaign'))
    profiles = await profilesByKey(bench)
    expect(profiles.get(key)![0].blackListPhone).toBe(true)
    // Campaign → Dynamics copies the profile's: the contact's phone opt-out is cleared, and the
    // run says so — its summary, and its conflicts list with both values — rather than that the
    // two sides agreed.
    bench.sandbox.campaign.editProfile(key, { blackListPhone: false })
    const oneWay = await service.run(await optOuts('toDynamics'))
    expect((await contact(bench, key)).donotphone).toBe(false)
    expect(oneWay.flows[0].summary).toEqual([
      "1 opt-out conflict resolved: 1 kept Campaign's value, 0 kept Dynamics' value — by rule: 1 one way (the source side written); 1 cleared an opt-out (true → false)"
    ])
    const overwritten = await service.conflicts(oneWay.flows[0].runId!)
    expect(overwritten.conflicts).toEqual([
      expect.objectContaining({
        key,
        field: 'donotphone ↔ blackListPhone',
        dynamics: expect.objectContaining({ value: true }),
        campaign: expect.objectContaining({ value: false }),
        kept: 'campaign',
        rule: 'oneWay'
      })
    ])
  })

  it('labels conflicts made on purpose in the plan: both values and times, the side kept, the rule', async () => {
    bench = await syncBench({ contacts: 30, profiles: 0, now: servicesClock })
    const service = bench.service()
    await service.run(contactsDocument)
    const keys = [...(await profilesByKey(bench)).keys()]
    // Settle: both sides agree first.
    await service.run(await optOuts('both'))
    const optedIn: string[] = []
    for (const key of keys) if ((await contact(bench, key)).donotbulkemail !== true) optedIn.push(key)
    expect(optedIn.length).toBeGreaterThanOrEqual(2)
    const [campaignLater, dynamicsLater] = optedIn
    const before = await contact(bench, campaignLater)
    // Conflict 1: Dynamics flips the opt-out; later a Campaign user flips it and flips it back → Campaign's (newer) value is kept.
    bench.sandbox.dynamics.touch('contact', campaignLater, { donotbulkemail: !before.donotbulkemail })
    later()
    bench.sandbox.campaign.editProfile(campaignLater, { blackListEmail: !before.donotbulkemail })
    bench.sandbox.campaign.editProfile(campaignLater, { blackListEmail: before.donotbulkemail === true })
    // Conflict 2: the profile opts out in Campaign; later the contact is edited in Dynamics (any field) → opt-out still wins.
    bench.sandbox.campaign.editProfile(dynamicsLater, { blackListEmail: true })
    later()
    bench.sandbox.dynamics.touch('contact', dynamicsLater, { lastname: 'Edited later' })

    const plan = await service.plan(await optOuts('both'))
    const entries = plan.flows[0].plan!.entries
    const entry = (key: string) =>
      entries.find((e) => e.key === key && e.action === 'update') as Extract<(typeof entries)[number], { action: 'update' }> | undefined
    const first = entry(campaignLater)!
    expect(first.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Conflict: Dynamics donotbulkemail = ${!before.donotbulkemail} \\(changed \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\), Campaign blackListEmail = ${before.donotbulkemail === true} \\(changed .* UTC\\) → Campaign kept \\(${before.donotbulkemail === true}\\): Campaign's change is newer`
        )
      )
    ])
    expect(first.changes).toEqual([{ field: 'dynamics.donotbulkemail', old: !before.donotbulkemail, new: before.donotbulkemail === true }])
    const second = entry(dynamicsLater)!
    expect(second.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^Conflict: Dynamics donotbulkemail = false \(changed .*\), Campaign blackListEmail = true \(changed .*\) → Campaign kept \(true\): Dynamics' change is newer, so opt-out wins$/
      )
    ])
    expect(second.changes).toEqual([{ field: 'dynamics.donotbulkemail', old: false, new: true }])
    // Every conflict is labelled; pairs that agree are not.
    const labelled = entries.filter((e) => e.action === 'update' && e.warnings.some((w) => w.message.startsWith('Conflict:')))
    expect(labelled.map((e) => e.key).sort()).toEqual([campaignLater, dynamicsLater].sort())

    expect(plan.flows[0].summary).toEqual([
      // Campaign's newer opt-in over Dynamics' opt-out clears it: said, not only counted.
      "2 opt-out conflicts would be resolved: 2 kept Campaign's value, 0 kept Dynamics' value — by rule: 1 Campaign's change newer, 1 Dynamics' change newer (opt-out wins); 1 would clear an opt-out (true → false)"
    ])

    // The run does what the plan said, and its history labels the same conflicts the same way.
    const run = await service.run(await optOuts('both'))
    expect((await contact(bench, campaignLater)).donotbulkemail).toBe(before.donotbulkemail === true)
    expect((await contact(bench, dynamicsLater)).donotbulkemail).toBe(true)
    expect(run.flows[0].summary).toEqual([
      "2 opt-out conflicts resolved: 2 kept Campaign's value, 0 kept Dynamics' value — by rule: 1 Campaign's change newer, 1 Dynamics' change newer (opt-out wins); 1 cleared an opt-out (true → false)"
    ])
    const history = await service.conflicts(run.flows[0].runId!)
    expect(history.total).toBe(2)
    const planned = new Map(labelled.map((e) => [e.key, (e as typeof first).warnings.map((w) => w.message)]))
    for (const conflict of history.conflicts) {
      expect([conflict.label]).toEqual(planned.get(conflict.key))
      expect(conflict).toMatchObject({ field: 'donotbulkemail ↔ blackListEmail', kept: 'campaign' })
    }
    expect(history.conflicts.find((c) => c.key === campaignLater)).toMatchObject({
      rule: 'campaignNewer',
      dynamics: { value: !before.donotbulkemail },
      campaign: { value: before.donotbulkemail === true }
    })
    expect(history.conflicts.find((c) => c.key === dynamicsLater)).toMatchObject({
      rule: 'dynamicsNewer',
      dynamics: { value: false },
      campaign: { value: true }
    })
    // A run with nothing to settle says so, and its history holds no conflict.
    const again = await service.run(await optOuts('both'))
    expect(again.flows[0].summary).toEqual(['no opt-out conflict resolved: Dynamics and Campaign agreed on every opt-out'])
    expect((await service.conflicts(again.flows[0].runId!)).total).toBe(0)

    // Compacting the history keeps the conflicts: the same rows, the same labels, after the per-record successes are gone.
    const runFile = join(bench.folder, 'journal', 'runs', `${run.flows[0].runId}.jsonl`)
    const lines = async () => (await readFile(runFile, 'utf8')).split('\n').filter(Boolean).length
    const linesBefore = await lines()
    const journal = await SyncJournal.open(join(bench.folder, 'journal'))
    expect(await journal.compact({ keepDetailed: 0 })).toContain(run.flows[0].runId)
    expect(await lines()).toBeLessThan(linesBefore)
    expect(await service.conflicts(run.flows[0].runId!)).toEqual(history)
    expect((await service.summary(run.flows[0].runId!)).counts).toEqual(run.flows[0].counts)
  })
})
