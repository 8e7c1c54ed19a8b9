import { Button, Caption1, MessageBar, MessageBarBody, Spinner, Subtitle2 } from '@fluentui/react-components'
import { ArrowSyncRegular } from '@fluentui/react-icons'
import { useCallback, useEffect, useState, type KeyboardEvent } from 'react'
import type { RunSummary } from '../../shared/contract'
import type { Client } from '../api/client'
import { messageOf } from '../panels/format'
import { VirtualList } from '../panels/VirtualList'
import { useDocumentStore } from '../state/document-store'
import { ConflictsView } from './ConflictsView'
import { ErrorsView } from './ErrorsView'
import { formatDuration, formatTime, historyCounts } from './format'
import { useRunStore } from './run-store'
import { StatusBadge } from './SessionView'

/**
 * Three lines: a run's counts (what was read and what the filter kept, then each outcome) wrap
 * rather than being cut (every number is a promise); at 1440×900 most runs take two.
 */
const ROW_HEIGHT = 62
const HEADER_HEIGHT = 30
const columns = '150px minmax(90px, 0.8fr) 84px 56px 96px minmax(340px, 3fr) 66px 50px'

type Loaded = { status: 'loading' } | { status: 'ready'; runs: RunSummary[] } | { status: 'error'; message: string }

/** The counts cell: each count whole (never cut), wrapping onto a second line when the column is narrow. */
function HistoryCounts({ run }: { run: RunSummary }) {
  const list = historyCounts(run)
  return (
    <div role="gridcell" className="ssr-history__counts" data-testid="history-counts">
      {list.map((item, index) => (
        <span key={item.key} className="ssr-history__count" data-count={item.key} title={item.title}>
          {item.before}
          <strong>{item.n.toLocaleString()}</strong>
          {item.after}
          {index < list.length - 1 && <span className="ssr-history__sep"> · </span>}
        </span>
      ))}
    </div>
  )
}

/**
 * A sync that ran to its end with failed records, or records whose outcome is unknown (both are in
 * `errorCount`, the errors list), reads "partial", as the run's summary says; a finished dry run is a plan.
 */
function statusOf(run: RunSummary): string {
  if (run.dryRun) return run.status === 'completed' ? 'plan' : run.status
  return run.status === 'completed' && run.errorCount > 0 ? 'partial' : run.status
}

