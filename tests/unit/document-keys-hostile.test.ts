import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDocumentText } from '../../src/shared/mapping/document-io'
import { formatProblem } from '../../src/shared/problems'

/**
 * Keys that a JSON reader keeps silently different from what the file says: a key written
 * twice (JSON.parse keeps the last, the first is lost without a word) and "__proto__" in a
 * table the user fills (a value map's replacements, labels, values), which the schema
 * reader drops — so the document loads "valid" and saving it loses the entry.
 */
const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')

function lines(text: string): string[] {
  const result = parseDocumentText(text)
  return result.ok ? [] : result.problems.map(formatProblem)
}

function withMap(mapText: string): string {
  const doc = JSON.parse(good) as { flows: Array<{ fields: Array<{ steps?: unknown[] }> }> }
  doc.flows[0].fields[0].steps = [{ fn: 'valueMap', map: { a: 'b' } }]
  return JSON.stringify(doc, null, 2).replace(/"map": \{\s*"a": "b"\s*\}/, `"map": ${mapText}`)
}

describe('a key written twice', () => {
  it('in a value map: refused at its line and column, not silently the last one', () => {
    const text = withMap('{ "1": "male", "1": "female" }')
    expect(lines(text)).toContainEqual(
      expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.map: the key "1" is written twice \(line \d+, column \d+\)/)
    )
  })

  it('at the top of the document', () => {
    const text = good.replace('{', '{\n  "name": "first name, silently lost",')
    expect(lines(text)).toContainEqual(expect.stringMatching(/^\(document\): the key "name" is written twice \(line \d+, column \d+\)/))
  })

  it('the same key in two different objects is fine', () => {
    expect(parseDocumentText(good).ok).toBe(true)
  })
})

describe('"__proto__" as a key the user chose', () => {
  it('in a value map: refused at its path, instead of dropped on load (and lost on save)', () => {
    const text = withMap('{ "__proto__": "P", "a": "b" }')
    expect(lines(text)).toContainEqual(
      expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.map\.__proto__: "__proto__" cannot be a key/)
    )
  })

  it('"constructor" and "toString" are ordinary keys of a value map', () => {
    const result = parseDocumentText(withMap('{ "constructor": "C", "toString": "T" }'))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const flow = result.document.flows[0]
    if (!('fields' in flow)) throw new Error('a records flow')
    expect(flow.fields[0].steps?.[0]).toEqual({ fn: 'valueMap', map: { constructor: 'C', toString: 'T' } })
  })
})
