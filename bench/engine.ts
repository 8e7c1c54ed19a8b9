/**
 * The mapping engine against a hand-written function doing the same work, over the same
 * records in one process (research/perf-anchors.md §2 "Transform floor": 30 target fields,
 * Dynamics-like contacts of 40 columns). Both outputs are checked identical first.
 *
 *   npx tsx bench/engine.ts [records=200000] [passes=5]
 */
import { compileFlow, type RecordResult } from '../src/shared/mapping/compile'
import type { RecordsFlow } from '../src/shared/mapping/document'
import { dynamicsContact, campaignProfile } from '../src/shared/schema/examples'

const N = Number(process.argv[2] ?? 200_000)
const PASSES = Number(process.argv[3] ?? 5)

// ---- records: the anchor's generator (seeded, one object literal, 40 columns) ----
function rng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const FIRST = ['Anna', 'Jörg', 'Émilie', 'Lars', 'Sofía', 'Mohammed', 'Chen', 'Olga', 'Pieter', 'Siobhán', 'Bartholomew-Maximilian-Alexander']
const LAST = ['Müller', 'Dupont', 'García', 'Nakamura', 'Ó Briain', 'van der Berg', 'Kowalski', 'Smith', 'Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaft']
const CITY = ['Berlin', 'Paris', 'Madrid', 'Tokyo', 'Dublin', 'Amsterdam', 'Kraków', 'Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch']
const JOB = ['Engineer', 'Head of Regional Sales and Strategic Partnerships EMEA', 'Buyer', 'CFO', null]
function genRecords(n: number, seed = 1) {
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
    new Date(Date.UTC(y0 + ((r() * span) | 0), (r() * 12) | 0, 1 + ((r() * 28) | 0), (r() * 24) | 0, (r() * 60) | 0, (r() * 60) | 0)).toISOString().replace('.000Z', 'Z')
  for (let i = 0; i < n; i++) {
    const fn = maybe(pick(FIRST), 0.05)
    const ln = pick(LAST)
    out[i] = {
      contactid: guid(), firstname: fn, lastname: ln, fullname: `${fn ?? ''} ${ln}`.trim(),
      emailaddress1: maybe(`  ${(fn || 'x').normalize('NFD').replace(/[^A-Za-z]/g, '')}.${ln.replace(/[^A-Za-z]/g, '')}${i}@Example.COM `, 0.08),
      emailaddress2: maybe(`alt${i}@example.org`, 0.7), telephone1: maybe(`+49 30 ${(r() * 1e7) | 0}`, 0.2), mobilephone: maybe(`+49 170 ${(r() * 1e7) | 0}`, 0.3),
      address1_line1: maybe(`${(r() * 200) | 0} ${pick(['Hauptstraße', 'Rue de Rivoli', 'Calle Mayor', 'Long Industrial Estate Access Road Building C Floor 4 Suite 401'])}`, 0.1),
      address1_city: maybe(pick(CITY), 0.1), address1_postalcode: maybe(String(10000 + ((r() * 89999) | 0)), 0.1), address1_country: maybe(pick(['DE', 'FR', 'ES', 'JP', 'IE', 'NL', 'PL']), 0.1),
      address1_stateorprovince: maybe('State', 0.6), jobtitle: pick(JOB),
      gendercode: pick([1, 2, 1, 2, null, 3]), familystatuscode: maybe(1 + ((r() * 4) | 0), 0.4), preferredcontactmethodcode: 1 + ((r() * 5) | 0),
      birthdate: maybe(iso(1950, 55).slice(0, 10) + 'T00:00:00Z', 0.3), createdon: iso(2015, 9), modifiedon: iso(2023, 2),
      donotbulkemail: r() < 0.2, donotemail: r() < 0.1, donotphone: r() < 0.1, donotpostalmail: r() < 0.1,
      statecode: r() < 0.9 ? 0 : 1, statuscode: r() < 0.9 ? 1 : 2,
      creditlimit: maybe(Math.round(r() * 1e6) / 100, 0.5), annualincome: maybe(Math.round(r() * 2e7) / 100, 0.5), numberofchildren: maybe((r() * 4) | 0, 0.5),
      description: maybe('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1 + ((r() * 3) | 0)), 0.6),
      websiteurl: maybe('https://example.com/' + hex(6), 0.7), _parentcustomerid_value: maybe(guid(), 0.3), _ownerid_value: guid(),
      versionnumber: (r() * 1e9) | 0, importsequencenumber: null, overriddencreatedon: null,
      timezoneruleversionnumber: 4, utcconversiontimezonecode: null, exchangerate: maybe(1, 0.5), _transactioncurrencyid_value: maybe(guid(), 0.5)
    }
  }
  return out as Record<string, unknown>[]
}

// ---- the flow: the anchor's 30 fields, with a value map, a date and a filter ----
const TRUNC: [string, string, number][] = [['firstName', 'firstname', 30], ['lastName', 'lastname', 50], ['cusJobTitle', 'jobtitle', 40], ['location.city', 'address1_city', 50], ['location.address1', 'address1_line1', 60]]
const COPIES: [string, string][] = [['cusDynamicsContactId', 'contactid'], ['cusEmail2', 'emailaddress2'], ['phone', 'telephone1'], ['mobilePhone', 'mobilephone'], ['location.zipCode', 'address1_postalcode'],
  ['cusCountry', 'address1_country'], ['cusState', 'address1_stateorprovince'], ['cusFamilyStatus', 'familystatuscode'], ['cusPreferredChannel', 'preferredcontactmethodcode'],
  ['cusCreatedOn', 'createdon'], ['cusModifiedOn', 'modifiedon'], ['cusNoEmail', 'donotemail'], ['cusNoPhone', 'donotphone'], ['blackListPostalMail', 'donotpostalmail'],
  ['cusCrmState', 'statecode'], ['cusCrmStatus', 'statuscode'], ['cusCreditLimit', 'creditlimit'], ['cusAnnualIncome', 'annualincome'], ['cusChildren', 'numberofchildren'], ['cusOwnerId', '_ownerid_value']]

const flow: RecordsFlow = {
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

// ---- hand-written: the same semantics, warnings included ----
interface Warning { field: string; step?: number; message: string }
const cut = (s: string, n: number) => {
  const c = s.charCodeAt(n - 1)
  return c >= 0xd800 && c <= 0xdbff ? s.slice(0, n - 1) : s.slice(0, n)
}
const state: { warnings: Warning[] | null } = { warnings: null }
function trunc(v: unknown, n: number, field: string): unknown {
  if (typeof v !== 'string' || v.length <= n) return v === undefined ? null : v
  const out = cut(v, n)
  ;(state.warnings ??= []).push({ field, step: 0, message: `cut from ${v.length} to ${out.length} characters` })
  return out
}
function handWritten(c: Record<string, any>): { target: Record<string, unknown>; warnings: Warning[] } | null {
  if (c.statecode !== 0) return null
  state.warnings = null
  const e = c.emailaddress1, fn = c.firstname, ln = c.lastname, g = c.gendercode, b = c.birthdate
  let full: string | null = null
  if (typeof fn === 'string' && fn !== '') full = typeof ln === 'string' && ln !== '' ? fn + ' ' + ln : fn
  else if (typeof ln === 'string' && ln !== '') full = ln
  const target = {
    email: typeof e === 'string' ? e.trim().toLowerCase() : null,
    cusFullName: full,
    gender: g === 1 ? 'male' : g === 2 ? 'female' : 'unknown',
    birthDate: typeof b === 'string' ? b.slice(0, 10) : null,
    blackListEmail: c.donotbulkemail === true,
    firstName: trunc(fn, 30, 'firstName'),
    lastName: trunc(ln, 50, 'lastName'),
    cusJobTitle: trunc(c.jobtitle, 40, 'cusJobTitle'),
    location: { city: trunc(c.address1_city, 50, 'location.city'), address1: trunc(c.address1_line1, 60, 'location.address1'), zipCode: c.address1_postalcode },
    cusDynamicsContactId: c.contactid, cusEmail2: c.emailaddress2, phone: c.telephone1, mobilePhone: c.mobilephone,
    cusCountry: c.address1_country, cusState: c.address1_stateorprovince, cusFamilyStatus: c.familystatuscode, cusPreferredChannel: c.preferredcontactmethodcode,
    cusCreatedOn: c.createdon, cusModifiedOn: c.modifiedon, cusNoEmail: c.donotemail, cusNoPhone: c.donotphone, blackListPostalMail: c.donotpostalmail,
    cusCrmState: c.statecode, cusCrmStatus: c.statuscode, cusCreditLimit: c.creditlimit, cusAnnualIncome: c.annualincome, cusChildren: c.numberofchildren, cusOwnerId: c._ownerid_value
  }
  return { target, warnings: state.warnings ?? [] }
}

// The bench profile: Campaign's profile plus the custom fields the flow writes (text, no limit).
const target = {
  ...campaignProfile,
  fields: [
    ...campaignProfile.fields,
    ...[...COPIES, ['cusFullName', ''] as [string, string]].filter(([t]) => !campaignProfile.fields.some((f) => f.name === t)).map(([name]) => ({
      name, displayName: name, type: 'unknown' as const, required: 'none' as const, readOnly: false, validForCreate: true, validForUpdate: true
    }))
  ]
}
const compiled = compileFlow(flow, { source: dynamicsContact, target })

// ---- verify: identical targets (same JSON, so same key order), same skips, same warnings ----
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x))
{
  const sample = genRecords(20_000, 7)
  let ok = 0
  for (const record of sample) {
    const expected = handWritten(record)
    const got = compiled.runSync(record)
    if (expected === null) {
      if (got.kind !== 'skipped') throw new Error(`record ${record.contactid}: expected skipped, got ${got.kind}`)
      continue
    }
    if (got.kind !== 'ok') throw new Error(`record ${record.contactid}: expected ok, got ${JSON.stringify(got)}`)
    if (canonical(got.target) !== canonical(expected.target)) {
      throw new Error(`record ${record.contactid} differs:\n engine ${canonical(got.target)}\n hand   ${canonical(expected.target)}`)
    }
    if (canonical(got.warnings) !== canonical(expected.warnings)) {
      throw new Error(`record ${record.contactid} warnings differ: ${canonical(got.warnings)} vs ${canonical(expected.warnings)}`)
    }
    ok++
  }
  console.log(`verified: engine and hand-written agree on 20000 records (${ok} mapped, ${20_000 - ok} filtered out)`)
}

