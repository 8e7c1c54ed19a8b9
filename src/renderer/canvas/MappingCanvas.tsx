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
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import type { StepName } from '../../shared/mapping/steps'
import type { Problem } from '../../shared/problems'
import { perform, performAndWait } from '../actions/registry'
import { CANVAS_KEYS } from '../actions/use-actions'
import type { Client } from '../api/client'
import { parseEdgeId, useCanvasStore } from '../state/canvas-store'
import { flowProblemsOf, readyTable, useFlowTables } from '../state/flow-schema'
import { useTraceStore } from '../state/trace-store'
import { FieldNode } from './FieldNode'
import { FilterNode } from './FilterNode'
import { LabelObstacles, MappingEdge } from './MappingEdge'
import { toCanvas } from './model'
import { dropRule } from './drop-rules'
import './canvas.css'
import { useReadableFit } from './ViewControls'
import { ViewLayers } from './ViewLayers'
import { PRESENTATION_ZOOM, READING_ZOOM, useLayoutStore } from '../state/layout-store'
import { STEP_MIME } from './TransformPalette'
import { CanvasToolbar } from './CanvasToolbar'
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
  const tables = useFlowTables(client, document, flow)
  const proposals = useCanvasStore((state) => (state.proposals?.flowId === flow.id ? state.proposals.items : undefined))
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
  // A drop (or Enter on a source field, then on a target field in FieldNode) is the registry's connect action: one undo step.
  const connect = useCallback(
    (source: string, target: string, append: boolean) => perform('connectFields', { flowId: flow.id, source, target, append }),
    [flow.id]
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

  const onNodesChange = useCallback((changes: NodeChange[]) => {
    // Selection is the canvas store's; React Flow's own select changes are left out.
    const kept = changes.filter((c) => c.type !== 'select' && c.type !== 'remove')
    if (kept.length) setNodes((current) => applyNodeChanges(kept, current))
  }, [])

  const onNodeDragStop: OnNodeDrag = useCallback((_event, _node, dragged) => {
    const positions: Record<string, [number, number]> = {}
    for (const node of dragged) positions[node.id] = [node.position.x, node.position.y]
    perform('moveNodes', { positions })
  }, [])

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

  const onDrop = useCallback((event: DragEvent<HTMLDivElement>) => {
    const fn = event.dataTransfer.getData(STEP_MIME) as StepName
    setDropTarget(undefined)
    const id = edgeAt(event)
    const parsed = id ? parseEdgeId(id) : undefined
    if (!fn || parsed?.kind !== 'mapping') return
    event.preventDefault()
    perform('addStep', { fn, target: parsed.target, from: parsed.from })
  }, [])

  // The first view fits the flow before its first frame (a node whose schema is loading has its
  // final width and place), again once both schemas are in, and whenever the canvas changes size
  // (a panel opened or closed). A side without a schema (Campaign events) or whose schema failed
  // is settled too.
  const settled = (table: typeof tables.source) => table === undefined || table.status !== 'loading'
  const bothReady = settled(tables.source) && settled(tables.target)
  const host = useRef<HTMLDivElement>(null)
  const presentation = useLayoutStore((state) => state.presentation)
  const overview = useLayoutStore((state) => state.overview)
  const readable = useReadableFit(host, bothReady, presentation ? PRESENTATION_ZOOM : READING_ZOOM, nodes)

  const autoLayout = useCallback(async () => {
    const nodes = getNodes().map((n) => ({ id: n.id, width: n.measured?.width ?? 300, height: n.measured?.height ?? 400 }))
    if (await performAndWait('autoLayout', { nodes })) requestAnimationFrame(readable)
  }, [getNodes, readable])

  return (
    <div
      className={`ss-canvas-frame${connecting ? ' ss-canvas-frame--connecting' : ''}`}
      {...{ [CANVAS_KEYS]: '' }}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onDragLeave={() => setDropTarget(undefined)}
    >
      <CanvasToolbar
        suggest={flow.kind === 'records'}
        proposals={proposals?.length}
        onAutoLayout={autoLayout}
        onFit={readable}
        showOverview={showMinimap}
      />
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
            <LabelObstacles />
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
