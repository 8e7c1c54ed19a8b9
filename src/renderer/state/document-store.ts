import { create } from 'zustand'
import type { MappingDocument } from '../../shared/mapping/document'
import { validateDocument } from '../../shared/mapping/document-io'
import type { Problem } from '../../shared/problems'
import { useCanvasStore, type Selection } from './canvas-store'

/**
 * The open mapping document and its history. The document is the model: the canvas, the
 * panels and the saved file are views of it. Every edit is a named action that replaces
 * the document; a gesture made of several edits (a drag that maps and selects, "accept all
 * suggestions") runs as one transaction and is one step of the history. Undo and redo walk
 * the steps and bring back the flow and the selection the user had at that point.
 */
const HISTORY_LIMIT = 200

/** Where the user was: the flow shown and what was selected on it. */
export interface SelectionMoment {
  flowId: string | undefined
  selection: Selection
  selectedEdges: string[]
}

/** The document and the selection at one point of the history. */
export interface Moment {
  document: MappingDocument
  selection: SelectionMoment
}

/** One undoable step: a named edit or transaction, with the moments on either side of it. */
export interface HistoryStep {
  action: string
  before: Moment
  after: Moment
}

export interface DocumentState {
  document: MappingDocument | undefined
  /** Where it was opened from or saved to (Electron); undefined for a new or imported document. */
  path: string | undefined
  /** The document as last saved or opened, to tell whether there are unsaved changes. */
  savedDocument: MappingDocument | undefined
  /** Steps that undo walks back, the latest last. */
  past: HistoryStep[]
  /** Steps that redo walks again, the next first. */
  future: HistoryStep[]
  problems: Problem[]
  activeFlowId: string | undefined
  /** Bumped each time another document replaces this one (new, open, import): what belongs to the old one resets. */
  generation: number

  load(document: MappingDocument, path?: string, options?: { saved?: boolean }): void
  edit(action: string, change: (document: MappingDocument) => MappingDocument): void
  /**
   * Runs a gesture: every edit made inside `run` (and any transaction nested in it) becomes
   * one history step named `action`, whose "after" selection is the one `run` left. If `run`
   * throws, the document goes back to where the gesture started and the error goes on.
   */
  transaction<T>(action: string, run: () => T): T
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

export const useDocumentStore = create<DocumentState>((set, get) => {
  /** The gesture under way, if any: the moment it started from. */
  let open: { before: Moment } | undefined

  const selectionNow = (): SelectionMoment => {
    const canvas = useCanvasStore.getState()
    return { flowId: get().activeFlowId, selection: canvas.selection, selectedEdges: canvas.selectedEdges }
  }

  const record = (action: string, before: Moment, document: MappingDocument) => {
    const step: HistoryStep = { action, before, after: { document, selection: selectionNow() } }
    set((state) => ({ past: [...state.past, step].slice(-HISTORY_LIMIT), future: [] }))
  }

  /** Shows a moment of the history: its document, its flow (if it still has it) and its selection. */
  const restore = (moment: Moment, past: HistoryStep[], future: HistoryStep[]) => {
    const { flowId, selection, selectedEdges } = moment.selection
    const flows = moment.document.flows
    const activeFlowId = flows.some((f) => f.id === flowId)
      ? flowId
      : flows.some((f) => f.id === get().activeFlowId)
        ? get().activeFlowId
        : flows[0]?.id
    set({ document: moment.document, past, future, problems: problemsOf(moment.document), activeFlowId })
    useCanvasStore.getState().select(selection, selectedEdges)
  }

  return {
    document: undefined,
    path: undefined,
    savedDocument: undefined,
    past: [],
    future: [],
    problems: [],
    activeFlowId: undefined,
    generation: 0,

    load(document, path, options = { saved: true }) {
      open = undefined
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
      const { document } = get()
      if (!document) return
      const next = change(document)
      if (next === document) return
      // Inside a gesture the step is written when it ends (and validation runs once, then).
      if (open) return set({ document: next })
      const before = { document, selection: selectionNow() }
      set({ document: next, problems: problemsOf(next) })
      record(action, before, next)
    },

    transaction(action, run) {
      const document = get().document
      if (open || !document) return run()
      const gesture = { before: { document, selection: selectionNow() } }
      open = gesture
      let result: ReturnType<typeof run>
      try {
        result = run()
      } catch (error) {
        if (open === gesture) {
          open = undefined
          set({ document, problems: problemsOf(document) })
        }
        throw error
      }
      if (open !== gesture) return result // another document was loaded meanwhile
      open = undefined
      const end = get().document
      if (end && end !== document) {
        set({ problems: problemsOf(end) })
        record(action, gesture.before, end)
      }
      return result
    },

    undo() {
      const { document, past, future } = get()
      const step = past[past.length - 1]
      if (!document || !step || open) return
      restore(step.before, past.slice(0, -1), [step, ...future])
    },

    redo() {
      const { document, past, future } = get()
      const step = future[0]
      if (!document || !step || open) return
      restore(step.after, [...past, step], future.slice(1))
    },

    markSaved(path) {
      set((state) => ({ savedDocument: state.document, path: path ?? state.path }))
    },

    setActiveFlow(flowId) {
      set({ activeFlowId: flowId })
    }
  }
})

export const selectDirty = (state: DocumentState): boolean => state.document !== undefined && state.document !== state.savedDocument
