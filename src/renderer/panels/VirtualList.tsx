import {
  forwardRef,
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type CSSProperties,
  type ReactNode
} from 'react'

/**
 * A windowed list: only the rows in view (plus a few either side) are in the DOM, so a
 * 300-field table or a 500-record preview scrolls as lightly as ten rows. Row heights are
 * known up front (fixed per kind of row), which keeps the maths exact: a prefix sum of the
 * heights and a binary search for the first visible row. No measuring, no jumps.
 */
export interface VirtualListProps {
  count: number
  /** Height of row `index` in px; a number when every row is as tall. */
  rowHeight: number | ((index: number) => number)
  renderRow: (index: number, style: CSSProperties) => ReactNode
  /** Rows rendered above and below the visible ones. */
  overscan?: number
  /** Content drawn above the rows, inside the scroll area and sticky (a grid's header). */
  header?: ReactNode
  headerHeight?: number
  /** Width of the scrolled content (a grid wider than its panel scrolls sideways). */
  contentWidth?: number
  className?: string
  role?: string
  'aria-label'?: string
  'aria-rowcount'?: number
  'data-testid'?: string
}

export interface VirtualListHandle {
  scrollToIndex(index: number): void
}

function offsetsOf(count: number, rowHeight: VirtualListProps['rowHeight']): Float64Array {
  const offsets = new Float64Array(count + 1)
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i] + (typeof rowHeight === 'number' ? rowHeight : rowHeight(i))
  return offsets
}

/** The last index whose offset is ≤ y. */
function rowAt(offsets: Float64Array, y: number): number {
  let low = 0
  let high = offsets.length - 2
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if (offsets[mid] <= y) low = mid
    else high = mid - 1
  }
  return Math.max(0, low)
}

export const VirtualList = forwardRef<VirtualListHandle, VirtualListProps>(function VirtualList(props, ref) {
  const { count, rowHeight, renderRow, overscan = 6, header, headerHeight = 0, contentWidth, className, role } = props
  const scroller = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [viewport, setViewport] = useState(400)
  const offsets = useMemo(() => offsetsOf(count, rowHeight), [count, rowHeight])

  useLayoutEffect(() => {
    const element = scroller.current
    if (!element) return
    setViewport(element.clientHeight || 400)
    const observer = new ResizeObserver(() => setViewport(element.clientHeight || 400))
    observer.observe(element)
    return () => observer.disconnect()
  }, [])

  // A shorter list (a filter, a collapse) must not leave the view scrolled past its end.
  useEffect(() => {
    const element = scroller.current
    if (element && element.scrollTop > offsets[count] + headerHeight) element.scrollTop = 0
  }, [offsets, count, headerHeight])

  const scrollToIndex = useCallback(
    (index: number) => {
      const element = scroller.current
      if (!element || index < 0 || index >= count) return
      const top = offsets[index]
      const bottom = offsets[index + 1]
      const visibleTop = element.scrollTop
      const visibleBottom = visibleTop + element.clientHeight - headerHeight
      if (top < visibleTop) element.scrollTop = top
      else if (bottom > visibleBottom) element.scrollTop = bottom - element.clientHeight + headerHeight
    },
    [offsets, count, headerHeight]
  )
  useImperativeHandle(ref, () => ({ scrollToIndex }), [scrollToIndex])

  const total = offsets[count]
  const first = count === 0 ? 0 : Math.max(0, rowAt(offsets, Math.max(0, scrollTop - headerHeight)) - overscan)
  const lastVisible = count === 0 ? -1 : rowAt(offsets, scrollTop + viewport)
  const last = Math.min(count - 1, lastVisible + overscan)
  const rows: ReactNode[] = []
  for (let index = first; index <= last; index++) {
    rows.push(
      renderRow(index, { position: 'absolute', top: offsets[index], left: 0, right: 0, height: offsets[index + 1] - offsets[index] })
    )
  }

  return (
    <div
      ref={scroller}
      className={`ssp-vlist ${className ?? ''}`}
      role={role}
      aria-label={props['aria-label']}
      aria-rowcount={props['aria-rowcount']}
      data-testid={props['data-testid']}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div style={{ minWidth: contentWidth, width: contentWidth ? 'max-content' : undefined }}>
        {header}
        <div role={role === 'grid' ? 'rowgroup' : undefined} style={{ position: 'relative', height: total, minWidth: contentWidth }}>
          {rows}
        </div>
      </div>
    </div>
  )
})
