import { describe, expect, it } from 'vitest'
import { compileFlow, tryCompileFlow } from '../../src/shared/mapping/compile'
import type { Step } from '../../src/shared/mapping/steps'
import type { Table } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsContact, plainField } from '../support/schema-examples'
import { applySteps, CONTACT_ID, flowWith, stepError, stepValue } from '../support/run-steps'

// Value tables, choices, lookups and several sources as a consultant sets them up: what reaches
// the target field, and the record that fails (with its input) when a value has no place to go.

/** Runs steps on several source fields of one record. */
async function several(steps: Step[], values: Record<string, unknown>) {
  const flow = compileFlow(flowWith('out', Object.keys(values), steps))
  const r = await flow.run({ contactid: CONTACT_ID, ...values })
  return r.kind === 'ok' ? r.target.out : r
}

/** The problems of a flow that does not compile: their paths and messages. */
function refused(steps: Step[], opts: { from?: string[]; source?: Table; target?: string; targetTable?: Table } = {}) {
  const r = tryCompileFlow(flowWith(opts.target ?? 'out', opts.from ?? ['x'], steps), { source: opts.source, target: opts.targetTable })
  if (r.ok) throw new Error('expected the flow to be refused')
  return r.problems.map((p) => ({ path: p.path, message: p.message }))
}

describe('default and coalesce', () => {
  it('default replaces nothing, empty text and all-empty sources, but keeps 0 and false', async () => {
    const fallback: Step = { fn: 'default', value: 'n/a' }
    expect(await stepValue([fallback], null)).toBe('n/a')
    expect(await stepValue([fallback], undefined)).toBe('n/a')
    expect(await stepValue([fallback], '')).toBe('n/a')
    expect(await stepValue([fallback], 0)).toBe(0)
    expect(await stepValue([fallback], false)).toBe(false)
    expect(await stepValue([fallback], ' ')).toBe(' ')
    expect(await several([fallback], { a: '', b: null })).toBe('n/a')
    expect(await several([fallback], { a: '', b: 'x' })).toEqual(['', 'x'])
  })

  it('coalesce takes the first source with a value (0 and false are values), else null', async () => {
    expect(await several([{ fn: 'coalesce' }], { a: '', b: 0, c: 'x' })).toBe(0)
    expect(await several([{ fn: 'coalesce' }], { a: null, b: false })).toBe(false)
    expect(await several([{ fn: 'coalesce' }], { a: null, b: '', c: undefined })).toBe(null)
    expect(await stepValue([{ fn: 'coalesce' }], 'only')).toBe('only')
    expect(await stepValue([{ fn: 'coalesce' }], '')).toBe(null)
  })

  it('constant writes its value whatever comes in, null included', async () => {
    expect(await stepValue([{ fn: 'constant', value: null }], 'x')).toBe(null)
    expect(await stepValue([{ fn: 'constant', value: false }], null)).toBe(false)
  })
})

describe('valueMap', () => {
  it('matches a text key to the number or boolean a record carries, and to text loosely', async () => {
    const map = { ' 3 ': 'gold', '1e1': 'ten', false: 'no', True: 'yes', ' Silver ': 'silver' }
    expect(await stepValue([{ fn: 'valueMap', map }], 3)).toBe('gold')
    expect(await stepValue([{ fn: 'valueMap', map }], ' 3 ')).toBe('gold')
    expect(await stepValue([{ fn: 'valueMap', map }], 10)).toBe('ten')
    expect(await stepValue([{ fn: 'valueMap', map }], false)).toBe('no')
    expect(await stepValue([{ fn: 'valueMap', map }], 'SILVER')).toBe('silver')
    expect(await stepValue([{ fn: 'valueMap', map }], '  silver  ')).toBe('silver')
    expect(await stepValue([{ fn: 'valueMap', map }], 'true')).toBe('yes')
  })

  it('an exact key wins over a loose one, and the first of two loose spellings wins', async () => {
    const map = { Gold: 'first', gold: 'second', '1': 'one', '1.0': 'one again' }
    expect(await stepValue([{ fn: 'valueMap', map }], 'gold')).toBe('second')
    expect(await stepValue([{ fn: 'valueMap', map }], 'Gold')).toBe('first')
    expect(await stepValue([{ fn: 'valueMap', map }], 'GOLD')).toBe('first')
    expect(await stepValue([{ fn: 'valueMap', map }], 1)).toBe('one')
  })

  it('an empty key stands for nothing, never for 0 or for a blank key', async () => {
    const map = { '': 'none', ' ': 'blank' }
    expect(await stepValue([{ fn: 'valueMap', map }], null)).toBe('none')
    expect(await stepValue([{ fn: 'valueMap', map }], '')).toBe('none')
    expect((await stepError([{ fn: 'valueMap', map }], 0)).reason).toBe(
      'no replacement for 0 — add it to the map, or set "otherwise" or "keepUnmatched"'
    )
    // "true" and "false" stand for the booleans; other words do not.
    expect((await stepError([{ fn: 'valueMap', map: { yes: 'Y' } }], true)).input).toBe(true)
  })

  it('unmatched values: otherwise (null too), kept, or the record fails with its input', async () => {
    const map = { a: 'A' }
    expect(await stepValue([{ fn: 'valueMap', map, otherwise: null }], 'b')).toBe(null)
    expect(await stepValue([{ fn: 'valueMap', map, keepUnmatched: true }], 'b')).toBe('b')
    expect(await stepValue([{ fn: 'valueMap', map, keepUnmatched: false, otherwise: 'other' }], 'b')).toBe('other')
    const r = await stepError([{ fn: 'valueMap', map, keepUnmatched: false }], 'b')
    expect(r).toMatchObject({
      input: 'b',
      stepName: 'valueMap',
      reason: 'no replacement for "b" — add it to the map, or set "otherwise" or "keepUnmatched"'
    })
  })
})

