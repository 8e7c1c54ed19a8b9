import { describe, expect, it } from 'vitest'
import { applyProposals, normaliseName, stepsFor, suggestMappings } from '../../src/shared/mapping/automap'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { DOCUMENT_FORMAT } from '../../src/shared/mapping/document'
import { validateFlow } from '../../src/shared/mapping/validate-flow'
import { field as column } from '../support/schema-examples'
import { catalogOf, type Table } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsContact, exampleTables } from '../support/schema-examples'

const empty: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: []
}

/** Worked out inside each test (not when the file is collected), so a mutation run sees it change. */
function proposalsOf(flow: RecordsFlow, source: Table, target: Table) {
  const proposals = suggestMappings(flow, source, target)
  return { proposals, byTarget: Object.fromEntries(proposals.map((p) => [p.target, p])) }
}
const contactProposals = () => proposalsOf(empty, dynamicsContact, campaignProfile)

describe('auto-map', () => {
  it('proposes the known Dynamics ↔ Campaign pairs with their steps', () => {
    const { byTarget } = contactProposals()
    expect(byTarget.email).toMatchObject({ from: ['emailaddress1'], confidence: 0.95, steps: [{ fn: 'email' }] })
    expect(byTarget.firstName).toMatchObject({ from: ['firstname'], steps: [{ fn: 'truncate' }] })
    expect(byTarget.gender).toMatchObject({
      from: ['gendercode'],
      steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }]
    })
    expect(byTarget.birthDate).toMatchObject({ from: ['birthdate'] })
    expect(byTarget.birthDate.steps).toBeUndefined()
    expect(byTarget.blackListEmail).toMatchObject({ from: ['donotbulkemail'] })
    expect(byTarget.mobilePhone).toMatchObject({ from: ['mobilephone'] })
    expect(byTarget['location.city']).toMatchObject({ from: ['address1_city'], steps: [{ fn: 'truncate' }] })
    expect(byTarget.email.reason).toMatch(/known/)
  })
  it('never proposes the match key, read-only fields, or a source twice', () => {
    const { proposals, byTarget } = contactProposals()
    expect(byTarget.cusDynamicsContactId).toBeUndefined()
    expect(byTarget.age).toBeUndefined()
    const sources = proposals.map((p) => p.from[0])
    expect(new Set(sources).size).toBe(sources.length)
    expect(proposals.every((p) => p.confidence >= 0.6 && p.confidence <= 1 && p.reason.length > 0)).toBe(true)
  })
  it('matches by name when no pair is known', () => {
    const { byTarget } = contactProposals()
    expect(byTarget.fax).toMatchObject({ from: ['fax'] })
  })
  it('never overwrites an existing mapping, and applies only on request', () => {
    const flow: RecordsFlow = { ...empty, fields: [{ target: 'email', from: ['emailaddress2'] }] }
    const again = suggestMappings(flow, dynamicsContact, campaignProfile)
    expect(again.find((p) => p.target === 'email')).toBeUndefined()
    expect(flow.fields).toHaveLength(1)
    const applied = applyProposals(flow, [...again, { target: 'email', from: ['emailaddress1'], confidence: 1, reason: 'x' }])
    expect(applied.fields[0]).toEqual({ target: 'email', from: ['emailaddress2'] })
    expect(applied.fields.filter((f) => f.target === 'email')).toHaveLength(1)
    expect(applied.fields.length).toBe(1 + again.length)
  })
  it('the applied proposals validate without errors', () => {
    const { proposals } = contactProposals()
    const flow = applyProposals(empty, proposals)
    const problems = validateFlow({ format: DOCUMENT_FORMAT, name: 't', flows: [flow] }, 0, catalogOf(exampleTables))
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
  })
})

