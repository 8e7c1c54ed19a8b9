import { describe, expect, it } from 'vitest'
import { crossCheckDocument, DOCUMENT_FORMAT, RecordsFlow } from '../../src/shared/mapping/document'
import { formatProblem } from '../../src/shared/problems'

/**
 * The document's rules that span several of its parts (flow ids, one mapping per target field,
 * a source for every field, layouts of existing flows). They read a hand-edited file tolerantly,
 * so they are reported together with the shape problems, not after those are fixed.
 */

const lines = (input: unknown) => crossCheckDocument(input).map(formatProblem)
const records = (id: string, fields: unknown[]) => ({ id, kind: 'records', fields })

describe('flow ids', () => {
  it('each flow has its own id; the first use keeps it', () => {
    expect(lines({ flows: [records('a', []), records('b', []), records('a', []), records('a', [])] })).toEqual([
      'flows[2].id: flow id "a" is already used by flows[0] — give each flow its own id',
      'flows[3].id: flow id "a" is already used by flows[0] — give each flow its own id'
    ])
  })

  it('ids are letters, digits, "-" and "_", starting with a letter, 64 at most', () => {
    const id = (value: string) => RecordsFlow.shape.id.safeParse(value).success
    expect(id('contacts')).toBe(true)
    expect(id('Contacts_2-b')).toBe(true)
    expect(id(`a${'b'.repeat(63)}`)).toBe(true)
    expect(id(`a${'b'.repeat(64)}`)).toBe(false)
    expect(id('2contacts')).toBe(false)
    expect(id('_contacts')).toBe(false)
    expect(id('con tacts')).toBe(false)
    expect(id('contacts.x')).toBe(false)
    expect(id('')).toBe(false)
  })
})

describe('field mappings', () => {
  it('a target field takes one mapping, in each flow separately', () => {
    const email = { target: 'email', from: ['emailaddress1'] }
    expect(lines({ flows: [records('a', [email, { target: 'x', from: ['y'] }, email]), records('b', [email])] })).toEqual([
      'flows[0].fields[2].target: "email" is already mapped by fields[0] — a target field takes one mapping; remove one or combine the sources with a "join" or "coalesce" step'
    ])
  })

  it('a mapping needs a source field, unless its first step makes the value', () => {
    expect(
      lines({
        flows: [
          records('a', [
            { target: 'a' },
            { target: 'b', from: [] },
            { target: 'c', steps: [{ fn: 'constant', value: 1 }] },
            { target: 'd', steps: [{ fn: 'expression', expr: '1' }] },
            { target: 'e', steps: [{ fn: 'trim' }, { fn: 'constant', value: 1 }] },
            { steps: [] },
            { target: 'f', from: 'x' }
          ])
        ]
      })
    ).toEqual([
      'flows[0].fields[0].from: "a" has no source field — add one to "from", or start the steps with "constant" or "expression"',
      'flows[0].fields[1].from: "b" has no source field — add one to "from", or start the steps with "constant" or "expression"',
      'flows[0].fields[4].from: "e" has no source field — add one to "from", or start the steps with "constant" or "expression"',
      'flows[0].fields[5].from: "this field" has no source field — add one to "from", or start the steps with "constant" or "expression"'
    ])
  })

  it('opt-out flows pair fields instead, and anything not a flow or a field is left to the shape check', () => {
    expect(lines({ flows: [{ id: 'o', kind: 'optOut', fields: [{ target: 'a' }] }] })).toEqual([])
    expect(lines({ flows: [null, 3, records('a', [null, 'x', { target: 'a', from: ['b'], steps: [null] }])] })).toEqual([])
    expect(lines({ flows: [{ id: 'a', kind: 'records', fields: 'x' }, { id: 7 }, { id: 7 }] })).toEqual([])
    expect(lines({ flows: 'x' })).toEqual([])
    expect(lines(null)).toEqual([])
  })
})

describe('layouts', () => {
  it('a layout belongs to a flow of the document', () => {
    expect(lines({ flows: [records('a', [])], layout: { a: {}, ghost: {} } })).toEqual([
      'layout.ghost: layout for unknown flow "ghost" — rename it to a flow id or remove it'
    ])
    expect(lines({ format: DOCUMENT_FORMAT, flows: [], layout: 'x' })).toEqual([])
    expect(lines({ flows: [], layout: null })).toEqual([])
  })
})