describe('optionLabel', () => {
  const labelOf = (input: unknown, from: string) => stepValue([{ fn: 'optionLabel' }], input, { from, source: dynamicsContact })

  it("reads a choice's label from the schema, as a number, as text, and a yes/no column's as true/false", async () => {
    expect(await labelOf(1, 'gendercode')).toBe('Male')
    expect(await labelOf('2', 'gendercode')).toBe('Female')
    expect(await labelOf(false, 'donotbulkemail')).toBe('Allow')
    expect(await labelOf(1, 'donotbulkemail')).toBe('Do Not Allow')
    expect(await labelOf(null, 'gendercode')).toBe(null)
    expect(await labelOf('', 'gendercode')).toBe(null)
    // false is the option 0 only: a choice without it has no label for false.
    expect((await stepError([{ fn: 'optionLabel' }], false, { from: 'gendercode', source: dynamicsContact })).reason).toBe(
      'false is not an option of "gendercode" — add it to "labels"'
    )
  })

  it('reads a multi-select choice as labels joined by "; ", spaces around the values allowed', async () => {
    expect(await labelOf('100000001, 100000000', 'new_interests')).toBe('Travel; Sports')
    expect(await labelOf(100000002, 'new_interests')).toBe('Music')
    const r = await stepError([{ fn: 'optionLabel' }], '100000001,7', { from: 'new_interests', source: dynamicsContact })
    expect(r.reason).toBe('7 is not an option of "new_interests" — add it to "labels"')
    expect(r.input).toBe('100000001,7')
  })

  it('labels given on the step win over the schema; their numeric keys match numbers', async () => {
    const labels = { '1': 'Mr', '2': 'Ms', ' ': 'Blank' }
    expect(await stepValue([{ fn: 'optionLabel', labels }], 2, { from: 'gendercode', source: dynamicsContact })).toBe('Ms')
    expect(await stepValue([{ fn: 'optionLabel', labels }], '1')).toBe('Mr')
    expect((await stepError([{ fn: 'optionLabel', labels }], 0)).reason).toBe('0 is not an option of "x" — add it to "labels"')
    expect((await stepError([{ fn: 'optionLabel', labels }], 3)).input).toBe(3)
    // Campaign enumerations carry text values, commas included.
    const campaign = { male: 'Male', 'n/a, unknown': 'Unspecified' }
    expect(await stepValue([{ fn: 'optionLabel', labels: campaign }], 'male')).toBe('Male')
    expect(await stepValue([{ fn: 'optionLabel', labels: campaign }], 'n/a, unknown')).toBe('Unspecified')
  })

  it('after a constant (no source column), the message says "the source"', async () => {
    const flow = flowWith(
      'out',
      [],
      [
        { fn: 'constant', value: 9 },
        { fn: 'optionLabel', labels: { '1': 'Mr' } }
      ]
    )
    const r = await compileFlow(flow).run({ contactid: CONTACT_ID })
    expect(r).toMatchObject({ kind: 'error', step: 1, reason: '9 is not an option of "the source" — add it to "labels"' })
  })

  it('without labels or options, compiling fails at "labels" and names the field', () => {
    expect(refused([{ fn: 'optionLabel' }])).toEqual([
      { path: ['flows', 0, 'fields', 0, 'steps', 0, 'labels'], message: 'the source field\'s options are not known here — give "labels"' }
    ])
    expect(refused([{ fn: 'optionLabel' }], { from: ['firstname'], source: dynamicsContact })).toEqual([
      { path: ['flows', 0, 'fields', 0, 'steps', 0, 'labels'], message: '"firstname" has no options — give "labels", or remove the step' }
    ])
    // A choice column whose metadata lists no options is refused the same way, not failed record by record.
    const empty: Table = { ...dynamicsContact, fields: [{ ...plainField('tier', 'picklist'), options: [] }] }
    expect(refused([{ fn: 'optionLabel' }], { from: ['tier'], source: empty })[0].message).toBe(
      '"tier" has no options — give "labels", or remove the step'
    )
  })
})

