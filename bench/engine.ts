/**
 * The mapping engine against a hand-written function doing the same work, over the same
 * records in one process (the transform floor of docs/transforms.md: 30 target fields,
 * Dynamics-like contacts of 40 columns). The same work includes the target's rules: the engine
 * checks each value against what Campaign would store before a record may be written
 * (src/shared/schema/target-rules.ts), so the hand-written code checks them too. Both outputs
 * are checked identical first.
 *
 * "engine" is what main and the CLI run: the generated per-record function
 * (compile-codegen.ts). "closures" is the renderer's path (no 'unsafe-eval' there), timed
 * after the ratio passes so it cannot disturb them; both are verified against hand-written.
 *
 *   npx tsx bench/engine.ts [records=200000] [passes=5]
 */
import { compileFlow, type CompiledFlow } from '../src/shared/mapping/compile'
import { dynamicsContact } from '../tests/support/schema-examples'
import { flow, genRecords, target } from './engine/flow'

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
// ---- the target's rules, hand-written: what the engine checks before a record may be written
// (src/shared/schema/target-rules.ts, Campaign's side; docs/validation.md "Target rules") ----
const refuse = (field: string, why: string): never => {
  throw new Error(`${field}: ${why}`)
}
const badText = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const surrogate = /[\uD800-\uDFFF]/
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
const datePattern = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/
const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
/** Campaign counts characters (code points). */
const characters = (t: string) => (surrogate.test(t) ? Array.from(t).length : t.length)
function text(v: unknown, max: number, field: string): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return refuse(field, 'not text')
  const t = typeof v === 'string' ? v : String(v)
  if (badText.test(t)) refuse(field, 'a NUL or a lone surrogate')
  if (characters(t) > max) refuse(field, 'too long')
  return v
}
function email(v: unknown, max: number, field: string): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'string') return refuse(field, 'not text')
  const t = v.trim()
  if (t === '') return null
  if (badText.test(t)) refuse(field, 'a NUL or a lone surrogate')
  if (characters(t) > max) refuse(field, 'too long')
  if (!emailPattern.test(t)) refuse(field, 'not an email address')
  return t
}
function listed(v: unknown, values: ReadonlySet<unknown>, field: string): unknown {
  if (!values.has(v)) refuse(field, 'not in the list')
  return v
}
function trueOrFalse(v: unknown, field: string): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'boolean') refuse(field, 'not true or false')
  return v
}
function dateOnly(v: unknown, field: string): unknown {
  if (v === null || v === undefined || v === '') return null
  const t = typeof v === 'string' ? v.trim() : refuse(field, 'not a date')
  if (!datePattern.test(t) || Number.isNaN(new Date(t.replace(' ', 'T')).getTime())) refuse(field, 'not a date')
  const y = +t.slice(0, 4),
    m = +t.slice(5, 7),
    d = +t.slice(8, 10)
  if (d > (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : monthDays[m - 1])) refuse(field, 'no such day')
  return v
}
const genders: ReadonlySet<unknown> = new Set(['unknown', 'male', 'female'])

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
    email: email(typeof e === 'string' ? e.trim().toLowerCase() : null, 128, 'email'),
    cusFullName: full,
    gender: listed(g === 1 ? 'male' : g === 2 ? 'female' : 'unknown', genders, 'gender'),
    birthDate: dateOnly(typeof b === 'string' ? b.slice(0, 10) : null, 'birthDate'),
    blackListEmail: trueOrFalse(c.donotbulkemail === true, 'blackListEmail'),
    firstName: text(trunc(fn, 30, 'firstName'), 30, 'firstName'),
    lastName: text(trunc(ln, 50, 'lastName'), 50, 'lastName'),
    cusJobTitle: text(trunc(c.jobtitle, 40, 'cusJobTitle'), 100, 'cusJobTitle'),
    location: {
      city: text(trunc(c.address1_city, 50, 'location.city'), 50, 'location.city'),
      address1: text(trunc(c.address1_line1, 60, 'location.address1'), 80, 'location.address1'),
      zipCode: text(c.address1_postalcode, 20, 'location.zipCode')
    },
    cusDynamicsContactId: text(c.contactid, 64, 'cusDynamicsContactId'),
    cusEmail2: c.emailaddress2,
    phone: text(c.telephone1, 32, 'phone'),
    mobilePhone: text(c.mobilephone, 32, 'mobilePhone'),
    cusCountry: c.address1_country,
    cusState: c.address1_stateorprovince,
    cusFamilyStatus: c.familystatuscode,
    cusPreferredChannel: c.preferredcontactmethodcode,
    cusCreatedOn: c.createdon,
    cusModifiedOn: c.modifiedon,
    cusNoEmail: c.donotemail,
    cusNoPhone: c.donotphone,
    blackListPostalMail: trueOrFalse(c.donotpostalmail, 'blackListPostalMail'),
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
