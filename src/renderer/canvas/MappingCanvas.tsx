import { Button, Tooltip } from '@fluentui/react-components'
import { CheckmarkCircleRegular, DismissCircleRegular, LayoutColumnTwoRegular, LightbulbRegular } from '@fluentui/react-icons'
import {
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useConnection,
  useReactFlow,
  type Connection,
  type FinalConnectionState,
  type Edge,
  type IsValidConnection,
  type Node,
  type NodeChange,
  type NodeMouseHandler,
  type EdgeMouseHandler,
  type OnNodeDrag
} from '@xyflow/react'
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react'
import type { Flow, MappingDocument, RecordsFlow } from '../../shared/mapping/document'
import { applyProposals, suggestMappings } from '../../shared/mapping/engine'
import type { StepName } from '../../shared/mapping/steps'
import type { Problem } from '../../shared/problems'
import type { Client } from '../api/client'
import { parseEdgeId, useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { flowProblemsOf, readyTable, useFlowTables } from '../state/flow-schema'
import { appendStep, connectFields, newStep, removeEdges, replaceFlow, setNodePositions } from '../state/mapping-edits'
import { connectLink, removeLinks } from '../state/link-edits'
import { parentFlowsFor } from '../../shared/mapping/links'
import { useTraceStore } from '../state/trace-store'
import { isTyping } from '../keyboard'
import { layoutInWorker } from '../workers/layout-client'
import { FieldNode } from './FieldNode'
import { FilterNode } from './FilterNode'
import { MappingEdge } from './MappingEdge'
import { toCanvas } from './model'
import { dropRule } from './drop-rules'
import './canvas.css'
import { useReadableFit, ViewControls } from './ViewControls'
import { ViewLayers } from './ViewLayers'
import { PRESENTATION_ZOOM, READING_ZOOM, useLayoutStore } from '../state/layout-store'
import { STEP_MIME, TransformPalette } from './TransformPalette'
import { valueMapBetween } from '../../shared/mapping/engine'
import { findField } from '../../shared/schema/model'

// Defined once, outside render, as React Flow asks.
const nodeTypes = { fields: FieldNode, filter: FilterNode }
const edgeTypes = { mapping: MappingEdge }
const proOptions = { hideAttribution: true }

/** Keeps what React Flow measured (and whether a node is being dragged) when the document gives new node objects. */
function mergeNodes(next: Node[], previous: Node[]): Node[] {
  const byId = new Map(previous.map((n) => [n.id, n]))
  return next.map((node) => {
    const old = byId.get(node.id)
    if (!old) return node
    const position = old.dragging ? old.position : node.position
    return { ...node, position, measured: old.measured, dragging: old.dragging, width: old.width, height: old.height }
  })
}

export function MappingCanvas({
  client,
  document,
  flow,
  problems,
  showMinimap
}: {
  client: Client
  document: MappingDocument
  flow: Flow
  problems: Problem[]
  showMinimap: boolean
}) {
  const edit = useDocumentStore((state) => state.edit)
  const tables = useFlowTables(client, document, flow)
  const proposals = useCanvasStore((state) => (state.proposals?.flowId === flow.id ? state.proposals.items : undefined))
  const setProposals = useCanvasStore((state) => state.setProposals)
  const selection = useCanvasStore((state) => state.selection)
  const selectedEdges = useCanvasStore((state) => state.selectedEdges)
  const select = useCanvasStore((state) => state.select)
  const trace = useTraceStore((state) => (state.flowId === flow.id ? state.trace : undefined))
  const flowProblems = useMemo(() => flowProblemsOf(document, flow, problems), [document, flow, problems])
  const { getNodes } = useReactFlow()
  const alt = useRef(false)
  const [dropTarget, setDropTarget] = useState<string>()

  const derived = useMemo(
    () => toCanvas({ document, flow, source: tables.source, target: tables.target, problems: flowProblems, proposals, trace }),
    [document, flow, tables.source, tables.target, flowProblems, proposals, trace]
  )

  const selectedNode = selection.kind === 'node' ? selection.node : undefined
  const [nodes, setNodes] = useState<Node[]>(derived.nodes)
  // On mount the nodes are already these: new objects would make React Flow take every node in again.
  useEffect(() => setNodes((previous) => (previous === derived.nodes ? previous : mergeNodes(derived.nodes, previous))), [derived.nodes])
  const shownNodes = useMemo(
    () => nodes.map((n) => (Boolean(n.selected) === (n.id === selectedNode) ? n : { ...n, selected: n.id === selectedNode })),
    [nodes, selectedNode]
  )

  const edges = useMemo(() => {
    const chosen = new Set(selectedEdges)
    if (selection.kind === 'match') chosen.add('match')
    return derived.edges.map((e) => ({ ...e, selected: chosen.has(e.id), className: dropTarget === e.id ? 'ss-edge--drop' : e.className }))
  }, [derived.edges, selectedEdges, selection.kind, dropTarget])

  // The Alt key decides whether a drop replaces the target's source or adds one.
  useEffect(() => {
    const track = (event: KeyboardEvent | PointerEvent | globalThis.KeyboardEvent) => {
      alt.current = event.altKey
    }
    window.addEventListener('pointermove', track as EventListener, true)
    window.addEventListener('pointerup', track as EventListener, true)
    window.addEventListener('keydown', track as EventListener, true)
    window.addEventListener('keyup', track as EventListener, true)
    return () => {
      window.removeEventListener('pointermove', track as EventListener, true)
      window.removeEventListener('pointerup', track as EventListener, true)
      window.removeEventListener('keydown', track as EventListener, true)
      window.removeEventListener('keyup', track as EventListener, true)
    }
  }, [])

  const targetTable = readyTable(tables.target)
  const sourceTable = readyTable(tables.source)
  const ruleFor = useCallback(
    (source: string, target: string) =>
      dropRule(sourceTable ? findField(sourceTable, source) : undefined, targetTable ? findField(targetTable, target) : undefined),
    [sourceTable, targetTable]
  )
  const connect = useCallback(
    (source: string, target: string, append: boolean) => {
      const rule = ruleFor(source, target)
      if (rule.kind === 'refused') return
      // A lookup or id dropped on a link field links the record to its parent flow (the one syncing the linked resource).
      if (rule.kind === 'link' && flow.kind === 'records') {
        const field = targetTable ? findField(targetTable, target) : undefined
        const parent = flow.links?.find((l) => l.target === target)?.parentFlow ?? parentFlowsFor(document, flow.id, field)[0]?.id
        // Records are read with the lookup's value name (`_new_contactid_value`), so the link names it that way.
        const lookup = (sourceTable ? findField(sourceTable, source)?.readName : undefined) ?? source
        edit(`Link ${target} through ${lookup}`, (doc) => connectLink(doc, flow.id, lookup, target, parent ?? 'contacts'))
        // The edge is selected: the Inspector shows the parent flow chosen and offers the others.
        select({ kind: 'edge', target, from: lookup })
        return
      }
      edit(append ? `Add ${source} to ${target}` : `Map ${source} → ${target}`, (doc) =>
        connectFields(doc, flow.id, source, target, append)
      )
      select({ kind: 'edge', target, from: source })
    },
    [document, edit, flow, ruleFor, select, sourceTable, targetTable]
  )

  const onConnect = useCallback(
    (connection: Connection) => {
      if (connection.sourceHandle && connection.targetHandle) connect(connection.sourceHandle, connection.targetHandle, alt.current)
    },
    [connect]
  )

  // A field is dropped where the user sees it: anywhere on its row, not only on the small
  // connector at the node's edge (React Flow connects only on a connector or within its radius).
  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || !state.fromHandle?.id) return
      const point = 'changedTouches' in event ? event.changedTouches[0] : event
      if (!point) return
      const other = state.fromHandle.type === 'source' ? 'target' : 'source'
      const row = window.document
        .elementFromPoint(point.clientX, point.clientY)
        ?.closest(`.react-flow__node[data-id="${other}"] .ss-row[data-field]`)
      const field = row?.getAttribute('data-field')
      if (!field) return
      if (other === 'target') connect(state.fromHandle.id, field, alt.current)
      else connect(field, state.fromHandle.id, alt.current)
    },
    [connect]
  )
  const connecting = useConnection((state) => state.inProgress)

  const isValidConnection: IsValidConnection = useCallback(
    (connection) =>
      connection.source === 'source' &&
      connection.target === 'target' &&
      Boolean(connection.sourceHandle) &&
      Boolean(connection.targetHandle) &&
      connection.targetHandle !== '__filter' &&
      ruleFor(connection.sourceHandle!, connection.targetHandle!).kind !== 'refused',
    [ruleFor]
  )

  // Keyboard mapping (Enter on a source field, then on a target field) and the proposals' buttons speak through events.
  useEffect(() => {
    const onConnectEvent = (event: Event) => {
      const { source, target, append } = (event as CustomEvent<{ source: string; target: string; append: boolean }>).detail
      connect(source, target, append)
    }
    const onProposal = (event: Event) => {
      const { target, accept } = (event as CustomEvent<{ target: string; accept: boolean }>).detail
      const current = useCanvasStore.getState().proposals
      if (!current || current.flowId !== flow.id) return
      const proposal = current.items.find((p) => p.target === target)
      if (!proposal) return
      if (accept && flow.kind === 'records') {
        edit(`Accept suggestion ${proposal.from.join(', ')} → ${target}`, (doc) =>
          replaceFlow(doc, flow.id, (f) => (f.kind === 'records' ? applyProposals(f, [proposal]) : f))
        )
      }
      const rest = current.items.filter((p) => p !== proposal)
      setProposals(rest.length ? { flowId: flow.id, items: rest } : undefined)
    }
    window.addEventListener('ss-connect', onConnectEvent)
    window.addEventListener('ss-proposal', onProposal)
    return () => {
      window.removeEventListener('ss-connect', onConnectEvent)
      window.removeEventListener('ss-proposal', onProposal)
    }
  }, [connect, edit, flow, setProposals])

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    // Selection is the canvas store's; React Flow's own select changes are left out.
    const kept = changes.filter((c) => c.type !== 'select' && c.type !== 'remove')
    if (kept.length) setNodes((current) => applyNodeChanges(kept, current))
  }, [])

  const onNodeDragStop: OnNodeDrag = useCallback(
    (_event, _node, dragged) => {
      const positions: Record<string, [number, number]> = {}
      for (const node of dragged) positions[node.id] = [node.position.x, node.position.y]
      edit(dragged.length > 1 ? 'Move nodes' : `Move ${dragged[0]?.id ?? 'node'}`, (doc) => setNodePositions(doc, flow.id, positions))
    },
    [edit, flow.id]
  )

  const onNodeClick: NodeMouseHandler = useCallback(
    (event, node) => {
      const target = event.target as HTMLElement
      if (target.closest('.ss-row, input, select, button, textarea, .ss-filter-node__body')) return
      select({ kind: 'node', node: node.id as 'source' | 'target' | 'filter' })
    },
    [select]
  )

  const onEdgeClick: EdgeMouseHandler = useCallback(
    (event, edge: Edge) => {
      const parsed = parseEdgeId(edge.id)
      if (!parsed) return
      if (parsed.kind === 'match') return select({ kind: 'match' })
      if (parsed.kind === 'proposal') return select({ kind: 'none' }, [edge.id])
      const current = useCanvasStore.getState().selectedEdges
      if (event.shiftKey || event.ctrlKey || event.metaKey) {
        const next = current.includes(edge.id) ? current.filter((id) => id !== edge.id) : [...current, edge.id]
        select({ kind: 'edge', target: parsed.target, from: parsed.from }, next)
      } else select({ kind: 'edge', target: parsed.target, from: parsed.from })
    },
    [select]
  )

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>) => {
      if (isTyping(event.target)) return
      const state = useCanvasStore.getState()
      const mod = event.ctrlKey || event.metaKey
      const chosen = state.selectedEdges
        .map(parseEdgeId)
        .filter((e): e is { kind: 'mapping'; target: string; from: string } => e?.kind === 'mapping')
      if ((event.key === 'Delete' || event.key === 'Backspace') && chosen.length && flow.kind !== 'optOut') {
        event.preventDefault()
        edit(chosen.length > 1 ? `Remove ${chosen.length} mappings` : `Remove ${chosen[0].from} → ${chosen[0].target}`, (doc) =>
          removeLinks(removeEdges(doc, flow.id, chosen), flow.id, chosen)
        )
        select({ kind: 'none' })
      } else if (mod && event.key.toLowerCase() === 'c' && chosen.length && flow.kind !== 'optOut') {
        const mapping = flow.fields.find((f) => f.target === chosen[0].target)
        state.setClipboard(structuredClone(mapping?.steps ?? []))
        event.preventDefault()
      } else if (mod && event.key.toLowerCase() === 'v' && chosen.length && state.clipboard?.length) {
        const steps = state.clipboard
        const targets = [...new Set(chosen.map((e) => e.target))]
        event.preventDefault()
        edit(`Paste ${steps.length} step${steps.length === 1 ? '' : 's'}`, (doc) =>
          targets.reduce((d, t) => steps.reduce((dd, s) => appendStep(dd, flow.id, t, structuredClone(s)), d), doc)
        )
      } else if (mod && event.key.toLowerCase() === 'a' && flow.kind !== 'optOut') {
        event.preventDefault()
        const all = derived.edges.filter((e) => parseEdgeId(e.id)?.kind === 'mapping')
        const first = all[0] ? parseEdgeId(all[0].id) : undefined
        if (first?.kind === 'mapping')
          select(
            { kind: 'edge', target: first.target, from: first.from },
            all.map((e) => e.id)
          )
      } else if (event.key === 'Escape') select({ kind: 'none' })
    },
    [derived.edges, edit, flow, select]
  )

  const edgeAt = (event: DragEvent): string | undefined => {
    const element = event.target as Element
    const label = element.closest?.('[data-edge-id]')?.getAttribute('data-edge-id')
    if (label) return label
    const hit = window.document.elementsFromPoint(event.clientX, event.clientY).find((el) => el.closest('.react-flow__edge'))
    return hit?.closest('.react-flow__edge')?.getAttribute('data-id') ?? undefined
  }

  const onDragOver = useCallback((event: DragEvent<HTMLDivElement>) => {
    if (!event.dataTransfer.types.includes(STEP_MIME)) return
    const id = edgeAt(event)
    const parsed = id ? parseEdgeId(id) : undefined
    if (parsed?.kind === 'mapping') {
      event.preventDefault()
      event.dataTransfer.dropEffect = 'copy'
    }
    setDropTarget(parsed?.kind === 'mapping' ? id : undefined)
  }, [])

  const onDrop = useCallback(
    (event: DragEvent<HTMLDivElement>) => {
      const fn = event.dataTransfer.getData(STEP_MIME) as StepName
      setDropTarget(undefined)
      const id = edgeAt(event)
      const parsed = id ? parseEdgeId(id) : undefined
      if (!fn || parsed?.kind !== 'mapping') return
      event.preventDefault()
      let step = newStep(fn)
      if (fn === 'valueMap') {
        const sourceField = readyTable(tables.source) && findField(readyTable(tables.source)!, parsed.from)
        const targetField = readyTable(tables.target) && findField(readyTable(tables.target)!, parsed.target)
        step = (sourceField && targetField && valueMapBetween(sourceField, targetField)) || step
      }
      edit(`Add ${fn} to ${parsed.target}`, (doc) => appendStep(doc, flow.id, parsed.target, step))
      const mapping = flow.kind !== 'optOut' ? flow.fields.find((f) => f.target === parsed.target) : undefined
      select({ kind: 'step', target: parsed.target, index: mapping?.steps?.length ?? 0 }, [id!])
    },
    [edit, flow, select, tables.source, tables.target]
  )

  const suggest = useCallback(() => {
    const source = readyTable(tables.source)
    const target = readyTable(tables.target)
    if (flow.kind !== 'records' || !source || !target) return
    const items = suggestMappings(flow as RecordsFlow, source, target)
    setProposals({ flowId: flow.id, items })
  }, [flow, setProposals, tables.source, tables.target])

  const acceptAll = useCallback(() => {
    if (!proposals?.length || flow.kind !== 'records') return
    edit(`Accept ${proposals.length} suggestions`, (doc) =>
      replaceFlow(doc, flow.id, (f) => (f.kind === 'records' ? applyProposals(f, proposals) : f))
    )
    setProposals(undefined)
  }, [edit, flow, proposals, setProposals])

  // The first view fits the flow once both schemas are in (before that the nodes are small
  // placeholders), and again whenever the canvas changes size (a panel opened or closed).
  // A side without a schema (Campaign events) or whose schema failed is settled too: the view still fits.
  const settled = (table: typeof tables.source) => table === undefined || table.status !== 'loading'
  const bothReady = settled(tables.source) && settled(tables.target)
  const host = useRef<HTMLDivElement>(null)
  const presentation = useLayoutStore((state) => state.presentation)
  const overview = useLayoutStore((state) => state.overview)
  const readable = useReadableFit(host, bothReady, presentation ? PRESENTATION_ZOOM : READING_ZOOM)

  const autoLayout = useCallback(async () => {
    const sizes = getNodes().map((n) => ({ id: n.id, width: n.measured?.width ?? 300, height: n.measured?.height ?? 400 }))
    const positions = await layoutInWorker({ nodes: sizes })
    edit('Auto-layout', (doc) => setNodePositions(doc, flow.id, positions))
    requestAnimationFrame(readable)
  }, [edit, flow.id, getNodes, readable])

  const canSuggest = flow.kind === 'records' && readyTable(tables.source) !== undefined && readyTable(tables.target) !== undefined

  return (
    <div
      className={`ss-canvas-frame${connecting ? ' ss-canvas-frame--connecting' : ''}`}
      onKeyDown={onKeyDown}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onDragLeave={() => setDropTarget(undefined)}
    >
      <TransformPalette>
        {flow.kind === 'records' && (
          <Tooltip content="Propose mappings by known pairs and similar names; nothing changes until you accept" relationship="description">
            <Button size="small" icon={<LightbulbRegular />} onClick={suggest} disabled={!canSuggest}>
              Suggest mappings
            </Button>
          </Tooltip>
        )}
        {proposals && (
          <>
            <Button size="small" appearance="primary" icon={<CheckmarkCircleRegular />} onClick={acceptAll} disabled={!proposals.length}>
              Accept all ({proposals.length})
            </Button>
            <Button size="small" icon={<DismissCircleRegular />} onClick={() => setProposals(undefined)}>
              Reject all
            </Button>
          </>
        )}
        <Tooltip content="Lay the nodes out in columns: filter, source, target" relationship="description">
          <Button size="small" icon={<LayoutColumnTwoRegular />} onClick={() => void autoLayout()}>
            Auto-layout
          </Button>
        </Tooltip>
        <span className="ss-palette__spacer" />
        <ViewControls onFit={readable} showOverview={showMinimap} />
      </TransformPalette>
      <div className="ss-canvas-body">
        <div className="ss-canvas-host" ref={host}>
          <ReactFlow
            aria-label={`Canvas of flow ${flow.name ?? flow.id}`}
            nodes={shownNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStop={onNodeDragStop}
            onNodeClick={onNodeClick}
            onEdgeClick={onEdgeClick}
            onPaneClick={() => select({ kind: 'none' })}
            onConnect={onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            nodesConnectable={flow.kind !== 'optOut'}
            deleteKeyCode={null}
            selectionKeyCode={null}
            multiSelectionKeyCode={null}
            connectionRadius={24}
            minZoom={0.1}
            maxZoom={3}
            proOptions={proOptions}
          >
            <ViewLayers gap={20} />
          </ReactFlow>
        </div>
        {showMinimap && overview && (
          <aside className="ss-canvas-overview" aria-label="Overview">
            <MiniMap
              pannable
              zoomable
              ariaLabel="Minimap"
              style={{ width: 168, height: 110 }}
              nodeColor={(node) => (node.id === 'source' ? '#2f7de1' : node.id === 'target' ? '#c8421f' : '#8a8886')}
            />
          </aside>
        )}
      </div>
    </div>
  )
}
