import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { compileFlow, type CompileOptions, type CompiledFlow, type RecordResult } from '../../src/shared/mapping/compile'
import { codegenAvailable, literal, runnerSource, type RunnerPlan } from '../../src/shared/mapping/compile-codegen'
import type { EventsFlow, FieldMapping, RecordsFlow } from '../../src/shared/mapping/document'
import type { Step } from '../../src/shared/mapping/steps'
import { campaignProfile, dynamicsContact } from '../support/schema-examples'
import { flow as benchFlow, genRecords, target as benchTarget } from '../../bench/engine/flow'

/**
 * The generated per-record function (compile-codegen.ts) against the closures it replaces:
 * same results — values, key order, own vs inherited keys, prototypes, warnings, errors and
 * even the order in which source properties are read — on random records and random flows;
 * and no name, however hostile, can change what the generated code does.
 */

const root = join(__dirname, '..', '..')
const ID = '6f1b2a3c-0000-4000-8000-000000000001'

// ---- exact comparison: key order, own keys, prototypes, -0, NaN and undefined all count ----
function exact(v: unknown, depth = 0): unknown {
  if (depth > 8) return { deep: true }
  if (v === undefined) return { undefined: true }
  if (typeof v === 'number') return Object.is(v, -0) ? { number: '-0' } : Number.isNaN(v) ? { number: 'NaN' } : v
  if (typeof v === 'function') return { function: v.name }
  if (v === null || typeof v !== 'object') return v
  if (Array.isArray(v)) return { array: v.map((x) => exact(x, depth + 1)) }
  const proto = Object.getPrototypeOf(v)
  const kind = proto === Object.prototype ? 'object' : proto === null ? 'no prototype' : String(proto?.constructor?.name)
  if (v instanceof Error) return { error: v.message }
  return {
    kind,
    own: Reflect.ownKeys(v).map((k) => {
      const d = Object.getOwnPropertyDescriptor(v, k)!
      return [String(k), d.enumerable, 'value' in d ? exact(d.value, depth + 1) : 'accessor']
    })
  }
}

/** A record that logs every property read (the filter's, the key's, each field's). */
function logged(record: Record<string, unknown>, log: string[]): Record<string, unknown> {
  return new Proxy(record, {
    get(target, key, receiver) {
      log.push(String(key))
      return Reflect.get(target, key, receiver)
    }
  })
}

function pair(flow: RecordsFlow | EventsFlow, options: CompileOptions = {}) {
  const gen = compileFlow(flow, { ...options, codegen: 'auto' })
  const clo = compileFlow(flow, { ...options, codegen: 'never' })
  expect(clo.codegen).toBe(false)
  return { gen, clo }
}

/** The result (or what was thrown: a match key that cannot become text throws on both paths) and the reads. */
async function outcome(compiled: CompiledFlow, record: Record<string, unknown>, via: 'runSync' | 'run') {
  const reads: string[] = []
  let result: RecordResult | { threw: string }
  try {
    result = via === 'run' ? await compiled.run(logged(record, reads)) : compiled.runSync(logged(record, reads))
  } catch (error) {
    result = { threw: (error as Error).message }
  }
  return { result: exact(result), reads }
}

async function expectSame({ gen, clo }: { gen: CompiledFlow; clo: CompiledFlow }, record: Record<string, unknown>) {
  for (const via of gen.isAsync ? (['run'] as const) : (['runSync', 'run'] as const)) {
    expect(await outcome(gen, record, via)).toStrictEqual(await outcome(clo, record, via))
  }
}

// ---- arbitraries ----
const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().slice(0, 10),
      d.toISOString().replace('.000Z', 'Z'),
      d.toISOString().slice(0, 10) + 'T00:00:00Z'
    )
  )
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(null, undefined, '', ' ', 0, 1, 2, 3, -0, Number.NaN, true, false, 'true', 'no', 'Gold', ' GOLD ', '1,5')
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 70 }) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 2, arbitrary: isoDate },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null)), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }) }
)
const recordOf = (columns: readonly string[]) =>
  fc.record(Object.fromEntries(columns.map((c) => [c, anyValue])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] })

const RUNS = 150

