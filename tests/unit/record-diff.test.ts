import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { diffRecord, patchOf, setPath, withoutFields, type FieldChange } from '../../src/shared/mapping/diff'
import { dryRunDiff } from '../../src/shared/mapping/preview'
import type { TargetRecord } from '../../src/shared/mapping/compile'

// What the preview's dry run shows as "changed" is what a run then writes: both use
// shared/mapping/diff.ts. These tests pin which differences count, in the user's terms.

const none = new Set<string>()
const changesOf = (computed: TargetRecord, existing: Record<string, unknown>, createOnly = none): FieldChange[] =>
  diffRecord(computed, existing, createOnly).changes

describe('which fields count as changed', () => {
  it('null, a missing field and an empty string are the same empty value', () => {
    for (const [next, old] of [
      [null, ''],
      ['', null],
      [null, undefined],
      ['', undefined],
      [undefined, '']
    ])
      expect(changesOf({ city: next }, old === undefined ? {} : { city: old })).toEqual([])
  })

  it('filling an empty field or clearing a filled one is a change, and says what was there', () => {
    expect(changesOf({ city: 'Paris' }, {})).toEqual([{ field: 'city', old: null, new: 'Paris' }])
    expect(changesOf({ city: 'Paris' }, { city: '' })).toEqual([{ field: 'city', old: '', new: 'Paris' }])
    expect(changesOf({ city: null }, { city: 'Paris' })).toEqual([{ field: 'city', old: 'Paris', new: null }])
    expect(changesOf({ city: '' }, { city: 'Paris' })).toEqual([{ field: 'city', old: 'Paris', new: '' }])
  })

  it('false and 0 are values, not empty', () => {
    expect(changesOf({ optOut: false }, {})).toEqual([{ field: 'optOut', old: null, new: false }])
    expect(changesOf({ score: 0 }, { score: null })).toEqual([{ field: 'score', old: null, new: 0 }])
    expect(changesOf({ optOut: false }, { optOut: false })).toEqual([])
    expect(changesOf({ optOut: true }, { optOut: false })).toHaveLength(1)
  })

  it('text compares exactly: case and surrounding spaces are changes', () => {
    expect(changesOf({ city: 'Paris' }, { city: 'paris' })).toEqual([{ field: 'city', old: 'paris', new: 'Paris' }])
    expect(changesOf({ city: 'Paris' }, { city: 'Paris ' })).toHaveLength(1)
    expect(changesOf({ city: 'Paris' }, { city: 'Paris' })).toEqual([])
  })

  it('numbers compare by value, and a number is not its text', () => {
    expect(changesOf({ score: 5 }, { score: 5.0 })).toEqual([])
    expect(changesOf({ score: 5 }, { score: '5' })).toEqual([{ field: 'score', old: '5', new: 5 }])
    expect(changesOf({ score: 5.5 }, { score: 5 })).toHaveLength(1)
  })

  it('dates compare as the text the target stores: another spelling of the same day is a change', () => {
    expect(changesOf({ birthDate: '1980-10-24' }, { birthDate: '1980-10-24' })).toEqual([])
    expect(changesOf({ birthDate: '1980-10-24' }, { birthDate: '1980-10-24T00:00:00Z' })).toEqual([
      { field: 'birthDate', old: '1980-10-24T00:00:00Z', new: '1980-10-24' }
    ])
  })

  it('arrays (multi-select picklists) compare item by item, in order; an empty list is not empty', () => {
    expect(changesOf({ interests: [1, 2] }, { interests: [1, 2] })).toEqual([])
    expect(changesOf({ interests: [1, 2] }, { interests: [2, 1] })).toEqual([{ field: 'interests', old: [2, 1], new: [1, 2] }])
    expect(changesOf({ interests: [] }, { interests: null })).toEqual([{ field: 'interests', old: null, new: [] }])
  })

  it('nested fields are compared one by one under their dotted names', () => {
    expect(changesOf({ location: { city: 'Paris', zipCode: '75001' } }, { location: { city: 'Paris', zipCode: '75002' } })).toEqual([
      { field: 'location.zipCode', old: '75002', new: '75001' }
    ])
    // A missing parent object reads as empty fields.
    expect(changesOf({ location: { city: '' } }, {})).toEqual([])
  })

  it('fields the mapping does not write are left alone', () => {
    expect(changesOf({ city: 'Paris' }, { city: 'Paris', phone: '+33 1 23', location: { country: 'FR' } })).toEqual([])
  })

  it('a create-only field that differs is no change, and is listed as skipped', () => {
    const diff = diffRecord({ lastName: 'Müller', city: 'Paris' }, { lastName: 'Mueller', city: 'Lyon' }, new Set(['lastName']))
    expect(diff).toEqual({ changes: [{ field: 'city', old: 'Lyon', new: 'Paris' }], createOnlySkipped: ['lastName'] })
    // The same field unchanged is not listed.
    expect(diffRecord({ lastName: 'Müller' }, { lastName: 'Müller' }, new Set(['lastName']))).toEqual({
      changes: [],
      createOnlySkipped: []
    })
  })
})

