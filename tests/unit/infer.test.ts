// What a field mapping produces, worked out from the schema and its steps without running it:
// the type, the longest text and the fixed values. Validation reads it to say "needs a truncate
// step" or "Campaign's gender takes male/female/unknown, this map writes M/F" before any record
// is read, and auto-map reads it to propose steps — a wrong guess here is a wrong warning there.
import { describe, expect, it } from 'vitest'
import type { FieldMapping } from '../../src/shared/mapping/document'
import { inferStep, isNumberType, producedBySource, type InferContext, type Produced } from '../../src/shared/mapping/infer'
import type { Step } from '../../src/shared/mapping/steps'
import { inferMapping } from '../../src/shared/mapping/validate-flow'
import { catalogOf, findField, type Field } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsAccount, dynamicsContact, dynamicsVehicle, exampleTables, plainField } from '../support/schema-examples'

const fromContact: InferContext = { source: dynamicsContact, sourceSystem: 'dynamics', catalog: catalogOf(exampleTables) }

/** What the mapping writes: the last link of its chain. */
function produces(from: string[], steps: Step[], ctx: InferContext = fromContact): Produced {
  const mapping: FieldMapping = { target: 'x', from, steps }
  return inferMapping(mapping, ctx).at(-1)!
}

const contactField = (name: string): Field => findField(dynamicsContact, name)!
const start = (produced: Produced, step: Step, from: string[] = [], ctx: InferContext = fromContact) =>
  inferStep(produced, step, 3, from, ctx)

describe('what a source column produces before any step', () => {
  it('its own type, length and options', () => {
    expect(producedBySource(contactField('firstname'), 'dynamics')).toEqual({
      type: 'string',
      maxLength: 50,
      dateText: undefined,
      options: undefined
    })
    expect(producedBySource(contactField('gendercode'), 'dynamics').options?.map((o) => o.label)).toEqual(['Male', 'Female'])
    expect(producedBySource(undefined, 'dynamics')).toEqual({ type: 'any' })
  })

  it('Dynamics date-times are ISO text; Campaign writes its own form unless the column says it holds user-local instants', () => {
    expect(producedBySource(contactField('modifiedon'), 'dynamics').dateText).toBe('iso')
    expect(producedBySource(plainField('created', 'datetime'), 'dynamics').dateText).toBe('iso')
    expect(producedBySource(plainField('created', 'datetime'), 'campaign').dateText).toBe('campaign')
    expect(producedBySource({ ...plainField('eventDate', 'datetime'), dateBehavior: 'userLocal' }, 'campaign').dateText).toBe('iso')
    expect(producedBySource(contactField('birthdate'), 'dynamics').dateText).toBeUndefined()
  })
})