describe('code generation is available in Node and used by default', () => {
  it('probes once, compiles the bench flow to generated code', () => {
    expect(codegenAvailable()).toBe(true)
    expect(compileFlow(benchFlow, { source: dynamicsContact, target: benchTarget }).codegen).toBe(true)
    expect(compileFlow(benchFlow, { source: dynamicsContact, target: benchTarget, codegen: 'never' }).codegen).toBe(false)
  })
})

describe('generated code and closures agree (property tests)', () => {
  it('the bench flow, on its own records', async () => {
    const flows = pair(benchFlow, { source: dynamicsContact, target: benchTarget })
    expect(flows.gen.codegen).toBe(true)
    for (const record of genRecords(300, 11)) await expectSame(flows, record)
  })

  it('the bench flow, on random records', async () => {
    const flows = pair(benchFlow, { source: dynamicsContact, target: benchTarget })
    const columns = Object.keys(genRecords(1, 1)[0])
    await fc.assert(
      fc.asyncProperty(recordOf(columns), (record) => expectSame(flows, record)),
      { numRuns: RUNS }
    )
  })

  it('the bench flow without its filter, without schemas', async () => {
    const flows = pair({ ...benchFlow, filter: undefined })
    expect(flows.gen.codegen).toBe(true)
    const columns = Object.keys(genRecords(1, 1)[0])
    await fc.assert(
      fc.asyncProperty(recordOf(columns), (record) => expectSame(flows, record)),
      { numRuns: RUNS }
    )
  })

  const contacts: RecordsFlow = {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    filter: {
      any: [
        { field: 'statecode', op: 'eq', value: 0 },
        { field: 'emailaddress1', op: 'contains', value: 'example' }
      ]
    },
    fields: [
      { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'email' }] },
      { target: 'firstName', from: ['firstname'], steps: [{ fn: 'truncate' }] },
      { target: 'lastName', from: ['lastname'], applyUpdates: false },
      { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, keepUnmatched: true }] },
      { target: 'birthDate', from: ['birthdate'], steps: [{ fn: 'formatDate', format: 'date', zone: 'Europe/Berlin' }] },
      { target: 'blackListEmail', from: ['donotbulkemail'] },
      { target: 'location.city', from: ['address1_city'], steps: [{ fn: 'truncate' }] }
    ]
  }
  it('a flow with target checks (length, enumeration), create-only fields and a filter', async () => {
    const flows = pair(contacts, { source: dynamicsContact, target: campaignProfile })
    expect(flows.gen.codegen).toBe(true)
    const columns = [
      'contactid',
      'emailaddress1',
      'firstname',
      'lastname',
      'gendercode',
      'birthdate',
      'donotbulkemail',
      'address1_city',
      'statecode'
    ]
    const record = fc.tuple(recordOf(columns), fc.constantFrom(ID, null, '', 7)).map(([r, id]) => ({ contactid: id, ...r }))
    await fc.assert(
      fc.asyncProperty(record, (r) => expectSame(flows, r)),
      { numRuns: RUNS }
    )
  })

  const everyStep: RecordsFlow = {
    id: 'steps',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'id', target: 'ids.dynamics' },
    fields: [
      { target: 'a.trim', from: ['a'], steps: [{ fn: 'trim' }, { fn: 'upper' }] },
      { target: 'a.title', from: ['a'], steps: [{ fn: 'titleCase' }] },
      { target: 'a.split', from: ['a'], steps: [{ fn: 'split', separator: ' ', index: -1 }] },
      {
        target: 'a.sub',
        from: ['a'],
        steps: [
          { fn: 'substring', start: 1, length: 3 },
          { fn: 'pad', length: 4, char: '0' }
        ]
      },
      {
        target: 'a.replace',
        from: ['a'],
        steps: [
          { fn: 'replace', pattern: '\\s+', replacement: '_' },
          { fn: 'truncate', length: 6 }
        ]
      },
      { target: 'joined', from: ['a', 'b', 'c'], steps: [{ fn: 'join', separator: ' / ' }] },
      { target: 'first', from: ['a', 'b', 'c'], steps: [{ fn: 'coalesce' }, { fn: 'default', value: 'none' }] },
      { target: 'constant', steps: [{ fn: 'constant', value: 'fixed' }] },
      { target: 'nothing', from: [] },
      {
        target: 'n.number',
        from: ['b'],
        steps: [
          { fn: 'parseNumber', decimalSeparator: ',' },
          { fn: 'formatNumber', decimals: 2 }
        ]
      },
      { target: 'n.bool', from: ['c'], steps: [{ fn: 'toBoolean' }, { fn: 'booleanToText', whenTrue: 'yes', whenFalse: 'no' }] },
      {
        target: 'n.tier',
        from: ['c'],
        steps: [{ fn: 'valueMap', map: { gold: 'G', '1': 'one', '': 'empty', true: 'T' }, otherwise: null }]
      },
      { target: 'n.deep.date', from: ['d'], steps: [{ fn: 'parseDate' }, { fn: 'formatDate', format: 'dateTime' }] },
      { target: 'n.deep.label', from: ['gendercode'], steps: [{ fn: 'optionLabel', labels: { '1': 'Male', '2': 'Female' } }] },
      { target: 'copy', from: ['b'] }
    ]
  }
  it('a flow using most steps, several sources, no source, nested targets', async () => {
    const flows = pair(everyStep)
    expect(flows.gen.codegen).toBe(true)
    const record = fc.tuple(recordOf(['a', 'b', 'c', 'd', 'gendercode']), fc.constantFrom(ID, 42, null)).map(([r, id]) => ({ id, ...r }))
    await fc.assert(
      fc.asyncProperty(record, (r) => expectSame(flows, r)),
      { numRuns: RUNS }
    )
  })

  it('an events flow (no match key read from the source)', async () => {
    const events: EventsFlow = {
      id: 'ev',
      kind: 'events',
      source: { system: 'campaign', event: 'email.open' as EventsFlow['source']['event'] },
      target: { system: 'dynamics', table: 'email' },
      contact: { profileKey: 'cusDynamicsContactId', regarding: 'regardingobjectid_contact' },
      match: { target: 'new_eventid' },
      fields: [
        { target: 'new_eventid', from: ['id'] },
        { target: 'subject', from: ['subject'], steps: [{ fn: 'trim' }, { fn: 'default', value: '(none)' }] }
      ]
    }
    const flows = pair(events)
    expect(flows.gen.codegen).toBe(true)
    await fc.assert(
      fc.asyncProperty(recordOf(['id', 'subject']), (r) => expectSame(flows, r)),
      { numRuns: 60 }
    )
  })

  it('an async flow (a JSONata expression) runs generated async code, with the same results', async () => {
    const flow: RecordsFlow = {
      ...everyStep,
      fields: [
        {
          target: 'x',
          from: ['a'],
          steps: [{ fn: 'trim' }, { fn: 'expression', expr: '$uppercase($value) & "/" & b' }, { fn: 'truncate', length: 8 }]
        },
        { target: 'y.z', from: ['b'], steps: [{ fn: 'lower' }] },
        { target: 'w', from: ['a'], steps: [{ fn: 'expression', expr: '$number($value)' }] }
      ]
    }
    const flows = pair(flow)
    expect(flows.gen.codegen).toBe(true)
    expect(flows.gen.isAsync).toBe(true)
    expect(() => flows.gen.runSync({ id: ID })).toThrow(/runs asynchronously/)
    const record = fc.tuple(recordOf(['a', 'b']), fc.constantFrom(ID, null)).map(([r, id]) => ({ id, ...r }))
    await fc.assert(
      fc.asyncProperty(record, (r) => expectSame(flows, r)),
      { numRuns: 40 }
    )
  })

  // Random flows: random target paths and column names (hostile ones included), random step chains.
  const names = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'a',
        'b',
        'c',
        '__proto__',
        'constructor',
        'toString',
        '"',
        '\\',
        '*/',
        '${x}',
        '\n',
        '\u2028',
        '',
        '0',
        '"]; globalThis.pwned = 1; //'
      )
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 6 }) }
  )
  const safeSteps: fc.Arbitrary<Step> = fc.oneof(
    fc.constantFrom<Step>(
      { fn: 'trim' },
      { fn: 'lower' },
      { fn: 'upper' },
      { fn: 'coalesce' },
      { fn: 'join' },
      { fn: 'truncate', length: 3 },
      { fn: 'toBoolean' },
      { fn: 'parseNumber' }
    ),
    names.map((n): Step => ({ fn: 'default', value: n })),
    names.map((n): Step => ({ fn: 'constant', value: n })),
    fc
      .dictionary(names, fc.oneof(names, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 })
      .map((map): Step => ({ fn: 'valueMap', map, keepUnmatched: true }))
  )
  const field: fc.Arbitrary<FieldMapping> = fc.record({
    target: fc.array(names, { minLength: 1, maxLength: 3 }).map((p) => p.join('.')),
    from: fc.array(names, { maxLength: 2 }),
    steps: fc.array(safeSteps, { maxLength: 3 })
  })
  it('random flows on random records', async () => {
    let generated = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(field, { minLength: 1, maxLength: 8 }),
        names,
        names,
        fc.array(fc.tuple(names, anyValue), { maxLength: 8 }),
        async (fields, matchSource, matchTarget, entries) => {
          const flow: RecordsFlow = { ...everyStep, match: { source: matchSource, target: matchTarget }, fields }
          const flows = pair(flow)
          if (flows.gen.codegen) generated++
          // fromEntries defines own keys, "__proto__" included.
          await expectSame(flows, Object.fromEntries(entries))
          await expectSame(flows, {})
        }
      ),
      { numRuns: 300 }
    )
    // Only flows with a path both written and nested under (a and a.b) fall back.
    expect(generated).toBeGreaterThan(150)
  })
})

