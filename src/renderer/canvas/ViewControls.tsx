import { Button, ToggleButton } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import {
  FullScreenMaximizeRegular,
  MapRegular,
  PanelLeftRegular,
  PanelRightRegular,
  PresenterRegular,
  ScaleFitRegular,
  ZoomInRegular,
  ZoomOutRegular
} from '@fluentui/react-icons'
import { useNodesInitialized, useReactFlow, useStore, type Node } from '@xyflow/react'
import { memo, useCallback, useEffectEvent, useLayoutEffect, useRef, type ReactElement, type RefObject } from 'react'
import { useLayoutStore } from '../state/layout-store'
import { MAX_VISIBLE_ROWS, NODE_WIDTH, ROW_HEIGHT } from './FieldNode'

/** Space kept free around the nodes, in screen pixels. */
const MARGIN = 12
/** A field node's height without its rows: header, search bar, borders. */
const NODE_CHROME = 92
const MIN_ROWS = 3

/**
 * Fits the flow at a readable size: the zoom never goes below `zoom` (text 12 px or more),
 * nodes show as many rows as fit the canvas, and the view shows every node when they fit,
 * else the source and the target (the filter is one pan or one closed panel away). It
 * runs as soon as React Flow has measured the nodes — before that first view is painted —
 * again when both schemas are in, and whenever the canvas changes size. A node whose schema
 * is still loading has its final width and place, so the first fit is already the one the
 * loaded canvas keeps; the one when the schemas are in moves nothing then.
 *
 * `nodes` are the canvas's nodes as it gives them to React Flow: their places decide how many
 * rows fit under the filter before React Flow has taken them in.
 */
export function useReadableFit(host: RefObject<HTMLDivElement | null>, ready: boolean, zoom: number, nodes: readonly Node[]): () => void {
  const { getNodes, getNodesBounds, getViewport, setViewport } = useReactFlow()
  const setRowBudget = useLayoutStore((state) => state.setRowBudget)
  // Until React Flow has measured the nodes, their bounds are unknown and a fit would miss.
  const measured = useNodesInitialized()

  // Only the nodes' widths and their top edge place the view: the rows a new budget adds or
  // removes (the nodes' heights) do not move it, so the fit needs no new measure of the nodes.
  const fit = useCallback(() => {
    const element = host.current
    if (!element) return
    const width = element.clientWidth
    const all = getNodes()
    if (!all.length) return
    const bounds = getNodesBounds(all)
    const pair = all.filter((n) => n.id === 'source' || n.id === 'target')
    const shown = bounds.width * zoom + 2 * MARGIN <= width || !pair.length ? bounds : getNodesBounds(pair)
    const fits = shown.width * zoom + 2 * MARGIN <= width
    const next = {
      x: fits ? (width - shown.width * zoom) / 2 - shown.x * zoom : MARGIN - shown.x * zoom,
      y: MARGIN - shown.y * zoom,
      zoom
    }
    // The view already there is not moved again (a move repaints the canvas).
    const now = getViewport()
    if (Math.abs(now.x - next.x) < 0.5 && Math.abs(now.y - next.y) < 0.5 && now.zoom === next.zoom) return
    void setViewport(next)
  }, [getNodes, getNodesBounds, getViewport, host, setViewport, zoom])

  // The Fit button and an auto-layout: one frame for new positions to render, one for React Flow to take them in.
  const frame = useRef(0)
  const fitSoon = useCallback(() => {
    cancelAnimationFrame(frame.current)
    frame.current = requestAnimationFrame(() => {
      frame.current = requestAnimationFrame(fit)
    })
  }, [fit])

  // How many rows the field nodes show: as many as fit the canvas's height at this zoom, below
  // what the view shows above the source (the filter, when the fit shows every node). The
  // places are the canvas's own nodes', and every node is NODE_WIDTH wide, so this is known
  // before React Flow has taken them in, and decides as the fit does: a filter the fit leaves
  // above the view (every node does not fit the width) takes no rows from the field nodes.
  const budgetRows = useEffectEvent((height: number, width: number) => {
    const source = nodes.find((n) => n.id === 'source')
    const xs = nodes.map((n) => n.position.x)
    const everyNodeFits = (Math.max(...xs) + NODE_WIDTH - Math.min(...xs)) * zoom + 2 * MARGIN <= width
    const pair = nodes.filter((n) => n.id === 'source' || n.id === 'target')
    const shown = everyNodeFits || !pair.length ? nodes : pair
    const above = source ? Math.max(0, source.position.y - Math.min(...shown.map((n) => n.position.y))) : 0
    const rows = Math.floor((height / zoom - 2 * MARGIN - NODE_CHROME - above) / ROW_HEIGHT)
    setRowBudget(Math.max(MIN_ROWS, Math.min(MAX_VISIBLE_ROWS, rows)))
  })

  // The budget before the nodes' first render: React Flow takes the canvas's nodes in a passive
  // effect and renders them after it, and this layout effect runs before that. Set only once the
  // nodes were measured, it made every field node render again with the new number of rows,
  // React Flow measure them again and every edge find its ends again, in the frame that first
  // shows the canvas (docs/canvas-performance.md). Once per canvas: a new zoom or size is the
  // effect below's (it budgets again before each fit).
  useLayoutEffect(() => {
    if (host.current) budgetRows(host.current.clientHeight, host.current.clientWidth)
  }, [host])

  // A layout effect: the first fit lands before the browser paints the canvas, so its first
  // frame is the fitted view rather than the nodes at the origin, moved a few frames later.
  useLayoutEffect(() => {
    const element = host.current
    if (!element || !measured) return
    let size = ''
    const measure = () => {
      const height = element.clientHeight
      const width = element.clientWidth
      const key = `${width}×${height}`
      if (key === size) return
      size = key
      budgetRows(height, width)
      fit()
    }
    measure()
    // Its first call reports the size just measured; later ones a panel opened or closed, a window resized.
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => {
      observer.disconnect()
      cancelAnimationFrame(frame.current)
    }
    // `ready`: once more when both schemas are in.
  }, [fit, host, measured, ready])

  return fitSoon
}

