import { afterEach, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
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
