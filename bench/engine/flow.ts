/**
 * The engine bench's flow and records (the transform floor of docs/transforms.md): 30
 * target fields over Dynamics-like contacts of 40 columns. Shared by bench/engine.ts and the
 * codegen property tests (tests/unit/mapping-codegen.test.ts).
 */
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { campaignProfile } from '../../tests/support/schema-examples'

// ---- records: the anchor's generator (seeded, one object literal, 40 columns) ----
export function rng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const FIRST = [
  'Anna',
  'Jörg',
  'Émilie',
  'Lars',
  'Sofía',
  'Mohammed',
  'Chen',
  'Olga',
  'Pieter',
  'Siobhán',
  'Bartholomew-Maximilian-Alexander'
]
const LAST = [
  'Müller',
  'Dupont',
  'García',
  'Nakamura',
  'Ó Briain',
  'van der Berg',
  'Kowalski',
  'Smith',
  'Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft'
]
const CITY = [
  'Berlin',
  'Paris',
  'Madrid',
  'Tokyo',
  'Dublin',
  'Amsterdam',
  'Kraków',
  'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch'
]
const JOB = ['Engineer', 'Head of Regional Sales and Strategic Partnerships EMEA', 'Buyer', 'CFO', null]
export function genRecords(n: number, seed = 1) {
  const r = rng(seed)
  const out = new Array(n)
  const hex = (k: number) => {
    let s = ''
    for (let i = 0; i < k; i++) s += ((r() * 16) | 0).toString(16)
    return s
  }
  const guid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`
  const pick = <T>(a: T[]) => a[(r() * a.length) | 0]
  const maybe = <T>(v: T, p = 0.1) => (r() < p ? null : v)
  const iso = (y0: number, span: number) =>
    new Date(Date.UTC(y0 + ((r() * span) | 0), (r() * 12) | 0, 1 + ((r() * 28) | 0), (r() * 24) | 0, (r() * 60) | 0, (r() * 60) | 0))
      .toISOString()
      .replace('.000Z', 'Z')
  for (let i = 0; i < n; i++) {
    const fn = maybe(pick(FIRST), 0.05)
    const ln = pick(LAST)
    out[i] = {
      contactid: guid(),
      firstname: fn,
      lastname: ln,
      fullname: `${fn ?? ''} ${ln}`.trim(),
      emailaddress1: maybe(
        `  ${(fn || 'x').normalize('NFD').replace(/[^A-Za-z]/g, '')}.${ln.replace(/[^A-Za-z]/g, '')}${i}@Example.COM `,
        0.08
      ),
      emailaddress2: maybe(`alt${i}@example.org`, 0.7),
      telephone1: maybe(`+49 30 ${(r() * 1e7) | 0}`, 0.2),
      mobilephone: maybe(`+49 170 ${(r() * 1e7) | 0}`, 0.3),
      address1_line1: maybe(
        `${(r() * 200) | 0} ${pick(['Hauptstraße', 'Rue de Rivoli', 'Calle Mayor', 'Long Industrial Estate Access Road Building C Floor 4 Suite 401'])}`,
        0.1
      ),
      address1_city: maybe(pick(CITY), 0.1),
      address1_postalcode: maybe(String(10000 + ((r() * 89999) | 0)), 0.1),
      address1_country: maybe(pick(['DE', 'FR', 'ES', 'JP', 'IE', 'NL', 'PL']), 0.1),
      address1_stateorprovince: maybe('State', 0.6),
      jobtitle: pick(JOB),
      gendercode: pick([1, 2, 1, 2, null, 3]),
      familystatuscode: maybe(1 + ((r() * 4) | 0), 0.4),
      preferredcontactmethodcode: 1 + ((r() * 5) | 0),
      birthdate: maybe(iso(1950, 55).slice(0, 10) + 'T00:00:00Z', 0.3),
      createdon: iso(2015, 9),
      modifiedon: iso(2023, 2),
      donotbulkemail: r() < 0.2,
      donotemail: r() < 0.1,
      donotphone: r() < 0.1,
      donotpostalmail: r() < 0.1,
      statecode: r() < 0.9 ? 0 : 1,
      statuscode: r() < 0.9 ? 1 : 2,
      creditlimit: maybe(Math.round(r() * 1e6) / 100, 0.5),
      annualincome: maybe(Math.round(r() * 2e7) / 100, 0.5),
      numberofchildren: maybe((r() * 4) | 0, 0.5),
      description: maybe('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1 + ((r() * 3) | 0)), 0.6),
      websiteurl: maybe('https://example.com/' + hex(6), 0.7),
      _parentcustomerid_value: maybe(guid(), 0.3),
      _ownerid_value: guid(),
      versionnumber: (r() * 1e9) | 0,
      importsequencenumber: null,
      overriddencreatedon: null,
      timezoneruleversionnumber: 4,
      utcconversiontimezonecode: null,
      exchangerate: maybe(1, 0.5),
      _transactioncurrencyid_value: maybe(guid(), 0.5)
    }
  }
  return out as Record<string, unknown>[]
}

// ---- the flow: the anchor's 30 fields, with a value map, a date and a filter ----
export const TRUNC: [string, string, number][] = [
  ['firstName', 'firstname', 30],
  ['lastName', 'lastname', 50],
  ['cusJobTitle', 'jobtitle', 40],
  ['location.city', 'address1_city', 50],
  ['location.address1', 'address1_line1', 60]
]
export const COPIES: [string, string][] = [
  ['cusDynamicsContactId', 'contactid'],
  ['cusEmail2', 'emailaddress2'],
  ['phone', 'telephone1'],
  ['mobilePhone', 'mobilephone'],
  ['location.zipCode', 'address1_postalcode'],
  ['cusCountry', 'address1_country'],
  ['cusState', 'address1_stateorprovince'],
  ['cusFamilyStatus', 'familystatuscode'],
  ['cusPreferredChannel', 'preferredcontactmethodcode'],
  ['cusCreatedOn', 'createdon'],
  ['cusModifiedOn', 'modifiedon'],
  ['cusNoEmail', 'donotemail'],
  ['cusNoPhone', 'donotphone'],
  ['blackListPostalMail', 'donotpostalmail'],
  ['cusCrmState', 'statecode'],
  ['cusCrmStatus', 'statuscode'],
  ['cusCreditLimit', 'creditlimit'],
  ['cusAnnualIncome', 'annualincome'],
  ['cusChildren', 'numberofchildren'],
  ['cusOwnerId', '_ownerid_value']
]

export const flow: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  filter: { field: 'statecode', op: 'eq', value: 0 },
  fields: [
    { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }] },
    { target: 'cusFullName', from: ['firstname', 'lastname'], steps: [{ fn: 'join', separator: ' ' }] },
    { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }] },
    { target: 'birthDate', from: ['birthdate'], steps: [{ fn: 'formatDate', format: 'date' }] },
    { target: 'blackListEmail', from: ['donotbulkemail'], steps: [{ fn: 'valueMap', map: { true: true }, otherwise: false }] },
    ...TRUNC.map(([target, from, length]) => ({ target, from: [from], steps: [{ fn: 'truncate' as const, length }] })),
    ...COPIES.map(([target, from]) => ({ target, from: [from] }))
  ]
}

// The bench profile: Campaign's profile plus the custom fields the flow writes (text, no limit).
export const target = {
  ...campaignProfile,
  fields: [
    ...campaignProfile.fields,
    ...[...COPIES, ['cusFullName', ''] as [string, string]]
      .filter(([t]) => !campaignProfile.fields.some((f) => f.name === t))
      .map(([name]) => ({
        name,
        displayName: name,
        type: 'unknown' as const,
        required: 'none' as const,
        readOnly: false,
        validForCreate: true,
        validForUpdate: true
      }))
  ]
}
