import { useStoreApi, type ReactFlowState } from '@xyflow/react'
import { useLayoutEffect, useRef } from 'react'

/**
 * What keeps a pan cheap: while the view moves, nothing is painted again, the compositor only
 * moves layers that are already rastered.
 *
 * - The dotted grid is one layer one gap larger than the canvas, moved by less than a gap:
 *   a pan moves it (the dots line up again every gap), only a zoom paints it again. React
 *   Flow's `Background` draws an SVG pattern whose offset changes on every frame, which
 *   repaints the whole canvas on every frame of a pan.
 * - The viewport (nodes and edges) is its own layer while the view moves, so a pan does not
 *   raster the nodes' text again on every frame. It stops being one once the view has been
 *   still for a moment: a layer keeps the scale it was rastered at, and text must be sharp
 *   at the zoom the user stops at.
 *
 * Both follow React Flow's store directly (no React render per frame).
 */

/** How long the view stays still before the viewport is an ordinary layer again. */
const SETTLE_MS = 200

const mod = (value: number, by: number) => ((value % by) + by) % by

export function ViewLayers({ gap = 20 }: { gap?: number }) {
  const store = useStoreApi()
  const grid = useRef<HTMLDivElement>(null)

  useLayoutEffect(() => {
    let zoom = NaN
    let settle: ReturnType<typeof setTimeout> | undefined
    let viewport: HTMLElement | null = null
    const place = ([x, y, scale]: ReactFlowState['transform']) => {
      const element = grid.current
      if (!element) return
      const size = gap * scale
      if (scale !== zoom) {
        zoom = scale
        element.style.setProperty('--ss-grid-gap', `${size}px`)
        // React Flow draws a dot of diameter 1 flow pixel.
        element.style.setProperty('--ss-grid-dot', `${Math.max(0.5, scale / 2)}px`)
      }
      element.style.transform = `translate(${mod(x, size)}px, ${mod(y, size)}px)`
    }
    const moving = () => {
      viewport ??= store.getState().domNode?.querySelector<HTMLElement>('.react-flow__viewport') ?? null
      // Only when it changes: setting a class again still dirties the element's style.
      if (viewport && !viewport.classList.contains('ss-viewport--moving')) viewport.classList.add('ss-viewport--moving')
      clearTimeout(settle)
      settle = setTimeout(() => viewport?.classList.remove('ss-viewport--moving'), SETTLE_MS)
    }
    place(store.getState().transform)
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.transform === previous.transform) return
      place(state.transform)
      moving()
    })
    return () => {
      unsubscribe()
      clearTimeout(settle)
      viewport?.classList.remove('ss-viewport--moving')
    }
  }, [gap, store])

  return <div ref={grid} className="ss-dot-grid" aria-hidden="true" data-testid="canvas-grid" />
}