describe('text steps', () => {
  it('keep a text type and its length; anything else becomes plain text', () => {
    expect(produces(['emailaddress1'], [{ fn: 'trim' }])).toEqual({ type: 'email', maxLength: 100 })
    expect(produces(['numberofchildren'], [{ fn: 'upper' }])).toEqual({ type: 'string', maxLength: undefined })
    expect(start({ type: 'any' }, { fn: 'lower' })).toEqual({ type: 'string', maxLength: undefined })
    expect(produces(['firstname'], [{ fn: 'titleCase' }]).maxLength).toBe(50)
    expect(produces(['address1_line1'], [{ fn: 'split', separator: ' ', index: 0 }]).maxLength).toBe(250)
  })

  it('a join is as long as its parts and the separators between them', () => {
    expect(produces(['firstname', 'lastname'], [{ fn: 'join' }])).toEqual({ type: 'string', maxLength: 101 })
    expect(produces(['firstname', 'middlename', 'lastname'], [{ fn: 'join', separator: ', ' }]).maxLength).toBe(154)
    expect(produces(['firstname'], [{ fn: 'join', separator: '' }]).maxLength).toBe(50)
    // A part of unknown length (no length in the schema, or no such column) leaves the whole unknown.
    expect(produces(['firstname', 'numberofchildren'], [{ fn: 'join' }]).maxLength).toBeUndefined()
    expect(produces(['firstname', 'nosuchcolumn'], [{ fn: 'join' }]).maxLength).toBeUndefined()
    expect(produces(['firstname', 'lastname'], [{ fn: 'join' }], { sourceSystem: 'dynamics' }).maxLength).toBeUndefined()
    expect(start({ type: 'any' }, { fn: 'join' }, [])).toEqual({ type: 'string', maxLength: undefined })
  })

  it('substring keeps at most its length', () => {
    expect(produces(['address1_line1'], [{ fn: 'substring', start: 0, length: 10 }]).maxLength).toBe(10)
    expect(produces(['firstname'], [{ fn: 'substring', start: 2, length: 80 }]).maxLength).toBe(50)
    expect(produces(['firstname'], [{ fn: 'substring', start: 2 }]).maxLength).toBe(50)
    expect(start({ type: 'string' }, { fn: 'substring', start: 0, length: 8 }).maxLength).toBe(8)
  })

  it('replace keeps the length only when it removes, and pad reaches at least its length', () => {
    expect(produces(['firstname'], [{ fn: 'replace', pattern: '\\s', replacement: '' }]).maxLength).toBe(50)
    expect(produces(['firstname'], [{ fn: 'replace', pattern: 'a', replacement: 'ae' }]).maxLength).toBeUndefined()
    expect(produces(['address1_postalcode'], [{ fn: 'pad', length: 5 }]).maxLength).toBe(20)
    expect(produces(['address1_postalcode'], [{ fn: 'pad', length: 30 }]).maxLength).toBe(30)
    expect(start({ type: 'string' }, { fn: 'pad', length: 5 }).maxLength).toBeUndefined()
  })

  it('truncate cuts to its own length, else the target field, else leaves the length; and says it cut', () => {
    const target = findField(campaignProfile, 'firstName')!
    expect(produces(['address1_line1'], [{ fn: 'truncate', length: 12 }], { ...fromContact, target })).toEqual({
      type: 'string',
      maxLength: 12,
      truncated: true
    })
    expect(produces(['address1_line1'], [{ fn: 'truncate' }], { ...fromContact, target }).maxLength).toBe(30)
    expect(produces(['address1_line1'], [{ fn: 'truncate' }]).maxLength).toBe(250)
  })
})

describe('empty-value steps', () => {
  it('default adds its value to the fixed values and may lengthen the text', () => {
    const mapped = produces(
      ['gendercode'],
      [
        { fn: 'valueMap', map: { '1': 'male', '2': 'female' } },
        { fn: 'default', value: 'unknown' }
      ]
    )
    expect(mapped.values).toEqual(['male', 'female', 'unknown'])
    expect(mapped.maxLength).toBe(7)
    expect(produces(['middlename'], [{ fn: 'default', value: 'x'.repeat(60) }]).maxLength).toBe(60)
    expect(produces(['middlename'], [{ fn: 'default', value: 'n/a' }]).maxLength).toBe(50)
    expect(produces(['middlename'], [{ fn: 'default', value: 12345 }])).toMatchObject({ maxLength: 50, values: undefined })
    expect(produces(['numberofchildren'], [{ fn: 'default', value: 'none' }]).maxLength).toBeUndefined()
  })

  it("coalesce takes the first column's type and the longest of the columns", () => {
    const out = produces(['telephone1', 'mobilephone', 'address1_telephone1'], [{ fn: 'coalesce' }])
    expect(out).toMatchObject({ type: 'phone', maxLength: 50 })
    expect(produces(['middlename', 'jobtitle'], [{ fn: 'coalesce' }])).toMatchObject({ type: 'string', maxLength: 100 })
    expect(produces(['jobtitle', 'numberofchildren'], [{ fn: 'coalesce' }]).maxLength).toBeUndefined()
    expect(produces(['gendercode', 'familystatuscode'], [{ fn: 'coalesce' }]).options).toBeUndefined()
    expect(produces(['firstname', 'lastname'], [{ fn: 'coalesce' }], { sourceSystem: 'dynamics' })).toMatchObject({
      type: 'any',
      maxLength: undefined
    })
    expect(start({ type: 'any' }, { fn: 'coalesce' }, [])).toMatchObject({ type: 'any', maxLength: undefined })
  })
})