// ---- time: alternate passes so both see the same heap and CPU state ----
const records = genRecords(N, 1)
const ring = new Array(4096)
let sink = 0
const timeIt = (fn: (r: Record<string, unknown>) => unknown) => {
  const t0 = performance.now()
  for (let i = 0; i < N; i++) ring[i & 4095] = fn(records[i])
  const ms = performance.now() - t0
  for (const o of ring) if (o) sink++
  return N / (ms / 1000)
}
const engineRates: number[] = []
const handRates: number[] = []
const runEngine = (r: Record<string, unknown>) => compiled.runSync(r)
for (let p = 0; p < PASSES; p++) {
  handRates.push(timeIt(handWritten))
  engineRates.push(timeIt(runEngine))
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')} rec/s`
console.log(`records: ${N}, passes: ${PASSES}, node ${process.version} (median of passes; pass 1 includes warm-up)`)
console.log(`hand-written: ${fmt(median(handRates))}  passes ${handRates.map((x) => Math.round(x / 1000) + 'k').join(' ')}`)
console.log(`engine:       ${fmt(median(engineRates))}  passes ${engineRates.map((x) => Math.round(x / 1000) + 'k').join(' ')}`)
console.log(`(sink ${sink})`)
console.log(`engine ratio: ${(median(engineRates) / median(handRates)).toFixed(2)}`)
void (null as unknown as RecordResult)
