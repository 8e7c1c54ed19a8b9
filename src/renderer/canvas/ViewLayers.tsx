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
 *   at the zoom the user stops at. It becomes one only when the view moves in two frames in a
 *   row: a layer that may move is painted with a margin of 4,000 px around what is in view
 *   (Chromium's cull rect for composited transforms), so for a single jump of the view — the
 *   fit when a canvas opens, a zoom step — it would cost more than the one repaint it saves
 *   (on the 160-field bench canvas, in one trace, the first frame's paint took 20 ms instead of
 *   10; `docs/canvas-performance.md`).
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
    // When the view last changed, and whether a frame has been drawn since.
    let changedAt = -Infinity
    let drawn = false
    let frame = 0
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
    const moved = () => {
      viewport ??= store.getState().domNode?.querySelector<HTMLElement>('.react-flow__viewport') ?? null
      const now = performance.now()
      const layered = viewport?.classList.contains('ss-viewport--moving') ?? false
      // Still moving: it changed again in a later frame, soon after the last change.
      if (viewport && (layered || (drawn && now - changedAt < SETTLE_MS))) {
        // Only when it changes: setting a class again still dirties the element's style.
        if (!layered) viewport.classList.add('ss-viewport--moving')
        clearTimeout(settle)
        settle = setTimeout(() => viewport?.classList.remove('ss-viewport--moving'), SETTLE_MS)
      }
      changedAt = now
      drawn = false
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => (drawn = true))
    }
    place(store.getState().transform)
    const unsubscribe = store.subscribe((state, previous) => {
      // React Flow sets a new transform of the same values when it starts: that moves nothing.
      if (state.transform.every((value, index) => value === previous.transform[index])) return
      place(state.transform)
      moved()
    })
    return () => {
      unsubscribe()
      clearTimeout(settle)
      cancelAnimationFrame(frame)
      viewport?.classList.remove('ss-viewport--moving')
    }
  }, [gap, store])

  return <div ref={grid} className="ss-dot-grid" aria-hidden="true" data-testid="canvas-grid" />
}
