import { beforeEach, describe, expect, it } from 'vitest'
import { DOCUMENT_FORMAT, type MappingDocument, type RecordsFlow } from '../../src/shared/mapping/document'
import { validateDocument } from '../../src/shared/mapping/document-io'
import { edgeId, useCanvasStore } from '../../src/renderer/state/canvas-store'
import { selectDirty, useDocumentStore } from '../../src/renderer/state/document-store'
import { connectFields } from '../../src/renderer/state/mapping-edits'

// The renderer's document store as the user meets it: edits, undo and redo, unsaved changes.

const flow = (id: string): RecordsFlow => ({
  id,
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: []
})
const opened: MappingDocument = { format: DOCUMENT_FORMAT, name: 'Contoso', flows: [flow('contacts')] }
const store = () => useDocumentStore.getState()
const rename = (name: string) => store().edit(`rename to ${name}`, (doc) => ({ ...doc, name }))

beforeEach(() => store().load(opened, '/tmp/contoso.mapping.json'))

describe('undo and redo', () => {
  it('walks back and forth through the edits, and the problems follow the document', () => {
    rename('A')
    // An edit that breaks the document: a flow whose match names nothing.
    store().edit('clear the match', (doc) => ({ ...doc, flows: [{ ...flow('contacts'), match: { source: '', target: '' } }] }))
    const broken = store().document!
    const validation = validateDocument(broken)
    expect(validation.ok).toBe(false)
    expect(store().problems).toEqual('problems' in validation ? validation.problems : 'a list of problems')
    expect(store().problems.length).toBeGreaterThan(0)

    store().undo()
    expect(store().document).toMatchObject({ name: 'A', flows: [flow('contacts')] })
    expect(store().problems).toEqual([])
    store().undo()
    expect(store().document).toBe(opened)
    store().redo()
    expect(store().document?.name).toBe('A')
    store().redo()
    expect(store().document).toBe(broken)
    expect(store().problems.length).toBeGreaterThan(0)
  })

  it('names each step by its action, so the menu can say what undo will undo', () => {
    rename('A')
    rename('B')
    expect(store().past.map((step) => step.action)).toEqual(['rename to A', 'rename to B'])
    store().undo()
    expect(store().future.map((step) => step.action)).toEqual(['rename to B'])
  })

  it('a new edit after undo drops what could have been redone', () => {
    rename('A')
    rename('B')
    store().undo()
    rename('C')
    expect(store().future).toEqual([])
    store().redo()
    expect(store().document?.name).toBe('C')
    store().undo()
    store().undo()
    expect(store().document).toBe(opened)
  })

  it('an edit that changes nothing is not a step', () => {
    store().edit('nothing', (doc) => doc)
    expect(store().past).toEqual([])
    expect(selectDirty(store())).toBe(false)
  })

  it('undo and redo with nothing to walk change nothing', () => {
    store().undo()
    expect(store().document).toBe(opened)
    rename('A')
    store().redo()
    expect(store().document?.name).toBe('A')
  })

  it('keeps the last 200 steps', () => {
    for (let i = 1; i <= 205; i++) rename(`v${i}`)
    expect(store().past).toHaveLength(200)
    for (let i = 0; i < 205; i++) store().undo()
    // The oldest five steps are gone: undo stops at the 5th edit, not at the opened document.
    expect(store().document?.name).toBe('v5')
  })
})

describe('unsaved changes', () => {
  it('an edit makes the document unsaved; undoing back to the saved document makes it saved again', () => {
    expect(selectDirty(store())).toBe(false)
    rename('A')
    expect(selectDirty(store())).toBe(true)
    store().undo()
    expect(selectDirty(store())).toBe(false)
    store().redo()
    store().markSaved()
    expect(selectDirty(store())).toBe(false)
    expect(store().path).toBe('/tmp/contoso.mapping.json')
    store().undo()
    expect(selectDirty(store())).toBe(true)
  })

  it('opening another document starts a new history and a new generation', () => {
    rename('A')
    const generation = store().generation
    const other: MappingDocument = { format: DOCUMENT_FORMAT, name: 'Other', flows: [flow('vehicles')] }
    store().load(other, undefined, { saved: false })
    expect(store()).toMatchObject({ document: other, past: [], future: [], activeFlowId: 'vehicles', path: undefined })
    expect(store().generation).toBe(generation + 1)
    // An imported document (never saved) counts as unsaved.
    expect(selectDirty(store())).toBe(true)
    store().undo()
    expect(store().document).toBe(other)
  })
})

