import { useNodeId, type Position } from '@xyflow/react'

/**
 * A handle no connection starts or ends at: where an edge ends when its field's row is scrolled
 * away or filtered out, or the filter's link. React Flow's `Handle` subscribes each handle to the
 * connection in progress and wires pointer handlers for dragging a new edge; a node with a long
 * schema has dozens of these ends, and their subscriptions were most of the cost of mounting its
 * handles (docs/canvas-performance.md). This renders the element React Flow measures instead:
 * it finds a node's handles by their `source`/`target` class and reads `data-handleid` and
 * `data-handlepos` (`getHandleBounds` in @xyflow/system), so edges end here as at any handle.
 * tests/e2e/canvas-reveal.spec.ts checks that every edge, faded or not, ends at its handle or stand-in.
 */
export function PassiveHandle({
  id,
  type,
  position,
  className
}: {
  id: string
  type: 'source' | 'target'
  position: Position
  className: string
}) {
  const nodeId = useNodeId()
  return (
    <div
      data-handleid={id}
      data-nodeid={nodeId}
      data-handlepos={position}
      className={`react-flow__handle react-flow__handle-${position} nodrag nopan ${type} ${className}`}
    />
  )
}
