import { afterEach, describe, expect, it } from 'vitest'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EventsFlow, MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { root } from './fixtures/built-cli'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * A consultant fixes a step of the mapping (or narrows its filter) and runs it again. The
 * incremental run read the records changed in Dynamics since the last run — none — and said
 * "Sync complete": every profile kept what the old mapping wrote, and the dry run said the same
 * ("nothing to write"). A changed mapping now reads every record again, says why, and the next
 * run is incremental again; a note on a field changes nothing the run writes, and reads nothing.
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const withFlow = (patch: (flow: RecordsFlow) => RecordsFlow): MappingDocument => ({
  ...contactsDocument,
  flows: [patch(contactsDocument.flows[0] as RecordsFlow)]
})

describe('an incremental run after the mapping changed', () => {
  it('reads every record again, in the dry run as in the run, and says why; a note alone reads nothing', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0 })
    const service = bench.service()
    const first = await service.run(contactsDocument)
    const written = first.flows[0].counts.created
    expect(written).toBeGreaterThan(0)
    expect((await service.run(contactsDocument)).flows[0].counts.read).toBe(0)

    const upper = withFlow((flow) => ({
      ...flow,
      fields: flow.fields.map((f) => (f.target === 'lastName' ? { ...f, steps: [...(f.steps ?? []), { fn: 'upper' }] } : f))
    }))
    const said =
      'the mapping of flow "contacts" changed since its last run (its filter, fields, match, links or deletes): every record is read again, so that it applies to all of them, not only to those changed since'
    const plan = await service.run(upper, { dryRun: true })
    const run = await service.run(upper)
    expect(plan.flows[0].counts).toEqual(run.flows[0].counts)
    for (const result of [plan, run]) {
      expect(result.flows[0].notices).toContain(said)
      expect(result.flows[0].mode).toBe('full')
      const { counts } = result.flows[0]
      expect(counts).toMatchObject({ read: 40, created: 0, failed: first.flows[0].counts.failed })
      // Every profile is compared with the new mapping: changed where upper-casing changes the name.
      expect(counts.updated).toBeGreaterThan(written / 2)
      expect(counts.updated + counts.unchanged).toBe(written)
    }
    const profiles = [...(await profilesByKey(bench)).values()].map((list) => list[0])
    expect(profiles.every((p) => p.lastName === String(p.lastName).toUpperCase())).toBe(true)

    // From there the flow is incremental again; a note on a field is no change of what it writes.
    const again = await service.run(upper)
    expect(again.flows[0].counts.read).toBe(0)
    expect(again.flows[0].notices).not.toContain(said)
    const noted = withFlow((flow) => ({
      ...flow,
      fields: (upper.flows[0] as RecordsFlow).fields.map((f) => ({ ...f, note: 'checked with the client' }))
    }))
    const afterNote = await service.run(noted)
    expect(afterNote.flows[0].counts.read).toBe(0)
    expect(afterNote.flows[0].mode).toBe('incremental')
  })

  it('an events flow says so and is not replayed: a replay writes every event of the history again', async () => {
    bench = await syncBench({ contacts: 40, profiles: 10 })
    const service = bench.service()
    const example = JSON.parse(await readFile(join(root, 'examples/email-events.mapping.json'), 'utf8')) as MappingDocument
    const opens = { ...example, flows: example.flows.filter((f) => f.id === 'opens') }
    await service.run(opens)
    const flow = opens.flows[0] as EventsFlow
    const renamed: MappingDocument = {
      ...opens,
      flows: [
        { ...flow, fields: flow.fields.map((f) => (f.target === 'subject' ? { ...f, steps: [{ fn: 'default', value: 'Opened' }] } : f)) }
      ]
    }
    const result = (await service.run(renamed)).flows[0]
    expect(result.mode).toBe('incremental')
    expect(result.notices).toContain(
      'the mapping of flow "opens" changed since its last run: new events get it; the activities already written keep the old one (a run with --full writes every event again)'
    )
  })
})

