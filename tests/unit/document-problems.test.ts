import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateDocument } from '../../src/shared/mapping/document-io'
import { formatProblem } from '../../src/shared/problems'

/**
 * A hand-edited mapping file with a mistake: each message names the place, says what is wrong
 * in the user's words (not zod's), and what to write instead.
 */

const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')
const base = () => JSON.parse(good) as Record<string, any>
/** The problems of the good file after `change`. */
function problemsAfter(change: (doc: Record<string, any>) => void): string[] {
  const doc = base()
  change(doc)
  const result = validateDocument(doc)
  return result.ok ? [] : result.problems.map(formatProblem)
}
const field = (doc: Record<string, any>, i = 0) => doc.flows[0].fields[i]

describe('missing and mistyped values', () => {
  it('a missing value says what to add, with the right article', () => {
    expect(problemsAfter((d) => delete d.name)).toEqual(['name: missing — add a string'])
    expect(problemsAfter((d) => delete d.flows[0].fields)).toEqual(['flows[0].fields: missing — add an array'])
    expect(problemsAfter((d) => delete d.flows[0].source)).toEqual(['flows[0].source: missing — add an object'])
  })

  it('a value of the wrong type names what was found', () => {
    expect(problemsAfter((d) => (d.name = 42))).toEqual(['name: expected string, found number 42'])
    expect(problemsAfter((d) => (d.name = true))).toEqual(['name: expected string, found boolean true'])
    expect(problemsAfter((d) => (d.name = null))).toEqual(['name: expected string, found null'])
    expect(problemsAfter((d) => (d.name = ['a']))).toEqual(['name: expected string, found a list'])
    expect(problemsAfter((d) => (d.name = { a: 1 }))).toEqual(['name: expected string, found an object'])
    expect(problemsAfter((d) => (field(d).from = 'emailaddress1'))).toEqual([
      'flows[0].fields[0].from: expected array, found string "emailaddress1"'
    ])
  })

  it('a long text is quoted cut short', () => {
    const long = 'x'.repeat(100)
    expect(problemsAfter((d) => (field(d).applyUpdates = long))).toEqual([
      `flows[0].fields[0].applyUpdates: expected boolean, found string "${'x'.repeat(59)}…"`
    ])
  })
})

describe('values out of a fixed list', () => {
  it('a misspelt choice gets a did-you-mean, a far one the whole list, a missing one what to write', () => {
    expect(problemsAfter((d) => (d.flows[0].sync = { mode: 'incremntal' }))).toEqual([
      'flows[0].sync.mode: "incremntal" is not allowed — did you mean "incremental"?'
    ])
    expect(problemsAfter((d) => (d.flows[0].sync = { mode: 'sometimes' }))).toEqual([
      'flows[0].sync.mode: "sometimes" is not allowed — use one of: "incremental", "full"'
    ])
    expect(problemsAfter((d) => (d.flows[0].sync = {}))).toEqual(['flows[0].sync.mode: missing — use "incremental" or "full"'])
  })

  it('a misspelt or missing flow kind, transform or filter operator', () => {
    expect(problemsAfter((d) => (d.flows[0].kind = 'record'))).toEqual([
      'flows[0].kind: unknown flow kind "record" — did you mean "records"?'
    ])
    expect(problemsAfter((d) => delete d.flows[0].kind)).toEqual([
      'flows[0].kind: missing "kind" — use one of: "records", "events", "optOut"'
    ])
    expect(problemsAfter((d) => (field(d).steps[0].fn = 'trm'))).toEqual([
      'flows[0].fields[0].steps[0].fn: unknown transform "trm" — did you mean "trim"?'
    ])
    expect(problemsAfter((d) => (d.flows[0].filter.all[0].op = 'startswith'))).toEqual([
      'flows[0].filter.all[0].op: unknown filter operator "startswith" — did you mean "startsWith"?'
    ])
  })

  it('a value of another type than the fixed ones is named by its type, not read as text', () => {
    expect(problemsAfter((d) => (d.format = 1))).toEqual(['format: expected "sync-studio/mapping@1", found number 1'])
    expect(problemsAfter((d) => (d.format = null))).toEqual(['format: expected "sync-studio/mapping@1", found null'])
    expect(problemsAfter((d) => (d.flows[0].sync = { mode: ['full'] }))).toEqual([
      'flows[0].sync.mode: expected "incremental" or "full", found a list'
    ])
  })

  it('a system that is not the one the flow kind reads is named', () => {
    expect(problemsAfter((d) => (d.flows[0].source.system = 'campaign'))).toEqual([
      'flows[0].source.system: "campaign" is not allowed — use one of: "dynamics"'
    ])
  })
})

