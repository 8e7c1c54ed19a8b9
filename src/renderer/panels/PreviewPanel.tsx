import {
  Badge,
  Button,
  Caption1,
  MessageBar,
  MessageBarBody,
  Popover,
  PopoverSurface,
  PopoverTrigger,
  SpinButton,
  Spinner,
  Subtitle2,
  Tab,
  TabList,
  ToggleButton,
  Tooltip,
  useId
} from '@fluentui/react-components'
import {
  DismissRegular,
  ErrorCircleFilled,
  EyeRegular,
  LaptopRegular,
  CloudRegular,
  PlayRegular,
  WarningFilled
} from '@fluentui/react-icons'
import { useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react'
import type { CallOutput } from '../../shared/contract'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { SimulateDeliveryButton } from '../components/SimulateDeliveryButton'
import type { Client } from '../api/client'
import { FilterWhere } from '../runs/FilterWhere'
import type { Loadable } from '../state/schema-store'
import { useTraceStore, type RecordTrace } from '../state/trace-store'
import { formatLiteral, formatValue, messageOf } from './format'
import { ChangedFields, CreatedFields, FailedField } from './DiffLines'
import { VirtualList } from './VirtualList'
import { DataGrid, type GridColumn } from './DataGrid'
import './panels.css'

type PreviewResult = CallOutput<'preview/records'>
type DryRunResult = CallOutput<'preview/dryRun'>
type PreviewRow = PreviewResult['preview']['rows'][number]
type DryRunEntry = DryRunResult['dryRun']['entries'][number]
type Action = DryRunEntry['action']
type Query = PreviewResult['query']

/** Not asked yet, or a result with the document it was computed from. */
type Requested<T> = { status: 'idle' } | Loadable<T, { document: MappingDocument }>

const ROW_HEIGHT = 30
const STATUS_WIDTH = 72
const KEY_WIDTH = 150
const COLUMN_WIDTH = 170
const actions: Action[] = ['create', 'update', 'unchanged', 'skipped', 'error']
const actionColor: Record<Action, 'success' | 'brand' | 'informative' | 'warning' | 'danger'> = {
  create: 'success',
  update: 'brand',
  unchanged: 'informative',
  skipped: 'warning',
  error: 'danger'
}

function stepName(flow: Flow | undefined, target: string, step: number | undefined): string {
  if (step === undefined) return ''
  const field = flow && flow.kind !== 'optOut' ? flow.fields.find((f) => f.target === target) : undefined
  const fn = field?.steps?.[step]?.fn
  return `step ${step + 1}${fn ? ` (${fn})` : ''}`
}

function shortKey(key: string | undefined): string {
  return key ?? '(no key)'
}

/** Why the panel cannot preview this flow yet, in the user's words; undefined when it can. */
function emptyReason(document: MappingDocument, flow: Flow | undefined, flowId: string | undefined): string | undefined {
  if (!flowId || !flow)
    return document.flows.length === 0
      ? 'This mapping has no flows yet. Add a flow on the canvas to preview its records.'
      : 'Select a flow to preview its records.'
  if (flow.kind === 'records' && flow.fields.length === 0)
    return 'Add a field mapping to preview: connect a Dynamics field to a Campaign field on the canvas.'
  return undefined
}

/** What Preview and Dry run will read, in the flow's own terms: Dynamics records, Campaign events, or contact ↔ profile pairs. */
function idleText(flow: Flow | undefined, view: 'records' | 'dryRun', size: number): string {
  const s = size === 1 ? '' : 's'
  if (flow?.kind === 'events') {
    return view === 'records'
      ? `Preview reads ${size} ${flow.source.event} event${s} from Campaign's marketing history through this flow, without writing anything.`
      : `A dry run looks up ${size} ${flow.source.event} event${s} among the ${flow.target.table} activities in Dynamics and says what a sync would create or leave unchanged — without writing.`
  }
  if (flow?.kind === 'optOut') {
    return view === 'records'
      ? `Preview reads ${size} contact ↔ profile pair${s} and shows each opt-out on both sides, with the conflicts labelled.`
      : `A dry run applies the opt-out rule to ${size} pair${s} and says which side a sync would change, and why — without writing.`
  }
  return view === 'records'
    ? `Preview reads ${size} sample record${s} from Dynamics through this flow, without writing anything.`
    : `A dry run compares ${size} sample record${s} with Campaign and says what a sync would create, update or skip — without writing.`
}

export function PreviewPanel(props: { client: Client; document: MappingDocument; flowId: string | undefined }) {
  const { client, document, flowId } = props
  const flow = flowId ? document.flows.find((f) => f.id === flowId) : undefined
  const [sampleSize, setSampleSize] = useState(50)
  const sampleId = useId('sample-size')
  const [view, setView] = useState<'records' | 'dryRun'>('records')
  const [records, setRecords] = useState<Requested<PreviewResult>>({ status: 'idle' })
  const [dryRun, setDryRun] = useState<Requested<DryRunResult>>({ status: 'idle' })
  const [selected, setSelected] = useState<string>()
  const [traceState, setTraceState] = useState<{ status: 'loading' | 'error' | 'ready'; message?: string; key: string }>()
  const [actionFilter, setActionFilter] = useState<Action | 'all'>('all')
  const trace = useTraceStore((state) => (state.flowId === flowId ? state.trace : undefined))
  // Each kind of request counts its runs: an answer that is not the latest is dropped.
  const runs = useRef({ preview: 0, dryRun: 0, trace: 0 })

  // Another flow: the earlier answers and the canvas trace belong to the old one.
  useEffect(() => {
    runs.current.preview++
    runs.current.dryRun++
    runs.current.trace++
    setRecords({ status: 'idle' })
    setDryRun({ status: 'idle' })
    setSelected(undefined)
    setTraceState(undefined)
    return () => {
      const state = useTraceStore.getState()
      if (state.trace && flowId && state.flowId === flowId) state.setTrace(flowId, undefined)
    }
  }, [flowId])

  const clearTrace = useCallback(() => {
    runs.current.trace++
    setSelected(undefined)
    setTraceState(undefined)
    if (flowId) useTraceStore.getState().setTrace(flowId, undefined)
  }, [flowId])

  const runPreview = async () => {
    if (!flowId) return
    const run = ++runs.current.preview
    setView('records')
    setRecords({ status: 'loading' })
    clearTrace()
    const sent = document
    try {
      const value = await client.call('preview/records', { document: sent, flowId, limit: sampleSize })
      if (runs.current.preview === run) setRecords({ status: 'ready', value, document: sent })
    } catch (error) {
      if (runs.current.preview === run) setRecords({ status: 'error', message: messageOf(error) })
    }
  }

  const runDryRun = async () => {
    if (!flowId) return
    const run = ++runs.current.dryRun
    setView('dryRun')
    setDryRun({ status: 'loading' })
    setActionFilter('all')
    const sent = document
    try {
      const value = await client.call('preview/dryRun', { document: sent, flowId, limit: sampleSize })
      if (runs.current.dryRun === run) setDryRun({ status: 'ready', value, document: sent })
    } catch (error) {
      if (runs.current.dryRun === run) setDryRun({ status: 'error', message: messageOf(error) })
    }
  }

  const traceRecord = async (key: string | undefined) => {
    if (!flowId || !key) return
    const run = ++runs.current.trace
    setSelected(key)
    setTraceState({ status: 'loading', key })
    try {
      const { trace } = await client.call('preview/trace', { document, flowId, key })
      if (runs.current.trace !== run) return
      useTraceStore.getState().setTrace(flowId, trace)
      setTraceState({ status: 'ready', key })
    } catch (error) {
      if (runs.current.trace !== run) return
      useTraceStore.getState().setTrace(flowId, undefined)
      setTraceState({ status: 'error', key, message: messageOf(error) })
    }
  }

  const blocked = emptyReason(document, flow, flowId)
  const current = view === 'records' ? records : dryRun
  const busy = records.status === 'loading' || dryRun.status === 'loading'
  const query = current.status === 'ready' ? current.value.query : undefined
  const stale = current.status === 'ready' && current.document !== document

  let body: ReactNode
  if (blocked) body = <Empty text={blocked} />
  else if (current.status === 'idle') {
    body = <Empty text={idleText(flow, view, sampleSize)} />
  } else if (current.status === 'loading')
    body = <Empty text="" spinner={view === 'records' ? 'Reading sample records…' : 'Comparing with Campaign…'} />
  else if (current.status === 'error') {
    body = (
      <div className="ssp-preview-empty">
        <MessageBar intent={flow && flow.kind !== 'records' ? 'info' : 'error'} data-testid="preview-message">
          <MessageBarBody>{current.message}</MessageBarBody>
        </MessageBar>
      </div>
    )
  } else if (view === 'records' && records.status === 'ready') {
    body = <RecordsGrid result={records.value} flow={flow} selected={selected} onSelect={(key) => void traceRecord(key)} />
  } else if (view === 'dryRun' && dryRun.status === 'ready') {
    body = (
      <DryRunView
        result={dryRun.value}
        filter={actionFilter}
        onFilter={setActionFilter}
        selected={selected}
        onSelect={(key) => void traceRecord(key)}
      />
    )
  }

  return (
    <section className="ssp-preview" aria-label="Preview">
      <header className="ssp-preview__bar">
        <Subtitle2>Preview</Subtitle2>
        {flow && <Caption1 className="ssp-quiet">{flow.name ?? flow.id}</Caption1>}
        <TabList
          size="small"
          selectedValue={view}
          onTabSelect={(_event, data) => setView(data.value as 'records' | 'dryRun')}
          aria-label="Preview view"
        >
          <Tab value="records">Records{records.status === 'ready' ? ` (${records.value.preview.rows.length})` : ''}</Tab>
          <Tab value="dryRun">Dry run{dryRun.status === 'ready' ? ` (${dryRun.value.dryRun.entries.length})` : ''}</Tab>
        </TabList>
        <span className="ssp-grow" />
        <span className="ssp-preview__sample">
          <label htmlFor={sampleId}>Sample size</label>
          <SpinButton
            id={sampleId}
            size="small"
            value={sampleSize}
            min={1}
            max={500}
            onChange={(_event, data) => {
              const next = data.value ?? Number.parseInt(data.displayValue ?? '', 10)
              if (Number.isFinite(next)) setSampleSize(Math.min(500, Math.max(1, Math.round(next as number))))
            }}
          />
        </span>
        <Button
          size="small"
          appearance="primary"
          icon={<EyeRegular />}
          onClick={() => void runPreview()}
          disabled={!!blocked || records.status === 'loading'}
        >
          Preview
        </Button>
        <Button size="small" icon={<PlayRegular />} onClick={() => void runDryRun()} disabled={!!blocked || dryRun.status === 'loading'}>
          Dry run
        </Button>
        {flow?.kind === 'events' && <SimulateDeliveryButton client={client} />}
        {busy && <Spinner size="extra-tiny" aria-label="Working" />}
      </header>
      {query &&
        !blocked &&
        (flow?.kind === 'records' ? <QueryLine query={query} stale={stale} /> : <SampleLine lines={query.explanation} />)}
      {query && !blocked && flow?.kind === 'records' && <FilterWhere client={client} document={document} flow={flow} compact />}
      <div className="ssp-preview__main">
        <div className="ssp-preview__content">{body}</div>
        {traceState && !blocked && (
          <TracePane
            state={traceState}
            trace={trace?.key === traceState.key || trace?.key === undefined ? trace : undefined}
            onClose={clearTrace}
          />
        )}
      </div>
    </section>
  )
}

function Empty({ text, spinner }: { text: string; spinner?: string }) {
  return (
    <div className="ssp-preview-empty" role="status">
      {spinner ? <Spinner size="tiny" label={spinner} /> : <Caption1 className="ssp-quiet">{text}</Caption1>}
    </div>
  )
}

/** Events and opt-out flows read no Dynamics records: what their sample is, instead of a $filter. */
function SampleLine({ lines }: { lines: readonly string[] }) {
  return (
    <div className="ssp-preview__query" data-testid="sample-source">
      <Caption1 className="ssp-quiet" title={lines.join('\n')}>
        {lines[0]}
      </Caption1>
    </div>
  )
}

function QueryLine({ query, stale }: { query: Query; stale: boolean }) {
  const local = query.explanation.filter((line) => line.includes('→ evaluated here'))
  return (
    <div className="ssp-preview__query">
      <Caption1 className="ssp-quiet">$filter sent to Dataverse:</Caption1>
      <code className="ssp-mono ssp-preview__filter" data-testid="odata-filter" title={query.odataFilter}>
        {query.odataFilter ?? '(none — every record is read)'}
      </code>
      <Popover withArrow positioning="above-end">
        <PopoverTrigger disableButtonEnhancement>
          <Button size="small" appearance="transparent">
            {local.length === 0
              ? 'Nothing stays local in this preview'
              : `${local.length} part${local.length === 1 ? '' : 's'} evaluated here in this preview`}
          </Button>
        </PopoverTrigger>
        <PopoverSurface className="ssp-preview__explain" aria-label="What Dataverse evaluates and what stays local">
          <Caption1 className="ssp-quiet">Each part of the flow's filter, and where it is evaluated:</Caption1>
          <ul data-testid="filter-explanation">
            {query.explanation.map((line, index) => (
              <li key={index}>
                {line.includes('→ evaluated here') ? <LaptopRegular aria-label="here" /> : <CloudRegular aria-label="Dataverse" />}
                <Caption1>{line}</Caption1>
              </li>
            ))}
          </ul>
          <Caption1 className="ssp-quiet">
            Parts Dataverse evaluates are sent in $filter, so fewer records travel; the rest is checked here, record by record.
          </Caption1>
        </PopoverSurface>
      </Popover>
      {stale && (
        <Badge appearance="tint" color="warning">
          mapping changed — run again
        </Badge>
      )}
    </div>
  )
}

const statusOrder: Record<PreviewRow['status'], number> = { error: 0, skipped: 1, ok: 2 }
type StatusFilter = PreviewRow['status'] | 'all'

function cellText(cell: PreviewRow['cells'][string] | undefined): string {
  if (!cell) return ''
  return cell.error ? formatValue(cell.error.input) : formatValue(cell.value)
}

function StatusBadge({ row }: { row: PreviewRow }) {
  const badge = (
    <Badge size="small" appearance="tint" color={row.status === 'ok' ? 'success' : row.status === 'error' ? 'danger' : 'warning'}>
      {row.status}
    </Badge>
  )
  return row.reason ? (
    <Tooltip content={row.reason} relationship="description" withArrow>
      {badge}
    </Tooltip>
  ) : (
    badge
  )
}

/** A target field's cell: the value written, or the input that failed (red, ⓧ) or warned (yellow, ⚠). */
function FieldCell({ row, column, flow }: { row: PreviewRow; column: string; flow: Flow | undefined }) {
  const cell = row.cells[column]
  if (!cell) return <>{row.status === 'skipped' ? '' : '—'}</>
  const marker = cell.error ? (
    <Tooltip content={`${stepName(flow, column, cell.error.step)}: ${cell.error.reason}`} relationship="description" withArrow>
      <ErrorCircleFilled className="ssp-grid__marker ssp-grid__marker--error" aria-label={`error: ${cell.error.reason}`} tabIndex={0} />
    </Tooltip>
  ) : cell.warnings?.length ? (
    <Tooltip
      content={cell.warnings.map((w) => `${stepName(flow, column, w.step)}: ${w.message}`).join('\n')}
      relationship="description"
      withArrow
    >
      <WarningFilled
        className="ssp-grid__marker ssp-grid__marker--warning"
        aria-label={`warning: ${cell.warnings.map((w) => w.message).join('; ')}`}
        tabIndex={0}
      />
    </Tooltip>
  ) : null
  return (
    <>
      {marker}
      <span className="ssp-grid__text">{cellText(cell)}</span>
    </>
  )
}

/**
 * The sample's records, one row each, in the app's grid (`DataGrid`: sort by a header,
 * resize by its edge, windowed); the status filter is the toolbar above it.
 */
function RecordsGrid(props: {
  result: PreviewResult
  flow: Flow | undefined
  selected: string | undefined
  onSelect: (key: string | undefined) => void
}) {
  const { result, flow, selected, onSelect } = props
  const { columns, rows, counts } = result.preview
  const [status, setStatus] = useState<StatusFilter>('all')

  const gridColumns = useMemo<Array<GridColumn<PreviewRow>>>(
    () => [
      {
        id: 'status',
        header: 'Status',
        value: (row) => statusOrder[row.status],
        sort: 'number',
        size: STATUS_WIDTH,
        minSize: 56,
        render: (row) => <StatusBadge row={row} />,
        className: () => 'ssp-grid__status',
        title: () => undefined
      },
      {
        id: 'key',
        header: 'Source key',
        value: (row) => shortKey(row.key),
        size: KEY_WIDTH,
        minSize: 60,
        className: () => 'ssp-mono ssp-grid__key',
        title: (row) => row.key
      },
      ...columns.map((column): GridColumn<PreviewRow> => ({
        id: column,
        header: column,
        headerTitle: column,
        value: (row) => cellText(row.cells[column]),
        size: COLUMN_WIDTH,
        minSize: 60,
        render: (row) => <FieldCell row={row} column={column} flow={flow} />,
        className: (row) => {
          const cell = row.cells[column]
          if (!cell) return 'ssp-grid__cell ssp-quiet'
          return `ssp-grid__cell${cell.error ? ' ssp-grid__cell--error' : cell.warnings?.length ? ' ssp-grid__cell--warning' : ''}${cell.value === null || cell.value === undefined ? ' ssp-quiet' : ''}`
        },
        title: (row) => (row.cells[column] ? cellText(row.cells[column]) : row.status === 'skipped' ? row.reason : undefined)
      }))
    ],
    [columns, flow]
  )
  const show = useCallback((row: PreviewRow) => status === 'all' || row.status === status, [status])

  if (rows.length === 0) {
    return <Empty text="No record passes the filter in this sample. Widen the filter, or check the source table has records." />
  }

  const filterButton = (value: StatusFilter, label: string, count: number) => (
    <ToggleButton
      size="small"
      appearance="subtle"
      checked={status === value}
      aria-pressed={status === value}
      onClick={() => setStatus(value)}
      disabled={value !== 'all' && count === 0}
    >
      {label} {count}
    </ToggleButton>
  )

  return (
    <div className="ssp-grid">
      <div className="ssp-grid__bar">
        <Caption1 className="ssp-grid__counts" data-testid="preview-counts">
          {rows.length} record{rows.length === 1 ? '' : 's'}: {counts.ok} ok · {counts.error} with errors · {counts.skipped} skipped. Click
          a record to trace it; a header to sort.
        </Caption1>
        <div role="toolbar" aria-label="Show records" className="ssp-grid__filters">
          {filterButton('all', 'All', rows.length)}
          {filterButton('error', 'Errors', counts.error)}
          {filterButton('skipped', 'Skipped', counts.skipped)}
          {filterButton('ok', 'OK', counts.ok)}
        </div>
      </div>
      <DataGrid
        rows={rows}
        columns={gridColumns}
        rowKey={(row) => row.index}
        show={show}
        filterKey={status}
        isSelected={(row) => row.key !== undefined && row.key === selected}
        onSelect={(row) => onSelect(row.key)}
        rowClassName={(row) => `ssp-grid__row--${row.status}`}
        rowHeight={ROW_HEIGHT}
        aria-label="Preview records"
        data-testid="preview-grid"
        empty={<Empty text="No record of this status in the sample." />}
      />
    </div>
  )
}

const ENTRY_HEAD = 28
const ENTRY_LINE = 20

function entryLines(entry: DryRunEntry): number {
  switch (entry.action) {
    case 'create':
      return 1 + (entry.warnings.length ? 1 : 0)
    case 'update':
      return Math.max(1, entry.changes.length) + (entry.createOnlySkipped.length ? 1 : 0) + (entry.warnings.length ? 1 : 0)
    case 'unchanged':
      return 0
    case 'skipped':
    case 'error':
      return 1
  }
}

function flatten(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? flatten(inner as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, inner] as [string, unknown]]
  )
}

