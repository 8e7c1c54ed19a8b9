import { Button } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { CheckmarkRegular, DismissRegular, ErrorCircleFilled, WarningFilled } from '@fluentui/react-icons'
import { BaseEdge, EdgeLabelRenderer, getBezierPath, useStore, type Edge, type EdgeProps, type ReactFlowState } from '@xyflow/react'
import { memo, useLayoutEffect, useRef } from 'react'
import { perform } from '../actions/registry'
import { useCanvasStore } from '../state/canvas-store'
import { useEdgeLabelStore } from '../state/edge-label-store'
import { LABEL_GAP, type LabelRequest, type Rect } from './label-placement'
import './links.css'
import type { Severity } from '../state/flow-schema'

/**
 * A field mapping: one edge per source field, the steps as a chain of chips on the first
 * one, coloured by the worst problem of the mapping. A proposal from auto-map is the same
 * edge dashed, with accept and reject buttons. The match key is drawn as a key edge.
 */

export interface MappingEdgeData extends Record<string, unknown> {
  kind: 'mapping' | 'proposal' | 'match' | 'filter' | 'link'
  target: string
  from: string
  /** Chips are drawn once per mapping, on its first edge. */
  primary: boolean
  steps: string[]
  severity: Severity | undefined
  message: string | undefined
  applyUpdates: boolean
  trace: { value: unknown; error?: string } | undefined
  reason?: string
  confidence?: number
  /** A link's parent flow, by name. */
  parentFlow?: string
}
export type MappingEdgeType = Edge<MappingEdgeData, 'mapping'>

const show = (value: unknown) =>
  value === undefined
    ? '∅'
    : typeof value === 'string'
      ? `"${value.length > 28 ? `${value.slice(0, 27)}…` : value}"`
      : JSON.stringify(value)

/** The nodes' boxes in flow coordinates, as one string so the edges re-render only when a node moves or changes size. */
const nodeBoxes = (state: ReactFlowState) => {
  let key = ''
  for (const node of state.nodeLookup.values()) {
    const { x, y } = node.internals.positionAbsolute
    key += `${x},${y},${node.measured.width ?? 0},${node.measured.height ?? 0};`
  }
  return key
}
const rectsOf = (key: string): Rect[] =>
  key
    .split(';')
    .filter(Boolean)
    .map((part) => {
      const [x, y, width, height] = part.split(',').map(Number)
      return { x, y, width, height }
    })

/**
 * Tells the label placement where the nodes are (in flow coordinates), once for all edges:
 * rendered once inside the canvas, not in each edge, so that React Flow's store changing
 * (every measure while the canvas mounts) is not read again by each of hundreds of edges.
 */
export function LabelObstacles() {
  const boxes = useStore(nodeBoxes)
  const setObstacles = useEdgeLabelStore((state) => state.setObstacles)
  useLayoutEffect(() => setObstacles(rectsOf(boxes)), [boxes, setObstacles])
  return null
}

type LabelEnds = Omit<LabelRequest, 'id' | 'width' | 'height'>

/**
 * Asks the label placement for a spot for this edge's label: with the label's size as laid out
 * (in flow units: the canvas zoom does not change it), again when its content changes size or
 * its edge moves, and withdraws it when the label goes (hidden, or its edge gone).
 *
 * The size comes from a ResizeObserver, whose first call comes after the next layout, before that
 * frame is painted: reading it while rendering would lay the whole canvas out once more, for each
 * label, while it mounts. It is kept in a ref, not in React state, and the callback asks for the
 * spot itself: a state update there would be a render of its own, in a task after the frame, before
 * the label could be placed (docs/canvas-performance.md).
 */