/** Every run of the workspace (`run/history`), newest first; a selected run shows its errors, export and retry. */
export function HistoryView({ client }: { client: Client }) {
  const version = useRunStore((state) => state.historyVersion)
  const selectedRunId = useRunStore((state) => state.selectedRunId)
  const selectRun = useRunStore((state) => state.selectRun)
  const flows = useDocumentStore((state) => state.document?.flows)
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' })
  const [reload, setReload] = useState(0)

  useEffect(() => {
    let current = true
    client.call('run/history', {}).then(
      ({ runs }) => current && setLoaded({ status: 'ready', runs }),
      (error) => current && setLoaded({ status: 'error', message: messageOf(error) })
    )
    return () => {
      current = false
    }
  }, [client, version, reload])

  const runs = loaded.status === 'ready' ? loaded.runs : []
  const selected = runs.find((r) => r.runId === selectedRunId)
  const nameOf = useCallback((flowId: string) => flows?.find((f) => f.id === flowId)?.name ?? flowId, [flows])

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (runs.length === 0 || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return
    event.preventDefault()
    const index = runs.findIndex((r) => r.runId === selectedRunId)
    const next = Math.max(0, Math.min(runs.length - 1, index + (event.key === 'ArrowDown' ? 1 : -1)))
    selectRun(runs[next].runId)
  }

  return (
    <section className="ssr-history" aria-label="History">
      <div className="ssr-errors__bar">
        <Caption1 data-testid="history-count">
          {loaded.status === 'ready'
            ? `${runs.length} run${runs.length === 1 ? '' : 's'} in this workspace, newest first`
            : loaded.status === 'loading'
              ? 'Reading the history…'
              : ''}
        </Caption1>
        <span className="ssp-grow" />
        <Button size="small" appearance="subtle" icon={<ArrowSyncRegular />} onClick={() => setReload((n) => n + 1)}>
          Refresh
        </Button>
      </div>
      {loaded.status === 'loading' && <Spinner size="tiny" />}
      {loaded.status === 'error' && (
        <MessageBar intent="error">
          <MessageBarBody>{loaded.message}</MessageBarBody>
        </MessageBar>
      )}
      {loaded.status === 'ready' && runs.length === 0 && <Caption1 className="ssp-quiet">No run yet. Start one from the Run tab.</Caption1>}
      {runs.length > 0 && (
        <div
          className="ssr-history__list"
          // As tall as its rows (and the border), between the CSS's least and most: a short history leaves no empty box.
          style={{ maxHeight: HEADER_HEIGHT + runs.length * ROW_HEIGHT + 2 }}
          onKeyDown={onKeyDown}
        >
          <VirtualList
            role="grid"
            aria-label="Run history"
            aria-rowcount={runs.length + 1}
            count={runs.length}
            rowHeight={ROW_HEIGHT}
            headerHeight={HEADER_HEIGHT}
            header={
              <div className="ssr-grid__header" role="row" style={{ gridTemplateColumns: columns, height: HEADER_HEIGHT }}>
                {['Time', 'Flow', 'Mode', 'Dry run', 'Status', 'Counts', 'Duration', 'Errors'].map((name) => (
                  <div key={name} role="columnheader">
                    {name}
                  </div>
                ))}
              </div>
            }
            renderRow={(index, style) => {
              const run = runs[index]
              const isSelected = run.runId === selectedRunId
              const name = nameOf(run.flowId)
              return (
                <div
                  key={run.runId}
                  role="row"
                  tabIndex={isSelected || (!selected && index === 0) ? 0 : -1}
                  aria-selected={isSelected}
                  aria-rowindex={index + 2}
                  data-run-id={run.runId}
                  className={`ssr-grid__row ssr-grid__row--select${isSelected ? ' ssr-grid__row--selected' : ''}`}
                  style={{ ...style, gridTemplateColumns: columns }}
                  onClick={() => selectRun(run.runId)}
                  onKeyDown={(event) => event.key === 'Enter' && selectRun(run.runId)}
                >
                  <div role="gridcell">{formatTime(run.startedAt)}</div>
                  <div role="gridcell" title={name === run.flowId ? name : `${name} (${run.flowId})`}>
                    <span className="ssr-history__flow">{name}</span>
                  </div>
                  <div role="gridcell">{run.mode}</div>
                  <div role="gridcell">{run.dryRun ? 'yes' : 'no'}</div>
                  <div role="gridcell">
                    <StatusBadge status={statusOf(run)} />
                    {run.resumable && (
                      <Caption1 className="ssp-quiet" title="The next run of this flow continues it from its last checkpoint">
                        resumable
                      </Caption1>
                    )}
                  </div>
                  <HistoryCounts run={run} />
                  <div role="gridcell">{formatDuration(run.durationMs)}</div>
                  <div role="gridcell">{run.errorCount}</div>
                </div>
              )
            }}
          />
        </div>
      )}
      {selected && (
        <section className="ssr-history__detail" aria-label="Selected run">
          <div className="ssr-flow__head">
            <Subtitle2>{nameOf(selected.flowId)}</Subtitle2>
            <StatusBadge status={statusOf(selected)} />
            <Caption1 className="ssp-quiet ssp-mono">{selected.runId}</Caption1>
            <span className="ssp-grow" />
            <Caption1 className="ssp-quiet">
              {selected.mode}
              {selected.dryRun ? ' dry run' : ''}
              {selected.retryOf ? ` of ${selected.retryOf}` : ''}
              {selected.mappingVersion ? ` · mapping ${selected.mappingVersion}` : ''} · {formatDuration(selected.durationMs)}
            </Caption1>
          </div>
          {selected.error && (
            <MessageBar intent="error">
              <MessageBarBody>
                {selected.error.code}: {selected.error.message}
              </MessageBarBody>
            </MessageBar>
          )}
          {selected.resumable && (
            <Caption1>This run is resumable: the next sync of this flow continues it from its last checkpoint.</Caption1>
          )}
          {selected.compacted && (
            <Caption1 className="ssp-quiet">
              Older run, compacted: its failed records and conflicts are kept, the other per-record successes are not.
            </Caption1>
          )}
          {!selected.dryRun && (
            <ConflictsView
              key={`conflicts-${selected.runId}`}
              client={client}
              runId={selected.runId}
              optOut={flows?.find((f) => f.id === selected.flowId)?.kind === 'optOut'}
            />
          )}
          <ErrorsView
            key={selected.runId}
            client={client}
            runId={selected.runId}
            flowId={selected.flowId}
            dryRun={selected.dryRun}
            expected={selected.errorCount}
          />
        </section>
      )}
    </section>
  )
}