describe('keys the format does not know', () => {
  it('a misspelt key gets the key it was meant to be; an unknown one is to be removed', () => {
    expect(problemsAfter((d) => (field(d).tagret = 'x'))).toEqual([
      'flows[0].fields[0].tagret: unknown key "tagret" — did you mean "target"?'
    ])
    expect(problemsAfter((d) => (field(d).colour = 'red'))).toEqual([
      'flows[0].fields[0].colour: unknown key "colour" — remove it (mapping files hold only documented keys)'
    ])
  })

  it('did-you-mean suggests only what this place takes, not a key from elsewhere in the format', () => {
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'eq', vlaue: 1 }))).toEqual([
      'flows[0].filter.all[0].value: missing — add a string',
      'flows[0].filter.all[0].vlaue: unknown key "vlaue" — did you mean "value"?'
    ])
    // "name" is a flow's key, not a condition's: nothing is suggested for "names" there.
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'null', names: 'x' }))).toEqual([
      'flows[0].filter.all[0].names: unknown key "names" — remove it (mapping files hold only documented keys)'
    ])
    expect(problemsAfter((d) => (d.flows[0].names = 'x'))).toEqual(['flows[0].names: unknown key "names" — did you mean "name"?'])
  })

  it('a key of another shape of the same value says what it does not go with', () => {
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { any: [], field: 'statecode' }))).toEqual([
      'flows[0].filter.all[0].field: unknown key "field" — it does not go with "any": remove one of them'
    ])
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'eq', value: 1, days: 3 }))).toEqual([
      'flows[0].filter.all[0].days: unknown key "days" — a value with "op": "eq" does not take it: remove it'
    ])
    expect(problemsAfter((d) => (d.flows[0].direction = 'both'))).toEqual([
      'flows[0].direction: unknown key "direction" — a value with "kind": "records" does not take it: remove it'
    ])
    expect(problemsAfter((d) => (field(d).steps = [{ fn: 'trim', map: {} }]))).toEqual([
      'flows[0].fields[0].steps[0].map: unknown key "map" — a value with "fn": "trim" does not take it: remove it'
    ])
  })

  it('a key that names a credential is refused with the advice where credentials belong', () => {
    expect(problemsAfter((d) => (d.connections.password = 'x'))).toEqual([
      'connections.password: unknown key "password" — remove it: mapping files never hold secrets; credentials belong in the connection profile, stored encrypted on each machine'
    ])
  })
})

describe('sizes', () => {
  it('empty names, lists that need items, numbers below their minimum or above their maximum', () => {
    expect(problemsAfter((d) => (d.name = ''))).toEqual(['name: must not be empty'])
    expect(problemsAfter((d) => (d.flows[0].filter = { field: 'statecode', op: 'in', values: [] }))).toEqual([
      'flows[0].filter.values: needs at least 1 item'
    ])
    expect(problemsAfter((d) => (field(d).steps = [{ fn: 'pad', length: 0 }]))).toEqual([
      'flows[0].fields[0].steps[0].length: must be at least 1'
    ])
    expect(problemsAfter((d) => (field(d).steps = [{ fn: 'formatNumber', decimals: 21 }]))).toEqual([
      'flows[0].fields[0].steps[0].decimals: must be at most 20'
    ])
    expect(problemsAfter((d) => (field(d).steps = [{ fn: 'pad', length: 3, char: 'ab' }]))).toEqual([
      'flows[0].fields[0].steps[0].char: must be at most 1 characters long'
    ])
    expect(problemsAfter((d) => (field(d).steps = [{ fn: 'pad', length: 3, char: '' }]))).toEqual([
      'flows[0].fields[0].steps[0].char: must not be empty'
    ])
    expect(problemsAfter((d) => (d.layout = { contacts: { nodes: {}, viewport: { x: 0, y: 0, zoom: 0 } } }))).toEqual([
      'layout.contacts.viewport.zoom: must be more than 0'
    ])
    expect(problemsAfter((d) => (d.layout = { contacts: { nodes: { a: [1, 2, 3] } } }))).toEqual([
      'layout.contacts.nodes.a: takes at most 2 items'
    ])
    expect(problemsAfter((d) => (d.layout = { contacts: { nodes: { a: [1] } } }))).toEqual([
      'layout.contacts.nodes.a: needs at least 2 items'
    ])
  })

  it('a flow id in the wrong form says which form', () => {
    expect(problemsAfter((d) => (d.flows[0].id = '1st'))).toEqual([
      'flows[0].id: use letters, digits, "-" or "_", starting with a letter (64 at most)',
      'layout.contacts: layout for unknown flow "contacts" — rename it to a flow id or remove it'
    ])
  })
})

describe('a filter condition of no known shape', () => {
  it('is reported by the shape it comes closest to', () => {
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'eq' }))).toEqual([
      'flows[0].filter.all[0].value: missing — add a string'
    ])
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'between', from: 1 }))).toEqual([
      'flows[0].filter.all[0].to: missing — add a string'
    ])
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { all: 'x' }))).toEqual([
      'flows[0].filter.all[0].all: expected array, found string "x"'
    ])
    expect(problemsAfter((d) => (d.flows[0].filter.all[0] = { field: 'statecode', op: 'lastXDays', days: 0 }))).toEqual([
      'flows[0].filter.all[0].days: must be at least 1'
    ])
  })
})