describe('steps that fix the values', () => {
  it('a constant is its own type and the only value', () => {
    expect(start({ type: 'string' }, { fn: 'constant', value: 'web' })).toEqual({
      type: 'string',
      maxLength: 3,
      values: ['web'],
      valuesFrom: 3
    })
    expect(start({ type: 'string' }, { fn: 'constant', value: 7 })).toEqual({
      type: 'integer',
      maxLength: undefined,
      values: [7],
      valuesFrom: 3
    })
    expect(start({ type: 'string' }, { fn: 'constant', value: 0.5 }).type).toBe('decimal')
    expect(start({ type: 'string' }, { fn: 'constant', value: false }).type).toBe('boolean')
    expect(start({ type: 'string' }, { fn: 'constant', value: null }).type).toBe('any')
  })

  it("a value map writes only its values and its 'otherwise'", () => {
    const gender = produces(['gendercode'], [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }])
    expect(gender).toEqual({ type: 'string', maxLength: 7, values: ['male', 'female', 'unknown'], valuesFrom: 0 })
    // Numbers of both kinds are decimals; a null among them says nothing about the type.
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { a: 1, b: 2.5, c: null } }]).type).toBe('decimal')
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { a: 1, b: 2 } }]).type).toBe('integer')
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { a: 1, b: 'two' } }]).type).toBe('any')
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { a: 1, b: 2 }, otherwise: 'x' }]).type).toBe('any')
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { a: true } }]).type).toBe('boolean')
  })

  it('a value map that keeps unmatched values keeps the input type, and is as long as the longer of input and mapped text', () => {
    const keep = produces(['jobtitle'], [{ fn: 'valueMap', map: { CEO: 'Chief Executive Officer' }, keepUnmatched: true }])
    expect(keep).toEqual({ type: 'string', maxLength: 100 })
    const longer = produces(['salutation'], [{ fn: 'valueMap', map: { Dr: 'x'.repeat(120) }, keepUnmatched: true }])
    expect(longer.maxLength).toBe(120)
    expect(produces(['numberofchildren'], [{ fn: 'valueMap', map: { '0': 'none' }, keepUnmatched: true }])).toEqual({
      type: 'integer',
      maxLength: undefined
    })
    // With an 'otherwise', nothing unmatched is kept: only the map's values come out.
    expect(produces(['jobtitle'], [{ fn: 'valueMap', map: { CEO: 'boss' }, otherwise: 'staff', keepUnmatched: true }])).toMatchObject({
      values: ['boss', 'staff'],
      maxLength: 5
    })
  })

  it('booleanToText writes one of its two values', () => {
    expect(produces(['donotbulkemail'], [{ fn: 'booleanToText', whenTrue: 'yes', whenFalse: 'no' }])).toEqual({
      type: 'string',
      maxLength: 3,
      values: ['yes', 'no'],
      valuesFrom: 0
    })
    expect(produces(['donotbulkemail'], [{ fn: 'booleanToText', whenTrue: 1, whenFalse: 0 }])).toMatchObject({
      type: 'integer',
      maxLength: 0
    })
  })

  it('optionLabel writes the labels (given, or the source options)', () => {
    expect(produces(['gendercode'], [{ fn: 'optionLabel' }])).toEqual({
      type: 'string',
      maxLength: 6,
      values: ['Male', 'Female'],
      valuesFrom: 0
    })
    expect(produces(['gendercode'], [{ fn: 'optionLabel', labels: { '1': 'M', '2': 'F', '3': 'X' } }]).values).toEqual(['M', 'F', 'X'])
    expect(produces(['jobtitle'], [{ fn: 'optionLabel' }])).toEqual({
      type: 'string',
      maxLength: undefined,
      values: undefined,
      valuesFrom: 0
    })
  })

  it('optionValue writes the option values (given, the target options, else the source options)', () => {
    const target = findField(campaignProfile, 'gender')!
    expect(produces(['jobtitle'], [{ fn: 'optionValue', values: { Male: 1, Female: 2 } }])).toEqual({
      type: 'integer',
      values: [1, 2],
      valuesFrom: 0
    })
    expect(produces(['jobtitle'], [{ fn: 'optionValue' }], { ...fromContact, target }).values).toEqual(['unknown', 'male', 'female'])
    expect(start({ type: 'string', options: [{ value: 3, label: 'Three' }] }, { fn: 'optionValue' }).values).toEqual([3])
    expect(produces(['jobtitle'], [{ fn: 'optionValue' }])).toEqual({ type: 'any', values: undefined, valuesFrom: 0 })
  })
})

