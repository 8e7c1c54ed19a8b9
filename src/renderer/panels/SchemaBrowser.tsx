import { Badge, Button, Caption1, SearchBox, Spinner, Subtitle2, Tab, TabList, Tooltip } from '@fluentui/react-components'
import { ArrowClockwiseRegular, ChevronDownRegular, ChevronRightRegular, KeyRegular, PlugConnectedRegular } from '@fluentui/react-icons'
import { useCallback, useMemo, useState, type CSSProperties, type DragEvent, type ReactNode } from 'react'
import type { TableSummary } from '../../shared/contract'
import type { Field, Option, System, Table } from '../../shared/schema/model'
import type { Client } from '../api/client'
import { useSchemaStore, useTable, useTableList } from '../state/schema-store'
import { ConnectionsDialog } from './ConnectionsDialog'
import { systemLabel } from './format'
import { VirtualList } from './VirtualList'
import './panels.css'

/** The drag payload of a field row, for whoever accepts drops (the canvas). */
export const FIELD_DRAG_TYPE = 'application/x-sync-studio-field'

type Row =
  | { kind: 'table'; table: TableSummary; expanded: boolean }
  | { kind: 'status'; text: string; tone: 'loading' | 'error' }
  | { kind: 'info'; table: Table }
  | { kind: 'field'; field: Field; open: boolean }
  | { kind: 'option'; option: Option; last: boolean }
  | { kind: 'note'; text: string }

const heights: Record<Row['kind'], number> = { table: 36, status: 52, info: 42, field: 46, option: 22, note: 32 }

const matches = (query: string, ...names: Array<string | undefined>) => {
  if (!query) return true
  return names.some((name) => name !== undefined && name.toLowerCase().includes(query))
}

function typeText(field: Field): string {
  return field.maxLength !== undefined ? `${field.type}(${field.maxLength})` : field.type
}

function optionValue(option: Option): string {
  const code = option.code !== undefined && option.code !== option.value ? ` · code ${option.code}` : ''
  return `${String(option.value)}${code}`
}

