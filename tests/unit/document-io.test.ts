import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOCUMENT_FORMAT, type MappingDocument } from '../../src/shared/mapping/document'
import {
  mappingJsonSchema,
  newDocument,
  parseDocumentText,
  serializeDocument,
  validateDocument
} from '../../src/shared/mapping/document-io'
import { formatProblem } from '../../src/shared/problems'

/**
 * Opening, checking and saving a mapping file: what comes back for a good file (the same
 * document, the same bytes), and for a bad one (every problem once, at its place).
 */

const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')
const base = () => JSON.parse(good) as Record<string, any>
const messages = (text: string) => {
  const result = parseDocumentText(text)
  return result.ok ? [] : result.problems.map(formatProblem)
}
const problemsOf = (value: unknown) => {
  const result = validateDocument(value)
  return result.ok ? [] : result.problems.map(formatProblem)
}

describe('opening a file', () => {
  it('a byte-order mark (Windows editors write one) is not part of the document', () => {
    const plain = parseDocumentText(good)
    const withBom = parseDocumentText(`\uFEFF${good}`)
    expect(withBom.ok).toBe(true)
    expect(withBom).toEqual(plain)
  })

  it('a UTF-16 file (with or without its byte-order mark) is named as such, with what to do', () => {
    // What a UTF-8 read makes of UTF-16 bytes, little- and big-endian.
    for (const encoding of ['utf16le', 'utf16be'] as const)
      for (const bom of ['\uFEFF', '']) {
        const bytes = Buffer.from(`${bom}${good}`, 'utf16le')
        if (encoding === 'utf16be') bytes.swap16()
        expect(messages(bytes.toString('utf8')), `${encoding}${bom ? ' with BOM' : ''}`).toEqual([
          '(document): the file is UTF-16 text (every other byte is zero), and a mapping file is UTF-8 — save it again as UTF-8'
        ])
      }
  })

  it('syntax errors say where, in words', () => {
    expect(messages('{"a":1,}')).toEqual([
      '(document): not valid JSON at line 1, column 8: Expected double-quoted property name — fix the syntax (a missing comma or quote is the usual cause)'
    ])
    expect(messages('{\n  "name": "abc\n}')).toEqual([
      '(document): not valid JSON at line 2, column 15: Bad control character in string literal — fix the syntax (a missing comma or quote is the usual cause)'
    ])
    expect(messages('{\n  "name": ')).toEqual([
      '(document): not valid JSON at line 2, column 11: a value is expected (a comma before "]" is not allowed) — fix the syntax (a missing comma or quote is the usual cause)'
    ])
    expect(messages('')).toEqual([
      '(document): the file is empty — a mapping file is a JSON object starting with { "format": "sync-studio/mapping@1" }'
    ])
  })

  it('a comma before "]" and a comment, which JSON.parse names without a place, get their place and words', () => {
    expect(messages('{"flows": [1,]}')).toEqual([
      '(document): not valid JSON at line 1, column 14: a value is expected (a comma before "]" is not allowed) — fix the syntax (a missing comma or quote is the usual cause)'
    ])
    expect(messages('{"flows": [\n  /* contacts */ 1]}')).toEqual([
      '(document): not valid JSON at line 2, column 3: comments are not allowed in JSON — fix the syntax (a missing comma or quote is the usual cause)'
    ])
  })

  it("only a leading byte-order mark is dropped: one inside a value is the user's text", () => {
    const named = parseDocumentText(JSON.stringify({ ...base(), name: 'Contoso\uFEFF contacts' }))
    expect(named.ok && named.document.name).toBe('Contoso\uFEFF contacts')
  })

  it('a file that is not a JSON object, or whose format is not text, gets its shape problem', () => {
    expect(messages('null')).toEqual(['(document): expected object, found null'])
    expect(messages('[]')).toEqual(['(document): expected object, found a list'])
    expect(messages(JSON.stringify({ ...base(), format: 1 }))).toEqual(['format: expected "sync-studio/mapping@1", found number 1'])
  })

  it('what stops a file from opening is an error, not a warning', () => {
    for (const text of ['', '{"a":1,}', '{"flows": [1,]}', JSON.stringify({ format: 'sync-studio/mapping@0' }), 'null']) {
      const result = parseDocumentText(text)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.problems.map((p) => p.severity)).toEqual(result.problems.map(() => 'error'))
    }
  })

  it('a file of another Sync Studio version is refused before anything else is checked', () => {
    expect(messages(JSON.stringify({ format: 'sync-studio/mapping@0', name: '' }))).toEqual([
      'format: this file is "sync-studio/mapping@0", and this version of Sync Studio reads "sync-studio/mapping@1" — open it with the version that wrote it, or update Sync Studio'
    ])
  })

  it('a file of some other format gets the shape problems', () => {
    expect(messages(JSON.stringify({ ...base(), format: 'other/thing@1' }))).toEqual([
      'format: "other/thing@1" is not allowed — use one of: "sync-studio/mapping@1"'
    ])
    expect(messages('"text"')).toEqual(['(document): expected object, found string "text"'])
  })

  it('a file over the size limit is refused by its size', () => {
    expect(messages(`${good}${' '.repeat(5_000_001)}`)[0]).toMatch(/^\(document\): the file is 5,00\d,\d{3} characters long/)
  })
})

