import { describe, expect, it } from 'vitest'
import { catalogOf, findField, isUniqueField, Table } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsContact, exampleTables } from '../support/schema-examples'

describe('schema model', () => {
  it('the example tables satisfy the zod schema', () => {
    for (const table of exampleTables) expect(Table.safeParse(table).success).toBe(true)
  })
  it('rejects an unknown field type and unknown keys', () => {
    const bad = { ...dynamicsContact, fields: [{ ...dynamicsContact.fields[0], type: 'guid' }] }
    expect(Table.safeParse(bad).success).toBe(false)
    expect(Table.safeParse({ ...dynamicsContact, colour: 'red' }).success).toBe(false)
  })
  it('finds fields by name and by read name; knows keys', () => {
    expect(findField(dynamicsContact, '_parentcustomerid_value')?.name).toBe('parentcustomerid')
    expect(findField(campaignProfile, 'location.city')?.maxLength).toBe(50)
    expect(findField(campaignProfile, 'gender')?.options?.map((o) => o.value)).toEqual(['unknown', 'male', 'female'])
    expect(isUniqueField(dynamicsContact, 'contactid')).toBe(true)
    expect(isUniqueField(dynamicsContact, 'lastname')).toBe(false)
    expect(isUniqueField(campaignProfile, 'cusDynamicsContactId')).toBe(true)
    const catalog = catalogOf(exampleTables)
    expect(catalog.find('campaign', 'profile')).toBe(campaignProfile)
    expect(catalog.names?.('dynamics')).toContain('contact')
  })
})
