import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { documentLimits, MAX_PROBLEMS } from '../../src/shared/mapping/document-bounds'
import { parseDocumentText, validateDocument } from '../../src/shared/mapping/document-io'
import { formatProblem, type Problem } from '../../src/shared/problems'

/**
 * Hostile and broken documents: every one is answered quickly and with bounded memory, and
 * every problem names its place (a JSON path, or a line and column for syntax).
 */

const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')
const base = () => JSON.parse(good) as Record<string, any>

function problemsOf(text: string): Problem[] {
  const result = parseDocumentText(text)
  if (result.ok) throw new Error('expected problems')
  return result.problems
}
const lines = (problems: Problem[]) => problems.map(formatProblem)

// No wall-clock bound here (house rule: speed is measured in bench/, tests assert behaviour):
// each case shows the bounded path was taken — refused by length, by count or by depth, the
// list capped — and the suite's test timeout (vitest.config.mts) catches a hang.
describe('bounded cost', () => {
  it('a 2 MB unknown transform name: no "did you mean" over it, and the message does not quote it whole', () => {
    const doc = base()
    doc.flows[0].fields[0].steps[0].fn = 'x'.repeat(2_000_000)
    const problems = problemsOf(JSON.stringify(doc))
    expect(problems[0].path).toEqual(['flows', 0, 'fields', 0, 'steps', 0, 'fn'])
    expect(problems[0].message.length).toBeLessThan(300)
  })

  it('a 2 MB unknown key is refused by its length, at its place', () => {
    const doc = base()
    doc.flows[0]['k'.repeat(2_000_000)] = 1
    const problems = problemsOf(JSON.stringify(doc))
    expect(lines(problems)).toEqual([
      `flows[0]: a key of 2,000,000 characters; keys are at most ${documentLimits.keyLength} — remove or rename it`
    ])
  })

  it('100,000 unknown keys: refused by the count, not checked one by one', () => {
    const doc = base()
    for (let i = 0; i < 100_000; i++) doc.flows[0][`extra${i}`] = i
    const problems = problemsOf(JSON.stringify(doc))
    expect(lines(problems)).toEqual(['flows[0]: 100,010 keys in one object; at most 10,000 — a mapping file never needs this many'])
  })

  it('5,000 misspelt keys: every one gets its place, the list is capped and the rest counted', () => {
    const doc = base()
    for (let i = 0; i < 5_000; i++) doc.flows[0][`form${i}`] = i
    const problems = problemsOf(JSON.stringify(doc))
    expect(problems).toHaveLength(MAX_PROBLEMS + 1)
    expect(problems[0].path[0]).toBe('flows')
    expect(problems[MAX_PROBLEMS].message).toMatch(/^…and 4,800 more problems/)
  })

  it('filters nested 100,000 levels deep: refused at the line and column where the limit is crossed (no stack overflow)', () => {
    const depth = 100_000
    const filter = '{"not":'.repeat(depth) + '{"field":"a","op":"null"}' + '}'.repeat(depth)
    const doc = base()
    doc.flows[0].filter = '__FILTER__'
    const text = JSON.stringify(doc).replace('"__FILTER__"', filter)
    const problems = problemsOf(text)
    expect(problems).toHaveLength(1)
    expect(problems[0].message).toMatch(/^nested more than 64 levels deep at line 1, column \d+ — /)
  })

  it('a deep value given directly (document/validate) is refused at its path, without recursion', () => {
    let filter: unknown = { field: 'a', op: 'null' }
    for (let i = 0; i < 50_000; i++) filter = { not: filter }
    const doc = base()
    doc.flows[0].filter = filter
    const result = validateDocument(doc)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.problems).toHaveLength(1)
      expect(result.problems[0].message).toMatch(/nested more than 64 levels deep/)
      expect(result.problems[0].path.slice(0, 3)).toEqual(['flows', 0, 'filter'])
    }
  })

  it('filters nested within the limit still validate', () => {
    let filter: unknown = { field: 'statecode', op: 'eq', value: 0 }
    for (let i = 0; i < 25; i++) filter = { all: [filter] }
    const doc = base()
    doc.flows[0].filter = filter
    expect(validateDocument(doc).ok).toBe(true)
  })

  it('100,000 field mappings: refused by the count with its path', () => {
    const doc = base()
    doc.flows[0].fields = Array.from({ length: 100_000 }, (_, i) => ({ target: `f${i}`, from: ['x'] }))
    expect(lines(problemsOf(JSON.stringify(doc)))).toEqual([
      'flows[0].fields: 100,000 field mappings in one flow; at most 1,000 — split the flow; Campaign resources hold far fewer fields'
    ])
  })

  it('a file over the size limit is refused before it is parsed', () => {
    expect(problemsOf(' '.repeat(documentLimits.textLength + 1))[0].message).toMatch(
      /^the file is 5,000,001 characters long; a mapping file is at most 5,000,000/
    )
  })
})

