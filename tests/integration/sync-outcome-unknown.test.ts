import { mkdtemp, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MappingDocument, OptOutFlow } from '../../src/shared/mapping/document'
import { countsAddUp } from '../../src/main/sync/journal-format'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * Writes to Dynamics that get no answer (a bulk write or `$batch` that outlives its timeout),
 * through a whole sync over real HTTP against the sandbox: the Dynamics connector's bulk timeout
 * is shortened and the sandbox's Dataverse made slower than it (its reads still answer). Such
 * records are neither resent nor counted failed: they are `unknown`, their own figure in the
 * counts (which still add up to what was read), listed with the errors with what to do, and
 * "Retry failed records" looks each up by key and writes only what is missing or different —
 * no second activity, no second write.
 */

const BULK_TIMEOUT_MS = 250
const SLOWER_THAN_BULK_TIMEOUT_MS = 600

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const settle = () => new Promise((resolve) => setTimeout(resolve, SLOWER_THAN_BULK_TIMEOUT_MS + 600))

async function readExample(name: string): Promise<MappingDocument> {
  return JSON.parse(await readFile(join(__dirname, '../../examples', name), 'utf8'))
}

/** The email-events example with its sends flow only. */
async function sendsDocument(): Promise<MappingDocument> {
  const document = await readExample('email-events.mapping.json')
  return { ...document, flows: document.flows.filter((f) => f.id === 'sends') }
}

async function activityIds(bench: SyncBench): Promise<string[]> {
  const dynamics = await bench.connections.dynamics('Sandbox')
  const out: string[] = []
  for await (const row of dynamics.records('new_emailsend', { select: ['new_externaleventid'] })) out.push(String(row.new_externaleventid))
  return out.sort()
}

/** A sandbox whose Dynamics bulk writes time out quickly, its contacts synced, and the sends flow over a log-export folder. */
async function eventsBench() {
  const made = await syncBench({ contacts: 12, profiles: 0 }, { bulkTimeoutMs: BULK_TIMEOUT_MS })
  bench = made // closed after each test
  const exportsFolder = await mkdtemp(join(made.folder, 'exports-'))
  const service = made.service({ eventsFolder: exportsFolder })
  expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
  return { bench: made, service, document: await sendsDocument(), exportsFolder }
}