/** The zoom as a percentage: its own component, so that a zoom renders this text and not the buttons around it. */
function ZoomLevel() {
  const zoom = useStore((state) => state.transform[2])
  return (
    <span className="ss-view-controls__zoom" aria-label="Zoom level" role="status">
      {Math.round(zoom * 100)}%
    </span>
  )
}

/** Zoom, fit and the window arrangement (side panels, overview, focus, presentation), in the canvas's own toolbar so nothing floats over a node. */
export const ViewControls = memo(function ViewControls({ onFit, showOverview }: { onFit: () => void; showOverview: boolean }) {
  const { zoomIn, zoomOut } = useReactFlow()
  // Only what the buttons show: the row budget changing (every fit) renders nothing here.
  const leftOpen = useLayoutStore((state) => state.leftOpen)
  const rightOpen = useLayoutStore((state) => state.rightOpen)
  const overview = useLayoutStore((state) => state.overview)
  const presentation = useLayoutStore((state) => state.presentation)
  const focused = useLayoutStore((state) => state.focus !== undefined)
  const layout = useLayoutStore.getState()
  const toggle = (label: string, detail: string, icon: ReactElement, checked: boolean, onClick: () => void) => (
    <DescriptionTooltip content={detail}>
      <ToggleButton
        size="small"
        appearance="subtle"
        icon={icon}
        checked={checked}
        aria-pressed={checked}
        aria-label={label}
        onClick={onClick}
      />
    </DescriptionTooltip>
  )
  return (
    <div className="ss-view-controls" role="group" aria-label="View">
      <DescriptionTooltip content="Zoom out">
        <Button
          size="small"
          appearance="subtle"
          icon={<ZoomOutRegular />}
          aria-label="Zoom Out"
          onClick={() => void zoomOut({ duration: 150 })}
        />
      </DescriptionTooltip>
      <ZoomLevel />
      <DescriptionTooltip content="Zoom in">
        <Button
          size="small"
          appearance="subtle"
          icon={<ZoomInRegular />}
          aria-label="Zoom In"
          onClick={() => void zoomIn({ duration: 150 })}
        />
      </DescriptionTooltip>
      <DescriptionTooltip content="Fit the flow at a readable size (text 12 px or more)">
        <Button size="small" appearance="subtle" icon={<ScaleFitRegular />} aria-label="Fit View" onClick={onFit} />
      </DescriptionTooltip>
      <span className="ss-view-controls__divider" />
      {toggle('Tables panel', 'Show or hide the tables and resources', <PanelLeftRegular />, leftOpen, () => layout.toggle('leftOpen'))}
      {toggle('Inspector panel', 'Show or hide the inspector and problems', <PanelRightRegular />, rightOpen, () =>
        layout.toggle('rightOpen')
      )}
      {showOverview &&
        toggle('Overview', 'Show or hide the overview map (beside the canvas, never over it)', <MapRegular />, overview, () =>
          layout.toggle('overview')
        )}
      {toggle(
        'Focus mode',
        'The canvas alone: side panels and preview hidden (again to bring them back)',
        <FullScreenMaximizeRegular />,
        focused,
        () => layout.setFocus(!focused)
      )}
      {toggle('Presentation', 'For a projector: the canvas alone at 150%', <PresenterRegular />, presentation, () =>
        layout.setPresentation(!presentation)
      )}
    </div>
  )
})