function DryRunView(props: {
  result: DryRunResult
  filter: Action | 'all'
  onFilter: (filter: Action | 'all') => void
  selected: string | undefined
  onSelect: (key: string | undefined) => void
}) {
  const { result, filter, onFilter, selected, onSelect } = props
  const { entries, counts } = result.dryRun
  const shown = useMemo(() => (filter === 'all' ? entries : entries.filter((entry) => entry.action === filter)), [entries, filter])
  const rowHeight = useCallback((index: number) => ENTRY_HEAD + entryLines(shown[index]) * ENTRY_LINE + 6, [shown])

  const renderRow = (index: number, style: CSSProperties) => {
    const entry = shown[index]
    const key = entry.key
    let lines: ReactNode = null
    switch (entry.action) {
      case 'create': {
        const fields = flatten(entry.target)
        lines = (
          <>
            <CreatedFields fields={fields} />
            {entry.warnings.length > 0 && <Warnings warnings={entry.warnings} />}
          </>
        )
        break
      }
      case 'update':
        lines = (
          <>
            <ChangedFields changes={entry.changes} createOnlySkipped={entry.createOnlySkipped} />
            {entry.warnings.length > 0 && <Warnings warnings={entry.warnings} />}
          </>
        )
        break
      case 'skipped':
        lines = <div className="ssp-diff__line">{entry.reason}</div>
        break
      case 'error':
        lines = <FailedField field={entry.field} step={entry.step} reason={entry.reason} input={entry.input} />
        break
      case 'unchanged':
        break
    }
    return (
      <div
        key={`${index}:${key ?? ''}`}
        style={style}
        role="listitem"
        className={`ssp-diff__entry ssp-diff__entry--${entry.action}${key && key === selected ? ' ssp-diff__entry--selected' : ''}`}
        data-action={entry.action}
      >
        <button
          type="button"
          className="ssp-diff__head"
          onClick={() => onSelect(key)}
          disabled={!key}
          title={key ? 'Trace this record' : undefined}
        >
          <Badge size="small" appearance="filled" color={actionColor[entry.action]}>
            {entry.action}
          </Badge>
          <span className="ssp-mono">{shortKey(key)}</span>
          {entry.action === 'update' && (
            <Caption1 className="ssp-quiet">
              {entry.changes.length} field{entry.changes.length === 1 ? '' : 's'} change
            </Caption1>
          )}
        </button>
        {lines}
      </div>
    )
  }

  return (
    <div className="ssp-diff">
      <div className="ssp-diff__filters" role="toolbar" aria-label="Filter by action" data-testid="dry-run-counts">
        <ToggleButton size="small" appearance="subtle" checked={filter === 'all'} onClick={() => onFilter('all')}>
          All {entries.length}
        </ToggleButton>
        {actions.map((action) => (
          <ToggleButton
            key={action}
            size="small"
            appearance="subtle"
            checked={filter === action}
            onClick={() => onFilter(action)}
            data-action={action}
          >
            <span className={`ssp-diff__dot ssp-diff__dot--${action}`} aria-hidden="true" />
            {action} {counts[action]}
          </ToggleButton>
        ))}
      </div>
      {shown.length === 0 ? (
        <Empty
          text={
            entries.length === 0
              ? 'No record passes the filter in this sample: a sync would do nothing.'
              : `No record would be “${filter}” in this sample.`
          }
        />
      ) : (
        <VirtualList
          role="list"
          aria-label="Dry run"
          count={shown.length}
          rowHeight={rowHeight}
          renderRow={renderRow}
          className="ssp-diff__list"
          data-testid="dry-run-list"
        />
      )}
    </div>
  )
}