// A custom table pair, as a consultant meets it: Dynamics' `new_` columns against a Campaign
// custom resource with other names, lengths and types.
const cars: Table = {
  system: 'dynamics',
  name: 'new_car',
  displayName: 'Car',
  primaryId: 'new_carid',
  keys: [],
  changeTracking: true,
  fields: [
    column('new_carid', 'Car', 'uniqueidentifier'),
    column('new_vin', 'Chassis number', 'string', { maxLength: 17 }),
    column('new_regno', 'Registration Plate', 'string', { maxLength: 20 }),
    column('new_mileagekm', 'Kilometres', 'integer'),
    column('new_colour', 'Paint', 'picklist', {
      options: [
        { value: 1, label: 'Red' },
        { value: 2, label: 'Blue' }
      ]
    }),
    column('new_registeredon', 'First registration', 'datetime'),
    column('new_isleased', 'Leased', 'boolean'),
    column('new_notes', 'Notes', 'memo', { maxLength: 2000 }),
    column('new_seats', 'Seat count', 'string', { maxLength: 5 }),
    column('new_built', 'Year built', 'datetime'),
    column('new_age', 'Age', 'integer'),
    column('new_drivers', 'Drivers', 'collection')
  ]
}
const cusCar: Table = {
  system: 'campaign',
  name: 'cusCar',
  displayName: 'Car',
  keys: [],
  changeTracking: false,
  fields: [
    column('PKey', 'Primary key', 'string', { readOnly: true, maxLength: 255 }),
    column('externalId', 'Car ID', 'string', { maxLength: 64, isKey: true }),
    column('vin', 'VIN', 'string', { maxLength: 17 }),
    column('plate', 'Registration plate', 'string', { maxLength: 10 }),
    column('mileage', 'Odometer', 'integer'),
    column('colour', 'Colour', 'enumeration', {
      options: [
        { value: 'red', label: 'Red' },
        { value: 'blue', label: 'Blue' },
        { value: 'unknown', label: 'Unknown' }
      ]
    }),
    column('registered', 'Registration date', 'datetime'),
    column('leased', 'Leased', 'boolean'),
    column('comment', 'Notes', 'string', { maxLength: 255 }),
    column('seats', 'Seats', 'integer'),
    column('built', 'Built', 'boolean'),
    column('age', 'Age', 'integer', { readOnly: true }),
    column('drivers', 'Drivers', 'string', { maxLength: 20, validForCreate: false, validForUpdate: false }),
    column('owner', 'Owner', 'link', { targets: ['profile'] }),
    column('trips', 'Trips', 'collection', { targets: ['trip'] })
  ]
}
const carFlow: RecordsFlow = {
  id: 'cars',
  kind: 'records',
  source: { system: 'dynamics', table: 'new_car' },
  target: { system: 'campaign', resource: 'cusCar' },
  match: { source: 'new_carid', target: 'externalId' },
  fields: []
}

const carProposals = () => proposalsOf(carFlow, cars, cusCar)

