import { beforeEach, describe, expect, it } from 'vitest'
import { MenuCommand } from '../../src/shared/contract'
import { DOCUMENT_FORMAT, type MappingDocument, type RecordsFlow } from '../../src/shared/mapping/document'
import { suggestMappings } from '../../src/shared/mapping/engine'
import { menuCommands, menuKey } from '../../src/shared/menu-commands'
import { keyLabel, pressed } from '../../src/renderer/actions/keys'
import { actionForMenu, actions, isEnabled, labelOf, perform, type ActionId } from '../../src/renderer/actions/registry'
import { edgeId, useCanvasStore } from '../../src/renderer/state/canvas-store'
import { useDocumentStore } from '../../src/renderer/state/document-store'
import { tableKey, useSchemaStore } from '../../src/renderer/state/schema-store'
import { campaignProfile, dynamicsContact } from '../support/schema-examples'

// The registry of canvas actions as the toolbar, the menu, the keys, the canvas and the Inspector
// run it: on the stores alone, with no canvas on screen.

const contacts: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: []
}
const opened: MappingDocument = { format: DOCUMENT_FORMAT, name: 'Contoso', flows: [contacts] }
const documents = () => useDocumentStore.getState()
const canvas = () => useCanvasStore.getState()
const fieldsOf = () => (documents().document!.flows[0] as RecordsFlow).fields

beforeEach(() => {
  documents().load(opened)
  canvas().reset()
  canvas().setClipboard(undefined)
  useSchemaStore.setState({
    tables: {
      [tableKey('dynamics', 'Sandbox', 'contact')]: { status: 'ready', value: dynamicsContact },
      [tableKey('campaign', 'Sandbox', 'profile')]: { status: 'ready', value: campaignProfile }
    }
  })
})

describe('the registry', () => {
  it('has one action per id, each in words, with an undo policy', () => {
    for (const [id, action] of Object.entries(actions)) {
      expect(action.id).toBe(id)
      expect(['step', 'none', 'history']).toContain(action.undo)
    }
    expect(labelOf('suggestMappings')).toBe('Suggest mappings')
  })

  it('every native menu command runs the action of that name, with the same keys as the menu', () => {
    for (const command of MenuCommand.options) {
      const id = actionForMenu(command)
      expect(id).toBe(command)
      expect(actions[id].keys).toEqual(menuCommands[command].keys)
    }
    expect(menuKey('redo', false)).toBe('Mod+Y')
    expect(menuKey('redo', true)).toBe('Mod+Shift+Z')
  })

  it('no key runs two actions where both can be asked', () => {
    const seen = new Map<string, ActionId>()
    for (const [id, action] of Object.entries(actions) as Array<[ActionId, (typeof actions)[ActionId]]>)
      for (const key of action.keys ?? []) {
        const where = `${action.scope}:${key}`
        expect(seen.get(where), `${key} is bound to ${seen.get(where)} and ${id}`).toBeUndefined()
        seen.set(where, id)
      }
    expect(seen.get('app:Mod+Z')).toBe('undo')
    expect(seen.get('canvas:Delete')).toBe('removeSelectedMappings')
  })

  it('an action that cannot run now does nothing and says so', () => {
    expect(isEnabled('undo')).toBe(false)
    expect(perform('undo')).toBe(false)
    expect(perform('removeSelectedMappings')).toBe(false)
    expect(documents().document).toBe(opened)
  })
})

describe('keys', () => {
  const key = (k: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean } = {}) => ({
    key: k,
    ctrlKey: mods.ctrl ?? false,
    metaKey: mods.meta ?? false,
    shiftKey: mods.shift ?? false
  })
  it('Mod is Ctrl or ⌘; Shift must match, so Ctrl+Z undoes and Ctrl+Shift+Z redoes', () => {
    expect(pressed(key('z', { ctrl: true }), 'Mod+Z')).toBe(true)
    expect(pressed(key('z', { meta: true }), 'Mod+Z')).toBe(true)
    expect(pressed(key('Z', { ctrl: true, shift: true }), 'Mod+Z')).toBe(false)
    expect(pressed(key('Z', { ctrl: true, shift: true }), 'Mod+Shift+Z')).toBe(true)
    expect(pressed(key('z'), 'Mod+Z')).toBe(false)
    expect(pressed(key('Delete'), 'Delete')).toBe(true)
  })
  it('are shown as people read them', () => {
    expect(keyLabel('Mod+Shift+Z', false)).toBe('Shift+Ctrl+Z')
    expect(keyLabel('Mod+S', true)).toBe('⌘S')
    expect(keyLabel('Escape', false)).toBe('Escape')
  })
})

