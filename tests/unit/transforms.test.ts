import { describe, expect, it } from 'vitest'
import { compileFlow, FlowCompileError } from '../../src/shared/mapping/compile'
import { ExpressionStopped } from '../../src/shared/mapping/transforms/runtime'
import { campaignProfile, dynamicsContact } from '../support/schema-examples'
import { applySteps as apply, CONTACT_ID as ID, flowWith, stepError as error, stepValue as value } from '../support/run-steps'

describe('text steps', () => {
  it('trim, lower, upper keep null and convert scalars', async () => {
    expect(await value([{ fn: 'trim' }], '  a b  ')).toBe('a b')
    expect(await value([{ fn: 'trim' }], null)).toBe(null)
    expect(await value([{ fn: 'trim' }], undefined)).toBe(null)
    expect(await value([{ fn: 'lower' }], 'ÉCOLE')).toBe('école')
    expect(await value([{ fn: 'upper' }], 'straße')).toBe('STRASSE')
    expect(await value([{ fn: 'upper' }], 42)).toBe('42')
  })
  it('titleCase handles apostrophes, hyphens and non-Latin letters', async () => {
    expect(await value([{ fn: 'titleCase' }], "o'BRIEN-smith")).toBe("O'Brien-Smith")
    expect(await value([{ fn: 'titleCase' }], 'émilie du châtelet')).toBe('Émilie Du Châtelet')
    expect(await value([{ fn: 'titleCase' }], '')).toBe('')
  })
  it('join skips empty parts and gives null when all are empty', async () => {
    const flow = flowWith('full', ['firstname', 'lastname'], [{ fn: 'join', separator: ' ' }])
    const c = compileFlow(flow)
    const get = (r: Record<string, unknown>) => {
      const res = c.runSync({ contactid: ID, ...r })
      return res.kind === 'ok' ? res.target.full : res
    }
    expect(get({ firstname: 'Anna', lastname: 'Müller' })).toBe('Anna Müller')
    expect(get({ firstname: '', lastname: 'Müller' })).toBe('Müller')
    expect(get({ firstname: null, lastname: undefined })).toBe(null)
  })
  it('a text step refuses several uncombined values', async () => {
    const c = compileFlow(flowWith('out', ['a', 'b'], [{ fn: 'trim' }]))
    const r = c.runSync({ contactid: ID, a: 'x', b: 'y' })
    expect(r.kind).toBe('error')
    if (r.kind === 'error') expect(r.reason).toMatch(/join.*coalesce/)
  })
  it('split and substring, by code point', async () => {
    expect(await value([{ fn: 'split', separator: '@', index: -1 }], 'a@b@c.com')).toBe('c.com')
    expect(await value([{ fn: 'split', separator: '@', index: 5 }], 'a@b')).toBe(null)
    expect(await value([{ fn: 'substring', start: 1, length: 2 }], '😀ab😀')).toBe('ab')
    expect(await value([{ fn: 'substring', start: 0, length: 1 }], '😀x')).toBe('😀')
  })
  it('pad on either side', async () => {
    expect(await value([{ fn: 'pad', length: 5, char: '0' }], 42)).toBe('00042')
    expect(await value([{ fn: 'pad', length: 4, side: 'end', char: '.' }], 'ab')).toBe('ab..')
  })
  it('truncate cuts with a warning, never inside a surrogate pair, and uses the target length', async () => {
    const r = await apply([{ fn: 'truncate', length: 3 }], 'abcdef')
    expect(r).toMatchObject({ value: 'abc', warnings: [{ field: 'out', step: 0, message: 'cut from 6 to 3 characters' }] })
    // Characters, as Campaign counts them (no target here): the emoji is one, kept whole.
    expect(await value([{ fn: 'truncate', length: 2 }], 'a😀b')).toBe('a😀')
    expect(await value([{ fn: 'truncate' }], 'x'.repeat(40), { target: 'firstName', targetTable: campaignProfile })).toBe('x'.repeat(30))
    const unchanged = await apply([{ fn: 'truncate', length: 10 }], 'short')
    expect(unchanged).toMatchObject({ value: 'short', warnings: [] })
  })
  it('truncate without a known length is refused when compiling', () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'truncate' }]))).toThrow(FlowCompileError)
  })
})