describe('auto-map on custom tables, by name', () => {
  it('the same name without its prefix, then the same display name, then similar names, each less sure', () => {
    const { proposals, byTarget } = carProposals()
    expect(byTarget.vin).toEqual({ target: 'vin', from: ['new_vin'], confidence: 0.9, reason: 'same name (new_vin ≈ vin)' })
    expect(byTarget.plate).toEqual({
      target: 'plate',
      from: ['new_regno'],
      steps: [{ fn: 'truncate' }],
      confidence: 0.8,
      reason: 'same display name "Registration plate"'
    })
    expect(byTarget.leased).toMatchObject({ from: ['new_isleased'], confidence: 0.8, reason: 'same display name "Leased"' })
    expect(byTarget.mileage).toEqual({
      target: 'mileage',
      from: ['new_mileagekm'],
      confidence: 0.64,
      reason: 'similar names (new_mileagekm ~ mileage, 86%)'
    })
    // Most sure first.
    const confidences = proposals.map((p) => p.confidence)
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a))
  })

  it('proposes the steps that make the value fit, and is less sure when a conversion is needed', () => {
    const { byTarget } = carProposals()
    expect(byTarget.colour).toEqual({
      target: 'colour',
      from: ['new_colour'],
      steps: [{ fn: 'valueMap', map: { '1': 'red', '2': 'blue' }, otherwise: 'unknown' }],
      confidence: 0.8,
      reason: 'same name (new_colour ≈ colour)'
    })
    expect(byTarget.seats).toMatchObject({ from: ['new_seats'], steps: [{ fn: 'parseNumber' }], confidence: 0.8 })
    expect(byTarget.registered).toEqual({
      target: 'registered',
      from: ['new_registeredon'],
      steps: [{ fn: 'formatDate', format: 'dateTime' }],
      confidence: 0.68,
      reason: 'similar names (new_registeredon ~ registered, 90%)'
    })
    expect(byTarget.comment).toMatchObject({ from: ['new_notes'], steps: [{ fn: 'truncate' }] })
  })

  it('never proposes a value that cannot be converted, a field that cannot be written, or a collection', () => {
    const { proposals, byTarget } = carProposals()
    // A date-time into a true/false field: no step makes it fit.
    expect(byTarget.built).toBeUndefined()
    expect(byTarget.age).toBeUndefined()
    expect(byTarget.drivers).toBeUndefined()
    expect(byTarget.owner).toBeUndefined()
    expect(byTarget.trips).toBeUndefined()
    expect(byTarget.PKey).toBeUndefined()
    expect(byTarget.externalId).toBeUndefined()
    expect(proposals.map((p) => p.target).sort()).toEqual(
      ['vin', 'plate', 'mileage', 'colour', 'registered', 'leased', 'comment', 'seats'].sort()
    )
  })

  it('a field writable on update only is still proposed', () => {
    const target: Table = { ...cusCar, fields: [column('vin', 'VIN', 'string', { maxLength: 17, validForCreate: false })] }
    expect(suggestMappings(carFlow, cars, target).map((p) => p.target)).toEqual(['vin'])
    const onCreate: Table = { ...cusCar, fields: [column('vin', 'VIN', 'string', { maxLength: 17, validForUpdate: false })] }
    expect(suggestMappings(carFlow, cars, onCreate).map((p) => p.target)).toEqual(['vin'])
  })

  it('leaves out proposals below the confidence asked for (0.6 by default)', () => {
    const fuel: Table = { ...cars, fields: [...cars.fields, column('new_fueltypecode', 'Energy', 'string', { maxLength: 20 })] }
    const fuelTarget: Table = { ...cusCar, fields: [column('fueltype', 'Fuel', 'string', { maxLength: 20 })] }
    // "fueltypecode" ~ "fueltype": 78% alike, confidence 0.58.
    expect(suggestMappings(carFlow, fuel, fuelTarget)).toEqual([])
    expect(suggestMappings(carFlow, fuel, fuelTarget, { minConfidence: 0.5 })).toEqual([
      { target: 'fueltype', from: ['new_fueltypecode'], confidence: 0.58, reason: 'similar names (new_fueltypecode ~ fueltype, 78%)' }
    ])
    expect(suggestMappings(carFlow, cars, cusCar, { minConfidence: 0.85 }).map((p) => p.target)).toEqual(['vin'])
    expect(suggestMappings(carFlow, cars, cusCar, { minConfidence: 0.64 }).map((p) => p.target)).toContain('mileage')
  })

  it('similar display names count a little less than similar names', () => {
    const source: Table = { ...cars, fields: [column('new_a1', 'Odometer reading', 'integer')] }
    const target: Table = { ...cusCar, fields: [column('b2', 'Odometer readings', 'integer')] }
    // 97% alike, × 0.95 for a display name: 0.92, confidence 0.69.
    expect(suggestMappings(carFlow, source, target)).toEqual([
      { target: 'b2', from: ['new_a1'], confidence: 0.69, reason: 'similar names (new_a1 ~ b2, 92%)' }
    ])
  })

  it('gives each target the most fitting source, and each source to one target only', () => {
    // "comment" matches new_comment by name (0.9) and new_notes by display name (0.8).
    const source: Table = { ...cars, fields: [...cars.fields, column('new_comment', 'Remark', 'string', { maxLength: 100 })] }
    expect(suggestMappings(carFlow, source, cusCar).find((p) => p.target === 'comment')?.from).toEqual(['new_comment'])
    // new_regno is the same name as "regno" (0.9) and the same display name as "plate" (0.8): it goes to "regno".
    const target: Table = { ...cusCar, fields: [...cusCar.fields, column('regno', 'Number', 'string', { maxLength: 20 })] }
    const both = suggestMappings(carFlow, cars, target)
    expect(both.find((p) => p.from[0] === 'new_regno')?.target).toBe('regno')
    expect(both.find((p) => p.target === 'plate')).toBeUndefined()
  })

  it('skips sources already mapped and targets already mapped', () => {
    const flow: RecordsFlow = { ...carFlow, fields: [{ target: 'comment', from: ['new_vin'] }] }
    const again = suggestMappings(flow, cars, cusCar)
    expect(again.find((p) => p.target === 'comment')).toBeUndefined()
    expect(again.find((p) => p.from[0] === 'new_vin')).toBeUndefined()
    expect(again.find((p) => p.target === 'vin')).toBeUndefined()
  })
})

describe('auto-map: known pairs', () => {
  it('says why a known pair may need more (a country name where Campaign wants a code)', () => {
    const country = suggestMappings(empty, dynamicsContact, campaignProfile).find((p) => p.target === 'location.countryCode')
    expect(country).toEqual({
      target: 'location.countryCode',
      from: ['address1_country'],
      steps: [{ fn: 'truncate' }],
      confidence: 0.95,
      reason:
        'known Dynamics ↔ Campaign pair address1_country → location.countryCode (Campaign holds a two-letter code; Dynamics often holds the country name — add a valueMap if so)'
    })
    const fax = suggestMappings(empty, dynamicsContact, campaignProfile).find((p) => p.target === 'blackListFax')
    expect(fax?.reason).toBe('known Dynamics ↔ Campaign pair donotfax → blackListFax')
  })

  it('a known pair whose Dynamics column is mapped elsewhere, or missing, is not proposed from it', () => {
    const flow: RecordsFlow = { ...empty, fields: [{ target: 'lastName', from: ['jobtitle'] }] }
    const proposals = suggestMappings(flow, dynamicsContact, campaignProfile)
    expect(proposals.find((p) => p.target === 'cusJobTitle')).toBeUndefined()
    expect(proposals.some((p) => p.from.includes('jobtitle'))).toBe(false)
    // Without a "middlename" column, "middleName" finds no source: the known pair is skipped, not forced.
    const noMiddle: Table = { ...dynamicsContact, fields: dynamicsContact.fields.filter((f) => f.name !== 'middlename') }
    expect(suggestMappings(empty, noMiddle, campaignProfile).find((p) => p.target === 'middleName')).toBeUndefined()
  })
})