describe('every bad file gets its place', () => {
  const syntax: Array<[string, string]> = [
    ['{"format": tru}', 'line 1, column 12: unexpected characters'],
    ['{\n  "format": "x",\n}', 'line 3, column 1'],
    ['{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3'],
    ['{"a":\n', 'line 2, column 1'],
    ['[1, 2', 'line 1, column 6']
  ]
  for (const [text, where] of syntax) {
    it(`JSON syntax error in ${JSON.stringify(text)} has a line and column`, () => {
      expect(problemsOf(text)[0].message).toContain(`not valid JSON at ${where}`)
    })
  }

  it('an empty file says so', () => {
    expect(problemsOf('  \n')[0].message).toMatch(/^the file is empty/)
  })

  it('1e400 is named as a number out of range, at its path', () => {
    const text = good.replace('"op": "eq", "value": 0', '"op": "eq", "value": 1e400')
    expect(lines(problemsOf(text))).toEqual([
      'flows[0].filter.all[0].value: this number is out of range (beyond ±1.8e308, so it reads as infinity) — write a smaller number'
    ])
  })

  it('regex, expression and time-zone errors are found by validation, with their paths', () => {
    const doc = base()
    doc.flows[0].fields.push(
      { target: 'a', from: ['x'], steps: [{ fn: 'replace', pattern: '(\\w+)(?=@)', replacement: '' }] },
      { target: 'b', from: ['x'], steps: [{ fn: 'expression', expr: '$uppercase(' }] },
      { target: 'c', from: ['x'], steps: [{ fn: 'trim' }, { fn: 'parseDate', zone: 'Mars/Olympus' }] },
      { target: 'd', from: ['x'], steps: [{ fn: 'replace', pattern: '[', replacement: '' }] }
    )
    const n = doc.flows[0].fields.length
    const problems = problemsOf(JSON.stringify(doc))
    expect(problems.map((p) => p.path)).toEqual([
      ['flows', 0, 'fields', n - 4, 'steps', 0, 'pattern'],
      ['flows', 0, 'fields', n - 3, 'steps', 0, 'expr'],
      ['flows', 0, 'fields', n - 2, 'steps', 1, 'zone'],
      ['flows', 0, 'fields', n - 1, 'steps', 0, 'pattern']
    ])
    expect(problems[0].message).toMatch(/look-ahead/)
    expect(problems[1].message).toMatch(/not a valid JSONata expression/)
    expect(problems[2].message).toMatch(/"Mars\/Olympus" is not a time zone/)
    expect(problems[3].message).toMatch(/not a valid regular expression/)
  })
})

describe('the file policy: no secrets, tokens or machine paths anywhere', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl'
  const cases: Array<[string, (doc: Record<string, any>) => void, string, RegExp]> = [
    [
      'a token in the description',
      (d) => (d.description = `Use ${jwt} to sign in`),
      'description',
      /looks like a token \(a JSON Web Token\) — remove it: mapping files never hold secrets/
    ],
    ['a password in the name', (d) => (d.name = 'Contoso password=Hunter2!'), 'name', /looks like a credential/],
    [
      'an Entra client secret in a constant',
      (d) => d.flows[0].fields.push({ target: 'k', steps: [{ fn: 'constant', value: 'abc8Q~qwertyuiopasdfghjklzxcvbnm123456' }] }),
      'flows[0].fields[9].steps[0].value',
      /Microsoft Entra client secret/
    ],
    [
      'a bearer token in a note',
      (d) => (d.flows[0].fields[0].note = 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123'),
      'flows[0].fields[0].note',
      /bearer token/
    ],
    [
      'a Windows path in the description',
      (d) => (d.description = 'Exported from C:\\Users\\anna\\Desktop\\contoso.json'),
      'description',
      /Windows path — remove it: a mapping file is shared between machines/
    ],
    ['a home folder in a flow name', (d) => (d.flows[0].name = 'see /home/anna/notes.txt'), 'flows[0].name', /a path on this machine/],
    [
      'a file address in a value map',
      (d) => (d.flows[0].fields[3].steps[0].map['3'] = 'file:///etc/passwd'),
      'flows[0].fields[3].steps[0].map["3"]',
      /a file address|a path on this machine/
    ]
  ]
  for (const [what, change, path, message] of cases) {
    it(`refuses ${what}, at its path, without quoting it`, () => {
      const doc = base()
      change(doc)
      const problems = problemsOf(JSON.stringify(doc))
      const line = lines(problems).find((l) => l.startsWith(`${path}: `))
      expect(line, lines(problems).join('\n')).toMatch(message)
      expect(problems.every((p) => !p.message.includes('Hunter2') && !p.message.includes(jwt) && !p.message.includes('qwerty'))).toBe(true)
    })
  }

  it('a secret-like key keeps the advice it had', () => {
    const text = readFileSync(join(__dirname, '../fixtures/mappings/broken/secret-key.json'), 'utf8')
    expect(lines(problemsOf(text))).toContain(
      'connections.clientSecret: unknown key "clientSecret" — remove it: mapping files never hold secrets; credentials belong in the connection profile, stored encrypted on each machine'
    )
  })

  it('ordinary text is not mistaken for a secret or a path', () => {
    const doc = base()
    doc.description =
      'Contacts → profiles; see https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview and docs/sync.md. Ratio 1/2, A/B test, token-based sign-in is configured per machine.'
    doc.flows[0].fields.push({ target: 'k', steps: [{ fn: 'constant', value: 'Yes/No' }] })
    expect(validateDocument(doc)).toMatchObject({ ok: true })
  })
})