describe('replace', () => {
  it('replaces every match by default and supports groups', async () => {
    expect(await value([{ fn: 'replace', pattern: '\\s+', replacement: ' ' }], 'a   b \t c')).toBe('a b c')
    expect(await value([{ fn: 'replace', pattern: '(\\d{3})(\\d+)', replacement: '$1-$2', flags: '' }], 'x1234567')).toBe('x123-4567')
  })
  it('runs patterns that backtrack catastrophically elsewhere in linear time', async () => {
    // (a|aa)+b on a long run of "a" takes exponential time on a backtracking engine.
    for (const pattern of ['(a|aa)+b', '(a+)+$', '(x*)*y', '([a-z]+)*@']) {
      const started = Date.now()
      expect(
        await value(
          [
            { fn: 'pad', length: 9000, char: 'a' },
            { fn: 'replace', pattern, replacement: '-' }
          ],
          'a'
        )
      ).toMatch(/^[a-]+$/)
      expect(Date.now() - started).toBeLessThan(2000)
    }
  })
  it("keeps JavaScript's flags and replacement syntax", async () => {
    expect(await value([{ fn: 'replace', pattern: 'A', replacement: 'x', flags: 'i' }], 'aAa')).toBe('aAa'.replace(/A/i, 'x'))
    expect(await value([{ fn: 'replace', pattern: '(?<user>\\w+)@(\\w+)', replacement: '$2/$<user>/$&', flags: 'g' }], 'ab@cd')).toBe(
      'cd/ab/ab@cd'
    )
    expect(await value([{ fn: 'replace', pattern: '^b', replacement: 'x', flags: 'gm' }], 'a\nb')).toBe('a\nx')
  })
  it('refuses what the linear-time engine cannot run and invalid patterns at compile time, with the step path', () => {
    const cases: Array<[string, RegExp]> = [
      ['a(?=b)', /look-ahead/],
      ['(?<!x)a', /look-ahead and look-behind/],
      ['(a)\\1', /back-references/],
      ['(?<n>a)\\k<n>', /back-references/],
      ['(', /not a valid regular expression/]
    ]
    for (const [pattern, message] of cases) {
      try {
        compileFlow(flowWith('out', ['x'], [{ fn: 'trim' }, { fn: 'replace', pattern, replacement: '' }]))
        throw new Error(`expected a compile error for ${pattern}`)
      } catch (e) {
        expect(e).toBeInstanceOf(FlowCompileError)
        expect((e as FlowCompileError).problems[0].path).toEqual(['flows', 0, 'fields', 0, 'steps', 1, 'pattern'])
        expect((e as FlowCompileError).problems[0].message).toMatch(message)
      }
    }
  })
  it('caps the input length', async () => {
    const r = await error([{ fn: 'replace', pattern: 'a', replacement: 'b' }], 'a'.repeat(20_000))
    expect(r.reason).toMatch(/at most 10000/)
  })
})

describe('values', () => {
  it('default, coalesce, constant', async () => {
    expect(await value([{ fn: 'default', value: 'n/a' }], '')).toBe('n/a')
    expect(await value([{ fn: 'default', value: 'n/a' }], 'x')).toBe('x')
    expect(await value([{ fn: 'constant', value: 7 }], 'ignored')).toBe(7)
    const c = compileFlow(flowWith('out', ['a', 'b', 'c'], [{ fn: 'coalesce' }]))
    const r = c.runSync({ contactid: ID, a: '', b: null, c: 'third' })
    expect(r.kind === 'ok' && r.target.out).toBe('third')
  })
  it('valueMap matches numbers, booleans and loose text, then otherwise / keepUnmatched / error', async () => {
    const map = { '1': 'male', '2': 'female', true: 'yes', ' Gold ': 'gold' }
    expect(await value([{ fn: 'valueMap', map }], 1)).toBe('male')
    expect(await value([{ fn: 'valueMap', map }], '2')).toBe('female')
    expect(await value([{ fn: 'valueMap', map }], true)).toBe('yes')
    expect(await value([{ fn: 'valueMap', map }], 'GOLD')).toBe('gold')
    expect(await value([{ fn: 'valueMap', map, otherwise: 'unknown' }], 3)).toBe('unknown')
    expect(await value([{ fn: 'valueMap', map, otherwise: 'unknown' }], null)).toBe('unknown')
    expect(await value([{ fn: 'valueMap', map, keepUnmatched: true }], 3)).toBe(3)
    expect(await value([{ fn: 'valueMap', map }], null)).toBe(null)
    const r = await error([{ fn: 'valueMap', map }], 3)
    expect(r).toMatchObject({ field: 'out', step: 0, input: 3 })
    expect(r.reason).toMatch(/no replacement for 3/)
    expect(await value([{ fn: 'valueMap', map: { '': 'empty' } }], null)).toBe('empty')
  })
})