describe('optionValue', () => {
  const toGender = (input: unknown) =>
    stepValue([{ fn: 'optionValue' }], input, {
      from: 'gendercode',
      source: dynamicsContact,
      target: 'gender',
      targetTable: campaignProfile
    })

  it("writes the target's value for a label, whatever its case, spaces or accents; a value stays itself", async () => {
    expect(await toGender('Female')).toBe('female')
    expect(await toGender('  MALE ')).toBe('male')
    expect(await toGender('male')).toBe('male')
    expect(await toGender('Unspecified')).toBe('unknown')
    expect(await stepValue([{ fn: 'optionValue', values: { Fémme: 2, Homme: 1 } }], 'femme')).toBe(2)
    expect(await stepValue([{ fn: 'optionValue', values: { Gold: 3 } }], 3)).toBe(3)
    expect(await stepValue([{ fn: 'optionValue', values: { Gold: 3 } }], null)).toBe(null)
    expect(await stepValue([{ fn: 'optionValue', values: { Gold: 3 } }], '')).toBe(null)
  })

  it("falls back to the source's options when the target has none", async () => {
    const target: Table = { ...campaignProfile, fields: [plainField('cusGender', 'string')] }
    expect(
      await stepValue([{ fn: 'optionValue' }], 'female', {
        from: 'gendercode',
        source: dynamicsContact,
        target: 'cusGender',
        targetTable: target
      })
    ).toBe(2)
  })

  it('the first option with a label wins when two fold to the same', async () => {
    const source: Table = {
      ...dynamicsContact,
      fields: [
        {
          ...plainField('tier', 'picklist'),
          options: [
            { value: 1, label: 'Élite' },
            { value: 2, label: 'elite' }
          ]
        }
      ]
    }
    expect(await stepValue([{ fn: 'optionValue' }], 'ELITE', { from: 'tier', source })).toBe(1)
  })

  it('fails the record for an unknown label or a value that is not text', async () => {
    const unknown = await stepError([{ fn: 'optionValue' }], 'Other', {
      from: 'gendercode',
      source: dynamicsContact,
      target: 'gender',
      targetTable: campaignProfile
    })
    expect(unknown.reason).toBe('no option is labelled "Other" — add it to "values", or map it with "valueMap"')
    expect((await stepError([{ fn: 'optionValue', values: { Gold: 3 } }], 4)).reason).toBe('4 is not a label')
  })

  it('without values or options, compiling fails at "values"', () => {
    expect(refused([{ fn: 'optionValue' }])).toEqual([
      {
        path: ['flows', 0, 'fields', 0, 'steps', 0, 'values'],
        message: 'the options are not known here (neither the target nor the source field has any) — give "values"'
      }
    ])
  })
})

