import { afterEach, describe, expect, it } from 'vitest'
import { mixedRecordClasses, mixedRecordsMapping, seedMixedRecords } from '../../src/main/sandbox/mixed-records'
import { measureAgreement } from '../../src/main/sync/agreement'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('dry run = run, record by record, on a sandbox full of bad records', () => {
  it('plans exactly what the run then does (creates, failures with reasons, skips, parents across flows), then updates and deletes', async () => {
    bench = await syncBench({ contacts: 40, profiles: 3 })
    const seeded = seedMixedRecords(bench.sandbox, { contacts: mixedRecordClasses.length * 4 })
    const document = mixedRecordsMapping()
    const service = bench.service()

    const first = await measureAgreement(service, document)
    expect(first.disagreements).toEqual([])
    expect(first.agreement).toBe(1)
    // Every class of bad record is there, and none of them was sent: they fail in the plan and in the run.
    expect(first.actual.error).toBeGreaterThan(0)
    expect(first.actual.create).toBeGreaterThan(0)
    expect(first.actual.skipped).toBeGreaterThan(0)
    const byKey = new Map<string, string>()
    const reasons = new Map<string, string>()
    await service.run(document, {
      dryRun: true,
      planLimit: 0,
      full: true,
      onPlan: (flowId, e) => {
        if (e.key) byKey.set(`${flowId}:${e.key}`, e.action)
        if (e.key && 'reason' in e) reasons.set(`${flowId}:${e.key}`, e.reason)
      }
    })
    const contact = (kind: string) => `contacts:${seeded.byClass.get(kind)![0]}`
    // After the first run the records it wrote are unchanged; the ones that failed fail again, with the same reasons.
    expect(byKey.get(contact('bad email (no domain)'))).toBe('error')
    expect(reasons.get(contact('bad email (no domain)'))).toMatch(/XTK-170001/)
    expect(reasons.get(contact('bad email (" at ")'))).toMatch(/XTK-170001/)
    expect(reasons.get(contact('overlong first name'))).toMatch(/holds 30/)
    expect(reasons.get(contact('NUL in last name'))).toMatch(/NUL/)
    expect(reasons.get(contact('lone surrogate in last name'))).toMatch(/surrogate/)
    expect(reasons.get(contact('unknown email format value'))).toMatch(/not a value of "Email format"/)
    expect(reasons.get(contact('impossible birth date'))).toMatch(/not a date/)
    expect(reasons.get(contact('birth date out of range'))).toMatch(/not a date/)
    for (const kind of ['good', 'empty email', 'spaces-only email', 'unicode names', 'duplicate email', 'good, emoji at the length limit'])
      expect(byKey.get(contact(kind)), kind).toBe('unchanged')
    expect(byKey.get(contact('inactive (filtered out)'))).toBe('skipped')

    // The empty and spaces-only emails were left out of the create (no value), never sent as "": Campaign holds none.
    const snapshot = JSON.stringify(bench.sandbox.campaign.snapshot())
    expect(snapshot).toContain(seeded.byClass.get('spaces-only email')![0])
    expect(snapshot).not.toMatch(/"email":"\s*"/)

    // Children: a vehicle whose owner failed, is inactive, does not exist or is not set is a planned failure with the reason.
    expect(
      [...reasons.entries()].filter(([k, r]) => k.startsWith('vehicles:') && /does not plan to write it|has no parent/.test(r)).length
    ).toBeGreaterThan(0)

    // Changes in Dynamics: an update, a delete, a record that becomes bad, one that becomes good.
    const good = seeded.byClass.get('good')!
    bench.sandbox.dynamics.touch('contact', good[1], { lastname: 'Changed' })
    bench.sandbox.dynamics.touch('contact', good[2], { emailaddress1: 'broken@' })
    bench.sandbox.dynamics.touch('contact', seeded.byClass.get('bad email (no domain)')![1], { emailaddress1: 'fixed@contoso.com' })
    bench.sandbox.dynamics.remove('contact', good[3])
    const second = await measureAgreement(service, {
      ...document,
      flows: document.flows.map((f) => ({ ...f, sync: { mode: 'incremental' as const } }))
    })
    expect(second.disagreements).toEqual([])
    expect(second.actual).toMatchObject({ update: 1, delete: 1, create: 1 })
    expect(second.actual.error).toBeGreaterThanOrEqual(1)
  })
})