describe('what an update sends', () => {
  it('a patch holds only the changed fields, nested again', () => {
    expect(
      patchOf([
        { field: 'email', old: 'a@x', new: 'b@x' },
        { field: 'location.city', old: null, new: 'Paris' }
      ])
    ).toEqual({ email: 'b@x', location: { city: 'Paris' } })
  })

  it('the whole record leaves out create-only fields', () => {
    expect(
      withoutFields({ lastName: 'Müller', location: { city: 'Paris', zipCode: '1' } }, new Set(['lastName', 'location.zipCode']))
    ).toEqual({
      location: { city: 'Paris' }
    })
  })

  it('a field named __proto__ is written as data, never as the prototype', () => {
    const out: TargetRecord = {}
    try {
      setPath(out, '__proto__.polluted', 'yes')
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
      expect(JSON.parse(JSON.stringify(out))).toEqual(JSON.parse('{"__proto__":{"polluted":"yes"}}'))
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted
    }
  })

  const value = fc.oneof(
    fc.constant(null),
    fc.constant(''),
    fc.constantFrom('x', 'X', '5'),
    fc.integer({ min: 0, max: 5 }),
    fc.boolean(),
    fc.array(fc.constantFrom(1, 2), { maxLength: 2 })
  )
  it('after the patch is applied, the same record plans no further change (a rerun updates nothing)', () => {
    fc.assert(
      fc.property(
        fc.record({ a: value, b: value, loc: fc.record({ city: value }), tags: value }),
        fc.record({ a: value, b: value, loc: fc.option(fc.record({ city: value }), { nil: undefined }), tags: value, extra: value }),
        (computed, existing) => {
          const createOnly = new Set(['b'])
          const { changes, createOnlySkipped } = diffRecord(computed, existing, createOnly)
          expect(changes.map((c) => c.field)).not.toContain('b')
          const written = structuredClone(existing) as TargetRecord
          for (const change of changes) setPath(written, change.field, change.new)
          expect(diffRecord(computed, written, createOnly)).toEqual({ changes: [], createOnlySkipped })
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('the dry run in the preview', () => {
  const flow: RecordsFlow = {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    fields: [
      { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }] },
      { target: 'lastName', from: ['lastname'], applyUpdates: false },
      { target: 'location.city', from: ['address1_city'] }
    ]
  }

  it('compares a picklist after its value map, so the same choice is unchanged', async () => {
    const run = await dryRunDiff(
      flow,
      [
        { contactid: 'k1', gendercode: 2, lastname: 'Müller', address1_city: null },
        { contactid: 'k2', gendercode: 1, lastname: 'Other', address1_city: 'Paris' },
        { contactid: 'k3', gendercode: 1, lastname: 'New', address1_city: 'Lyon' }
      ],
      new Map<string, Record<string, unknown>>([
        ['k1', { gender: 'female', lastName: 'Müller', location: { city: '' }, cusDynamicsContactId: 'k1' }],
        ['k2', { gender: 'female', lastName: 'Smith', cusDynamicsContactId: 'k2' }]
      ])
    )
    expect(run.counts).toEqual({ create: 1, update: 1, unchanged: 1, skipped: 0, error: 0 })
    expect(run.entries[0]).toEqual({ key: 'k1', action: 'unchanged' })
    expect(run.entries[1]).toEqual({
      key: 'k2',
      action: 'update',
      changes: [
        { field: 'gender', old: 'female', new: 'male' },
        { field: 'location.city', old: null, new: 'Paris' }
      ],
      warnings: [],
      createOnlySkipped: ['lastName']
    })
    expect(run.entries[2]).toMatchObject({ key: 'k3', action: 'create' })
  })
})