describe('names and steps', () => {
  it('compares names without system prefixes, case, accents or separators', () => {
    expect(normaliseName('address1_city')).toBe('address1city')
    expect(normaliseName('cusJobTitle')).toBe('jobtitle')
    expect(normaliseName('new_vin')).toBe('vin')
    expect(normaliseName('msdyn_Score')).toBe('score')
    expect(normaliseName('crm_Email')).toBe('email')
    expect(normaliseName('Prénom')).toBe('prenom')
    // Only a prefix followed by a name is one: "cus1" and "xx_1a" keep theirs, and nine letters are a word.
    expect(normaliseName('cus1')).toBe('cus1')
    expect(normaliseName('xx_1a')).toBe('xx1a')
    expect(normaliseName('abcdefghi_x')).toBe('abcdefghix')
    expect(normaliseName('a_b')).toBe('ab')
  })

  it('a value the steps rewrite (a date written as text) is not cut to the source column length', () => {
    const text = column('new_when', 'When', 'string', { maxLength: 200 })
    const short = column('when', 'When', 'string', { maxLength: 10 })
    expect(stepsFor(text, short, 'campaign')).toEqual([{ fn: 'truncate' }])
    expect(stepsFor(text, short, 'campaign', [{ fn: 'formatDate', format: 'date' }])).toEqual([{ fn: 'formatDate', format: 'date' }])
    expect(stepsFor(text, short, 'campaign', [{ fn: 'trim' }])).toEqual([{ fn: 'trim' }, { fn: 'truncate' }])
    // Given steps are kept as they are: no fit step is added to them.
    const flag = column('new_flag', 'Flag', 'boolean')
    expect(stepsFor(flag, short, 'campaign')).toEqual([{ fn: 'booleanToText', whenTrue: 'yes', whenFalse: 'no' }])
    expect(stepsFor(flag, short, 'campaign', [{ fn: 'constant', value: 'x' }])).toEqual([{ fn: 'constant', value: 'x' }])
  })

  it('a date-time into Dynamics text is formatted as ISO; into a Campaign date-time field as Campaign text', () => {
    const when = column('registered', 'When', 'datetime')
    expect(stepsFor(column('x', 'X', 'datetime'), column('y', 'Y', 'string', { maxLength: 100 }), 'dynamics')).toEqual([
      { fn: 'formatDate', format: 'iso' }
    ])
    expect(stepsFor(column('x', 'X', 'datetime'), when, 'campaign')).toEqual([{ fn: 'formatDate', format: 'dateTime' }])
    // From Campaign, a date-time already comes in Campaign's form.
    expect(stepsFor(column('x', 'X', 'datetime'), when, 'dynamics')).toEqual([{ fn: 'formatDate', format: 'iso' }])
  })

  it('option sets without a common label get no empty value map', () => {
    const paint = cars.fields.find((f) => f.name === 'new_colour')!
    const sizes = column('size', 'Size', 'enumeration', { options: [{ value: 's', label: 'Small' }] })
    expect(stepsFor(paint, sizes, 'campaign')).toEqual([])
    const kinds = column('kind', 'Kind', 'string', { maxLength: 30 })
    expect(stepsFor(paint, kinds, 'campaign')).toEqual([{ fn: 'optionLabel' }])
  })
})

describe('applying proposals', () => {
  it('adds the accepted ones with their steps, once per target, and never over the match key', () => {
    const applied = applyProposals(carFlow, [
      { target: 'plate', from: ['new_regno'], steps: [{ fn: 'truncate' }], confidence: 0.8, reason: 'r' },
      { target: 'vin', from: ['new_vin'], confidence: 0.9, reason: 'r' },
      { target: 'vin', from: ['new_regno'], confidence: 0.5, reason: 'r' },
      { target: 'externalId', from: ['new_vin'], confidence: 0.9, reason: 'r' },
      { target: 'leased', from: ['new_isleased'], steps: [], confidence: 0.8, reason: 'r' }
    ])
    expect(applied.fields).toEqual([
      { target: 'plate', from: ['new_regno'], steps: [{ fn: 'truncate' }] },
      { target: 'vin', from: ['new_vin'] },
      { target: 'leased', from: ['new_isleased'] }
    ])
    expect(applied.match).toEqual(carFlow.match)
    expect(carFlow.fields).toEqual([])
  })
})