describe('checking a document', () => {
  it('a value with a policy problem is not also reported by its shape', () => {
    const doc = base()
    doc.flows[0].kind = 'C:\\Users\\anna'
    expect(problemsOf(doc)).toEqual([
      'flows[0].kind: this text looks like a Windows path — remove it: a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere'
    ])
  })

  it('reports limits and policy, then shape, then rules across the document', () => {
    const doc = base()
    doc.description = 'see /home/anna/x'
    doc.name = ''
    doc.flows.push({ ...doc.flows[0] })
    expect(problemsOf(doc)).toEqual([
      'description: this text looks like a path on this machine — remove it: a mapping file is shared between machines and never holds a path of this one — name a connection, or keep the file elsewhere',
      'name: must not be empty',
      'flows[1].id: flow id "contacts" is already used by flows[0] — give each flow its own id'
    ])
  })

  it('step arguments are checked once the shape is right, after the other problems', () => {
    const doc = base()
    doc.flows[0].fields[0].steps = [{ fn: 'expression', expr: '$uppercase(' }]
    expect(problemsOf(doc)).toEqual([expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.expr: .*JSONata/)])
    doc.name = ''
    expect(problemsOf(doc)).toEqual(['name: must not be empty'])
    doc.name = 'ok'
    doc.flows[0].fields.push({ target: 'email', from: ['emailaddress2'] })
    expect(problemsOf(doc)).toEqual([
      expect.stringMatching(/^flows\[0\]\.fields\[\d+\]\.target: "email" is already mapped by fields\[0\]/),
      expect.stringMatching(/^flows\[0\]\.fields\[0\]\.steps\[0\]\.expr: /)
    ])
  })

  it('a misspelt key anywhere in the format gets its did-you-mean', () => {
    const doc = base()
    doc.flows[0].match.identificationKy = true
    doc.flows[0].deletes = { applySourceDeletes: true, deleteWhenFilteredOt: false }
    expect(problemsOf(doc)).toEqual([
      'flows[0].match.identificationKy: unknown key "identificationKy" — did you mean "identificationKey"?',
      'flows[0].deletes.deleteWhenFilteredOut: missing — add a boolean',
      'flows[0].deletes.deleteWhenFilteredOt: unknown key "deleteWhenFilteredOt" — did you mean "deleteWhenFilteredOut"?'
    ])
  })
})

describe('saving', () => {
  const withLayout = (): MappingDocument => {
    const doc = JSON.parse(good) as MappingDocument
    return {
      ...doc,
      layout: {
        zeta: { nodes: { b: [1, 2], a: [3, 4], B: [5, 6] } },
        alpha: { nodes: {}, viewport: { x: 0, y: 0, zoom: 1 } }
      }
    }
  }

  it('sorts the layout by flow and node, so moving a node changes one line', () => {
    const text = serializeDocument(withLayout())
    const layout = JSON.parse(text).layout
    expect(Object.keys(layout)).toEqual(['alpha', 'zeta'])
    expect(Object.keys(layout.zeta.nodes)).toEqual(['B', 'a', 'b'])
    expect(layout.alpha).toEqual({ nodes: {}, viewport: { x: 0, y: 0, zoom: 1 } })
  })

  it('a document without a layout is written without one', () => {
    const { layout: _layout, ...doc } = JSON.parse(good)
    expect(serializeDocument(doc)).not.toContain('"layout"')
    expect(JSON.parse(serializeDocument(doc))).toEqual(doc)
  })

  it('refuses to write a document that is not one', () => {
    expect(() => serializeDocument({ ...newDocument(), format: 'x' } as unknown as MappingDocument)).toThrow()
  })

  it('a new document is empty, named, and uses the built-in sandbox connections', () => {
    expect(newDocument()).toEqual({
      format: DOCUMENT_FORMAT,
      name: 'Untitled mapping',
      connections: { dynamics: 'Sandbox', campaign: 'Sandbox' },
      flows: []
    })
    expect(newDocument('Contoso').name).toBe('Contoso')
    expect(validateDocument(newDocument()).ok).toBe(true)
  })

  it('the published JSON Schema names itself and the format', () => {
    const schema = mappingJsonSchema()
    expect(schema.$id).toBe('https://sync-studio.dev/schema/mapping-1.json')
    expect(schema.title).toBe('Sync Studio mapping document (sync-studio/mapping@1)')
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
  })
})
