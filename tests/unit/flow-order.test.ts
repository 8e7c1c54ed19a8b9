// The order a sync runs a document's flows in (and the Run dialog lists them in): a child
// resource's records need their parent profile to exist first, so a flow linked to a parent
// flow runs after it, whatever the order in the file; opt-outs follow the records they
// concern, and email events come last.
import { describe, expect, it } from 'vitest'
import type { Flow, RecordsFlow } from '../../src/shared/mapping/document'
import { orderFlows } from '../../src/shared/mapping/flow-order'

const records = (id: string, parents: string[] = []): RecordsFlow => ({
  id,
  kind: 'records',
  source: { system: 'dynamics', table: id },
  target: { system: 'campaign', resource: id },
  match: { source: `${id}id`, target: 'externalId' },
  fields: [],
  ...(parents.length ? { links: parents.map((parentFlow) => ({ target: 'parent', source: `_${parentFlow}_value`, parentFlow })) } : {})
})
const optOut = { id: 'optouts', kind: 'optOut' } as unknown as Flow
const events = { id: 'events', kind: 'events' } as unknown as Flow
const ids = (flows: readonly Flow[]) => orderFlows(flows).map((f) => f.id)

describe('flow order', () => {
  it('runs a parent flow before the flows linked to it, even when the file lists it after them', () => {
    expect(ids([records('vehicles', ['contacts']), records('contacts')])).toEqual(['contacts', 'vehicles'])
    expect(ids([records('trips', ['vehicles']), records('vehicles', ['contacts']), records('contacts')])).toEqual([
      'contacts',
      'vehicles',
      'trips'
    ])
    // Already in order: kept as written.
    expect(ids([records('contacts'), records('accounts'), records('vehicles', ['contacts'])])).toEqual(['contacts', 'accounts', 'vehicles'])
  })

  it('runs records, then opt-outs, then events, and each flow exactly once', () => {
    // vehicles comes first among the records, so its parents run before it, in the order of its links.
    expect(ids([events, optOut, records('vehicles', ['contacts', 'accounts']), records('accounts'), records('contacts')])).toEqual([
      'contacts',
      'accounts',
      'vehicles',
      'optouts',
      'events'
    ])
    expect(ids([optOut, events])).toEqual(['optouts', 'events'])
    expect(ids([events, records('contacts')])).toEqual(['contacts', 'events'])
  })

  it('ignores a link to a flow that is not in the run, and does not loop on links that go round', () => {
    expect(ids([records('vehicles', ['contacts'])])).toEqual(['vehicles'])
    expect(ids([records('a', ['b']), records('b', ['a'])])).toEqual(['b', 'a'])
    expect(ids([records('a', ['a'])])).toEqual(['a'])
  })
})