describe('gestures are one step, and undo brings back where the user was', () => {
  const canvas = () => useCanvasStore.getState()
  const twoFlows: MappingDocument = { format: DOCUMENT_FORMAT, name: 'Two', flows: [flow('contacts'), flow('vehicles')] }
  const map = (flowId: string, source: string, target: string) =>
    store().edit(`Map ${source} → ${target}`, (doc) => connectFields(doc, flowId, source, target, false))

  beforeEach(() => {
    store().load(twoFlows, '/tmp/two.mapping.json')
    canvas().reset()
  })

  it('a transaction of several edits is one step named once; undo takes all of it back, redo puts all of it back', () => {
    canvas().select({ kind: 'field', side: 'source', field: 'firstname' })
    store().transaction('Map firstname → firstName', () => {
      map('contacts', 'firstname', 'firstName')
      map('contacts', 'lastname', 'lastName')
      canvas().select({ kind: 'edge', target: 'firstName', from: 'firstname' })
    })
    const done = store().document!
    expect(store().past.map((step) => step.action)).toEqual(['Map firstname → firstName'])
    expect(done.flows[0]).toMatchObject({ fields: [{ target: 'firstName' }, { target: 'lastName' }] })

    canvas().select({ kind: 'none' })
    store().undo()
    expect(store().document).toBe(twoFlows)
    expect(canvas().selection).toEqual({ kind: 'field', side: 'source', field: 'firstname' })
    expect(canvas().selectedEdges).toEqual([])

    store().redo()
    expect(store().document).toBe(done)
    // Redo shows the selection the gesture left: the new edge.
    expect(canvas().selection).toEqual({ kind: 'edge', target: 'firstName', from: 'firstname' })
    expect(canvas().selectedEdges).toEqual([edgeId('firstName', 'firstname')])
  })

  it('nested transactions belong to the outer gesture', () => {
    store().transaction('Accept 2 suggestions', () => {
      store().transaction('Accept a', () => map('contacts', 'a', 'A'))
      store().transaction('Accept b', () => map('contacts', 'b', 'B'))
    })
    expect(store().past.map((step) => step.action)).toEqual(['Accept 2 suggestions'])
    store().undo()
    expect(store().document).toBe(twoFlows)
  })

  it('a gesture that changes nothing is not a step; one that fails leaves the document as it was', () => {
    store().transaction('Nothing', () => canvas().select({ kind: 'match' }))
    expect(store().past).toEqual([])
    expect(() =>
      store().transaction('Half done', () => {
        map('contacts', 'a', 'A')
        throw new Error('the second half failed')
      })
    ).toThrow('the second half failed')
    expect(store().document).toBe(twoFlows)
    expect(store().past).toEqual([])
    // The store is usable again: the next edit is a step of its own.
    map('contacts', 'a', 'A')
    expect(store().past).toHaveLength(1)
  })

  it('undo shows the flow the edit was made on, with its selection', () => {
    store().setActiveFlow('vehicles')
    canvas().select({ kind: 'node', node: 'target' })
    map('vehicles', 'name', 'label')
    store().setActiveFlow('contacts')
    canvas().select({ kind: 'none' })
    store().undo()
    expect(store().activeFlowId).toBe('vehicles')
    expect(canvas().selection).toEqual({ kind: 'node', node: 'target' })
  })

  it('problems are checked once the gesture ends', () => {
    store().transaction('Break the match', () => {
      store().edit('clear the source', (doc) => ({
        ...doc,
        flows: [{ ...flow('contacts'), match: { source: '', target: 'x' } }, doc.flows[1]]
      }))
      expect(store().problems).toEqual([])
    })
    expect(store().problems.length).toBeGreaterThan(0)
    store().undo()
    expect(store().problems).toEqual([])
  })
})