export function SchemaBrowser(props: {
  client: Client
  connections: { dynamics: string; campaign: string }
  /** Opens the app's Connections dialog; without it the browser opens its own. */
  onOpenConnections?: () => void
}) {
  const { client, connections } = props
  const [system, setSystem] = useState<System>('dynamics')
  const [query, setQuery] = useState('')
  const [fieldQuery, setFieldQuery] = useState('')
  const [expandedBySystem, setExpanded] = useState<Partial<Record<System, string>>>({})
  const [openFields, setOpenFields] = useState<Set<string>>(() => new Set())
  const [dialogOpen, setDialogOpen] = useState(false)
  const connection = connections[system]?.trim() || undefined
  const expanded = expandedBySystem[system]
  const list = useTableList(client, system, connection)
  const detail = useTable(client, system, connection, expanded)
  const openConnections = props.onOpenConnections ?? (() => setDialogOpen(true))

  const toggleTable = useCallback(
    (name: string) => {
      setExpanded((current) => ({ ...current, [system]: current[system] === name ? undefined : name }))
      setFieldQuery('')
      setOpenFields(new Set())
    },
    [system]
  )
  const toggleField = useCallback((name: string) => {
    setOpenFields((current) => {
      const next = new Set(current)
      if (next.has(name)) next.delete(name)
      else next.add(name)
      return next
    })
  }, [])

  const q = query.trim().toLowerCase()
  const fq = fieldQuery.trim().toLowerCase()
  const rows = useMemo<Row[]>(() => {
    if (list?.status !== 'ready') return []
    const tables = list.value
      .filter((table) => table.name === expanded || matches(q, table.displayName, table.name))
      .sort((a, b) => a.displayName.localeCompare(b.displayName) || a.name.localeCompare(b.name))
    const out: Row[] = []
    for (const table of tables) {
      const isOpen = table.name === expanded
      out.push({ kind: 'table', table, expanded: isOpen })
      if (!isOpen) continue
      if (!detail || detail.status === 'loading')
        out.push({ kind: 'status', text: `Reading the fields of ${table.name}…`, tone: 'loading' })
      else if (detail.status === 'error') out.push({ kind: 'status', text: detail.message, tone: 'error' })
      else {
        out.push({ kind: 'info', table: detail.value })
        const fields = detail.value.fields.filter((field) => matches(fq, field.displayName, field.name))
        if (fields.length === 0)
          out.push({ kind: 'note', text: fq ? `No field matches “${fieldQuery.trim()}”.` : 'This table has no fields.' })
        for (const field of fields) {
          const hasOptions = (field.options?.length ?? 0) > 0
          const open = hasOptions && openFields.has(field.name)
          out.push({ kind: 'field', field, open })
          if (open)
            field.options!.forEach((option, index) => out.push({ kind: 'option', option, last: index === field.options!.length - 1 }))
        }
      }
    }
    return out
  }, [list, detail, expanded, q, fq, fieldQuery, openFields])

  const rowHeight = useCallback((index: number) => heights[rows[index].kind], [rows])
  const tableName = system === 'dynamics' ? 'table' : 'resource'
  const detailTable = detail?.status === 'ready' ? detail.value : undefined

  const renderRow = (index: number, style: CSSProperties): ReactNode => {
    const row = rows[index]
    switch (row.kind) {
      case 'table':
        return (
          <div key={`t:${row.table.name}`} style={style} role="listitem">
            <button
              type="button"
              className={`ssp-schema-table${row.expanded ? ' ssp-schema-table--open' : ''}`}
              aria-expanded={row.expanded}
              onClick={() => toggleTable(row.table.name)}
              title={`${row.table.displayName} (${row.table.name})`}
            >
              {row.expanded ? <ChevronDownRegular /> : <ChevronRightRegular />}
              <span className="ssp-schema-table__names">
                <span className="ssp-schema-table__display">{row.table.displayName}</span>
                <span className="ssp-mono ssp-quiet">{row.table.name}</span>
              </span>
              {row.table.isActivity && (
                <Badge size="small" appearance="tint" color="brand">
                  activity
                </Badge>
              )}
              {row.table.custom && (
                <Badge size="small" appearance="tint" color="informative">
                  custom
                </Badge>
              )}
            </button>
          </div>
        )
      case 'status':
        return (
          <div key={`s:${index}`} style={style} role="listitem" className={`ssp-schema-status ssp-schema-status--${row.tone}`}>
            {row.tone === 'loading' ? <Spinner size="extra-tiny" label={row.text} /> : <Caption1>{row.text}</Caption1>}
          </div>
        )
      case 'info': {
        const keys = row.table.keys.map((key) => key.fields.join(' + ')).join(', ')
        return (
          <div key="info" style={style} role="listitem" className="ssp-schema-info">
            <span>
              {row.table.fields.length} fields
              {row.table.entitySetName ? ` · set ${row.table.entitySetName}` : ''}
              {row.table.href ? ` · ${row.table.href}` : ''}
              {system === 'dynamics' ? ` · change tracking ${row.table.changeTracking ? 'on' : 'off'}` : ''}
            </span>
            <span className="ssp-quiet" title={keys}>
              {keys ? `Keys: ${keys}` : 'No keys'}
              {row.table.primaryName ? ` · name ${row.table.primaryName}` : ''}
            </span>
          </div>
        )
      }
      case 'field': {
        const { field } = row
        const options = field.options?.length ?? 0
        const details = [
          typeText(field),
          field.required !== 'none' ? field.required : undefined,
          field.readOnly ? 'read-only' : undefined,
          field.targets?.length ? `→ ${field.targets.join(', ')}` : undefined,
          options ? `${options} option${options === 1 ? '' : 's'}` : undefined
        ].filter(Boolean)
        const content = (
          <>
            <span className="ssp-schema-field__line">
              {options > 0 ? (
                row.open ? (
                  <ChevronDownRegular className="ssp-schema-field__chevron" />
                ) : (
                  <ChevronRightRegular className="ssp-schema-field__chevron" />
                )
              ) : (
                <span className="ssp-schema-field__chevron" />
              )}
              <span className="ssp-schema-field__display">{field.displayName || field.name}</span>
              {field.isKey && (
                <Tooltip content="Part of a key: identifies a record" relationship="label">
                  <KeyRegular className="ssp-schema-field__key" />
                </Tooltip>
              )}
              {field.required === 'required' && (
                <span className="ssp-required" aria-label="required">
                  *
                </span>
              )}
            </span>
            <span className="ssp-schema-field__line ssp-schema-field__details">
              <span className="ssp-schema-field__chevron" />
              <span className="ssp-mono">{field.name}</span>
              <span className="ssp-quiet"> · {details.join(' · ')}</span>
            </span>
          </>
        )
        const common = {
          className: `ssp-schema-field${row.open ? ' ssp-schema-field--open' : ''}`,
          title: [`${field.displayName} (${field.name})`, details.join(' · '), field.description].filter(Boolean).join('\n'),
          draggable: true,
          onDragStart: (event: DragEvent) => {
            event.dataTransfer.setData(FIELD_DRAG_TYPE, JSON.stringify({ system, table: expanded, field: field.name }))
            event.dataTransfer.setData('text/plain', field.name)
            event.dataTransfer.effectAllowed = 'copy'
          }
        }
        return (
          <div key={`f:${field.name}`} style={style} role="listitem" data-field={field.name}>
            {options > 0 ? (
              <button type="button" {...common} aria-expanded={row.open} onClick={() => toggleField(field.name)}>
                {content}
              </button>
            ) : (
              <div {...common}>{content}</div>
            )}
          </div>
        )
      }
      case 'option':
        return (
          <div
            key={`o:${index}`}
            style={style}
            role="listitem"
            className={`ssp-schema-option${row.last ? ' ssp-schema-option--last' : ''}`}
          >
            <span className="ssp-mono">{optionValue(row.option)}</span>
            <span className="ssp-schema-option__label">{row.option.label}</span>
          </div>
        )
      case 'note':
        return (
          <div key={`n:${index}`} style={style} role="listitem" className="ssp-schema-note">
            <Caption1 className="ssp-quiet">{row.text}</Caption1>
          </div>
        )
    }
  }

  let body: ReactNode
  if (!connection) {
    body = (
      <EmptyState
        title={`No ${systemLabel(system)} connection`}
        text={`This mapping names no ${systemLabel(system)} connection. Open Connections to add one, or set it in the mapping.`}
        action={<Button onClick={openConnections}>Open Connections</Button>}
      />
    )
  } else if (!list || list.status === 'loading') {
    body = (
      <div className="ssp-schema-empty">
        <Spinner size="tiny" label={`Reading ${tableName}s from “${connection}”…`} />
      </div>
    )
  } else if (list.status === 'error') {
    body = (
      <EmptyState
        tone="error"
        title={`Could not read the ${tableName}s of “${connection}”`}
        text={list.message}
        action={
          <>
            <Button onClick={openConnections}>Open Connections</Button>
            <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={() => useSchemaStore.getState().refresh()}>
              Retry
            </Button>
          </>
        }
      />
    )
  } else if (list.value.length === 0) {
    body = (
      <EmptyState
        title={`No ${tableName}s`}
        text={`“${connection}” lists no ${tableName}s this account may read. Check the account's privileges, or open Connections to use another connection.`}
        action={<Button onClick={openConnections}>Open Connections</Button>}
      />
    )
  } else if (rows.length === 0) {
    body = (
      <EmptyState
        title={`No ${tableName} matches “${query.trim()}”`}
        text="The search looks at display names and logical names."
        action={<Button onClick={() => setQuery('')}>Clear the search</Button>}
      />
    )
  } else {
    body = (
      <VirtualList
        className="ssp-schema-list"
        role="list"
        aria-label={`${systemLabel(system)} ${tableName}s`}
        count={rows.length}
        rowHeight={rowHeight}
        renderRow={renderRow}
        data-testid="schema-list"
      />
    )
  }

  return (
    <section className="ssp-schema" aria-label="Schema browser">
      <header className="ssp-schema__header">
        <Subtitle2>Tables &amp; resources</Subtitle2>
        <span>
          <Tooltip content="Read the schemas again" relationship="label">
            <Button size="small" appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={() => useSchemaStore.getState().refresh()} />
          </Tooltip>
          <Tooltip content="Connections" relationship="label">
            <Button size="small" appearance="subtle" icon={<PlugConnectedRegular />} onClick={openConnections} />
          </Tooltip>
        </span>
      </header>
      <TabList size="small" selectedValue={system} onTabSelect={(_event, data) => setSystem(data.value as System)} aria-label="System">
        <Tab value="dynamics">Dynamics 365</Tab>
        <Tab value="campaign">Campaign</Tab>
      </TabList>
      <Caption1 className="ssp-quiet ssp-schema__connection" data-testid="schema-connection">
        {connection ? `Connection: ${connection}` : 'No connection'}
        {list?.status === 'ready' ? ` · ${list.value.length} ${tableName}s` : ''}
      </Caption1>
      <SearchBox
        size="small"
        placeholder={system === 'dynamics' ? 'Search tables' : 'Search resources'}
        aria-label={system === 'dynamics' ? 'Search tables' : 'Search resources'}
        value={query}
        onChange={(_event, data) => setQuery(data.value)}
      />
      {detailTable && (
        <SearchBox
          size="small"
          placeholder={`Filter fields of ${detailTable.name}`}
          aria-label={`Filter fields of ${detailTable.name}`}
          value={fieldQuery}
          onChange={(_event, data) => setFieldQuery(data.value)}
        />
      )}
      {body}
      {!props.onOpenConnections && <ConnectionsDialog client={client} open={dialogOpen} onClose={() => setDialogOpen(false)} />}
    </section>
  )
}

function EmptyState({ title, text, action, tone }: { title: string; text: string; action?: ReactNode; tone?: 'error' }) {
  return (
    <div className={`ssp-schema-empty${tone === 'error' ? ' ssp-schema-empty--error' : ''}`} role={tone === 'error' ? 'alert' : 'status'}>
      <strong>{title}</strong>
      <Caption1>{text}</Caption1>
      {action && <div className="ssp-row">{action}</div>}
    </div>
  )
}