describe('numbers and booleans', () => {
  it('parseNumber reads both separators and refuses garbage', async () => {
    expect(await value([{ fn: 'parseNumber' }], '1,234.5')).toBe(1234.5)
    expect(await value([{ fn: 'parseNumber', decimalSeparator: ',' }], '1.234,5')).toBe(1234.5)
    expect(await value([{ fn: 'parseNumber' }], ' 12 000 ')).toBe(12000)
    expect(await value([{ fn: 'parseNumber' }], '')).toBe(null)
    expect(await value([{ fn: 'parseNumber' }], 3.5)).toBe(3.5)
    expect((await error([{ fn: 'parseNumber' }], '1,5')).reason).toMatch(/not a number/)
    expect((await error([{ fn: 'parseNumber' }], 'abc')).reason).toMatch(/not a number/)
  })
  it('formatNumber', async () => {
    expect(await value([{ fn: 'formatNumber', decimals: 2, decimalSeparator: ',' }], 1234.5)).toBe('1234,50')
    expect(await value([{ fn: 'formatNumber' }], null)).toBe(null)
  })
  it('toBoolean and booleanToText', async () => {
    expect(await value([{ fn: 'toBoolean' }], 'Yes')).toBe(true)
    expect(await value([{ fn: 'toBoolean' }], 0)).toBe(false)
    expect(await value([{ fn: 'toBoolean' }], '')).toBe(null)
    expect(await value([{ fn: 'toBoolean', trueValues: ['ja'], falseValues: ['nein'] }], 'JA')).toBe(true)
    expect((await error([{ fn: 'toBoolean' }], 'maybe')).reason).toMatch(/neither true/)
    expect(await value([{ fn: 'booleanToText', whenTrue: 'Do Not Allow', whenFalse: 'Allow' }], true)).toBe('Do Not Allow')
    expect(await value([{ fn: 'booleanToText', whenTrue: 1, whenFalse: 0 }], 'no')).toBe(0)
  })
})

describe('dates', () => {
  it('formatDate: Dynamics UTC date-times and date-only columns to Campaign forms', async () => {
    expect(await value([{ fn: 'formatDate', format: 'date' }], '2023-04-07T21:59:01Z')).toBe('2023-04-07')
    expect(await value([{ fn: 'formatDate', format: 'date', zone: 'Europe/Berlin' }], '2023-04-07T22:30:00Z')).toBe('2023-04-08')
    expect(await value([{ fn: 'formatDate', format: 'date', zone: 'America/New_York' }], '1980-10-24')).toBe('1980-10-24')
    expect(await value([{ fn: 'formatDate', format: 'dateTime' }], '2023-04-07T21:59:01Z')).toBe('2023-04-07 21:59:01.000Z')
    expect(await value([{ fn: 'formatDate', format: 'dateTime' }], '2023-04-07T23:59:01+02:00')).toBe('2023-04-07 21:59:01.000Z')
    expect(await value([{ fn: 'formatDate', format: 'iso' }], '2019-09-25 23:20:35.000Z')).toBe('2019-09-25T23:20:35.000Z')
    expect(await value([{ fn: 'formatDate', format: 'dd.MM.yyyy' }], '1980-10-24')).toBe('24.10.1980')
  })
  it('parseDate with formats and zones', async () => {
    expect(await value([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], '24/10/1980')).toBe('1980-10-24')
    expect(await value([{ fn: 'parseDate', format: 'dd/MM/yyyy HH:mm', zone: 'Europe/Paris' }], '01/07/2024 10:00')).toBe(
      '2024-07-01T08:00:00.000Z'
    )
    expect(await value([{ fn: 'parseDate', zone: 'Europe/Paris' }], '2024-01-01T10:00')).toBe('2024-01-01T09:00:00.000Z')
    expect(await value([{ fn: 'parseDate' }], '2024-02-29')).toBe('2024-02-29')
  })
  it('malformed dates fail the record with the input', async () => {
    for (const bad of ['2023-02-29', '2023-13-01', 'yesterday', '2023-04-07T25:00:00Z']) {
      const r = await error([{ fn: 'formatDate', format: 'date' }], bad)
      expect(r.input).toBe(bad)
      expect(r.reason).toMatch(/not a date/)
    }
    expect((await error([{ fn: 'parseDate', format: 'dd/MM/yyyy' }], '31/02/2024')).reason).toMatch(/does not match/)
  })
  it('refuses unknown time zones when compiling', () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'formatDate', format: 'date', zone: 'Mars/Olympus' }]))).toThrow(
      /not a time zone/
    )
  })
})