describe('hostile names cannot change the generated code', () => {
  const pwned = () => (globalThis as Record<string, unknown>).pwned
  const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort()
  const before = protoKeys()
  afterEach(() => {
    expect(pwned()).toBeUndefined()
    expect(protoKeys()).toEqual(before)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  const NASTY = [
    '"',
    "'",
    '`',
    '\\',
    '\\"',
    '*/',
    '/*',
    '//',
    '${globalThis.pwned = 1}',
    '`${globalThis.pwned = 1}`',
    '\n',
    '\r\n',
    '\u2028',
    '\u2029',
    '"]; globalThis.pwned = 1; //',
    "']; globalThis.pwned = 1; //",
    '"}; globalThis.pwned = 1; ({"',
    '\\"]; globalThis.pwned = 1; //',
    '*/ globalThis.pwned = 1; /*',
    '\n globalThis.pwned = 1 //',
    '\u2028globalThis.pwned = 1',
    '</script><script>globalThis.pwned = 1</script>',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '\u0000',
    '\ud800',
    '',
    ' ',
    '0',
    '-1',
    '1e3'
  ]
  const base: RecordsFlow = {
    id: 'nasty',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'id', target: 'key' },
    fields: []
  }
  const recordWith = (names: readonly string[]) => Object.fromEntries([['id', ID], ...names.map((n, i) => [n, `value ${i}`])])

  it('as source columns, top-level and nested targets, value-map keys and values, constants', async () => {
    const fields: FieldMapping[] = NASTY.flatMap((name, i): FieldMapping[] => [
      { target: name, from: [name] },
      {
        target: `nested${i}.${name}`,
        from: [name],
        steps: [{ fn: 'valueMap', map: { [name]: name, [`value ${i}`]: `${name}!` }, keepUnmatched: true }]
      },
      {
        target: `const${i}`,
        steps: [
          { fn: 'constant', value: name },
          { fn: 'default', value: name }
        ]
      },
      { target: `join${i}`, from: [name, 'id'], steps: [{ fn: 'join', separator: name }] },
      { target: `replace${i}`, from: [name], steps: [{ fn: 'replace', pattern: 'value', replacement: name }] }
    ])
    const flows = pair({ ...base, fields })
    expect(flows.gen.codegen).toBe(true)
    await expectSame(flows, recordWith(NASTY))
    await expectSame(flows, { id: ID })
    const r = flows.gen.runSync(recordWith(NASTY))
    expect(r.kind).toBe('ok')
    if (r.kind !== 'ok') return
    const t = r.target as Record<string, unknown>
    // Own properties only, along a dotted path (a name with a dot nests, as it does on the closure path).
    const at = (node: unknown, path: string): unknown =>
      path.split('.').reduce<unknown>((n, k) => Object.getOwnPropertyDescriptor(n as object, k)?.value, node)
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(t, '__proto__')?.value).toBe(`value ${NASTY.indexOf('__proto__')}`)
    expect(Object.getOwnPropertyDescriptor(t, 'constructor')?.value).toBe(`value ${NASTY.indexOf('constructor')}`)
    NASTY.forEach((name, i) => {
      expect(at(t, name)).toBe(`value ${i}`)
      expect(at(t, `nested${i}.${name}`)).toBe(`${name}!`)
      expect(t[`const${i}`]).toBe(name)
    })
  })

  it('as parents of nested targets, and as the match key and match target', async () => {
    const fields: FieldMapping[] = NASTY.map((name, i) => ({ target: `${name}.leaf${i}`, from: [name] }))
    for (const [source, target] of [
      ['"]; globalThis.pwned = 1; //', 'key.__proto__'],
      ['__proto__', 'm"}; globalThis.pwned = 1; ({"'],
      ['\u2028', 'constructor.prototype'],
      ['constructor', '\n.__proto__']
    ]) {
      const flows = pair({ ...base, match: { source, target }, fields })
      expect(flows.gen.codegen).toBe(true)
      await expectSame(flows, { ...recordWith(NASTY), [source]: 'the key' })
      await expectSame(flows, recordWith(NASTY))
      await expectSame(flows, {})
    }
  })

  it('prototype pollution: "__proto__" and "constructor.prototype" targets stay own properties', async () => {
    const fields: FieldMapping[] = [
      { target: '__proto__', from: ['payload'] },
      { target: '__proto__.polluted', from: ['id'] },
      { target: 'constructor.prototype.polluted', from: ['id'] },
      { target: 'x.__proto__.polluted', from: ['id'] }
    ]
    // "__proto__" is both written and a parent: that flow is left to the closures; the rest is generated.
    for (const [fs, generated] of [
      [fields, false],
      [fields.slice(1), true],
      [[fields[0], fields[2], fields[3]], true]
    ] as const) {
      const flows = pair({ ...base, fields: [...fs] })
      expect(flows.gen.codegen).toBe(generated)
      const record = JSON.parse('{"id": "yes", "payload": {"polluted": "yes"}, "__proto__": {"polluted": "yes"}}')
      await expectSame(flows, record)
      for (const compiled of [flows.gen, flows.clo]) {
        const r = compiled.runSync(record)
        if (r.kind !== 'ok') throw new Error(JSON.stringify(r))
        expect(Object.getPrototypeOf(r.target)).toBe(Object.prototype)
        expect(Object.hasOwn(r.target, '__proto__')).toBe(true)
        expect((r.target as Record<string, unknown>).polluted).toBeUndefined()
      }
    }
  })

  it("the generated source differs from a plain flow's only inside string literals", () => {
    const step = { async: false as const, run: (v: unknown) => v }
    const planFor = (names: readonly string[]): RunnerPlan => ({
      fields: names.map((n) => ({ readKeys: [n, 'b'], steps: [step], check: undefined, async: false })),
      targets: [...names.map((n, i) => `g${i}.${n}`), 'key.id'],
      addKey: true,
      matchKey: names[0],
      filter: () => true,
      isAsync: false
    })
    // Same nesting: a dot nests and "__proto__" is written computed, so those stay as they are.
    const plain = NASTY.map((n, i) => (n === '__proto__' ? n : n.includes('.') ? `name${i}.x` : `name${i}`))
    const strip = (source: string) => source.replace(/"(?:[^"\\\n]|\\.)*"/g, '""').replace(/sourceURL=.*$/, '')
    const hostile = runnerSource(planFor(NASTY))
    expect(strip(hostile)).toBe(strip(runnerSource(planFor(plain))))
    expect(hostile).not.toMatch(/[\u2028\u2029]/)
    for (const name of NASTY) expect(hostile).toContain(literal(name))
    // "__proto__" as a key is written computed, so it defines an own property.
    expect(runnerSource({ ...planFor(['__proto__']), targets: ['__proto__', 'k'] })).toContain('["__proto__"]: v0')
  })

  it('a name that is not text is never emitted: the closures run', async () => {
    const odd = { toString: () => 'a' } as unknown as string
    const flows = pair({ ...base, fields: [{ target: 'x', from: [odd] }] })
    expect(flows.gen.codegen).toBe(false)
    await expectSame(flows, { id: ID, a: 'A' })
    expect(() => literal(42)).toThrow()
  })
})

