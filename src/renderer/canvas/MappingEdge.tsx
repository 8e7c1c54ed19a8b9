import { Button } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { CheckmarkRegular, DismissRegular, ErrorCircleFilled, WarningFilled } from '@fluentui/react-icons'
import { BaseEdge, EdgeLabelRenderer, getBezierPath, useStore, type Edge, type EdgeProps, type ReactFlowState } from '@xyflow/react'
import { memo, useLayoutEffect, useRef, useState } from 'react'
import { perform } from '../actions/registry'
import { useCanvasStore } from '../state/canvas-store'
import { useEdgeLabelStore } from '../state/edge-label-store'
import { LABEL_GAP, type Rect } from './label-placement'
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

/** The label's size as laid out (in flow units: the canvas zoom does not change it), measured again when its content changes. */
function useLabelSize(shown: boolean) {
  const ref = useRef<HTMLDivElement>(null)
  const [size, setSize] = useState<{ width: number; height: number }>()
  useLayoutEffect(() => {
    const element = ref.current
    if (!shown || !element) return setSize(undefined)
    const measure = () =>
      setSize((previous) =>
        previous?.width === element.offsetWidth && previous.height === element.offsetHeight
          ? previous
          : { width: element.offsetWidth, height: element.offsetHeight }
      )
    // The observer's first call comes after the next layout, before that frame is painted: reading
    // the size here instead would lay the whole canvas out once more, for each label, while it mounts.
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [shown])
  return [ref, size] as const
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
  const selectedStep = useCanvasStore((state) =>
    selected && state.selection.kind === 'step' && state.selection.target === data?.target ? state.selection.index : undefined
  )
  const select = useCanvasStore((state) => state.select)
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

  // Where the label goes is worked out with every other label and node (state/edge-label-store.ts): never on a node or another label.
  const [labelRef, size] = useLabelSize(showLabel)
  const { request, withdraw } = useEdgeLabelStore.getState()
  useLayoutEffect(() => {
    // Labels sit about two thirds along, nearer the target: mappings into neighbouring rows then fan out instead of stacking mid-way.
    if (showLabel && size)
      request({ id, sx: sourceX, sy: sourceY, tx: targetX, ty: targetY, ...size, prefer: kind === 'match' ? 0.5 : 0.68, first: selected })
    else withdraw(id)
  }, [id, showLabel, size, sourceX, sourceY, targetX, targetY, kind, selected, request, withdraw])
  useLayoutEffect(() => () => withdraw(id), [id, withdraw])
  const placed = useEdgeLabelStore((state) => state.placed.get(id))
  // A label as wide as the free space between the two nodes at most: longer ones wrap.
  const room = Math.max(96, Math.min(320, Math.abs(targetX - sourceX) - 2 * LABEL_GAP))

  if (!data) return null
  return (
    <>
      <BaseEdge id={id} path={path} className={className} markerEnd={markerEnd} interactionWidth={16} />
      {showLabel && (
        <EdgeLabelRenderer>
          <div
            className={`ss-edge-label ss-edge-label--${kind} nodrag nopan${selected ? ' ss-edge-label--selected' : ''}`}
            ref={labelRef}
            style={{
              transform: placed
                ? `translate(-50%, -50%) translate(${placed.x}px, ${placed.y}px)`
                : `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)`,
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
                    <span
                      className={`ss-badge ss-badge--${data.severity}`}
                      aria-label={`${data.severity}: ${data.message ?? ''}`}
                      role="img"
                    >
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
      )}
    </>
  )
}

export const MappingEdge = memo(MappingEdgeView)
