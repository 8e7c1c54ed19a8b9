import { ArrowSortDownRegular, ArrowSortUpRegular } from '@fluentui/react-icons'
import {
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type ColumnSizingState,
  type SortingFn,
  type SortingState
} from '@tanstack/react-table'
import { useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react'
import { VirtualList, type VirtualListHandle } from './VirtualList'
import './panels.css'

/**
 * One grid for the app's record lists (the preview's records, a run's failed records, its
 * conflicts): TanStack Table keeps the state — sort (click a header: ascending, descending,
 * the list's own order), column widths (drag a header's right edge; double-click resets),
 * the caller's filter — and the virtual list draws only the rows in view.
 */
export interface GridColumn<T> {
  id: string
  header: string
  /** The header's tooltip, when the name is cut. */
  headerTitle?: string
  /** What the column sorts by; also the cell's text when there is no `render`. */
  value: (row: T) => string | number
  /** Text sorts as the user reads it (locale order, numbers inside text by value); number by value. */
  sort?: 'text' | 'number'
  size: number
  minSize?: number
  render?: (row: T) => ReactNode
  /** The cell's class (default `ssp-grid__cell`). */
  className?: (row: T) => string | undefined
  /** The cell's tooltip (default: its text). */
  title?: (row: T) => string | undefined
}

const byText = <T,>(): SortingFn<T> => {
  return (a, b, id) => String(a.getValue(id)).localeCompare(String(b.getValue(id)), undefined, { numeric: true })
}

export function DataGrid<T>(props: {
  rows: readonly T[]
  columns: ReadonlyArray<GridColumn<T>>
  rowKey: (row: T) => string | number
  /** The caller's filter (a status, a reason); `filterKey` names it so the grid filters again when it changes. */
  show?: (row: T) => boolean
  filterKey?: string
  isSelected?: (row: T) => boolean
  onSelect?: (row: T) => void
  rowClassName?: (row: T) => string | undefined
  rowHeight?: number
  empty?: ReactNode
  className?: string
  'aria-label': string
  'data-testid'?: string
}) {
  const { rows, columns, rowKey, show, filterKey, isSelected, onSelect, rowClassName, empty } = props
  const rowHeight = props.rowHeight ?? 30
  const list = useRef<VirtualListHandle>(null)
  const grid = useRef<HTMLDivElement>(null)
  const [sorting, setSorting] = useState<SortingState>([])
  const [columnSizing, setColumnSizing] = useState<ColumnSizingState>({})

  const firstId = columns[0]?.id
  const tableColumns = useMemo<Array<ColumnDef<T>>>(
    () =>
      columns.map((column) => ({
        id: column.id,
        header: column.header,
        accessorFn: column.value,
        size: column.size,
        minSize: column.minSize ?? 48,
        ...(column.sort === 'number' ? { sortingFn: 'basic' as const } : { sortingFn: byText<T>() }),
        // The caller's filter rides on the first column: TanStack runs it with the sort, on every row.
        ...(column.id === firstId ? { filterFn: (row: { original: T }) => !show || show(row.original) } : {})
      })),
    [columns, firstId, show]
  )
  const columnFilters = useMemo(() => (firstId ? [{ id: firstId, value: filterKey ?? 'all' }] : []), [firstId, filterKey])
  const table = useReactTable({
    data: rows as T[],
    columns: tableColumns,
    state: { sorting, columnSizing, columnFilters },
    onSortingChange: setSorting,
    onColumnSizingChange: setColumnSizing,
    columnResizeMode: 'onChange',
    sortDescFirst: false,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel()
  })
  const shown = table.getRowModel().rows
  const headers = table.getHeaderGroups()[0].headers
  const width = headers.reduce((sum, header) => sum + header.getSize(), 0)
  const template = headers.map((header) => `${header.getSize()}px`).join(' ')

  const focusRow = (index: number) => {
    if (index < 0 || index >= shown.length) return
    list.current?.scrollToIndex(index)
    requestAnimationFrame(() => grid.current?.querySelector<HTMLElement>(`[data-row-index="${index}"]`)?.focus())
  }
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>, index: number) => {
    if (event.key === 'ArrowDown') focusRow(index + 1)
    else if (event.key === 'ArrowUp') focusRow(index - 1)
    else if ((event.key === 'Enter' || event.key === ' ') && onSelect) onSelect(shown[index].original)
    else return
    event.preventDefault()
  }

  if (shown.length === 0) return <>{empty ?? null}</>

  const header = (
    <div className="ssp-grid__header" role="row" style={{ gridTemplateColumns: template, width }}>
      {headers.map((h) => {
        const sorted = h.column.getIsSorted()
        const name = String(h.column.columnDef.header)
        return (
          <div
            role="columnheader"
            key={h.id}
            title={columns.find((c) => c.id === h.id)?.headerTitle}
            aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
            className="ssp-grid__head"
          >
            <button type="button" className="ssp-grid__sort" onClick={h.column.getToggleSortingHandler()} aria-label={`Sort by ${name}`}>
              <span className="ssp-grid__text">{name}</span>
              {sorted === 'asc' ? <ArrowSortUpRegular aria-hidden /> : sorted === 'desc' ? <ArrowSortDownRegular aria-hidden /> : null}
            </button>
            <div
              className={`ssp-grid__resize${h.column.getIsResizing() ? ' ssp-grid__resize--active' : ''}`}
              role="separator"
              aria-orientation="vertical"
              aria-label={`Resize ${name}`}
              onMouseDown={h.getResizeHandler()}
              onTouchStart={h.getResizeHandler()}
              onDoubleClick={() => h.column.resetSize()}
            />
          </div>
        )
      })}
    </div>
  )

  const renderRow = (index: number, style: CSSProperties) => {
    const row = shown[index].original
    const selected = isSelected?.(row) ?? false
    return (
      <div
        key={rowKey(row)}
        role="row"
        aria-rowindex={index + 2}
        aria-selected={selected}
        data-row-index={index}
        tabIndex={index === 0 ? 0 : -1}
        className={`ssp-grid__row${rowClassName?.(row) ? ` ${rowClassName(row)}` : ''}${selected ? ' ssp-grid__row--selected' : ''}`}
        style={{ ...style, gridTemplateColumns: template, width }}
        onClick={onSelect ? () => onSelect(row) : undefined}
        onKeyDown={(event) => onKeyDown(event, index)}
      >
        {columns.map((column) => {
          const text = String(column.value(row))
          return (
            <div
              role="gridcell"
              key={column.id}
              className={column.className?.(row) ?? 'ssp-grid__cell'}
              title={column.title ? column.title(row) : text}
            >
              {column.render ? column.render(row) : <span className="ssp-grid__text">{text}</span>}
            </div>
          )
        })}
      </div>
    )
  }

  return (
    <div ref={grid} className="ssp-grid__frame">
      <VirtualList
        ref={list}
        role="grid"
        aria-label={props['aria-label']}
        aria-rowcount={shown.length + 1}
        count={shown.length}
        rowHeight={rowHeight}
        renderRow={renderRow}
        header={header}
        headerHeight={rowHeight}
        contentWidth={width}
        className={props.className ?? 'ssp-grid__scroller'}
        data-testid={props['data-testid']}
      />
    </div>
  )
}
