import { describe, expect, it } from 'vitest'
import { patchOf, setPath, withoutFields } from '../../src/shared/mapping/diff'
import type { TargetRecord } from '../../src/shared/mapping/compile'

// What an update sends when several changed fields share a parent (Campaign's `location.*`):
// one nested object holding all of them, never the last one alone.

describe('nested fields in what an update sends', () => {
  it('a patch keeps every changed field under a shared parent', () => {
    expect(
      patchOf([
        { field: 'location.city', old: 'Lyon', new: 'Paris' },
        { field: 'location.zipCode', old: '69001', new: '75001' },
        { field: 'location.countryCode', old: null, new: 'FR' }
      ])
    ).toEqual({ location: { city: 'Paris', zipCode: '75001', countryCode: 'FR' } })
  })

  it('the whole record without create-only fields keeps the other fields of their parent', () => {
    const record: TargetRecord = { email: 'a@x', location: { city: 'Paris', zipCode: '75001', address1: '1 rue' } }
    expect(withoutFields(record, new Set(['location.zipCode']))).toEqual({ email: 'a@x', location: { city: 'Paris', address1: '1 rue' } })
  })

  it('a dotted field replaces a blank or plain value where its parent should be', () => {
    const record: TargetRecord = { location: null, phone: '+33', tags: ['a'] }
    setPath(record, 'location.city', 'Paris')
    setPath(record, 'phone.mobile', '+33 6')
    setPath(record, 'tags.first', 'a')
    expect(record).toEqual({ location: { city: 'Paris' }, phone: { mobile: '+33 6' }, tags: { first: 'a' } })
  })
})
