// The preview and the dry run a consultant shows a client before any write: one row per record
// with each cell's value or error, why a record is skipped or refused, the value after every
// step, and what a run would create, update or leave alone.
import { describe, expect, it } from 'vitest'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { dryRunDiff, previewRecords, traceRecord } from '../../src/shared/mapping/preview'
import { campaignProfile, dynamicsContact, dynamicsVehicle } from '../support/schema-examples'

const ID1 = '6f1b2a3c-0000-4000-8000-000000000001'
const ID2 = '6f1b2a3c-0000-4000-8000-000000000002'
const flow = (patch: Partial<RecordsFlow> = {}): RecordsFlow => ({
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: [
    { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'email' }] },
    { target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate' }] },
    { target: 'lastName', from: ['lastname'] }
  ],
  ...patch
})
const options = { source: dynamicsContact, target: campaignProfile }
const anna = { contactid: ID1, emailaddress1: ' anna@example.com ', firstname: 'Anna', lastname: 'Berg' }

describe('preview', () => {
  it('shows at most 200 records unless told otherwise', async () => {
    const many = Array.from({ length: 205 }, (_, i) => ({ ...anna, contactid: `id-${i}` }))
    const preview = await previewRecords(flow(), many, options)
    expect(preview.rows).toHaveLength(200)
    expect(preview.counts).toEqual({ ok: 200, error: 0, skipped: 0 })
    expect(preview.rows[199]).toMatchObject({ index: 199, key: 'id-199', status: 'ok' })
    expect((await previewRecords(flow(), many, { ...options, limit: 3 })).rows.map((r) => r.key)).toEqual(['id-0', 'id-1', 'id-2'])
    expect((await previewRecords(flow(), many.slice(0, 2), { ...options, limit: 5 })).rows).toHaveLength(2)
  })

  it('an ok row has every cell, and no reason', async () => {
    const preview = await previewRecords(flow(), [anna], options)
    expect(preview.rows[0]).toEqual({
      index: 0,
      key: ID1,
      status: 'ok',
      cells: { email: { value: 'anna@example.com' }, firstName: { value: 'Anna' }, lastName: { value: 'Berg' } }
    })
  })

  it('a record without its match key is an error that says so, an empty key included', async () => {
    const preview = await previewRecords(
      flow(),
      [
        { ...anna, contactid: null },
        { ...anna, contactid: '' },
        { ...anna, contactid: undefined }
      ],
      options
    )
    expect(preview.rows.map((r) => [r.status, r.key, r.reason])).toEqual(
      Array(3).fill(['error', undefined, 'the record has no "contactid", the match key'])
    )
    expect(preview.counts).toEqual({ ok: 0, error: 3, skipped: 0 })
    // A number key is shown as its text.
    expect((await previewRecords(flow(), [{ ...anna, contactid: 42 }], options)).rows[0].key).toBe('42')
  })

  it('reads a lookup match key under its read name', async () => {
    const vehicles = flow({
      source: { system: 'dynamics', table: 'new_vehicle' },
      match: { source: 'new_contactsvehicleid', target: 'cusDynamicsContactId' },
      fields: [{ target: 'lastName', from: ['new_name'] }]
    })
    const preview = await previewRecords(vehicles, [{ _new_contactsvehicleid_value: ID2, new_name: 'Golf' }], {
      source: dynamicsVehicle,
      target: campaignProfile
    })
    expect(preview.rows[0]).toMatchObject({ key: ID2, status: 'ok' })
  })

  it('an error row names the first failing field and the step, and still shows the other cells', async () => {
    const preview = await previewRecords(flow(), [{ ...anna, emailaddress1: 'not an email', firstname: 'A'.repeat(40) }], options)
    const row = preview.rows[0]
    expect(row.status).toBe('error')
    expect(row.reason).toMatch(/^email: .*not an email address/)
    expect(row.cells.email).toMatchObject({ value: null, error: { step: 1, input: 'not an email' } })
    expect(row.cells.firstName).toEqual({
      value: 'A'.repeat(30),
      warnings: [expect.objectContaining({ message: 'cut from 40 to 30 characters' })]
    })
    expect(row.cells.lastName).toEqual({ value: 'Berg' })
  })

  it('a value the target refuses after the steps is an error without a step', async () => {
    const preview = await previewRecords(
      flow({ fields: [{ target: 'firstName', from: ['firstname'] }] }),
      [{ ...anna, firstname: 'A'.repeat(31) }],
      options
    )
    expect(preview.rows[0].cells.firstName.error).toMatchObject({ step: undefined, reason: expect.stringMatching(/31 characters/) })
    expect(preview.rows[0].reason).toMatch(/^firstName: the value is 31 characters/)
  })

  it('a skipped row says which filter left it out', async () => {
    const filtered = flow({ filter: { field: 'lastname', op: 'eq', value: 'Berg' } })
    const preview = await previewRecords(filtered, [anna, { ...anna, contactid: ID2, lastname: 'Lind' }], options)
    expect(preview.rows[1]).toMatchObject({ status: 'skipped', key: ID2, reason: 'filtered out: lastname eq "Berg"' })
    expect(preview.counts).toEqual({ ok: 1, error: 0, skipped: 1 })
  })
})

