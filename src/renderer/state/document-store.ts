import { create } from 'zustand'
import type { MappingDocument } from '../../shared/mapping/document'
import { validateDocument } from '../../shared/mapping/document-io'
import type { Problem } from '../../shared/problems'

/**
 * The open mapping document and its history. The document is the model: the canvas, the
 * panels and the saved file are views of it. Every edit is a named action that replaces
 * the document; undo and redo walk the list of earlier documents.
 */
const HISTORY_LIMIT = 200

export interface DocumentState {
  document: MappingDocument | undefined
  /** Where it was opened from or saved to (Electron); undefined for a new or imported document. */
  path: string | undefined
  /** The document as last saved or opened, to tell whether there are unsaved changes. */
  savedDocument: MappingDocument | undefined
  past: Array<{ document: MappingDocument; action: string }>
  future: Array<{ document: MappingDocument; action: string }>
  problems: Problem[]
  activeFlowId: string | undefined
  /** Bumped each time another document replaces this one (new, open, import): what belongs to the old one resets. */
  generation: number

  load(document: MappingDocument, path?: string, options?: { saved?: boolean }): void
  edit(action: string, change: (document: MappingDocument) => MappingDocument): void
  undo(): void
  redo(): void
  markSaved(path?: string): void
  setActiveFlow(flowId: string): void
}

function problemsOf(document: MappingDocument | undefined): Problem[] {
  if (!document) return []
  const result = validateDocument(document)
  return result.ok ? [] : result.problems
}

export const useDocumentStore = create<DocumentState>((set, get) => ({
  document: undefined,
  path: undefined,
  savedDocument: undefined,
  past: [],
  future: [],
  problems: [],
  activeFlowId: undefined,
  generation: 0,

  load(document, path, options = { saved: true }) {
    set((state) => ({
      generation: state.generation + 1,
      document,
      path,
      savedDocument: options.saved ? document : undefined,
      past: [],
      future: [],
      problems: problemsOf(document),
      activeFlowId: document.flows[0]?.id
    }))
  },

  edit(action, change) {
    const { document, past } = get()
    if (!document) return
    const next = change(document)
    if (next === document) return
    set({
      document: next,
      past: [...past, { document, action }].slice(-HISTORY_LIMIT),
      future: [],
      problems: problemsOf(next)
    })
  },

  undo() {
    const { document, past, future } = get()
    const previous = past[past.length - 1]
    if (!document || !previous) return
    set({
      document: previous.document,
      past: past.slice(0, -1),
      future: [{ document, action: previous.action }, ...future],
      problems: problemsOf(previous.document)
    })
  },

  redo() {
    const { document, past, future } = get()
    const next = future[0]
    if (!document || !next) return
    set({
      document: next.document,
      past: [...past, { document, action: next.action }],
      future: future.slice(1),
      problems: problemsOf(next.document)
    })
  },

  markSaved(path) {
    set((state) => ({ savedDocument: state.document, path: path ?? state.path }))
  },

  setActiveFlow(flowId) {
    set({ activeFlowId: flowId })
  }
}))

export const selectDirty = (state: DocumentState): boolean => state.document !== undefined && state.document !== state.savedDocument