describe('suggestions, answered without the canvas', () => {
  beforeEach(() => {
    expect(perform('suggestMappings')).toBe(true)
  })
  const proposals = () => canvas().proposals?.items ?? []

  it('accept all is one undo step; one undo takes every mapping back and the selection returns', () => {
    const count = proposals().length
    expect(count).toBe(suggestMappings(contacts, dynamicsContact, campaignProfile).length)
    expect(count).toBeGreaterThan(3)
    canvas().select({ kind: 'node', node: 'target' })
    expect(labelOf('acceptAllSuggestions')).toBe(`Accept ${count} suggestions`)

    perform('acceptAllSuggestions')
    expect(fieldsOf()).toHaveLength(count)
    expect(canvas().proposals).toBeUndefined()
    expect(documents().past.map((s) => s.action)).toEqual([`Accept ${count} suggestions`])

    canvas().select({ kind: 'edge', target: 'email', from: 'emailaddress1' })
    perform('undo')
    expect(documents().document).toBe(opened)
    expect(canvas().selection).toEqual({ kind: 'node', node: 'target' })
    perform('redo')
    expect(fieldsOf()).toHaveLength(count)
  })

  it('one accepted and one rejected: the accepted one is a step, the rejected one leaves the document alone', () => {
    const [first, second] = proposals()
    perform('rejectSuggestion', { target: second.target })
    expect(documents().past).toEqual([])
    perform('acceptSuggestion', { target: first.target })
    expect(fieldsOf()).toEqual([expect.objectContaining({ target: first.target, from: first.from })])
    expect(proposals().map((p) => p.target)).not.toContain(first.target)
    expect(proposals().map((p) => p.target)).not.toContain(second.target)
    expect(documents().past.map((s) => s.action)).toEqual([`Accept suggestion ${first.from.join(', ')} → ${first.target}`])
    // Answered already: asking again does nothing.
    expect(perform('acceptSuggestion', { target: first.target })).toBe(false)
    expect(documents().past).toHaveLength(1)
  })
})

describe('connecting fields', () => {
  it('maps and selects the edge in one step; undo removes it and brings back the field that was selected', () => {
    canvas().select({ kind: 'field', side: 'source', field: 'emailaddress1' })
    expect(perform('connectFields', { source: 'emailaddress1', target: 'email', append: false })).toBe(true)
    expect(fieldsOf()).toEqual([{ target: 'email', from: ['emailaddress1'] }])
    expect(canvas().selectedEdges).toEqual([edgeId('email', 'emailaddress1')])
    expect(documents().past.map((s) => s.action)).toEqual(['Map emailaddress1 → email'])

    perform('undo')
    expect(fieldsOf()).toEqual([])
    expect(canvas().selection).toEqual({ kind: 'field', side: 'source', field: 'emailaddress1' })
    expect(canvas().selectedEdges).toEqual([])
    perform('redo')
    expect(canvas().selection).toEqual({ kind: 'edge', target: 'email', from: 'emailaddress1' })
  })

  it('refuses a read-only target: nothing changes and nothing is a step', () => {
    const readOnly = campaignProfile.fields.find((f) => f.readOnly)!
    expect(isEnabled('connectFields', { source: 'firstname', target: readOnly.name, append: false })).toBe(false)
    expect(perform('connectFields', { source: 'firstname', target: readOnly.name, append: false })).toBe(false)
    expect(documents().document).toBe(opened)
  })

  it('Delete removes the selected mappings as one step, and undo selects them again', () => {
    perform('connectFields', { source: 'emailaddress1', target: 'email', append: false })
    perform('connectFields', { source: 'firstname', target: 'firstName', append: false })
    perform('selectAllMappings')
    expect(canvas().selectedEdges).toHaveLength(2)
    expect(labelOf('removeSelectedMappings')).toBe('Remove 2 mappings')
    perform('removeSelectedMappings')
    expect(fieldsOf()).toEqual([])
    expect(canvas().selection).toEqual({ kind: 'none' })
    perform('undo')
    expect(fieldsOf()).toHaveLength(2)
    expect(canvas().selectedEdges).toEqual([edgeId('email', 'emailaddress1'), edgeId('firstName', 'firstname')])
  })

  it('copy and paste steps: paste is one step over every selected mapping', () => {
    perform('connectFields', { source: 'emailaddress1', target: 'email', append: false })
    perform('addStep', { fn: 'trim', target: 'email', from: 'emailaddress1' })
    expect(canvas().selection).toEqual({ kind: 'step', target: 'email', index: 0 })
    perform('copySteps')
    perform('connectFields', { source: 'firstname', target: 'firstName', append: false })
    perform('pasteSteps')
    expect(fieldsOf().find((f) => f.target === 'firstName')?.steps).toEqual([{ fn: 'trim' }])
    perform('undo')
    expect(fieldsOf().find((f) => f.target === 'firstName')?.steps).toBeUndefined()
  })
})