function useLabelPlacement(id: string, ends: LabelEnds) {
  const ref = useRef<HTMLDivElement>(null)
  const size = useRef<{ width: number; height: number }>(undefined)
  const latest = useRef(ends)
  const { request, withdraw } = useEdgeLabelStore.getState()
  useLayoutEffect(() => {
    const element = ref.current
    size.current = undefined
    if (!element) return
    const observer = new ResizeObserver(() => {
      const width = element.offsetWidth
      const height = element.offsetHeight
      if (size.current?.width === width && size.current.height === height) return
      size.current = { width, height }
      request({ id, ...latest.current, width, height })
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [id, request])
  const { sx, sy, tx, ty, prefer, first } = ends
  useLayoutEffect(() => {
    latest.current = { sx, sy, tx, ty, prefer, first }
    // Once measured, a moved edge asks again (the store ignores a request that did not change).
    if (size.current) request({ id, sx, sy, tx, ty, prefer, first, ...size.current })
  }, [id, sx, sy, tx, ty, prefer, first, request])
  useLayoutEffect(() => () => withdraw(id), [id, withdraw])
  return ref
}

function MappingEdgeView({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  data,
  selected,
  markerEnd,
  sourceHandleId,
  targetHandleId
}: EdgeProps<MappingEdgeType>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, curvature: 0.35 })
  // Rows are named by their handles (a lookup's row is `new_contactid` even when the mapping reads `_new_contactid_value`).
  const away = useCanvasStore((state) =>
    data ? state.proxied.source.has(sourceHandleId ?? data.from) || state.proxied.target.has(targetHandleId ?? data.target) : false
  )
  const kind = data?.kind
  const className = `ss-edge ss-edge--${kind}${data?.severity ? ` ss-edge--${data.severity}` : ''}${selected ? ' ss-edge--selected' : ''}${away && !selected ? ' ss-edge--away' : ''}`
  // Proposals show their buttons when selected (the inspector lists them all); an edge whose row is scrolled away keeps quiet.
  const showLabel =
    data !== undefined &&
    Boolean(
      selected ||
      (!away &&
        (kind === 'match' ||
          kind === 'link' ||
          (kind === 'mapping' && data.primary && (data.steps.length > 0 || data.severity || data.trace || !data.applyUpdates))))
    )

  if (!data) return null
  return (
    <>
      <BaseEdge id={id} path={path} className={className} markerEnd={markerEnd} interactionWidth={16} />
      {/* Most mappings carry no label: only an edge that shows one pays for its placement and selection hooks. */}
      {showLabel && (
        <EdgeLabel
          id={id}
          data={data}
          selected={Boolean(selected)}
          ends={{ sx: sourceX, sy: sourceY, tx: targetX, ty: targetY, prefer: kind === 'match' ? 0.5 : 0.68, first: Boolean(selected) }}
          midpoint={{ x: labelX, y: labelY }}
        />
      )}
    </>
  )
}

function EdgeLabel({
  id,
  data,
  selected,
  ends,
  midpoint
}: {
  id: string
  data: MappingEdgeData
  selected: boolean
  ends: LabelEnds
  midpoint: { x: number; y: number }
}) {
  const { kind } = data
  const selectedStep = useCanvasStore((state) =>
    selected && state.selection.kind === 'step' && state.selection.target === data.target ? state.selection.index : undefined
  )
  const select = useCanvasStore((state) => state.select)
  // Where the label goes is worked out with every other label and node (state/edge-label-store.ts): never on a node or another label.
  // Labels sit about two thirds along, nearer the target: mappings into neighbouring rows then fan out instead of stacking mid-way.
  const labelRef = useLabelPlacement(id, ends)
  const placed = useEdgeLabelStore((state) => state.placed.get(id))
  // A label as wide as the free space between the two nodes at most: longer ones wrap.
  const room = Math.max(96, Math.min(320, Math.abs(ends.tx - ends.sx) - 2 * LABEL_GAP))

  return (
    <EdgeLabelRenderer>
      <div
        className={`ss-edge-label ss-edge-label--${kind} nodrag nopan${selected ? ' ss-edge-label--selected' : ''}`}
        ref={labelRef}
        style={{
          transform: placed
            ? `translate(-50%, -50%) translate(${placed.x}px, ${placed.y}px)`
            : `translate(-50%, -50%) translate(${midpoint.x}px, ${midpoint.y}px)`,
          maxWidth: room,
          visibility: placed ? undefined : 'hidden'
        }}
        data-edge-id={id}
      >
        {kind === 'match' && <span className="ss-chip ss-chip--key">match key</span>}
        {kind === 'link' && (
          // A click on the chip selects the link: the Inspector shows its parent flow and offers the others.
          <button
            type="button"
            className={`ss-chip ss-chip--link${data.severity ? ` ss-chip--${data.severity}` : ''}`}
            title={data.message ?? `Each record is linked to its parent synced by the flow ${data.parentFlow ?? ''}`}
            onClick={(event) => {
              event.stopPropagation()
              select({ kind: 'edge', target: data.target, from: data.from }, [id])
            }}
          >
            link · parent: {data.parentFlow}
          </button>
        )}
        {kind === 'proposal' && (
          <>
            <DescriptionTooltip content={data.reason ?? ''}>
              <span className="ss-chip ss-chip--proposal">
                {Math.round((data.confidence ?? 0) * 100)}% {data.steps.length ? `· ${data.steps.join(' → ')}` : ''}
              </span>
            </DescriptionTooltip>
            <Button
              size="small"
              appearance="subtle"
              className="ss-edge-label__button"
              icon={<CheckmarkRegular />}
              aria-label={`Accept ${data.from} → ${data.target}`}
              onClick={() => perform('acceptSuggestion', { target: data.target })}
            />
            <Button
              size="small"
              appearance="subtle"
              className="ss-edge-label__button"
              icon={<DismissRegular />}
              aria-label={`Reject ${data.from} → ${data.target}`}
              onClick={() => perform('rejectSuggestion', { target: data.target })}
            />
          </>
        )}
        {kind === 'mapping' && (
          <>
            {data.severity && (
              <DescriptionTooltip content={data.message ?? ''}>
                <span className={`ss-badge ss-badge--${data.severity}`} aria-label={`${data.severity}: ${data.message ?? ''}`} role="img">
                  {data.severity === 'error' ? <ErrorCircleFilled /> : <WarningFilled />}
                </span>
              </DescriptionTooltip>
            )}
            {data.steps.map((fn, index) => (
              <button
                key={index}
                type="button"
                className={`ss-chip${selectedStep === index ? ' ss-chip--selected' : ''}`}
                aria-label={`Step ${index + 1} of ${data.target}: ${fn}`}
                onClick={(event) => {
                  event.stopPropagation()
                  select({ kind: 'step', target: data.target, index }, [id])
                }}
              >
                {fn}
              </button>
            ))}
            {!data.applyUpdates && (
              <span className="ss-chip ss-chip--muted" title="Written only when the record is created">
                create only
              </span>
            )}
            {data.trace && (
              <span
                className={`ss-chip ss-chip--trace${data.trace.error ? ' ss-chip--trace-error' : ''}`}
                title={data.trace.error ?? show(data.trace.value)}
              >
                {data.trace.error ? `✕ ${data.trace.error}` : `= ${show(data.trace.value)}`}
              </span>
            )}
          </>
        )}
      </div>
    </EdgeLabelRenderer>
  )
}

export const MappingEdge = memo(MappingEdgeView)
