import { applyProposals, suggestMappings } from '../../shared/mapping/engine'
import { useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { replaceFlow } from '../state/mapping-edits'
import { defineAction } from './action'
import { activeFlow, flowById, loadedTables } from './flow-context'

/**
 * Suggested mappings: proposed on the canvas (dashed), answered one by one on the canvas or
 * in the Inspector, or all at once. They live in the canvas store, not in the document, so
 * answering one works whether or not the canvas is on screen.
 */

const proposalsOf = (flowId: string) => {
  const current = useCanvasStore.getState().proposals
  return current?.flowId === flowId ? current.items : []
}

/** The proposals of the flow they were made for, whichever flow is on screen now. */
const pending = () => useCanvasStore.getState().proposals

function answered(flowId: string, target: string) {
  const rest = proposalsOf(flowId).filter((p) => p.target !== target)
  useCanvasStore.getState().setProposals(rest.length ? { flowId, items: rest } : undefined)
}

const findProposal = (target: string) => {
  const current = pending()
  return current?.items.find((p) => p.target === target)
}

export const suggestionActions = {
  suggestMappings: defineAction({
    id: 'suggestMappings',
    label: () => 'Suggest mappings',
    undo: 'none',
    enabled: () => {
      const flow = activeFlow()
      if (flow?.kind !== 'records') return false
      const tables = loadedTables(flow)
      return tables.source !== undefined && tables.target !== undefined
    },
    perform: () => {
      const flow = activeFlow()
      if (flow?.kind !== 'records') return
      const { source, target } = loadedTables(flow)
      if (!source || !target) return
      useCanvasStore.getState().setProposals({ flowId: flow.id, items: suggestMappings(flow, source, target) })
    }
  }),

  acceptSuggestion: defineAction<{ target: string }>({
    id: 'acceptSuggestion',
    label: ({ target }) => {
      const proposal = findProposal(target)
      return `Accept suggestion ${proposal?.from.join(', ') ?? ''} → ${target}`
    },
    undo: 'step',
    enabled: ({ target }) => findProposal(target) !== undefined && flowById(pending()?.flowId)?.kind === 'records',
    perform: ({ target }) => {
      const flowId = pending()?.flowId
      const proposal = findProposal(target)
      if (!flowId || !proposal) return
      useDocumentStore
        .getState()
        .edit(`Accept suggestion ${proposal.from.join(', ')} → ${target}`, (doc) =>
          replaceFlow(doc, flowId, (f) => (f.kind === 'records' ? applyProposals(f, [proposal]) : f))
        )
      answered(flowId, target)
    }
  }),

  rejectSuggestion: defineAction<{ target: string }>({
    id: 'rejectSuggestion',
    label: ({ target }) => `Reject the suggestion for ${target}`,
    undo: 'none',
    enabled: ({ target }) => findProposal(target) !== undefined,
    perform: ({ target }) => {
      const flowId = pending()?.flowId
      if (flowId) answered(flowId, target)
    }
  }),

  /** Every suggestion of the flow on screen, accepted as one undo step. */
  acceptAllSuggestions: defineAction({
    id: 'acceptAllSuggestions',
    label: () => `Accept ${proposalsOf(activeFlow()?.id ?? '').length} suggestions`,
    undo: 'step',
    enabled: () => activeFlow()?.kind === 'records' && proposalsOf(activeFlow()!.id).length > 0,
    perform: () => {
      for (const proposal of proposalsOf(activeFlow()!.id)) suggestionActions.acceptSuggestion.perform({ target: proposal.target })
    }
  }),

  rejectAllSuggestions: defineAction({
    id: 'rejectAllSuggestions',
    label: () => 'Reject all suggestions',
    undo: 'none',
    enabled: () => pending() !== undefined,
    perform: () => useCanvasStore.getState().setProposals(undefined)
  })
}
