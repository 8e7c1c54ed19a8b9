import { afterEach, describe, expect, it } from 'vitest'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

describe('contacts flow under injected faults', () => {
  it('loses nothing through 429 storms, 5xx, dropped connections and an expired token', async () => {
    bench = await syncBench({
      contacts: 120,
      profiles: 0,
      faults: {
        dynamics: { throttleRate: 0.15, retryAfterSeconds: 0.05, serverErrorRate: 0.1, dropRate: 0.05 },
        campaign: { throttleRate: 0.15, retryAfterSeconds: 0.05, serverErrorRate: 0.1, dropRate: 0.05 }
      }
    })
    const service = bench.service()
    let expired = false
    const result = await service.run(contactsDocument, {
      onProgress: (event) => {
        if (!expired && event.type === 'progress' && event.progress.counts.created > 20) {
          expired = true
          bench!.sandbox.campaign.expireTokens()
        }
      }
    })
    expect(expired).toBe(true)
    const flow = result.flows[0]
    expect(flow.status).toBe('completed')
    expect(flow.counts.read).toBe(120)

    // Whatever failed for a transient reason is retried; what Campaign refused stays refused.
    bench.sandbox.dynamics.faults.update({ throttleRate: 0, serverErrorRate: 0, dropRate: 0 })
    bench.sandbox.campaign.faults.update({ throttleRate: 0, serverErrorRate: 0, dropRate: 0 })
    const errors = await service.errors(flow.runId!)
    // Records Campaign refuses for their values (malformed e-mails); a fault may have hidden the refusal the first time.
    const refused = new Set(errors.filter((e) => !e.retryable).map((e) => e.key))
    if (errors.some((e) => e.retryable)) {
      const retried = await service.retryFailed(contactsDocument, flow.runId!)
      expect(retried.flows[0].status).toBe('completed')
      for (const e of await service.errors(retried.flows[0].runId!)) {
        expect(e.retryable).toBe(false)
        refused.add(e.key)
      }
    }
    const check = await service.plan(contactsDocument, { full: true })
    const invalid = refused.size
    expect(check.flows[0].counts.updated).toBe(0)
    // The plan knows Campaign's rules: the refused records are planned as failures, nothing is left to create.
    expect(check.flows[0].counts.created).toBe(0)
    expect(check.flows[0].counts.failed).toBe(invalid)
    const profiles = await profilesByKey(bench)
    expect([...profiles.values()].every((list) => list.length === 1)).toBe(true)
    expect(profiles.size).toBe(check.flows[0].counts.unchanged)
  })

  it('dry run plans every change without a write; history exports errors and retries them', async () => {
    bench = await syncBench({ contacts: 50, profiles: 0 })
    const service = bench.service()
    const plan = await service.plan(contactsDocument)
    const flow = plan.flows[0]
    expect(flow.dryRun).toBe(true)
    expect(flow.counts.created).toBeGreaterThan(0)
    expect(flow.plan!.entries.filter((e) => e.action === 'create').length).toBe(flow.counts.created)
    expect((await profilesByKey(bench)).size).toBe(0)

    const run = await service.run(contactsDocument, { mappingVersion: 'v1' })
    const history = await service.history({ flowId: 'contacts' })
    expect(history[0]).toMatchObject({
      runId: run.flows[0].runId,
      mappingVersion: 'v1',
      mode: 'incremental',
      status: 'completed',
      dryRun: false
    })
    expect(history[1].dryRun).toBe(true)
    const csv = await service.errorsCsv(run.flows[0].runId!)
    // A byte-order mark first, so a spreadsheet reads UTF-8; then the header and one line per failure.
    expect(csv.startsWith('\uFEFFrun,key,stage,')).toBe(true)
    const lines = csv.slice(1).split('\r\n')
    expect(lines[0]).toBe('run,key,stage,operation,code,reason,field,step,stepName,message,value,retryable')
    expect(lines.length - 2).toBe(run.flows[0].counts.failed)
    // Campaign's e-mail check runs before the write (docs/validation.md, "Target rules"): the
    // refused addresses are failures with the field named, never sent.
    const refusedEmails = lines
      .slice(1, -1)
      .map((line) => line.split(','))
      .filter((cells) => /email address/.test(cells.join(',')))
    expect(refusedEmails.length).toBeGreaterThan(0)
    for (const cells of refusedEmails) expect(cells.slice(4, 7)).toEqual(['emailRefused', 'email the target refuses', 'email'])
    // …and the value column the address it refused.
    for (const error of (await service.errors(run.flows[0].runId!)).filter((e) => e.stage === 'write' && e.field === 'email'))
      expect(error.message).toContain(`'${String(error.input)}'`)
    // Retry: the same records fail the same way (their e-mails are malformed); a new run in the history.
    const retry = await service.retryFailed(contactsDocument, run.flows[0].runId!)
    expect(retry.flows[0].counts.failed).toBe(run.flows[0].counts.failed)
    expect((await service.history({ flowId: 'contacts' }))[0]).toMatchObject({ mode: 'retry', retryOf: run.flows[0].runId })
  })
})
