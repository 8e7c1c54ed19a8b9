import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileFlow, dryRunDiff } from '../../src/shared/mapping/engine'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { diffRecord } from '../../src/main/sync/diff'

/** The runner diffs each record itself (the flow is compiled once); it must agree with the engine's dry-run diff. */
const flow: RecordsFlow = {
  id: 'f',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'id', target: 'externalId' },
  fields: [
    { target: 'a', from: ['a'] },
    { target: 'b', from: ['b'], applyUpdates: false },
    { target: 'loc.city', from: ['city'] },
    { target: 'tags', from: ['tags'] }
  ]
}
const value = fc.oneof(
  fc.constant(null),
  fc.constant(''),
  fc.constantFrom('x', 'y'),
  fc.integer({ min: 0, max: 2 }),
  fc.boolean(),
  fc.array(fc.constantFrom(1, 2), { maxLength: 2 })
)

describe('runner diff = engine dryRunDiff', () => {
  it('agrees on changes, create-only fields and unchanged records', async () => {
    const compiled = compileFlow(flow)
    await fc.assert(
      fc.asyncProperty(
        fc.record({ a: value, b: value, city: value, tags: value }),
        fc.record({ a: value, b: value, loc: fc.option(fc.record({ city: value }), { nil: undefined }), tags: value, extra: value }),
        async (source, existing) => {
          const record = { id: 'k1', ...source }
          const engine = await dryRunDiff(flow, [record], new Map([['k1', existing]]))
          const result = compileFlow(flow).runSync(record)
          if (result.kind !== 'ok') throw new Error('expected ok')
          const ours = diffRecord(result.target, existing, new Set(compiled.createOnly))
          const entry = engine.entries[0]
          if (entry.action === 'unchanged') expect(ours.changes).toEqual([])
          else if (entry.action === 'update') {
            expect(ours.changes).toEqual(entry.changes)
            expect(ours.createOnlySkipped).toEqual(entry.createOnlySkipped)
          } else throw new Error(`unexpected ${entry.action}`)
        }
      ),
      { numRuns: 300 }
    )
  })
})
