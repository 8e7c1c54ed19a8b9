/**
 * The mapping engine against a hand-written function doing the same work, over the same
 * records in one process (the transform floor of docs/transforms.md: 30 target fields,
 * Dynamics-like contacts of 40 columns). Both outputs are checked identical first.
 *
 * "engine" is what main and the CLI run: the generated per-record function
 * (compile-codegen.ts). "closures" is the renderer's path (no 'unsafe-eval' there), timed
 * after the ratio passes so it cannot disturb them; both are verified against hand-written.
 *
 *   npx tsx bench/engine.ts [records=200000] [passes=5]
 */
import { compileFlow, type CompiledFlow } from '../src/shared/mapping/compile'
import { dynamicsContact } from '../tests/support/schema-examples'
import { flow, genRecords, target } from './engine-flow'

const N = Number(process.argv[2] ?? 200_000)
const PASSES = Number(process.argv[3] ?? 5)

// ---- hand-written: the same semantics, warnings included ----
interface Warning {
  field: string
  step?: number
  message: string
}
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
  const e = c.emailaddress1,
    fn = c.firstname,
    ln = c.lastname,
    g = c.gendercode,
    b = c.birthdate
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
    location: {
      city: trunc(c.address1_city, 50, 'location.city'),
      address1: trunc(c.address1_line1, 60, 'location.address1'),
      zipCode: c.address1_postalcode
    },
    cusDynamicsContactId: c.contactid,
    cusEmail2: c.emailaddress2,
    phone: c.telephone1,
    mobilePhone: c.mobilephone,
    cusCountry: c.address1_country,
    cusState: c.address1_stateorprovince,
    cusFamilyStatus: c.familystatuscode,
    cusPreferredChannel: c.preferredcontactmethodcode,
    cusCreatedOn: c.createdon,
    cusModifiedOn: c.modifiedon,
    cusNoEmail: c.donotemail,
    cusNoPhone: c.donotphone,
    blackListPostalMail: c.donotpostalmail,
    cusCrmState: c.statecode,
    cusCrmStatus: c.statuscode,
    cusCreditLimit: c.creditlimit,
    cusAnnualIncome: c.annualincome,
    cusChildren: c.numberofchildren,
    cusOwnerId: c._ownerid_value
  }
  return { target, warnings: state.warnings ?? [] }
}

const compiled = compileFlow(flow, { source: dynamicsContact, target })
const closures = compileFlow(flow, { source: dynamicsContact, target, codegen: 'never' })
if (!compiled.codegen) console.log('note: code generation is not allowed here — "engine" runs the closures')

// ---- verify: identical targets (same JSON, so same key order), same skips, same warnings ----
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x
  )
function verify(engine: CompiledFlow, name: string) {
  const sample = genRecords(20_000, 7)
  let ok = 0
  for (const record of sample) {
    const expected = handWritten(record)
    const got = engine.runSync(record)
    if (expected === null) {
      if (got.kind !== 'skipped') throw new Error(`${name}, record ${record.contactid}: expected skipped, got ${got.kind}`)
      continue
    }
    if (got.kind !== 'ok') throw new Error(`${name}, record ${record.contactid}: expected ok, got ${JSON.stringify(got)}`)
    if (JSON.stringify(got.target) !== JSON.stringify(expected.target)) {
      throw new Error(
        `${name}, record ${record.contactid} differs:\n engine ${canonical(got.target)}\n hand   ${canonical(expected.target)}`
      )
    }
    if (canonical(got.warnings) !== canonical(expected.warnings)) {
      throw new Error(`${name}, record ${record.contactid} warnings differ: ${canonical(got.warnings)} vs ${canonical(expected.warnings)}`)
    }
    ok++
  }
  return ok
}
{
  const ok = verify(compiled, 'engine')
  verify(closures, 'closures')
  console.log(
    `verified: engine (${compiled.codegen ? 'generated code' : 'closures'}), closures and hand-written agree on 20000 records (${ok} mapped, ${20_000 - ok} filtered out)`
  )
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
const closureRates: number[] = []
const runEngine = (r: Record<string, unknown>) => compiled.runSync(r)
const runClosures = (r: Record<string, unknown>) => closures.runSync(r)
for (let p = 0; p < PASSES; p++) {
  handRates.push(timeIt(handWritten))
  engineRates.push(timeIt(runEngine))
}
for (let p = 0; p < PASSES; p++) closureRates.push(timeIt(runClosures))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const fmt = (x: number) => `${Math.round(x).toLocaleString('en-US')} rec/s`
const passes = (xs: number[]) => xs.map((x) => Math.round(x / 1000) + 'k').join(' ')
console.log(`records: ${N}, passes: ${PASSES}, node ${process.version} (median of passes; pass 1 includes warm-up)`)
console.log(`hand-written: ${fmt(median(handRates))}  passes ${passes(handRates)}`)
console.log(
  `engine:       ${fmt(median(engineRates))}  passes ${passes(engineRates)}  (${compiled.codegen ? 'generated code' : 'closures'})`
)
console.log(
  `closures:     ${fmt(median(closureRates))}  passes ${passes(closureRates)}  (renderer fallback, timed after; ratio ${(median(closureRates) / median(handRates)).toFixed(2)})`
)
console.log(`(sink ${sink})`)
console.log(`engine ratio: ${(median(engineRates) / median(handRates)).toFixed(2)}`)