describe('lookup', () => {
  const accountName: Step = { fn: 'lookup', field: 'name' }
  const run = async (steps: Step[], record: Record<string, unknown>, from = '_parentcustomerid_value') => {
    const r = await compileFlow(flowWith('out', [from], steps)).run({ contactid: CONTACT_ID, ...record })
    return r.kind === 'ok' ? r.target.out : r
  }

  it('reads nested columns of the related record, with dots or slashes', async () => {
    const related = { name: 'Contoso', address: { city: 'Lyon' } }
    expect(await run([{ fn: 'lookup', field: 'address.city' }], { _parentcustomerid_value: 'a1', parentcustomerid: related })).toBe('Lyon')
    expect(await run([{ fn: 'lookup', field: 'address/city' }], { _parentcustomerid_value: 'a1', parentcustomerid: related })).toBe('Lyon')
    expect(await run([{ fn: 'lookup', field: 'address.zip' }], { _parentcustomerid_value: 'a1', parentcustomerid: related })).toBe(null)
    expect(await run([{ fn: 'lookup', field: 'name.first' }], { _parentcustomerid_value: 'a1', parentcustomerid: related })).toBe(null)
    const noAddress = { name: 'Fabrikam', address: null }
    expect(await run([{ fn: 'lookup', field: 'address.city' }], { _parentcustomerid_value: 'a2', parentcustomerid: noAddress })).toBe(null)
  })

  it('reads a navigation property named in "from" directly', async () => {
    expect(await run([accountName], { primarycontactid: { name: 'Anna' } }, 'primarycontactid')).toBe('Anna')
  })

  it('takes the expanded table of a polymorphic lookup, skipping annotations that are not records', async () => {
    const record = {
      _parentcustomerid_value: 'c1',
      'parentcustomerid_account@odata.navigationLink': 'accounts(c1)',
      parentcustomerid_contact: { name: 'Anna' }
    }
    expect(await run([accountName], record)).toBe('Anna')
  })

  it('takes the related record of this lookup, not another expanded lookup of the record', async () => {
    const record = {
      primarycontactid: { name: 'Someone else' },
      _parentcustomerid_value: 'a1',
      parentcustomerid_account: { name: 'Contoso' }
    }
    expect(await run([accountName], record)).toBe('Contoso')
  })

  it('expands the navigation property of a read name, and a navigation property as it is', () => {
    const flow = flowWith('out', ['_new_contactid_value'], [{ fn: 'lookup', field: 'emailaddress1' }])
    expect(compileFlow(flow).expansions).toEqual([
      { navigation: 'new_contactid', column: '_new_contactid_value', fields: ['emailaddress1'] }
    ])
    // Names that only look like read names are navigation properties already.
    for (const column of ['new_rate_value', '_new_rate_value_old']) {
      const named = compileFlow(flowWith('out', [column], [{ fn: 'lookup', field: 'name' }]))
      expect(named.expansions).toEqual([{ navigation: column, column, fields: ['name'] }])
    }
  })

  it('an empty lookup gives null; a set lookup without its related record fails with what to expand', async () => {
    expect(await run([accountName], { _parentcustomerid_value: '' })).toBe(null)
    expect(await run([accountName], { _parentcustomerid_value: null, parentcustomerid: null })).toBe(null)
    const r = await run([accountName], { _parentcustomerid_value: 'a1', parentcustomerid: null })
    expect(r).toMatchObject({
      kind: 'error',
      input: 'a1',
      reason: 'the record carries "_parentcustomerid_value" = "a1" but not the related record — the source must expand "parentcustomerid"'
    })
  })

  it('refuses a lookup without a column in "from" or without a related column', () => {
    expect(refused([accountName], { from: [] })).toEqual([
      { path: ['flows', 0, 'fields', 0, 'steps', 0], message: '"lookup" needs the lookup column in "from"' }
    ])
    expect(refused([{ fn: 'lookup', field: './' }], { from: ['_parentcustomerid_value'] })).toEqual([
      { path: ['flows', 0, 'fields', 0, 'steps', 0, 'field'], message: 'name the related column to take, e.g. "name"' }
    ])
  })
})

describe('messages', () => {
  it('name the value even when it cannot be written as JSON, and cut long values', async () => {
    expect((await stepError([{ fn: 'parseNumber' }], 10n)).reason).toBe('expected a number as text, found 10')
    const long = 'x'.repeat(100)
    expect((await stepError([{ fn: 'valueMap', map: {} }], long)).reason).toBe(
      `no replacement for "${'x'.repeat(56)}… — add it to the map, or set "otherwise" or "keepUnmatched"`
    )
    const fits = 'y'.repeat(58)
    expect((await stepError([{ fn: 'valueMap', map: {} }], fits)).reason).toMatch(`for "${fits}" — add`)
  })
})

describe('steps that warn', () => {
  it('every warning of a record is kept, in order, with its field and step', async () => {
    const r = await applySteps([{ fn: 'truncate', length: 6 }, { fn: 'phone' }], '12 345 678')
    expect(r).toMatchObject({
      value: '12 345',
      warnings: [
        { field: 'out', step: 0, message: 'cut from 10 to 6 characters' },
        { field: 'out', step: 1, message: '"12 345" is not a valid phone number (no country code; set "defaultCountry") — written as is' }
      ]
    })
  })
})
