import { Button, Input, Select, Spinner } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { PassiveHandle } from './PassiveHandle'
import { ChevronDownRegular, ChevronRightRegular, KeyRegular, SearchRegular } from '@fluentui/react-icons'
import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from '@xyflow/react'
import { memo, useCallback, useEffect, useEffectEvent, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { findField, type Field, type Table } from '../../shared/schema/model'
import { perform } from '../actions/registry'
import { defaultNodeView, useCanvasStore, viewKey, type NodeSide, type RowMode } from '../state/canvas-store'
import type { Loadable } from '../state/schema-store'
import type { Severity } from '../state/flow-schema'
import { useLayoutStore } from '../state/layout-store'

/**
 * A table or resource on the canvas: one row per field, one handle per row. Long schemas
 * stay fast: rows have a fixed height and only the rows in the node's scroll window are in
 * the DOM. A field with an edge whose row is scrolled away (or filtered out, or the node
 * collapsed) keeps a handle at the top, bottom or header of the node, so its edge still
 * points at where it is.
 */

export const ROW_HEIGHT = 32
export const MAX_VISIBLE_ROWS = 16
export const NODE_WIDTH = 260

export interface FieldNodeData extends Record<string, unknown> {
  flowId: string
  side: NodeSide
  title: string
  subtitle: string
  table: Loadable<Table> | undefined
  /** Field names when there is no schema (Campaign events, or a schema that failed to load). */
  fallbackFields: string[]
  /** Fields with an edge (mappings, the match key, proposals): they always need a handle. */
  linked: string[]
  /** Fields the flow maps (shown as mapped, counted, and what "Mapped" lists). */
  mapped: string[]
  keyField: string | undefined
  severities: Record<string, Severity>
  /** A traced record's values (source: input, target: output). */
  values: Record<string, unknown> | undefined
  connectable: boolean
}
export type FieldNodeType = Node<FieldNodeData, 'fields'>

const typeLabel = (field: Field) => `${field.type}${field.maxLength ? `(${field.maxLength})` : ''}`

function pseudoField(name: string): Field {
  return { name, displayName: name, type: 'unknown', required: 'none', readOnly: false, validForCreate: true, validForUpdate: true }
}

const formatValue = (value: unknown) => (value === undefined ? '' : typeof value === 'string' ? `"${value}"` : JSON.stringify(value))

interface RowProps {
  field: Field
  index: number
  side: NodeSide
  withHandle: boolean
  linked: boolean
  isKey: boolean
  severity: Severity | undefined
  selected: boolean
  value: unknown
  connectable: boolean
  onSelect: (field: string) => void
  onKey: (event: KeyboardEvent<HTMLDivElement>, index: number, field: string) => void
}

const FieldRow = memo(function FieldRow({
  field,
  index,
  side,
  withHandle,
  linked,
  isKey,
  severity,
  selected,
  value,
  connectable,
  onSelect,
  onKey
}: RowProps) {
  const required = field.required === 'required'
  return (
    <div
      className={`ss-row${linked ? ' ss-row--linked' : ''}${selected ? ' ss-row--selected' : ''}${severity ? ` ss-row--${severity}` : ''}${field.readOnly ? ' ss-row--readonly' : ''}`}
      style={{ top: index * ROW_HEIGHT }}
      role="option"
      aria-selected={selected}
      aria-label={`${field.displayName} (${field.name}), ${typeLabel(field)}${required ? ', required' : ''}${isKey ? ', key' : ''}${linked ? ', mapped' : ''}`}
      data-field={field.name}
      tabIndex={0}
      onClick={() => onSelect(field.name)}
      onKeyDown={(event) => onKey(event, index, field.name)}
    >
      <span className="ss-row__marker" aria-hidden="true">
        {isKey ? <KeyRegular fontSize={13} /> : null}
      </span>
      <span className="ss-row__names" title={`${field.displayName}${required ? ' (required)' : ''}\n${field.name} · ${typeLabel(field)}`}>
        <span className="ss-row__display">
          {field.displayName}
          {required && (
            <span className="ss-row__required" title="Required">
              *
            </span>
          )}
        </span>
        <span className="ss-row__logical">{field.name}</span>
      </span>
      {value !== undefined ? (
        <span className="ss-row__value" title={formatValue(value)}>
          {formatValue(value)}
        </span>
      ) : (
        <span className="ss-row__type">{typeLabel(field)}</span>
      )}
      {withHandle && (
        <Handle
          id={field.name}
          type={side === 'source' ? 'source' : 'target'}
          position={side === 'source' ? Position.Right : Position.Left}
          isConnectable={connectable && !(side === 'target' && field.readOnly && field.type !== 'link')}
          className="ss-handle"
        />
      )}
    </div>
  )
})

/** Where the edges of rows out of view end: at the top, bottom or header of the node. */
function ProxyHandles({ names, side, where }: { names: string[]; side: NodeSide; where: 'top' | 'bottom' | 'header' }) {
  return (
    <>
      {names.map((name) => (
        <PassiveHandle
          key={name}
          id={name}
          type={side === 'source' ? 'source' : 'target'}
          position={side === 'source' ? Position.Right : Position.Left}
          className={`ss-handle ss-handle--proxy ss-handle--${where}`}
        />
      ))}
    </>
  )
}

/**
 * The node's own controls, memoised on plain props: React Flow renders a node again on every
 * measure while the canvas mounts (and the node renders again as rows scroll); the Fluent
 * controls here then render only when what they show changes.
 */
const CollapseButton = memo(function CollapseButton({ viewKey, title, collapsed }: { viewKey: string; title: string; collapsed: boolean }) {
  const setView = useCanvasStore((state) => state.setView)
  return (
    <Button
      appearance="transparent"
      size="small"
      className="ss-node__collapse nodrag"
      icon={collapsed ? <ChevronRightRegular /> : <ChevronDownRegular />}
      aria-label={collapsed ? `Expand ${title}` : `Collapse ${title}`}
      aria-expanded={!collapsed}
      onClick={() => setView(viewKey, { collapsed: !collapsed })}
    />
  )
})

const NodeTools = memo(function NodeTools({
  viewKey,
  title,
  search,
  mode
}: {
  viewKey: string
  title: string
  search: string
  mode: RowMode
}) {
  const setView = useCanvasStore((state) => state.setView)
  return (
    <div className="ss-node__tools nodrag">
      <Input
        size="small"
        className="ss-node__search"
        contentBefore={<SearchRegular />}
        placeholder="Search fields"
        aria-label={`Search fields of ${title}`}
        value={search}
        onChange={(_e, d) => setView(viewKey, { search: d.value })}
      />
      <DescriptionTooltip content="Which fields to list">
        <Select
          size="small"
          aria-label={`Fields of ${title} to show`}
          value={mode}
          onChange={(_e, d) => setView(viewKey, { mode: d.value as RowMode })}
          className="ss-node__mode"
        >
          <option value="all">All</option>
          <option value="mapped">Mapped</option>
          <option value="required">Required</option>
        </Select>
      </DescriptionTooltip>
    </div>
  )
})

function FieldNodeView({ id, data }: NodeProps<FieldNodeType>) {
  const key = viewKey(data.flowId, id)
  const view = useCanvasStore((state) => state.views[key] ?? defaultNodeView)
  const setView = useCanvasStore((state) => state.setView)
  const select = useCanvasStore((state) => state.select)
  const selectedField = useCanvasStore((state) =>
    state.selection.kind === 'field' && state.selection.side === data.side ? state.selection.field : undefined
  )
  const revealed = useCanvasStore((state) => state.reveal?.fields[data.side])
  const revealNonce = useCanvasStore((state) => (state.reveal?.fields[data.side] !== undefined ? state.reveal.nonce : undefined))
  const revealFocus = useCanvasStore((state) => state.reveal?.focus === data.side)
  const rowBudget = useLayoutStore((state) => state.rowBudget)
  const updateNodeInternals = useUpdateNodeInternals()
  const scroller = useRef<HTMLDivElement>(null)
  const [first, setFirst] = useState(0)
  const firstRef = useRef(0)
  const frame = useRef(0)

  const table = data.table?.status === 'ready' ? data.table.value : undefined
  const fields = useMemo(() => table?.fields ?? data.fallbackFields.map(pseudoField), [table, data.fallbackFields])
  const linked = useMemo(() => new Set(data.mapped), [data.mapped])
  const setProxied = useCanvasStore((state) => state.setProxied)
  const keys = useMemo(
    () => new Set(fields.filter((f) => f.isKey || f.name === table?.primaryId || f.name === data.keyField).map((f) => f.name)),
    [fields, table, data.keyField]
  )
  const rows = useMemo(() => {
    const words = view.search.trim().toLowerCase()
    // Keys first (the match key is what a reader looks for), then the schema's order.
    const ordered = [...fields.filter((f) => keys.has(f.name)), ...fields.filter((f) => !keys.has(f.name))]
    return ordered.filter((field) => {
      if (view.mode === 'mapped' && !linked.has(field.name)) return false
      if (view.mode === 'required' && field.required !== 'required' && !keys.has(field.name)) return false
      return !words || field.name.toLowerCase().includes(words) || field.displayName.toLowerCase().includes(words)
    })
  }, [fields, view.search, view.mode, linked, keys])

  const visible = view.collapsed ? 0 : Math.min(rows.length, rowBudget)
  const start = Math.max(0, Math.min(first, rows.length - visible))
  const end = start + visible // rows [start, end) have their centre in view: they carry the handles
  const rendered = rows.slice(Math.max(0, start - 1), Math.min(rows.length, end + 1))
  const renderedFrom = Math.max(0, start - 1)

  const proxies = useMemo(() => {
    const top: string[] = []
    const bottom: string[] = []
    const header: string[] = []
    const position = new Map(rows.map((field, index) => [field.name, index]))
    for (const name of data.linked) {
      const index = position.get(name)
      if (index === undefined || view.collapsed) header.push(name)
      else if (index < start) top.push(name)
      else if (index >= end) bottom.push(name)
    }
    return { top, bottom, header }
  }, [data.linked, rows, start, end, view.collapsed])
  useEffect(() => setProxied(data.side, new Set([...proxies.top, ...proxies.bottom, ...proxies.header])), [proxies, setProxied, data.side])

  // Handles moved or changed: React Flow measures them again so edges end at the right rows.
  // Not on mount: React Flow measures a new node itself, and each measure renders every edge again.
  const mounted = useRef(false)
  useLayoutEffect(() => {
    if (mounted.current) updateNodeInternals(id)
    mounted.current = true
  }, [id, updateNodeInternals, start, rows, view.collapsed, data.linked, proxies, visible])

  const onScroll = useCallback(() => {
    cancelAnimationFrame(frame.current)
    frame.current = requestAnimationFrame(() => {
      const top = scroller.current?.scrollTop ?? 0
      const next = Math.max(0, Math.ceil((top - ROW_HEIGHT / 2) / ROW_HEIGHT))
      if (next !== firstRef.current) {
        firstRef.current = next
        setFirst(next)
      } else updateNodeInternals(id)
    })
  }, [id, updateNodeInternals])
  useEffect(() => () => cancelAnimationFrame(frame.current), [])

  const scrollToIndex = useCallback((index: number) => {
    const el = scroller.current
    if (!el) return
    const top = index * ROW_HEIGHT
    if (top < el.scrollTop) el.scrollTop = top
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight
    const next = Math.max(0, Math.ceil((el.scrollTop - ROW_HEIGHT / 2) / ROW_HEIGHT))
    firstRef.current = next
    setFirst(next)
  }, [])

  // A click on a problem or a selected mapping asks for a field: clear what hides it, scroll to it.
  // Scroll to a revealed field once per request (its nonce), waiting while the rows change under
  // it (a search cleared to show it, the schema arriving); after that the user's own search and
  // scrolling are left alone.
  const handled = useRef<number>(undefined)
  const showRevealed = useEffectEvent(() => {
    if (revealed === undefined || revealNonce === undefined || handled.current === revealNonce || !fields.length) return
    // A lookup is mapped by the name Dataverse returns it under (`_new_contactid_value`); its row is the field's name.
    const name = (table && findField(table, revealed)?.name) ?? revealed
    const index = rows.findIndex((f) => f.name === name)
    if (index < 0 && fields.some((f) => f.name === name)) {
      setView(key, { search: '', mode: 'all', collapsed: false })
      return // the effect runs again with the new rows
    }
    handled.current = revealNonce
    if (index < 0) return
    if (view.collapsed) setView(key, { collapsed: false })
    requestAnimationFrame(() => {
      scrollToIndex(index)
      if (revealFocus)
        requestAnimationFrame(() =>
          scroller.current?.querySelector<HTMLElement>(`[data-field="${CSS.escape(name)}"]`)?.focus({ preventScroll: true })
        )
    })
  })
  useEffect(() => {
    if (revealNonce !== undefined) showRevealed()
  }, [revealNonce, rows])

  const onSelect = useCallback((field: string) => select({ kind: 'field', side: data.side, field }), [select, data.side])

  const onKey = useCallback(
    (event: KeyboardEvent<HTMLDivElement>, index: number, field: string) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault()
        const next = Math.max(0, Math.min(rows.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))
        scrollToIndex(next)
        requestAnimationFrame(() =>
          scroller.current?.querySelector<HTMLElement>(`[data-field="${CSS.escape(rows[next].name)}"]`)?.focus({ preventScroll: true })
        )
      } else if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault()
        const state = useCanvasStore.getState()
        // Keyboard mapping: Enter on a source field, then Enter on a target field.
        if (data.side === 'target' && state.selection.kind === 'field' && state.selection.side === 'source') {
          perform('connectFields', { source: state.selection.field, target: field, append: event.altKey })
        } else onSelect(field)
      }
    },
    [rows, scrollToIndex, onSelect, data.side]
  )

  const loading = data.table?.status === 'loading'
  const failed = data.table?.status === 'error' ? data.table.message : undefined
  const label = `${data.side === 'source' ? 'Source' : 'Target'} ${data.title}`

  return (
    <div className={`ss-node ss-node--${data.side}`} aria-label={label} role="group" style={{ width: NODE_WIDTH }}>
      <div className="ss-node__header">
        <CollapseButton viewKey={key} title={data.title} collapsed={view.collapsed} />
        <div className="ss-node__titles">
          {/* The count sits beside the title so the subtitle has the width for the logical name; what is cut shows whole on hover. */}
          <div className="ss-node__title-row">
            <div className="ss-node__title" title={table?.displayName ?? data.title}>
              {table?.displayName ?? data.title}
            </div>
            {fields.length > 0 && (
              <span className="ss-node__count" title={`${linked.size} of ${fields.length} fields mapped`}>
                {linked.size}/{fields.length} mapped
              </span>
            )}
          </div>
          <div className="ss-node__subtitle" title={`${data.subtitle} · ${data.title}`}>
            {data.subtitle} · <span className="ss-mono">{data.title}</span>
          </div>
        </div>
        <ProxyHandles names={proxies.header} side={data.side} where="header" />
        {data.side === 'source' && (
          <PassiveHandle id="__filter" type="target" position={Position.Top} className="ss-handle ss-handle--edge" />
        )}
      </div>
      {!view.collapsed && (
        <>
          <NodeTools viewKey={key} title={data.title} search={view.search} mode={view.mode} />
          <div className="ss-node__body">
            <ProxyHandles names={proxies.top} side={data.side} where="top" />
            <div
              ref={scroller}
              className="ss-node__scroll nowheel nodrag"
              style={{ height: Math.max(visible, 1) * ROW_HEIGHT }}
              onScroll={onScroll}
              role="listbox"
              aria-label={`Fields of ${data.title}`}
            >
              <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
                {rendered.map((field, i) => {
                  const index = renderedFrom + i
                  return (
                    <FieldRow
                      key={field.name}
                      field={field}
                      index={index}
                      side={data.side}
                      withHandle={index >= start && index < end}
                      linked={linked.has(field.name)}
                      isKey={keys.has(field.name)}
                      severity={data.severities[field.name]}
                      selected={selectedField === field.name}
                      value={data.values?.[field.name]}
                      connectable={data.connectable}
                      onSelect={onSelect}
                      onKey={onKey}
                    />
                  )
                })}
              </div>
              {loading && (
                <div className="ss-node__state">
                  <Spinner size="tiny" label="Loading fields…" />
                </div>
              )}
              {failed && <div className="ss-node__state ss-node__state--error">{failed}</div>}
              {!loading && !failed && rows.length === 0 && <div className="ss-node__state">No fields match.</div>}
            </div>
            <ProxyHandles names={proxies.bottom} side={data.side} where="bottom" />
          </div>
        </>
      )}
    </div>
  )
}

export const FieldNode = memo(FieldNodeView)