function Warnings({ warnings }: { warnings: ReadonlyArray<{ field: string; step?: number; message: string }> }) {
  const text = warnings.map((w) => `${w.field}: ${w.message}`).join(' · ')
  return (
    <div className="ssp-diff__line ssp-diff__warning" title={text}>
      <WarningFilled /> {text}
    </div>
  )
}

function TracePane(props: {
  state: { status: 'loading' | 'error' | 'ready'; message?: string; key: string }
  trace: RecordTrace | undefined
  onClose: () => void
}) {
  const { state, trace, onClose } = props
  return (
    <aside className="ssp-trace" aria-label="Record trace" data-testid="trace">
      <header className="ssp-trace__head">
        <Subtitle2>Trace</Subtitle2>
        <span className="ssp-mono ssp-quiet ssp-trace__key" title={state.key}>
          {state.key}
        </span>
        <Button size="small" appearance="subtle" icon={<DismissRegular />} aria-label="Close the trace" onClick={onClose} />
      </header>
      {state.status === 'loading' && <Spinner size="tiny" label="Tracing the record…" />}
      {state.status === 'error' && (
        <MessageBar intent="error">
          <MessageBarBody>{state.message}</MessageBarBody>
        </MessageBar>
      )}
      {state.status === 'ready' && trace && (
        <div className="ssp-trace__body">
          <div className={`ssp-trace__filter ${trace.filter.passed ? '' : 'ssp-trace__filter--out'}`}>
            <Caption1>
              {trace.filter.passed ? '✓ Passes the filter' : '✗ Filtered out — a sync skips it'}
              {trace.filter.description ? `: ${trace.filter.description}` : ''}
            </Caption1>
          </div>
          <ol className="ssp-trace__fields">
            {trace.fields.map((field) => (
              <li
                key={field.target}
                className={`ssp-trace__field${field.error ? ' ssp-trace__field--error' : ''}`}
                data-target={field.target}
              >
                <div className="ssp-trace__title">
                  <strong>{field.target}</strong>
                  <Caption1 className="ssp-quiet"> ← {field.from.length ? field.from.join(', ') : '(no source)'}</Caption1>
                </div>
                <div className="ssp-trace__step">
                  <span className="ssp-trace__fn ssp-quiet">input</span>
                  <span className="ssp-mono">{formatLiteral(field.input)}</span>
                </div>
                {field.steps.map((step) => (
                  <div key={step.index} className={`ssp-trace__step${step.error ? ' ssp-trace__step--error' : ''}`}>
                    <span className="ssp-trace__fn">
                      {step.index + 1}. {step.fn}
                    </span>
                    {step.error ? (
                      <span className="ssp-trace__error">✗ {step.error}</span>
                    ) : (
                      <span className="ssp-mono">{formatLiteral(step.output)}</span>
                    )}
                    {step.warnings?.map((warning, index) => (
                      <span key={index} className="ssp-trace__warning">
                        <WarningFilled /> {warning.message}
                      </span>
                    ))}
                  </div>
                ))}
                <div className="ssp-trace__step ssp-trace__out">
                  <span className="ssp-trace__fn">→ {field.target}</span>
                  {field.error ? (
                    <span className="ssp-trace__error">not written: {field.error.reason}</span>
                  ) : (
                    <span className="ssp-mono">{formatLiteral(field.output)}</span>
                  )}
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </aside>
  )
}
