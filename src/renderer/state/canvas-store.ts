import { create } from 'zustand'
import type { MappingProposal } from '../../shared/mapping/engine'
import type { Step } from '../../shared/mapping/steps'

/**
 * What the canvas shows beside the document: what is selected, how each node is filtered,
 * the auto-map proposals under review, copied steps. None of it is mapping state — the
 * document holds all of that — so none of it is saved or undone.
 */

export type NodeSide = 'source' | 'target'
export type RowMode = 'all' | 'mapped' | 'required'

export type Selection =
  | { kind: 'none' }
  | { kind: 'field'; side: NodeSide; field: string }
  | { kind: 'edge'; target: string; from: string }
  | { kind: 'step'; target: string; index: number }
  | { kind: 'node'; node: 'source' | 'target' | 'filter' }
  | { kind: 'match' }

export interface NodeView {
  search: string
  mode: RowMode
  collapsed: boolean
}

export const defaultNodeView: NodeView = { search: '', mode: 'all', collapsed: false }

interface CanvasState {
  selection: Selection
  /** Edge ids selected together (shift-click, box select), for Delete and paste. */
  selectedEdges: string[]
  views: Record<string, NodeView>
  proposals: { flowId: string; items: MappingProposal[] } | undefined
  clipboard: Step[] | undefined
  /**
   * Fields to bring into view in their nodes (a click on a problem, a mapping or link selected):
   * each node scrolls its list to its field; `focus` names the node whose row takes the keyboard
   * focus; `nonce` lets the same fields be asked twice.
   */
  reveal: { fields: Partial<Record<NodeSide, string>>; focus: NodeSide | undefined; nonce: number } | undefined
  /** Fields whose edge ends at the edge of their node (scrolled away, filtered out, collapsed): their edges fade and drop their labels. */
  proxied: Record<NodeSide, ReadonlySet<string>>
  setProxied(side: NodeSide, names: ReadonlySet<string>): void
  select(selection: Selection, edges?: string[]): void
  setView(key: string, change: Partial<NodeView>): void
  setProposals(proposals: CanvasState['proposals']): void
  setClipboard(steps: Step[] | undefined): void
  revealField(side: NodeSide, field: string): void
  revealFields(fields: Partial<Record<NodeSide, string>>, focus?: NodeSide): void
  reset(): void
}

export const edgeId = (target: string, from: string) => `m\u241f${target}\u241f${from}`
export const ghostEdgeId = (target: string) => `p\u241f${target}`
export const matchEdgeId = 'match'

export function parseEdgeId(
  id: string
): { kind: 'mapping'; target: string; from: string } | { kind: 'proposal'; target: string } | { kind: 'match' } | undefined {
  const parts = id.split('\u241f')
  if (parts[0] === 'm' && parts.length === 3) return { kind: 'mapping', target: parts[1], from: parts[2] }
  if (parts[0] === 'p' && parts.length === 2) return { kind: 'proposal', target: parts[1] }
  if (id === matchEdgeId) return { kind: 'match' }
  return undefined
}

export const viewKey = (flowId: string, node: string) => `${flowId}\u241f${node}`

/** The two rows a selection is drawn between: a mapping's (or link's) source and target field, or none. */
function rowsOf(selection: Selection, edges: readonly string[]): Partial<Record<NodeSide, string>> | undefined {
  if (selection.kind === 'edge') return { source: selection.from, target: selection.target }
  if (selection.kind !== 'step') return undefined
  const edge = edges.map(parseEdgeId).find((e) => e?.kind === 'mapping' && e.target === selection.target)
  return { source: edge?.kind === 'mapping' ? edge.from : undefined, target: selection.target }
}

export const useCanvasStore = create<CanvasState>((set, get) => ({
  selection: { kind: 'none' },
  selectedEdges: [],
  views: {},
  proposals: undefined,
  clipboard: undefined,
  reveal: undefined,
  proxied: { source: new Set(), target: new Set() },
  setProxied(side, names) {
    set((state) => ({ proxied: { ...state.proxied, [side]: names } }))
  },
  select(selection, edges) {
    const selectedEdges = edges ?? (selection.kind === 'edge' ? [edgeId(selection.target, selection.from)] : [])
    set({ selection, selectedEdges })
    // One mapping or link selected (on the canvas, in the Inspector, from Problems): both its rows
    // scroll into view, so its edge and label are drawn between them. Many at once scroll nothing.
    const rows = selectedEdges.length <= 1 ? rowsOf(selection, selectedEdges) : undefined
    if (rows) get().revealFields(rows)
  },
  setView(key, change) {
    set((state) => ({ views: { ...state.views, [key]: { ...(state.views[key] ?? defaultNodeView), ...change } } }))
  },
  setProposals(proposals) {
    set({ proposals })
  },
  setClipboard(steps) {
    set({ clipboard: steps })
  },
  revealField(side, field) {
    get().revealFields({ [side]: field }, side)
  },
  revealFields(fields, focus) {
    set((state) => ({ reveal: { fields, focus, nonce: (state.reveal?.nonce ?? 0) + 1 } }))
  },
  reset() {
    set({ selection: { kind: 'none' }, selectedEdges: [], proposals: undefined, reveal: undefined })
  }
}))
