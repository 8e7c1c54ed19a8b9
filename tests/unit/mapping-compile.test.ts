import { describe, expect, it } from 'vitest'
import { contactsToProfiles } from '../support/flow-examples'
import { compileFlow, FlowCompileError, formattedValueSuffix } from '../../src/shared/mapping/compile'
import { campaignProfile, dynamicsContact } from '../support/schema-examples'
import { CONTACT_ID, flowWith } from '../support/run-steps'

// What a compiled flow writes, on both engine paths (the generated function in main and the CLI,
// the closures in the renderer): the fields read, the value written for a missing column, what a
// filter skips, and the message a flow that cannot compile gives.

const modes = ['auto', 'never'] as const

const contacts = contactsToProfiles

describe.each(modes)('compiled flows (codegen: %s)', (codegen) => {
  it('a column missing from the record is written as null (the field is cleared), never left out', async () => {
    const flow = contacts({
      fields: [
        { target: 'firstName', from: ['firstname'] },
        { target: 'lastName', from: ['lastname'], steps: [{ fn: 'trim' }] },
        { target: 'middleName', from: ['middlename'], steps: [{ fn: 'trim' }, { fn: 'lower' }, { fn: 'upper' }] },
        { target: 'salutation', from: ['salutation', 'nickname'], steps: [{ fn: 'coalesce' }] }
      ]
    })
    const compiled = compileFlow(flow, { source: dynamicsContact, target: campaignProfile, codegen })
    const r = compiled.runSync({ contactid: CONTACT_ID })
    expect(r.kind === 'ok' && r.target).toStrictEqual({
      firstName: null,
      lastName: null,
      middleName: null,
      salutation: null,
      cusDynamicsContactId: CONTACT_ID
    })
    expect(JSON.stringify(r.kind === 'ok' && r.target)).toBe(
      `{"firstName":null,"lastName":null,"middleName":null,"salutation":null,"cusDynamicsContactId":"${CONTACT_ID}"}`
    )
  })

  it('with picklists read as labels, choice columns (single and multi) read their formatted value, other columns their value', async () => {
    const fields = [
      { target: 'gender', from: ['gendercode'] },
      { target: 'cusInterests', from: ['new_interests'] },
      { target: 'firstName', from: ['firstname'] }
    ]
    const record = {
      contactid: CONTACT_ID,
      gendercode: 2,
      [`gendercode${formattedValueSuffix}`]: 'Female',
      new_interests: '100000000,100000002',
      [`new_interests${formattedValueSuffix}`]: 'Sports; Music',
      firstname: 'Anna',
      [`firstname${formattedValueSuffix}`]: 'not a choice'
    }
    const byOption = compileFlow(contacts({ fields }), { source: dynamicsContact, picklists: 'labels', codegen })
    const bySetting = compileFlow(contacts({ fields, sync: { mode: 'full', picklists: 'labels' } }), { source: dynamicsContact, codegen })
    for (const compiled of [byOption, bySetting]) {
      const r = compiled.runSync(record)
      expect(r.kind === 'ok' && r.target).toEqual({
        gender: 'Female',
        cusInterests: 'Sports; Music',
        firstName: 'Anna',
        cusDynamicsContactId: CONTACT_ID
      })
    }
    // The compile option wins over the flow's setting; values are the default.
    const asValues = compileFlow(contacts({ fields, sync: { mode: 'full', picklists: 'labels' } }), {
      source: dynamicsContact,
      picklists: 'values',
      codegen
    })
    const plain = compileFlow(contacts({ fields }), { source: dynamicsContact, codegen })
    for (const compiled of [asValues, plain]) {
      const r = compiled.runSync(record)
      expect(r.kind === 'ok' && r.target).toMatchObject({ gender: 2, cusInterests: '100000000,100000002' })
    }
  })

  it('an expression flow skips what its filter leaves out, and refuses a record without its key', async () => {
    const flow = contacts({
      filter: { field: 'statecode', op: 'eq', value: 0 },
      fields: [{ target: 'firstName', from: ['firstname'], steps: [{ fn: 'expression', expr: '$uppercase($value)' }] }]
    })
    const compiled = compileFlow(flow, { source: dynamicsContact, codegen })
    expect(compiled.isAsync).toBe(true)
    expect(await compiled.run({ contactid: CONTACT_ID, statecode: 1, firstname: 'anna' })).toEqual({
      kind: 'skipped',
      key: CONTACT_ID,
      reason: 'filtered out: statecode eq 0'
    })
    expect(await compiled.run({ contactid: CONTACT_ID, statecode: 0, firstname: 'anna' })).toMatchObject({
      kind: 'ok',
      target: { firstName: 'ANNA', cusDynamicsContactId: CONTACT_ID }
    })
    expect(await compiled.run({ contactid: '', statecode: 0, firstname: 'anna' })).toMatchObject({
      kind: 'error',
      code: 'noKey',
      field: 'cusDynamicsContactId',
      reason: 'the record has no "contactid", the match key — it cannot be matched to a target record',
      input: ''
    })
  })
})

describe('compiling', () => {
  it('a flow with several unworkable steps fails once, naming each problem', () => {
    const flow = flowWith('out', ['x'], [{ fn: 'truncate' }, { fn: 'replace', pattern: 'a(?=b)', replacement: '' }])
    let error: unknown
    try {
      compileFlow(flow)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FlowCompileError)
    expect((error as FlowCompileError).problems).toHaveLength(2)
    expect((error as Error).message).toBe(
      `${(error as FlowCompileError).problems[0].message}; ${(error as FlowCompileError).problems[1].message}`
    )
    expect((error as Error).message).toMatch(/^the target field's length is not known here — give "length"; look-ahead/)
  })

  it('where code generation is refused after the first check, the closures run with the same results', () => {
    const flow = contacts({ fields: [{ target: 'firstName', from: ['firstname'], steps: [{ fn: 'trim' }] }] })
    const expected = compileFlow(flow, { codegen: 'never' }).runSync({ contactid: CONTACT_ID, firstname: ' Anna ' })
    const original = globalThis.Function
    let compiled
    try {
      globalThis.Function = function refused() {
        throw new EvalError('Code generation from strings disallowed for this context')
      } as unknown as FunctionConstructor
      compiled = compileFlow(flow)
    } finally {
      globalThis.Function = original
    }
    expect(compiled.codegen).toBe(false)
    expect(compiled.runSync({ contactid: CONTACT_ID, firstname: ' Anna ' })).toEqual(expected)
  })
})
