import { Badge, Caption1, ToggleButton } from '@fluentui/react-components'
import { useCallback, useMemo, useState, type CSSProperties, type ReactNode } from 'react'
import type { SyncResult } from '../../shared/contract'
import { failureReasonText } from '../../shared/mapping/failure-reasons'
import { readNote } from '../../shared/run-counts'
import { ChangedFields, CreatedFields, FailedField } from '../panels/DiffLines'
import { PlanWarnings, warningLines } from './PlanWarnings'
import { VirtualList } from '../panels/VirtualList'
import { resourceRows } from './format'

type FlowResult = SyncResult['flows'][number]
type Action = 'create' | 'update' | 'unchanged' | 'skipped' | 'error' | 'delete'
const actions: Action[] = ['create', 'update', 'delete', 'unchanged', 'skipped', 'error']
const actionColor: Record<Action, 'success' | 'brand' | 'informative' | 'warning' | 'danger' | 'important'> = {
  create: 'success',
  update: 'brand',
  delete: 'important',
  unchanged: 'informative',
  skipped: 'warning',
  error: 'danger'
}
const isChange = (action: Action) => action === 'create' || action === 'update' || action === 'delete'
const HEAD = 26
const LINE = 20
const MAX_CHANGE_LINES = 6

/** A planned change as main sends it (a dry-run diff entry, or a delete), read defensively. */
interface Entry {
  action: Action
  key?: string
  changes: Array<{ field: string; old: unknown; new: unknown }>
  target?: Record<string, unknown>
  reason?: string
  field?: string
  step?: number
  /** An error: what failed (failure-reasons.ts), as the run's errors list says. */
  code?: string
  input?: unknown
  createOnlySkipped: string[]
  /** Warnings on the record; an opt-out conflict's label is one. */
  warnings: string[]
}

function readEntry(raw: Record<string, unknown>): Entry {
  const action = (actions as string[]).includes(String(raw.action)) ? (raw.action as Action) : 'skipped'
  const changes = Array.isArray(raw.changes)
    ? (raw.changes as Array<Record<string, unknown>>).map((change) => ({ field: String(change.field), old: change.old, new: change.new }))
    : []
  return {
    action,
    key: typeof raw.key === 'string' ? raw.key : undefined,
    changes,
    target: raw.target && typeof raw.target === 'object' ? (raw.target as Record<string, unknown>) : undefined,
    reason: typeof raw.reason === 'string' ? raw.reason : undefined,
    field: typeof raw.field === 'string' ? raw.field : undefined,
    step: typeof raw.step === 'number' ? raw.step : undefined,
    code: typeof raw.code === 'string' ? raw.code : undefined,
    input: raw.input,
    createOnlySkipped: Array.isArray(raw.createOnlySkipped) ? raw.createOnlySkipped.map(String) : [],
    warnings: Array.isArray(raw.warnings)
      ? (raw.warnings as Array<{ message?: unknown }>).map((w) => String(w?.message ?? '')).filter(Boolean)
      : []
  }
}

function flatten(record: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  for (const [name, value] of Object.entries(record)) {
    if (value && typeof value === 'object' && !Array.isArray(value))
      out.push(...flatten(value as Record<string, unknown>, `${prefix}${name}.`))
    else out.push([`${prefix}${name}`, value])
  }
  return out
}

function linesOf(entry: Entry): number {
  if (entry.action === 'update')
    return (
      Math.max(1, Math.min(entry.changes.length, MAX_CHANGE_LINES) + (entry.changes.length > MAX_CHANGE_LINES ? 1 : 0)) +
      (entry.createOnlySkipped.length ? 1 : 0) +
      warningLines(entry.warnings)
    )
  if (entry.action === 'unchanged') return 0
  return 1
}

/** Planned counts of one flow, as actions ("create 426"), each with a data-count for tests and screen readers. */
export function PlannedCounts({ result }: { result: FlowResult }) {
  const c = result.counts
  const items: Array<[string, string, number]> = [
    ['created', 'create', c.created],
    ['updated', 'update', c.updated],
    ['unchanged', 'unchanged', c.unchanged],
    ['skipped', 'skipped', c.skipped],
    ['failed', 'failed', c.failed],
    ['deleted', 'delete', c.deleted]
  ]
  return (
    <div className="ssr-counts" data-testid="plan-counts" data-flow={result.flowId}>
      {items.map(([key, label, value]) => (
        <span key={key} className={`ssr-count ssr-count--${key}${value === 0 ? ' ssr-count--zero' : ''}`} data-count={key}>
          <strong>{value.toLocaleString()}</strong> {label}
        </span>
      ))}
      <Caption1 className="ssp-quiet" data-testid="plan-read">
        of {c.read.toLocaleString()} read{readNote(c, (n) => n.toLocaleString())}
      </Caption1>
      {result.resumedFrom && (
        // The counts are the resumed run's whole counts (docs/sync.md, "Resume"); the list holds only what this plan read.
        <Caption1 className="ssp-quiet" data-testid="plan-resumes">
          Run now resumes the stopped run {result.resumedFrom}: these counts include what it already wrote; the changes listed are what is
          left to do.
        </Caption1>
      )}
      {result.deleteGuard && result.deleteGuard.verdict !== 'ok' && (
        <Caption1 className="ssr-guard-note" data-testid="plan-delete-guard">
          {result.deleteGuard.verdict === 'refused'
            ? `Run now will refuse to delete: ${result.deleteGuard.reason}`
            : `Run now will stop before deleting these ${result.deleteGuard.deletes.toLocaleString()} records${cascadeNote(result.deleteGuard.cascaded)} and ask you to confirm the count.`}
        </Caption1>
      )}
    </div>
  )
}