describe('conversions', () => {
  it('numbers, booleans, email and phone', () => {
    expect(produces(['jobtitle'], [{ fn: 'parseNumber' }])).toEqual({ type: 'decimal' })
    expect(produces(['numberofchildren'], [{ fn: 'formatNumber' }])).toEqual({ type: 'string' })
    expect(produces(['jobtitle'], [{ fn: 'toBoolean' }])).toEqual({ type: 'boolean' })
    expect(produces(['emailaddress1'], [{ fn: 'email' }])).toEqual({ type: 'email', maxLength: 100 })
    // E.164 takes up to 16 characters with the +, whatever the source held.
    expect(produces(['telephone1'], [{ fn: 'phone' }])).toEqual({ type: 'phone', maxLength: 50 })
    expect(produces(['address1_postalcode'], [{ fn: 'phone' }])).toEqual({ type: 'phone', maxLength: 20 })
    expect(start({ type: 'string', maxLength: 8 }, { fn: 'phone' })).toEqual({ type: 'phone', maxLength: 16 })
    expect(start({ type: 'string' }, { fn: 'phone' })).toEqual({ type: 'phone', maxLength: undefined })
    expect(produces(['jobtitle'], [{ fn: 'expression', expr: 'jobtitle & "!"' }])).toEqual({ type: 'any' })
  })

  it('parseDate reads a day or an instant, by its format or its input', () => {
    expect(produces(['jobtitle'], [{ fn: 'parseDate', format: 'dd/MM/yyyy' }])).toEqual({ type: 'dateonly' })
    expect(produces(['jobtitle'], [{ fn: 'parseDate', format: 'dd/MM/yyyy HH:mm' }])).toEqual({ type: 'datetime', dateText: 'iso' })
    expect(produces(['birthdate'], [{ fn: 'parseDate' }])).toEqual({ type: 'dateonly' })
    expect(produces(['jobtitle'], [{ fn: 'parseDate' }])).toEqual({ type: 'datetime', dateText: 'iso' })
  })

  it('formatDate writes a day, Campaign date-time text, ISO text, or free text', () => {
    expect(produces(['modifiedon'], [{ fn: 'formatDate', format: 'date' }])).toEqual({ type: 'dateonly', maxLength: 10 })
    expect(produces(['modifiedon'], [{ fn: 'formatDate', format: 'dateTime' }])).toEqual({
      type: 'datetime',
      dateText: 'campaign',
      maxLength: 24
    })
    expect(produces(['birthdate'], [{ fn: 'formatDate', format: 'iso' }])).toEqual({ type: 'dateonly', maxLength: 10 })
    expect(produces(['modifiedon'], [{ fn: 'formatDate', format: 'iso' }])).toEqual({ type: 'datetime', dateText: 'iso' })
    expect(produces(['modifiedon'], [{ fn: 'formatDate', format: 'dd.MM.yyyy' }])).toEqual({ type: 'string' })
  })

  it("a lookup produces the related table's column, when the lookup points to one table", () => {
    const fromVehicle: InferContext = { source: dynamicsVehicle, sourceSystem: 'dynamics', catalog: catalogOf(exampleTables) }
    expect(produces(['new_contactsvehicleid'], [{ fn: 'lookup', field: 'emailaddress1' }], fromVehicle)).toMatchObject({
      type: 'email',
      maxLength: 100
    })
    expect(produces(['new_contactsvehicleid'], [{ fn: 'lookup', field: 'lastname/extra' }], fromVehicle)).toMatchObject({
      type: 'string',
      maxLength: 50
    })
    expect(produces(['new_contactsvehicleid'], [{ fn: 'lookup', field: 'nosuchcolumn' }], fromVehicle)).toEqual({ type: 'any' })
    // The currency lookup points to one table, but the catalog does not hold it.
    expect(produces(['transactioncurrencyid'], [{ fn: 'lookup', field: 'isocurrencycode' }])).toEqual({ type: 'any' })
    // Account or contact: which table, and so which column, is only known per record.
    expect(produces(['parentcustomerid'], [{ fn: 'lookup', field: 'name' }])).toEqual({ type: 'any' })
    expect(produces(['new_contactsvehicleid'], [{ fn: 'lookup', field: 'emailaddress1' }], { ...fromVehicle, catalog: undefined })).toEqual(
      {
        type: 'any'
      }
    )
    expect(start({ type: 'any' }, { fn: 'lookup', field: 'name' }, [])).toEqual({ type: 'any' })
    expect(findField(dynamicsAccount, 'name')).toBeDefined()
  })
})

describe('isNumberType', () => {
  it('numbers only, and never an unknown type', () => {
    expect(['integer', 'bigint', 'double', 'decimal', 'money'].every((t) => isNumberType(t as Field['type']))).toBe(true)
    expect(isNumberType('string')).toBe(false)
    expect(isNumberType('picklist')).toBe(false)
    expect(isNumberType('any')).toBe(false)
  })
})
