// Where each condition of a filter runs in a sync (docs/sync.md, "Where the filter runs"): the
// filter node, the preview and the Run dialog show this, and the records flow sends exactly its
// `odata` as $filter (src/main/sync/flows/records-flow.ts), so what they say is what runs.
import { describe, expect, it } from 'vitest'
import type { Filter } from '../../src/shared/mapping/filter'
import { CHANGE_TRACKING_FILTER_DOC, filterPlacement } from '../../src/shared/mapping/filter-placement'
import type { Table } from '../../src/shared/schema/model'
import { plainField as column } from '../support/schema-examples'

const table = (changeTracking: boolean): Table => ({
  system: 'dynamics',
  name: 'contact',
  displayName: 'Contact',
  keys: [],
  changeTracking,
  fields: [column('statecode', 'picklist'), column('lastname', 'string')]
})
// One condition Dataverse can take, one it cannot (text ordering follows the server's collation).
const filter: Filter = {
  all: [
    { field: 'statecode', op: 'eq', value: 0 },
    { field: 'lastname', op: 'gt', value: 'M' }
  ]
}

describe('where the filter runs', () => {
  it('without change tracking: what Dataverse can evaluate goes in $filter, the rest runs here, each with why', () => {
    const placement = filterPlacement(filter, { table: table(false) })
    expect(placement.odata).toBe('statecode eq 0')
    expect(placement.allHere).toBeUndefined()
    expect(placement.conditions.map((c) => c.where)).toEqual(['service', 'here'])
    expect(placement.conditions[0].why).toBe('sent as statecode eq 0')
    expect(placement.conditions[1].why).toContain('collation')
  })

  it('with change tracking nothing is sent: every changed record is read and the whole filter runs here', () => {
    const placement = filterPlacement(filter, { table: table(true) })
    expect(placement.odata).toBeUndefined()
    expect(placement.allHere).toContain(CHANGE_TRACKING_FILTER_DOC)
    expect(placement.conditions.every((c) => c.where === 'here' && c.why === 'change tracking cannot be combined with $filter')).toBe(true)
  })

  it('with "delete when filtered out" nothing is sent: the records that leave the filter must be read', () => {
    const placement = filterPlacement(filter, { table: table(false), deleteWhenFilteredOut: true })
    expect(placement.odata).toBeUndefined()
    expect(placement.allHere).toContain('delete when filtered out')
    expect(placement.conditions.map((c) => c.where)).toEqual(['here', 'here'])
  })

  it('no filter: nothing to place, every record is read', () => {
    expect(filterPlacement(undefined, { table: table(false) })).toEqual({ conditions: [] })
  })
})