describe('writes to Dynamics with no answer: outcome unknown', () => {
  it('events → activities: N unknown (not failed), the counts add up, the errors list them, and the retry writes no second activity', async () => {
    const { bench, service, document, exportsFolder } = await eventsBench()
    // A first delivery at full speed: the connector learns the activity table has no
    // UpsertMultiple, so the slow writes below go as $batch, and land (the sandbox runs them to the end).
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    const first = await service.run(document)
    expect(first.flows[0].counts).toMatchObject({ failed: 0, unknown: 0 })
    const landedBefore = (await activityIds(bench)).length
    expect(landedBefore).toBeGreaterThan(0)

    bench.sandbox.campaign.simulateDelivery({ seed: 8 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    const batches: string[] = []
    const stop = bench.sandbox.onRequest((r) => r.service === 'dynamics' && r.url.includes('$batch') && batches.push(r.url))
    bench.sandbox.dynamics.faults.update({ latencyMs: SLOWER_THAN_BULK_TIMEOUT_MS })
    const slow = await service.run(document)
    bench.sandbox.dynamics.faults.update({ latencyMs: 0 })
    stop()
    const flow = slow.flows[0]
    const c = flow.counts
    expect(c.unknown).toBeGreaterThan(0)
    expect(c.failed).toBe(0)
    expect(c.created + c.updated).toBe(0)
    expect(c.unknown).toBe(c.read - c.skipped - c.unchanged)
    expect(countsAddUp(c)).toBe(true)
    // Not known to be synced: the sync reads "partial", as with failures.
    expect(slow.status).toBe('partial')
    // Sent once: one $batch per write batch, none resent in a retry pass.
    expect(batches.length).toBe(Math.ceil(c.unknown / 100))

    // The history: the same figure, and each record in the errors list with what to do.
    const summary = await service.summary(flow.runId!)
    expect(summary.runId).toBe(flow.runId)
    expect(summary.counts).toMatchObject({ unknown: c.unknown, failed: 0 })
    expect(summary.errorCount).toBe(c.unknown)
    const errors = await service.errors(flow.runId!)
    expect(errors).toHaveLength(c.unknown)
    for (const error of errors)
      expect(error).toMatchObject({
        code: 'outcomeUnknown',
        stage: 'write',
        message: expect.stringMatching(/no answer from Dynamics.*may or may not be written.*looked up by its key/)
      })

    // The writes did land (the service finished them): each event's activity once.
    await settle()
    const landed = await activityIds(bench)
    expect(landed.length).toBe(landedBefore + c.unknown)
    expect(new Set(landed).size).toBe(landed.length)

    // Retry: each looked up by key, found, not written again.
    const retry = await service.retryFailed(document, flow.runId!)
    const r = retry.flows[0].counts
    expect(retry.flows[0].mode).toBe('retry')
    expect(r).toMatchObject({ created: 0, failed: 0, unknown: 0 })
    expect(r.unchanged + r.updated).toBe(c.unknown)
    expect(countsAddUp(r)).toBe(true)
    expect(retry.status).toBe('completed')
    expect(await activityIds(bench)).toEqual(landed)
  })

  it('the retry writes what did not land: a CreateMultiple/UpsertMultiple the service never ran is written once', async () => {
    const { bench, service, document, exportsFolder } = await eventsBench()
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    await bench.sandbox.campaign.exportLogs(exportsFolder)
    // The first write tries UpsertMultiple, which the activity table lacks: the service refuses it
    // (404) after the delay, so nothing was written — but the connector had stopped waiting.
    bench.sandbox.dynamics.faults.update({ latencyMs: SLOWER_THAN_BULK_TIMEOUT_MS })
    const slow = await service.run(document)
    bench.sandbox.dynamics.faults.update({ latencyMs: 0 })
    const c = slow.flows[0].counts
    expect(c.unknown).toBeGreaterThan(0)
    expect(c.failed).toBe(0)
    expect(countsAddUp(c)).toBe(true)
    await settle()
    expect(await activityIds(bench)).toEqual([])

    const retry = await service.retryFailed(document, slow.flows[0].runId!)
    const r = retry.flows[0].counts
    expect(r).toMatchObject({ created: c.unknown, failed: 0, unknown: 0 })
    expect(countsAddUp(r)).toBe(true)
    const landed = await activityIds(bench)
    expect(landed.length).toBe(c.unknown)
    expect(new Set(landed).size).toBe(landed.length)
  })

  it('opt-outs → contacts: the contact updates with no answer are unknown too, not failed and not resent in a retry pass', async () => {
    bench = await syncBench({ contacts: 20, profiles: 0 }, { bulkTimeoutMs: BULK_TIMEOUT_MS })
    const service = bench.service()
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    const document = await readExample('opt-outs.mapping.json')
    ;(document.flows[0] as OptOutFlow).direction = 'toDynamics'
    expect((await service.run(document)).flows[0].counts).toMatchObject({ failed: 0, unknown: 0 })
    // Three profiles opt out in Campaign: three contacts to update in Dynamics.
    const dynamics = await bench.connections.dynamics('Sandbox')
    const keys: string[] = []
    for (const key of (await profilesByKey(bench)).keys()) {
      const row = await dynamics.getJson<Record<string, unknown>>(`contacts(${key})?$select=donotbulkemail`)
      if (row.donotbulkemail !== true && keys.length < 3) keys.push(key)
    }
    expect(keys).toHaveLength(3)
    for (const key of keys) bench.sandbox.campaign.editProfile(key, { blackListEmail: true })

    const updates: string[] = []
    const stop = bench.sandbox.onRequest(
      (r) => r.service === 'dynamics' && r.method === 'POST' && /UpdateMultiple|\$batch/.test(r.url) && updates.push(r.url)
    )
    bench.sandbox.dynamics.faults.update({ latencyMs: SLOWER_THAN_BULK_TIMEOUT_MS })
    const phases = new Set<string>()
    const slow = await service.run(document, { onProgress: (e) => e.type === 'progress' && phases.add(e.progress.phase) })
    bench.sandbox.dynamics.faults.update({ latencyMs: 0 })
    stop()
    const c = slow.flows[0].counts
    expect(c).toMatchObject({ unknown: 3, failed: 0, updated: 0, deferred: 0 })
    expect(countsAddUp(c)).toBe(true)
    expect(slow.status).toBe('partial')
    // Sent once: no retry pass sends them again (the contacts' updates go out in one or two calls, as the pages come).
    expect(phases.has('retrying')).toBe(false)
    expect(updates.length).toBeGreaterThan(0)
    expect(updates.length).toBeLessThanOrEqual(keys.length)
    const errors = await service.errors(slow.flows[0].runId!)
    expect(errors.map((e) => e.key).sort()).toEqual([...keys].sort())
    for (const error of errors)
      expect(error).toMatchObject({
        code: 'outcomeUnknown',
        message: expect.stringContaining("this contact's opt-outs may or may not be written")
      })

    await settle()
    for (const key of keys)
      expect((await dynamics.getJson<Record<string, unknown>>(`contacts(${key})?$select=donotbulkemail`)).donotbulkemail).toBe(true)
    // Retry: read again on both sides, found in step, nothing written.
    const retry = await service.retryFailed(document, slow.flows[0].runId!)
    expect(retry.flows[0].counts).toMatchObject({ unknown: 0, failed: 0, updated: 0, unchanged: 3 })
    expect(countsAddUp(retry.flows[0].counts)).toBe(true)
  })
})
