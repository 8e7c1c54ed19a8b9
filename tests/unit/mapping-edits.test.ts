import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDocumentText, validateDocument } from '../../src/shared/mapping/document-io'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { stepNames } from '../../src/shared/mapping/steps'
import {
  addFlow,
  appendStep,
  connectFields,
  freeFlowId,
  moveStep,
  newStep,
  removeEdges,
  removeFlow,
  removeStep
} from '../../src/renderer/state/mapping-edits'
import { columnLayout } from '../../src/renderer/workers/column-layout'

/** The canvas's edits are pure functions of the document: each gives a new, valid document. */
const parsed = parseDocumentText(readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8'))
if (!parsed.ok) throw new Error('fixture must be valid')
const document: MappingDocument = parsed.document
const fields = (doc: MappingDocument) => (doc.flows[0] as RecordsFlow).fields
const mappingOf = (doc: MappingDocument, target: string) => fields(doc).find((f) => f.target === target)
const valid = (doc: MappingDocument) => {
  const result = validateDocument(doc)
  expect(result.ok ? [] : result.problems).toEqual([])
}

describe('canvas edits', () => {
  it('a drag onto an unmapped target adds a mapping; onto a mapped one re-points it and keeps its steps', () => {
    const added = connectFields(document, 'contacts', 'jobtitle', 'salutation', false)
    expect(mappingOf(added, 'salutation')).toEqual({ target: 'salutation', from: ['jobtitle'] })
    const repointed = connectFields(document, 'contacts', 'emailaddress2', 'email', false)
    expect(mappingOf(repointed, 'email')).toEqual({ ...mappingOf(document, 'email'), from: ['emailaddress2'] })
    valid(added)
    valid(repointed)
  })

  it('with Alt, a drag adds a second source; the same drag twice changes nothing', () => {
    const appended = connectFields(document, 'contacts', 'emailaddress2', 'email', true)
    expect(mappingOf(appended, 'email')?.from).toEqual(['emailaddress1', 'emailaddress2'])
    expect(connectFields(appended, 'contacts', 'emailaddress2', 'email', true)).toBe(appended)
  })

  it('deleting an edge removes that source, and the mapping when no source is left', () => {
    const two = connectFields(document, 'contacts', 'emailaddress2', 'email', true)
    expect(mappingOf(removeEdges(two, 'contacts', [{ target: 'email', from: 'emailaddress1' }]), 'email')?.from).toEqual(['emailaddress2'])
    expect(mappingOf(removeEdges(document, 'contacts', [{ target: 'email', from: 'emailaddress1' }]), 'email')).toBeUndefined()
    valid(removeEdges(document, 'contacts', [{ target: 'email', from: 'emailaddress1' }]))
  })

  it('steps are appended, moved and removed in order', () => {
    let doc = appendStep(document, 'contacts', 'lastName', { fn: 'trim' })
    doc = appendStep(doc, 'contacts', 'lastName', { fn: 'upper' })
    expect(mappingOf(doc, 'lastName')?.steps?.map((s) => s.fn)).toEqual(['trim', 'upper'])
    doc = moveStep(doc, 'contacts', 'lastName', 1, -1)
    expect(mappingOf(doc, 'lastName')?.steps?.map((s) => s.fn)).toEqual(['upper', 'trim'])
    doc = removeStep(doc, 'contacts', 'lastName', 0)
    expect(mappingOf(doc, 'lastName')?.steps?.map((s) => s.fn)).toEqual(['trim'])
    valid(doc)
  })

  it('every transform of the palette starts as a valid step', () => {
    for (const fn of stepNames) {
      const doc = appendStep(document, 'contacts', 'lastName', newStep(fn))
      expect({ fn, ok: validateDocument(doc).ok }).toEqual({ fn, ok: true })
    }
  })

  it('flows are added with a free id and removed with their layout', () => {
    const id = freeFlowId(document, 'contacts')
    expect(id).toBe('contacts-2')
    const flow = { ...(document.flows[0] as RecordsFlow), id }
    const added = addFlow(document, flow, { source: [0, 0], target: [600, 0] })
    valid(added)
    const removed = removeFlow(added, 'contacts')
    expect(removed.flows.map((f) => f.id)).toEqual(['contacts-2'])
    expect(Object.keys(removed.layout ?? {})).toEqual(['contacts-2'])
    valid(removed)
  })
})

describe('auto-layout', () => {
  it('places the filter above the source and the target right of it, without overlap, the same way every time', () => {
    const request = {
      nodes: [
        { id: 'target', width: 320, height: 700 },
        { id: 'source', width: 320, height: 900 },
        { id: 'filter', width: 240, height: 200 }
      ]
    }
    const first = columnLayout(request)
    expect(columnLayout(request)).toEqual(first)
    expect(first.source).toEqual([0, 0])
    // The filter sits above the source, clear of it; the target right of the source with room for the edges.
    expect(first.filter[0]).toBe(first.source[0])
    expect(first.filter[1] + 200).toBeLessThan(first.source[1])
    expect(first.target[0]).toBeGreaterThanOrEqual(first.source[0] + 320)
  })
})