/** The first planned changes of a dry run: key, action, the changed fields old → new (windowed, filterable by action). */
export function PlanEntries({ result }: { result: FlowResult }) {
  const entries = useMemo(() => (result.plan?.entries ?? []).map(readEntry), [result])
  const changes = useMemo(() => entries.filter((e) => isChange(e.action)).length, [entries])
  // What will be written comes first; "All" adds the unchanged, skipped and failing records.
  const [filter, setFilter] = useState<Action | 'all' | 'changes'>(() => (changes > 0 ? 'changes' : 'all'))
  const shown = useMemo(
    () =>
      filter === 'all'
        ? entries
        : filter === 'changes'
          ? entries.filter((e) => isChange(e.action))
          : entries.filter((e) => e.action === filter),
    [entries, filter]
  )
  const counts = useMemo(() => {
    const out: Partial<Record<Action, number>> = {}
    for (const entry of entries) out[entry.action] = (out[entry.action] ?? 0) + 1
    return out
  }, [entries])
  const rowHeight = useCallback((index: number) => HEAD + linesOf(shown[index]) * LINE + 6, [shown])
  if (!result.plan) return null

  const renderRow = (index: number, style: CSSProperties) => {
    const entry = shown[index]
    let lines: ReactNode = null
    switch (entry.action) {
      case 'create': {
        const fields = flatten(entry.target ?? {})
        lines = <CreatedFields fields={fields} />
        break
      }
      case 'update':
        lines = (
          <>
            <ChangedFields changes={entry.changes} createOnlySkipped={entry.createOnlySkipped} limit={MAX_CHANGE_LINES} />
            <PlanWarnings warnings={entry.warnings} />
          </>
        )
        break
      case 'error':
        lines = <FailedField field={entry.field} step={entry.step} reason={entry.reason} input={entry.input} />
        break
      case 'skipped':
      case 'delete':
        lines = (
          <div className="ssp-diff__line" title={entry.reason}>
            {entry.reason}
          </div>
        )
        break
      case 'unchanged':
        break
    }
    return (
      <div
        key={`${index}:${entry.key ?? ''}`}
        style={style}
        role="listitem"
        className={`ssp-diff__entry ssp-diff__entry--${entry.action}`}
        data-action={entry.action}
      >
        <div className="ssr-plan__head">
          <Badge size="small" appearance="filled" color={actionColor[entry.action]}>
            {entry.action}
          </Badge>
          <span className="ssp-mono">{entry.key ?? '(no key)'}</span>
          {entry.action === 'update' && (
            <Caption1 className="ssp-quiet">
              {entry.changes.length} field{entry.changes.length === 1 ? '' : 's'} change
            </Caption1>
          )}
          {entry.action === 'error' && entry.code && (
            <Caption1 className="ssr-plan__reason" title={entry.code}>
              {failureReasonText(entry.code)}
            </Caption1>
          )}
        </div>
        {lines}
      </div>
    )
  }

  return (
    <div className="ssr-plan">
      <div className="ssp-diff__filters" role="toolbar" aria-label="Show planned changes">
        <ToggleButton size="small" appearance="subtle" checked={filter === 'changes'} onClick={() => setFilter('changes')}>
          Changes {changes}
        </ToggleButton>
        <ToggleButton size="small" appearance="subtle" checked={filter === 'all'} onClick={() => setFilter('all')}>
          All {entries.length}
        </ToggleButton>
        {actions
          .filter((action) => counts[action])
          .map((action) => (
            <ToggleButton key={action} size="small" appearance="subtle" checked={filter === action} onClick={() => setFilter(action)}>
              {action} {counts[action]}
            </ToggleButton>
          ))}
        <span className="ssp-grow" />
        <Caption1 className="ssp-quiet">
          {result.plan.truncated
            ? `The first ${(entries.length - (counts.delete ?? 0)).toLocaleString()} planned changes${counts.delete ? ` and ${counts.delete.toLocaleString()} deletes` : ''}`
            : `Every planned change`}
        </Caption1>
      </div>
      {shown.length === 0 && (
        <Caption1 className="ssr-plan__empty">
          {filter === 'changes'
            ? 'Nothing to write: every record read is unchanged, skipped or failing.'
            : 'No planned change of this kind.'}
        </Caption1>
      )}
      <VirtualList
        className="ssr-plan__list"
        role="list"
        aria-label={`Planned changes of ${result.flowId}`}
        count={shown.length}
        rowHeight={rowHeight}
        renderRow={renderRow}
      />
    </div>
  )
}

/** ", which would take 14 cusVehicle rows with them" — what Campaign deletes with the records, which the guard counts too. */
function cascadeNote(cascaded: ReadonlyArray<{ resource: string; rows: number; unknown: boolean }> | undefined): string {
  const rows = (cascaded ?? []).filter((c) => c.rows > 0 || c.unknown)
  return rows.length ? `, which would take ${rows.map((c) => resourceRows(c)).join(', ')} with them in Campaign,` : ''
}
