import { afterEach, describe, expect, it } from 'vitest'
import { PreviewService } from '../../src/main/preview/preview-service'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

/** Contacts → profiles with `picklists: "labels"` and a value map keyed by the choice's labels. */
function labelsDocument(): MappingDocument {
  const flow: RecordsFlow = {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    filter: {
      all: [
        { field: 'statecode', op: 'eq', value: 0 },
        { field: 'emailaddress1', op: 'notNull' }
      ]
    },
    fields: [
      { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }] },
      { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { Male: 'male', Female: 'female' }, otherwise: 'unknown' }] }
    ],
    sync: { mode: 'full', picklists: 'labels' }
  }
  return {
    format: 'sync-studio/mapping@1',
    name: 'Labels',
    connections: { dynamics: 'Sandbox', campaign: 'Sandbox' },
    flows: [flow]
  } as MappingDocument
}

describe('sync.picklists: "labels" over the sandbox', () => {
  it('delivers the choice labels (the formatted-value annotation) to preview, dry run and run', async () => {
    bench = await syncBench({ contacts: 60, profiles: 0 })
    const document = labelsDocument()
    const expected = new Map<string, string>()
    const dynamics = await bench.connections.dynamics('Sandbox')
    for await (const row of dynamics.records('contact', { select: ['contactid', 'gendercode'] })) {
      expected.set(String(row.contactid), row.gendercode === 1 ? 'male' : row.gendercode === 2 ? 'female' : 'unknown')
    }
    expect([...expected.values()]).toContain('male')
    expect([...expected.values()]).toContain('female')

    // Preview: each row's gender is the label mapped, not "unknown".
    const { preview } = await new PreviewService(bench.connections).preview(document, 'contacts', 50)
    const previewed = preview.rows.filter((r) => r.status === 'ok')
    expect(previewed.length).toBeGreaterThan(10)
    for (const row of previewed) expect(row.cells.gender.value, row.key).toBe(expected.get(row.key!))

    // Dry run: the planned creates carry the mapped labels.
    const service = bench.service()
    const planned = new Map<string, unknown>()
    await service.run(document, {
      dryRun: true,
      planLimit: 0,
      onPlan: (_, e) => e.action === 'create' && planned.set(e.key!, e.target.gender)
    })
    expect(planned.size).toBeGreaterThan(10)
    for (const [key, gender] of planned) expect(gender, key).toBe(expected.get(key))

    // Run: Campaign holds them.
    const run = await service.run(document)
    expect(run.flows[0].counts.created).toBe(planned.size)
    const campaign = await bench.connections.campaign('Sandbox')
    let checked = 0
    for await (const profile of campaign.records('profile', { pageSize: 100 })) {
      const key = String(profile.cusDynamicsContactId ?? '')
      if (!expected.has(key)) continue
      expect(profile.gender, key).toBe(expected.get(key))
      checked++
    }
    expect(checked).toBe(planned.size)
    expect(new Set([...planned.values()]).has('male') && new Set([...planned.values()]).has('female')).toBe(true)
  })
})
