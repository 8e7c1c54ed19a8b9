import type { StepName } from '../../shared/mapping/steps'
import { valueMapBetween } from '../../shared/mapping/engine'
import { parentFlowsFor } from '../../shared/mapping/links'
import { findField } from '../../shared/schema/model'
import { dropRule } from '../canvas/drop-rules'
import { edgeId, useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { connectLink, removeLinks } from '../state/link-edits'
import { appendStep, connectFields as connectFieldsEdit, hasFields, newStep, removeEdges, setNodePositions } from '../state/mapping-edits'
import { layoutInWorker } from '../workers/layout-client'
import { defineAction } from './action'
import { activeFlow, chosenMappings, flowById, loadedTables } from './flow-context'

/** What a user does on the canvas of the flow on screen: connect, remove, copy and paste steps, select, lay out. */

const edit = (action: string, change: Parameters<ReturnType<typeof useDocumentStore.getState>['edit']>[1]) =>
  useDocumentStore.getState().edit(action, change)
const select = (...args: Parameters<ReturnType<typeof useCanvasStore.getState>['select']>) => useCanvasStore.getState().select(...args)

/** Whether the flow on screen maps fields (records and events do; opt-outs pair fields instead). */
function onFieldsFlow(): boolean {
  const flow = activeFlow()
  return flow !== undefined && hasFields(flow)
}

export interface ConnectArgs {
  source: string
  target: string
  /** Alt held: add the source to the target's mapping instead of replacing it. */
  append: boolean
  /** The flow (the one on screen when left out). */
  flowId?: string
}

/** What dropping `source` on `target` does: map, link (a lookup or id onto a link field, through its read name) or nothing. */
function connection({ source, target, flowId }: ConnectArgs) {
  const flow = flowById(flowId)
  if (!flow || !hasFields(flow)) return undefined
  const tables = loadedTables(flow)
  const rule = dropRule(tables.source && findField(tables.source, source), tables.target && findField(tables.target, target))
  // Records are read with the lookup's value name (`_new_contactid_value`), so a link names it that way.
  const lookup = (tables.source && findField(tables.source, source)?.readName) ?? source
  return { flow, tables, rule, lookup }
}

const stepCount = (n: number) => `${n} step${n === 1 ? '' : 's'}`

export const canvasActions = {
  /** A drag from a source field onto a target field (or Enter on one, then the other): maps or links them and selects the edge. */
  connectFields: defineAction<ConnectArgs>({
    id: 'connectFields',
    label: (args) => {
      const plan = connection(args)
      if (plan?.rule.kind === 'link' && plan.flow.kind === 'records') return `Link ${args.target} through ${plan.lookup}`
      return args.append ? `Add ${args.source} to ${args.target}` : `Map ${args.source} → ${args.target}`
    },
    undo: 'step',
    enabled: (args) => {
      const plan = connection(args)
      return plan !== undefined && plan.rule.kind !== 'refused'
    },
    perform: (args) => {
      const plan = connection(args)
      if (!plan) return
      const { flow, tables, rule, lookup } = plan
      const { source, target, append } = args
      if (rule.kind === 'link' && flow.kind === 'records') {
        const { document } = useDocumentStore.getState()
        const field = tables.target && findField(tables.target, target)
        const parent = flow.links?.find((l) => l.target === target)?.parentFlow ?? parentFlowsFor(document!, flow.id, field)[0]?.id
        edit(`Link ${target} through ${lookup}`, (doc) => connectLink(doc, flow.id, lookup, target, parent ?? 'contacts'))
        // The edge is selected: the Inspector shows the parent flow chosen and offers the others.
        return select({ kind: 'edge', target, from: lookup })
      }
      edit(append ? `Add ${source} to ${target}` : `Map ${source} → ${target}`, (doc) =>
        connectFieldsEdit(doc, flow.id, source, target, append)
      )
      select({ kind: 'edge', target, from: source })
    }
  }),

  removeSelectedMappings: defineAction({
    id: 'removeSelectedMappings',
    label: () => {
      const chosen = chosenMappings()
      return chosen.length === 1 ? `Remove ${chosen[0].from} → ${chosen[0].target}` : `Remove ${chosen.length} mappings`
    },
    keys: ['Delete', 'Backspace'],
    scope: 'canvas',
    undo: 'step',
    enabled: () => chosenMappings().length > 0 && onFieldsFlow(),
    perform: () => {
      const flow = activeFlow()!
      const chosen = chosenMappings()
      edit(chosen.length > 1 ? `Remove ${chosen.length} mappings` : `Remove ${chosen[0].from} → ${chosen[0].target}`, (doc) =>
        removeLinks(removeEdges(doc, flow.id, chosen), flow.id, chosen)
      )
      select({ kind: 'none' })
    }
  }),

  copySteps: defineAction({
    id: 'copySteps',
    label: () => 'Copy the steps of the selected mapping',
    keys: ['Mod+C'],
    scope: 'canvas',
    undo: 'none',
    enabled: () => chosenMappings().length > 0 && onFieldsFlow(),
    perform: () => {
      const flow = activeFlow()
      if (!flow || !hasFields(flow)) return
      const mapping = flow.fields.find((f) => f.target === chosenMappings()[0].target)
      useCanvasStore.getState().setClipboard(structuredClone(mapping?.steps ?? []))
    }
  }),

  pasteSteps: defineAction({
    id: 'pasteSteps',
    label: () => `Paste ${stepCount(useCanvasStore.getState().clipboard?.length ?? 0)}`,
    keys: ['Mod+V'],
    scope: 'canvas',
    undo: 'step',
    enabled: () => chosenMappings().length > 0 && (useCanvasStore.getState().clipboard?.length ?? 0) > 0 && activeFlow() !== undefined,
    perform: () => {
      const flow = activeFlow()!
      const steps = useCanvasStore.getState().clipboard ?? []
      const targets = [...new Set(chosenMappings().map((e) => e.target))]
      edit(`Paste ${stepCount(steps.length)}`, (doc) =>
        targets.reduce((d, t) => steps.reduce((dd, s) => appendStep(dd, flow.id, t, structuredClone(s)), d), doc)
      )
    }
  }),

  selectAllMappings: defineAction({
    id: 'selectAllMappings',
    label: () => 'Select all mappings',
    keys: ['Mod+A'],
    scope: 'canvas',
    undo: 'none',
    enabled: () => onFieldsFlow(),
    perform: () => {
      const flow = activeFlow()
      if (!flow || !hasFields(flow)) return
      const edges = [
        ...flow.fields.flatMap((f) => (f.from ?? []).map((from) => ({ target: f.target, from }))),
        ...(flow.kind === 'records' ? (flow.links ?? []).map((l) => ({ target: l.target, from: l.source })) : [])
      ]
      if (edges.length)
        select(
          { kind: 'edge', ...edges[0] },
          edges.map((e) => edgeId(e.target, e.from))
        )
    }
  }),

  clearSelection: defineAction({
    id: 'clearSelection',
    label: () => 'Select nothing',
    keys: ['Escape'],
    scope: 'canvas',
    undo: 'none',
    enabled: () => true,
    perform: () => select({ kind: 'none' })
  }),

  /** A transform dropped from the palette on a mapping's edge: appended to its steps, and selected for editing. */
  addStep: defineAction<{ fn: StepName; target: string; from: string }>({
    id: 'addStep',
    label: ({ fn, target }) => `Add ${fn} to ${target}`,
    undo: 'step',
    enabled: () => onFieldsFlow(),
    perform: ({ fn, target, from }) => {
      const flow = activeFlow()
      if (!flow || !hasFields(flow)) return
      let step = newStep(fn)
      if (fn === 'valueMap') {
        // A value map starts from the two fields' options, matched by label.
        const tables = loadedTables(flow)
        const sourceField = tables.source && findField(tables.source, from)
        const targetField = tables.target && findField(tables.target, target)
        step = (sourceField && targetField && valueMapBetween(sourceField, targetField)) || step
      }
      const index = flow.fields.find((f) => f.target === target)?.steps?.length ?? 0
      edit(`Add ${fn} to ${target}`, (doc) => appendStep(doc, flow.id, target, step))
      select({ kind: 'step', target, index }, [edgeId(target, from)])
    }
  }),

  moveNodes: defineAction<{ positions: Record<string, [number, number]> }>({
    id: 'moveNodes',
    label: ({ positions }) => {
      const ids = Object.keys(positions)
      return ids.length > 1 ? 'Move nodes' : `Move ${ids[0] ?? 'node'}`
    },
    undo: 'step',
    enabled: () => activeFlow() !== undefined,
    perform: ({ positions }) => {
      const flow = activeFlow()!
      const ids = Object.keys(positions)
      edit(ids.length > 1 ? 'Move nodes' : `Move ${ids[0] ?? 'node'}`, (doc) => setNodePositions(doc, flow.id, positions))
    }
  }),

  /** Lays the nodes out in columns (filter, source, target) from their drawn sizes; one undo step. */
  autoLayout: defineAction<{ nodes: Array<{ id: string; width: number; height: number }> }>({
    id: 'autoLayout',
    label: () => 'Auto-layout',
    undo: 'step',
    enabled: () => activeFlow() !== undefined,
    perform: async ({ nodes }) => {
      const flowId = activeFlow()!.id
      const positions = await layoutInWorker({ nodes })
      edit('Auto-layout', (doc) => setNodePositions(doc, flowId, positions))
    }
  })
}
