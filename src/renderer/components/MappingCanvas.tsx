import { memo, useCallback, useMemo } from 'react'
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
  type OnNodeDrag
} from '@xyflow/react'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { useDocumentStore } from '../state/document-store'

/**
 * The canvas is a view of the active flow of the document: a source node, a target node,
 * one handle per mapped field, and an edge per field mapping labelled with its steps.
 * Node positions live in the document's layout, so a reopened file looks the same.
 */

type SideData = { title: string; subtitle: string; fields: string[]; side: 'source' | 'target' }
type SideNode = Node<SideData, 'side'>

const SideNodeView = memo(function SideNodeView({ data }: NodeProps<SideNode>) {
  return (
    <div className={`ss-node ss-node--${data.side}`} aria-label={`${data.side === 'source' ? 'Source' : 'Target'} ${data.title}`}>
      <div className="ss-node__header">
        <div className="ss-node__title">{data.title}</div>
        <div className="ss-node__subtitle">{data.subtitle}</div>
      </div>
      <ul className="ss-node__fields">
        {data.fields.length === 0 && <li className="ss-node__empty">No mapped fields</li>}
        {data.fields.map((field) => (
          <li key={field} className="ss-node__field">
            <span>{field}</span>
            <Handle
              id={field}
              type={data.side === 'source' ? 'source' : 'target'}
              position={data.side === 'source' ? Position.Right : Position.Left}
            />
          </li>
        ))}
      </ul>
    </div>
  )
})

// Defined once, outside render, as React Flow asks.
const nodeTypes = { side: SideNodeView }

function describeSide(flow: Flow, side: 'source' | 'target'): { title: string; subtitle: string } {
  const end = flow[side]
  if (end.system === 'dynamics') return { title: end.table, subtitle: 'Dynamics 365 table' }
  if ('resource' in end) return { title: end.resource, subtitle: 'Campaign resource' }
  return { title: `${end.event} events`, subtitle: 'Campaign marketing events' }
}

function fieldPairs(flow: Flow): Array<{ from: string[]; target: string; label: string }> {
  if (flow.kind === 'optOut') return flow.pairs.map((pair) => ({ from: [pair.dynamics], target: pair.campaign, label: flow.direction }))
  return flow.fields.map((field) => ({
    from: field.from ?? [],
    target: field.target,
    label: (field.steps ?? []).map((step) => step.fn).join(' → ')
  }))
}

export function toCanvas(document: MappingDocument, flow: Flow): { nodes: SideNode[]; edges: Edge[] } {
  const pairs = fieldPairs(flow)
  const positions = document.layout?.[flow.id]?.nodes ?? {}
  const sourceFields = [...new Set(pairs.flatMap((pair) => pair.from))]
  const targetFields = pairs.map((pair) => pair.target)
  const nodes: SideNode[] = [
    {
      id: 'source',
      type: 'side',
      position: { x: positions.source?.[0] ?? 0, y: positions.source?.[1] ?? 0 },
      data: { ...describeSide(flow, 'source'), fields: sourceFields, side: 'source' }
    },
    {
      id: 'target',
      type: 'side',
      position: { x: positions.target?.[0] ?? 560, y: positions.target?.[1] ?? 0 },
      data: { ...describeSide(flow, 'target'), fields: targetFields, side: 'target' }
    }
  ]
  const edges: Edge[] = pairs.flatMap((pair, index) =>
    pair.from.map((from) => ({
      id: `e${index}-${from}`,
      source: 'source',
      sourceHandle: from,
      target: 'target',
      targetHandle: pair.target,
      label: pair.label || undefined
    }))
  )
  return { nodes, edges }
}

export function MappingCanvas({ document, flow, showMinimap }: { document: MappingDocument; flow: Flow; showMinimap: boolean }) {
  const edit = useDocumentStore((state) => state.edit)
  const { nodes, edges } = useMemo(() => toCanvas(document, flow), [document, flow])

  // A move is an edit of the document's layout (undoable), committed when the drag ends.
  const onNodeDragStop: OnNodeDrag<SideNode> = useCallback(
    (_event, node) => {
      edit('Move node', (current) => {
        const layout = current.layout ?? {}
        const flowLayout = layout[flow.id] ?? { nodes: {} }
        const position: [number, number] = [Math.round(node.position.x), Math.round(node.position.y)]
        return { ...current, layout: { ...layout, [flow.id]: { ...flowLayout, nodes: { ...flowLayout.nodes, [node.id]: position } } } }
      })
    },
    [edit, flow.id]
  )

  return (
    <ReactFlow
      aria-label={`Canvas of flow ${flow.name ?? flow.id}`}
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodeDragStop={onNodeDragStop}
      nodesConnectable={false}
      fitView
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={20} />
      <Controls showInteractive={false} />
      {showMinimap && <MiniMap pannable zoomable ariaLabel="Minimap" nodeColor={(node) => (node.id === "source" ? "#2f7de1" : "#c8421f")} />}
    </ReactFlow>
  )
}