describe('behaviour kept identical around the edges', () => {
  it('a path both written and nested under (a, a.b) runs on the closures', async () => {
    const flow: RecordsFlow = {
      id: 'f',
      kind: 'records',
      source: { system: 'dynamics', table: 'contact' },
      target: { system: 'campaign', resource: 'profile' },
      match: { source: 'id', target: 'k' },
      fields: [
        { target: 'a.b', from: ['x'] },
        { target: 'a', from: ['y'] }
      ]
    }
    const flows = pair(flow)
    expect(flows.gen.codegen).toBe(false)
    await expectSame(flows, { id: ID, x: 1, y: 2 })
  })

  it("the same target twice: the later field wins, in the first one's place", async () => {
    const flow: RecordsFlow = {
      id: 'f',
      kind: 'records',
      source: { system: 'dynamics', table: 'contact' },
      target: { system: 'campaign', resource: 'profile' },
      match: { source: 'id', target: 'k' },
      fields: [
        { target: 'a', from: ['x'] },
        { target: 'b', from: ['y'] },
        { target: 'a', from: ['y'], steps: [{ fn: 'trim' }] }
      ]
    }
    const flows = pair(flow)
    expect(flows.gen.codegen).toBe(true)
    await expectSame(flows, { id: ID, x: 1, y: ' 2 ' })
    expect(flows.gen.runSync({ id: ID, x: 1, y: ' 2 ' })).toMatchObject({ target: { a: '2', b: ' 2 ', k: ID } })
  })

  it("a throwing read is one record's error, reported on the right field", async () => {
    const flows = pair({ ...benchFlow, filter: undefined })
    const record: Record<string, unknown> = { ...genRecords(1, 3)[0] }
    Object.defineProperty(record, 'address1_city', {
      enumerable: true,
      get() {
        throw new Error('boom')
      }
    })
    await expectSame(flows, record)
    expect(flows.gen.runSync(record)).toMatchObject({ kind: 'error', field: 'location.city', reason: 'unexpected failure: boom' })
  })

  it('where code generation is refused (a CSP without unsafe-eval), the closures run', () => {
    // Node's --disallow-code-generation-from-strings makes `new Function` throw, as the renderer's CSP does.
    const script = `
      const { compileFlow } = require(${JSON.stringify(join(root, 'src/shared/mapping/compile.ts'))})
      const { codegenAvailable } = require(${JSON.stringify(join(root, 'src/shared/mapping/compile-codegen.ts'))})
      const { flow, target, genRecords } = require(${JSON.stringify(join(root, 'bench/engine/flow.ts'))})
      const { dynamicsContact } = require(${JSON.stringify(join(root, 'tests/support/schema-examples.ts'))})
      const auto = compileFlow(flow, { source: dynamicsContact, target })
      const never = compileFlow(flow, { source: dynamicsContact, target, codegen: 'never' })
      const records = genRecords(200, 5)
      const same = records.every((r) => JSON.stringify(auto.runSync(r)) === JSON.stringify(never.runSync(r)))
      console.log(JSON.stringify({ available: codegenAvailable(), codegen: auto.codegen, same, first: auto.runSync(records[0]).kind }))
    `
    const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--import', 'tsx', '-e', script], {
      cwd: root,
      encoding: 'utf8'
    })
    expect(child.stderr).toBe('')
    expect(JSON.parse(child.stdout.trim().split('\n').pop()!)).toEqual({ available: false, codegen: false, same: true, first: 'ok' })
  })
})