describe('options', () => {
  it('optionLabel reads the source options; optionValue the target enumeration', async () => {
    expect(await value([{ fn: 'optionLabel' }], 2, { from: 'gendercode', source: dynamicsContact })).toBe('Female')
    expect(await value([{ fn: 'optionLabel' }], true, { from: 'donotbulkemail', source: dynamicsContact })).toBe('Do Not Allow')
    expect((await error([{ fn: 'optionLabel' }], 9, { from: 'gendercode', source: dynamicsContact })).reason).toMatch(/not an option/)
    expect(await value([{ fn: 'optionLabel' }], '100000000,100000002', { from: 'new_interests', source: dynamicsContact })).toBe(
      'Sports; Music'
    )
    expect(
      await value([{ fn: 'optionLabel' }, { fn: 'optionValue' }], 1, {
        from: 'gendercode',
        source: dynamicsContact,
        target: 'gender',
        targetTable: campaignProfile
      })
    ).toBe('male')
    expect(await value([{ fn: 'optionValue', values: { Gold: 3 } }], ' gold ')).toBe(3)
  })
  it('without options or labels, compiling fails', () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'optionLabel' }]))).toThrow(/give "labels"/)
  })
})

describe('email and phone', () => {
  it('normalises and validates addresses', async () => {
    expect(await value([{ fn: 'email' }], '  Anna.Muller@Example.COM ')).toBe('Anna.Muller@example.com')
    expect(await value([{ fn: 'email' }], 'jörg@bücher.de')).toBe('jörg@bücher.de')
    expect(await value([{ fn: 'email' }], '')).toBe(null)
    for (const bad of ['anna', 'anna@', '@example.com', 'a b@example.com', 'anna@example', 'anna..x@example.com', 'anna@-x.com']) {
      expect((await error([{ fn: 'email' }], bad)).reason).toMatch(/is not an email address/)
    }
    expect(await value([{ fn: 'email', validate: false }], 'not-an-email')).toBe('not-an-email')
  })
  it('phone numbers to E.164, or as typed with a warning', async () => {
    expect(await value([{ fn: 'phone' }], '+49 30 1234567')).toBe('+49301234567')
    expect(await value([{ fn: 'phone', defaultCountry: 'DE' }], '030 1234567')).toBe('+49301234567')
    const r = await apply([{ fn: 'phone' }], '12')
    expect(r).toMatchObject({ value: '12', warnings: [{ message: expect.stringMatching(/not a valid phone number/) }] })
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'phone', defaultCountry: 'ZZ' }]))).toThrow(/country code/)
  })
})

describe('lookup', () => {
  it('reads a column of the expanded related record, polymorphic lookups included', async () => {
    const c = compileFlow(flowWith('cusCompany', ['parentcustomerid'], [{ fn: 'lookup', field: 'name' }]), { source: dynamicsContact })
    const ok = c.runSync({ contactid: ID, _parentcustomerid_value: 'a1', parentcustomerid_account: { name: 'Contoso' } })
    expect(ok.kind === 'ok' && ok.target.cusCompany).toBe('Contoso')
    const none = c.runSync({ contactid: ID, _parentcustomerid_value: null })
    expect(none.kind === 'ok' && none.target.cusCompany).toBe(null)
    const missing = c.runSync({ contactid: ID, _parentcustomerid_value: 'a1' })
    expect(missing.kind).toBe('error')
    if (missing.kind === 'error') expect(missing.reason).toMatch(/expand "parentcustomerid"/)
    expect(c.expansions).toEqual([{ navigation: 'parentcustomerid', column: '_parentcustomerid_value', fields: ['name'] }])
  })
})

describe('expression (JSONata)', () => {
  it('evaluates over the record with $value, asynchronously', async () => {
    const flow = flowWith('out', ['firstname'], [{ fn: 'trim' }, { fn: 'expression', expr: '$uppercase($value) & "/" & lastname' }])
    const c = compileFlow(flow)
    expect(c.isAsync).toBe(true)
    expect(() => c.runSync({ contactid: ID })).toThrow(/asynchronously/)
    const r = await c.run({ contactid: ID, firstname: ' anna ', lastname: 'M' })
    expect(r.kind === 'ok' && r.target.out).toBe('ANNA/M')
  })
  it('a flow without expressions stays synchronous', () => {
    expect(compileFlow(flowWith('out', ['x'], [{ fn: 'trim' }])).isAsync).toBe(false)
  })
  it('syntax errors at compile time; runaway recursion stops the run with the step path instead of failing every record slowly', async () => {
    expect(() => compileFlow(flowWith('out', ['x'], [{ fn: 'expression', expr: '$$$(' }]))).toThrow(/not a valid JSONata/)
    const c = compileFlow(flowWith('out', ['x'], [{ fn: 'expression', expr: '($f := function($n){ $f($n + 1) }; $f(1))' }]))
    const error = await c
      .runAll([
        { contactid: ID, x: 1 },
        { contactid: ID, x: 2 }
      ])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExpressionStopped)
    expect((error as Error).message).toMatch(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.expr: the expression/)
    const failing = await compileFlow(flowWith('out', ['x'], [{ fn: 'expression', expr: '$value + 1' }])).run({ contactid: ID, x: 'a' })
    expect(failing.kind === 'error' && failing.reason).toMatch(/expression failed/)
  })
})