describe('trace of one record', () => {
  it('the value after every step, the output, and the filter in words', async () => {
    const trace = await traceRecord(flow({ filter: { field: 'lastname', op: 'ne', value: 'Lind' } }), anna, options)
    expect(trace.key).toBe(ID1)
    expect(trace.filter).toEqual({ passed: true, description: 'lastname ne "Lind"' })
    expect(trace.fields[0]).toEqual({
      target: 'email',
      from: ['emailaddress1'],
      input: ' anna@example.com ',
      steps: [
        { index: 0, fn: 'trim', output: 'anna@example.com' },
        { index: 1, fn: 'email', output: 'anna@example.com' }
      ],
      output: 'anna@example.com'
    })
    expect(trace.fields[2]).toEqual({ target: 'lastName', from: ['lastname'], input: 'Berg', steps: [], output: 'Berg' })
    const left = await traceRecord(flow({ filter: { field: 'lastname', op: 'ne', value: 'Berg' } }), anna, options)
    expect(left.filter).toEqual({ passed: false, description: 'lastname ne "Berg"' })
    expect((await traceRecord(flow(), anna, options)).filter).toEqual({ passed: true })
  })

  it('stops a field at its failing step, with the step and the reason', async () => {
    const steps = [{ fn: 'email' as const }, { fn: 'trim' as const }]
    const trace = await traceRecord(
      flow({ fields: [{ target: 'email', from: ['emailaddress1'], steps }] }),
      { ...anna, emailaddress1: 'nobody' },
      options
    )
    const field = trace.fields[0]
    expect(field.steps).toHaveLength(1)
    expect(field.steps[0]).toMatchObject({ index: 0, fn: 'email', error: expect.stringMatching(/not an email address/) })
    expect(field.steps[0].output).toBeUndefined()
    expect(field.error).toEqual({ step: 0, reason: field.steps[0].error })
    expect(field.output).toBeUndefined()
  })

  it("shows a step's warnings, and a refusal by the target's rules after the steps", async () => {
    const trace = await traceRecord(
      flow({
        fields: [
          { target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate' }] },
          { target: 'lastName', from: ['lastname'], steps: [{ fn: 'trim' }] }
        ]
      }),
      { ...anna, firstname: 'B'.repeat(35), lastname: 'C'.repeat(60) },
      options
    )
    expect(trace.fields[0].steps[0]).toMatchObject({
      output: 'B'.repeat(30),
      warnings: [expect.objectContaining({ message: 'cut from 35 to 30 characters' })]
    })
    expect(trace.fields[0].error).toBeUndefined()
    expect(trace.fields[1].steps[0]).toEqual({ index: 0, fn: 'trim', output: 'C'.repeat(60) })
    expect(trace.fields[1].error).toEqual({
      step: undefined,
      reason: expect.stringMatching(/60 characters and "Last name" \(lastName\) holds 50/)
    })
    expect(trace.fields[1].output).toBeUndefined()
  })
})

describe('dry run', () => {
  it('looks existing records up through a function too, and creates what it does not find', async () => {
    const seen: string[] = []
    const run = await dryRunDiff(
      flow(),
      [anna, { ...anna, contactid: ID2 }],
      (key) => {
        seen.push(key)
        return key === ID1 ? { email: 'anna@example.com', firstName: 'Anna', lastName: 'Berg', cusDynamicsContactId: ID1 } : undefined
      },
      options
    )
    expect(seen).toEqual([ID1, ID2])
    expect(run.entries[0]).toEqual({ key: ID1, action: 'unchanged' })
    expect(run.entries[1]).toMatchObject({ key: ID2, action: 'create', target: { email: 'anna@example.com', cusDynamicsContactId: ID2 } })
    expect(run.counts).toEqual({ create: 1, update: 0, unchanged: 1, skipped: 0, error: 0 })
  })

  it('a refused record carries the step, its name and the failure code, as the run journals it', async () => {
    const run = await dryRunDiff(flow(), [{ ...anna, emailaddress1: 'nobody' }], new Map(), options)
    expect(run.entries[0]).toEqual({
      key: ID1,
      action: 'error',
      field: 'email',
      step: 1,
      stepName: 'email',
      code: 'notAnEmail',
      reason: expect.stringMatching(/not an email address/),
      input: 'nobody'
    })
    const refused = await dryRunDiff(flow(), [{ ...anna, lastname: 'C'.repeat(60) }], new Map(), options)
    expect(refused.entries[0]).toMatchObject({
      action: 'error',
      field: 'lastName',
      step: undefined,
      stepName: 'targetRules',
      code: 'tooLong'
    })
    const skipped = await dryRunDiff(flow({ filter: { field: 'lastname', op: 'null' } }), [anna], new Map(), options)
    expect(skipped.entries[0]).toEqual({ key: ID1, action: 'skipped', reason: expect.stringMatching(/lastname does not contain data/) })
  })
})