describe('a changed mapping and a stopped run', () => {
  const upper = withFlow((flow) => ({
    ...flow,
    fields: flow.fields.map((f) => (f.target === 'lastName' ? { ...f, steps: [...(f.steps ?? []), { fn: 'upper' }] } : f))
  }))
  const lastNames = async (b: SyncBench) => new Map([...(await profilesByKey(b))].map(([key, list]) => [key, list[0].lastName]))

  it('a run stopped with another version is not resumed, and what it wrote gets the mapping back: one story in the notices', async () => {
    bench = await syncBench({ contacts: 160, profiles: 0, faults: { campaign: { latencyMs: 10 } } })
    const service = bench.service({ progressIntervalMs: 0 })
    const loaded = (await service.run(contactsDocument)).flows[0]
    expect(loaded.status).toBe('completed')
    expect(loaded.counts.failed).toBeGreaterThan(0) // malformed seed e-mails: a retry has records to read
    const asWritten = await lastNames(bench)

    // The new version reads every record again (its mapping changed); stopped after some updates.
    const controller = new AbortController()
    const stopped = (
      await service.run(upper, {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'progress' && event.progress.counts.updated >= 10 && !controller.signal.aborted) controller.abort()
        }
      })
    ).flows[0]
    expect(stopped.status).toBe('canceled')
    const changedByStopped = [...(await lastNames(bench))].filter(([key, name]) => asWritten.get(key) !== name).length
    expect(changedByStopped).toBeGreaterThanOrEqual(10)

    // Back to the first version: the last completed run's version, but the stopped run wrote with
    // another; an incremental run would read nothing and leave those profiles upper-cased.
    const plan = (await service.run(contactsDocument, { dryRun: true })).flows[0]
    const run = (await service.run(contactsDocument)).flows[0]
    for (const result of [plan, run]) {
      expect(result.resumedFrom).toBeUndefined()
      expect(result.mode).toBe('full')
      expect(result.notices).toEqual([
        `not resuming run ${stopped.runId}: it was started with another version of flow "contacts" — ${result === plan ? 'planned as a new run' : 'starting a new run'}`,
        'the mapping of flow "contacts" changed since its last run (its filter, fields, match, links or deletes): every record is read again, so that it applies to all of them, not only to those changed since',
        'contact: change tracking (full read, then a new delta link)',
        'rules Campaign applies that its metadata does not describe (custom data policies, workflows on the resource) are decided by Campaign'
      ])
    }
    expect(plan.counts).toEqual(run.counts)
    expect(run.counts.updated).toBe(changedByStopped)
    expect(await lastNames(bench)).toEqual(asWritten)
  }, 90_000)

  it('a retry in between (it reads only its failed records) does not hide what the stopped run wrote', async () => {
    bench = await syncBench({ contacts: 160, profiles: 0, faults: { campaign: { latencyMs: 10 } } })
    const service = bench.service({ progressIntervalMs: 0 })
    const loaded = (await service.run(contactsDocument)).flows[0]
    expect(loaded.counts.failed).toBeGreaterThan(0) // malformed seed e-mails: a retry has records to read
    const asWritten = await lastNames(bench)
    const controller = new AbortController()
    await service.run(upper, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'progress' && event.progress.counts.updated >= 10 && !controller.signal.aborted) controller.abort()
      }
    })
    expect((await service.retryFailed(contactsDocument, loaded.runId!)).flows[0].runId).toBeDefined()
    const run = (await service.run(contactsDocument)).flows[0]
    expect(run.mode).toBe('full')
    expect(await lastNames(bench)).toEqual(asWritten)
  }, 90_000)

  it('a position kept before the content hash is used as before, and the next run keeps one', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0 })
    await bench.service().run(contactsDocument)
    // The journal of an earlier version: its index names no content hash.
    const root = join(bench.folder, 'journal')
    for (const name of await readdir(root)) {
      if (!name.startsWith('index.')) continue
      const text = await readFile(join(root, name), 'utf8')
      await writeFile(join(root, name), text.replace(/"contentHash":"[0-9a-f]+",?/g, ''))
    }
    const service = bench.service()
    const first = (await service.run(upper)).flows[0]
    expect(first.mode).toBe('incremental')
    expect(first.counts.read).toBe(0)
    expect(first.notices.join(' ')).not.toContain('changed since its last run')
    // That run kept the hash of the mapping it ran with: a change from there reads every record.
    const back = (await service.run(contactsDocument)).flows[0]
    expect(back.mode).toBe('full')
    expect(back.counts.read).toBe(40)
  })

  it('a narrowed filter that deletes what left it is held by the delete guard, counted, then deleted as confirmed', async () => {
    bench = await syncBench({ contacts: 120, profiles: 0 })
    const service = bench.service()
    const deleting = withFlow((flow) => ({ ...flow, deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true } }))
    expect((await service.run(deleting)).flows[0].status).toBe('completed')
    const before = await profilesByKey(bench)
    const contacts = await bench.connections.dynamics('Sandbox')
    const kept = new Set<string>()
    for await (const row of contacts.records('contact', { select: ['contactid', 'lastname'] }))
      if (String(row.lastname ?? '').startsWith('M')) kept.add(String(row.contactid))
    const leaving = [...before.keys()].filter((key) => !kept.has(key)).length
    expect(leaving).toBeGreaterThan(0)

    const narrowed = withFlow((flow) => ({
      ...flow,
      deletes: { applySourceDeletes: true, deleteWhenFilteredOut: true },
      filter: { all: [...('all' in flow.filter! ? flow.filter.all : []), { field: 'lastname', op: 'startsWith', value: 'M' }] }
    }))
    const held = (await service.run(narrowed)).flows[0]
    expect(held.mode).toBe('full')
    expect(held.deleteGuard).toMatchObject({ verdict: 'confirm', deletes: leaving })
    expect(held.counts.deleted).toBe(0)
    expect((await profilesByKey(bench)).size).toBe(before.size)

    const confirmed = (await service.run(narrowed, { allowDeletes: leaving })).flows[0]
    expect(confirmed.counts.deleted).toBe(leaving)
    expect((await profilesByKey(bench)).size).toBe(before.size - leaving)
  })
})
