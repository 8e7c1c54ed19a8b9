import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  mappingJsonSchema,
  newDocument,
  parseDocumentText,
  serializeDocument,
  validateDocument
} from '../../src/shared/mapping/document-io'
import { formatProblem } from '../../src/shared/problems'

const fixtures = join(__dirname, '../fixtures/mappings')
const read = (kind: 'good' | 'broken', name: string) => readFileSync(join(fixtures, kind, name), 'utf8')
const messages = (text: string) => {
  const result = parseDocumentText(text)
  if (result.ok) throw new Error('expected problems')
  return result.problems.map(formatProblem)
}

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)])
    )
  }
  return value
}

describe('good mapping files', () => {
  const files = readdirSync(join(fixtures, 'good'))
  it('has fixtures for every flow kind', () => {
    const kinds = new Set(files.flatMap((file) => JSON.parse(read('good', file)).flows.map((flow: { kind: string }) => flow.kind)))
    expect([...kinds].sort()).toEqual(['events', 'optOut', 'records'])
  })

  for (const file of files) {
    it(`${file} is valid and survives a save and a reopen byte for byte`, () => {
      const result = parseDocumentText(read('good', file))
      expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([])
      if (!result.ok) return
      const text = serializeDocument(result.document)
      const again = parseDocumentText(text)
      expect(again.ok).toBe(true)
      if (again.ok) expect(serializeDocument(again.document)).toBe(text)
      expect(again.ok && again.document).toEqual(result.document)
    })

    it(`${file} is written with keys in a fixed order, whatever order they were read in`, () => {
      const value = JSON.parse(read('good', file))
      const shuffled = validateDocument(reverseKeys(value))
      const straight = validateDocument(value)
      expect(shuffled.ok && straight.ok).toBe(true)
      if (shuffled.ok && straight.ok) expect(serializeDocument(shuffled.document)).toBe(serializeDocument(straight.document))
    })
  }

  it('exports pretty JSON starting with the format, ending with a newline', () => {
    const text = serializeDocument(newDocument('Contoso'))
    expect(text.split('\n')[1]).toBe('  "format": "sync-studio/mapping@1",')
    expect(text.endsWith('}\n')).toBe(true)
  })
})

describe('broken mapping files', () => {
  it('names the misspelt transform, its JSON path, and the likely fix', () => {
    expect(messages(read('broken', 'misspelt-transform.json'))).toEqual([
      'flows[0].fields[3].steps[1].fn: unknown transform "lowr" — did you mean "lower"?'
    ])
  })

  it('reports every problem at once, each at its path', () => {
    expect(messages(read('broken', 'many-problems.json'))).toEqual([
      'name: must not be empty',
      'flows[0].match.target: missing — add a string',
      'flows[0].filter.all[0].op: unknown filter operator "equals" — use one of: "eq", "ne", "gt", "ge", "lt", "le", "contains", "startsWith", "endsWith", "in", "notIn", "null", "notNull", "lastXDays", "between"',
      'flows[0].fields[0].form: unknown key "form" — did you mean "from"?',
      'flows[0].fields[1].steps[0].length: expected number, found string "10"',
      'flows[0].sync.mode: "sometimes" is not allowed — use one of: "incremental", "full"',
      'flows[1].kind: unknown flow kind "mirror" — use one of: "records", "events", "optOut"',
      'flows[0].fields[0].from: "email" has no source field — add one to "from", or start the steps with "constant" or "expression"',
      'flows[0].fields[1].target: "email" is already mapped by fields[0] — a target field takes one mapping; remove one or combine the sources with a "join" or "coalesce" step',
      'flows[1].id: flow id "contacts" is already used by flows[0] — give each flow its own id',
      'layout.ghost: layout for unknown flow "ghost" — rename it to a flow id or remove it'
    ])
  })

  it('gives the line and column of a JSON syntax error', () => {
    expect(messages(read('broken', 'not-json.json'))).toEqual([
      "(document): not valid JSON at line 4, column 3: Expected ',' or '}' after property value — fix the syntax (a missing comma or quote is the usual cause)"
    ])
  })

  it('refuses a file of another format version and says what to do', () => {
    expect(messages(read('broken', 'future-format.json'))[0]).toMatch(/^format: this file is "sync-studio\/mapping@2".*update Sync Studio$/)
  })

  it('refuses a secret in a mapping file and says where credentials belong', () => {
    expect(messages(read('broken', 'secret-key.json'))).toEqual([
      'connections.clientSecret: unknown key "clientSecret" — remove it: mapping files never hold secrets; credentials belong in the connection profile, stored encrypted on each machine'
    ])
  })

  it('rejects values that are not documents at all', () => {
    expect(messages('[]')).toEqual(['(document): expected object, found a list'])
    expect(messages('null')).toEqual(['(document): expected object, found null'])
  })
})

describe('published JSON Schema', () => {
  it('docs/mapping.schema.json is the one generated from the zod schema (npm run schema:json updates it)', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../docs/mapping.schema.json'), 'utf8'))
    expect(published).toEqual(mappingJsonSchema())
  })

  it('lists every transform so editors can complete step names', () => {
    const text = JSON.stringify(mappingJsonSchema())
    for (const fn of ['trim', 'valueMap', 'formatDate', 'expression']) expect(text).toContain(`"const":"${fn}"`)
  })
})
