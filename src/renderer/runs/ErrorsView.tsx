import { Button, Caption1, MessageBar, MessageBarBody, Spinner, ToggleButton, Tooltip } from '@fluentui/react-components'
import { ArrowClockwiseRegular, ArrowDownloadRegular } from '@fluentui/react-icons'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { RecordError } from '../../shared/contract'
import { failedStepText, failureReasonText } from '../../shared/mapping/failure-reasons'
import { OUTCOME_UNKNOWN } from '../../shared/run-counts'
import type { Client } from '../api/client'
import { downloadText } from '../files/browser-files'
import { DataGrid, type GridColumn } from '../panels/DataGrid'
import { formatLiteral, messageOf } from '../panels/format'
import { useDocumentStore } from '../state/document-store'
import { isRunning, useRunStore } from './run-store'

const PAGE = 1000
const ROW_HEIGHT = 28

type Loaded = { status: 'loading' } | { status: 'ready'; errors: RecordError[] } | { status: 'error'; message: string }
type Stage = RecordError['stage'] | 'all'

/** Where a record failed, in the user's words: the mapping (a step, a rule on the target) or the target service refusing the write. */
const stageWords: Record<RecordError['stage'], string> = { transform: 'mapping', write: 'target' }

/** The field, and the step that failed on it: "gender · step 2 · valueMap", "email · target rules". */
function fieldText(error: RecordError): string {
  const step = failedStepText(error.step, error.stepName)
  if (error.field) return `${error.field}${step ? ` · ${step}` : ''}`
  return error.stage === 'write' ? `(${error.op ?? 'write'})` : ''
}

/** What failed, in the user's words (failure-reasons.ts): "value map has no match", "required value missing"… */
function reasonText(error: RecordError): string {
  return failureReasonText(error.code)
}

function valueText(error: RecordError): string {
  return error.input === undefined ? '' : formatLiteral(error.input)
}

const columns: Array<GridColumn<RecordError>> = [
  {
    id: 'key',
    header: 'Key',
    value: (e) => e.key ?? '(no key)',
    size: 220,
    minSize: 80,
    className: () => 'ssp-mono ssp-grid__cell',
    title: (e) => e.key ?? e.id
  },
  { id: 'stage', header: 'Where', value: (e) => stageWords[e.stage], size: 76, minSize: 60 },
  { id: 'field', header: 'Field', value: fieldText, size: 170, minSize: 60 },
  { id: 'reason', header: 'Reason', value: reasonText, size: 170, minSize: 60, title: (e) => `${reasonText(e)} (${e.code})` },
  {
    id: 'message',
    header: 'Message',
    value: (e) => e.message,
    size: 300,
    minSize: 120,
    title: (e) => `${e.code}: ${e.message}${e.retryable ? ' (retryable)' : ''} — click for the whole record`
  },
  { id: 'value', header: 'Source value', value: valueText, size: 160, minSize: 60, className: () => 'ssp-mono ssp-grid__cell' }
]

/**
 * "3 records failed", "2 records with no answer from Dynamics (may be written)", or both: a record
 * whose write got no answer is listed here (retry checks it) but is not counted as failed.
 */
function errorsCountText(errors: readonly RecordError[]): string {
  if (errors.length === PAGE) return `First ${PAGE} records listed`
  const unknown = errors.filter((e) => e.code === OUTCOME_UNKNOWN).length
  const failed = errors.length - unknown
  const records = (n: number) => `${n} record${n === 1 ? '' : 's'}`
  return [
    failed ? `${records(failed)} failed` : '',
    unknown ? `${records(unknown)} with no answer from Dynamics (may be written — retry checks each by key)` : ''
  ]
    .filter(Boolean)
    .join(', ')
}

/** Counts by value, most frequent first (the reason filters). */
function countBy(errors: readonly RecordError[], of: (e: RecordError) => string): Array<[string, number]> {
  const counts = new Map<string, number>()
  for (const error of errors) counts.set(of(error), (counts.get(of(error)) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
}

/**
 * The per-record errors of one flow's run (`run/errors`) in the app's grid (`DataGrid`, as the
 * preview's records): sort by a header, resize by its edge, show one stage (mapping / target)
 * or one reason; a click shows the whole record under the grid. Export CSV (`run/errorsCsv`)
 * and Retry failed records (`run/retryFailed`).
 */
export function ErrorsView(props: { client: Client; runId: string; flowId: string; dryRun: boolean; expected?: number }) {
  const { client, runId, flowId, dryRun, expected } = props
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' })
  const [exportError, setExportError] = useState<string>()
  // A click on a failed record shows all of it under the grid: the message is often longer than its cell.
  const [opened, setOpened] = useState<string>()
  const [stage, setStage] = useState<Stage>('all')
  const [reason, setReason] = useState<string>()
  const document = useDocumentStore((state) => state.document)
  const running = useRunStore((state) => isRunning(state.session))
  const start = useRunStore((state) => state.start)

  useEffect(() => {
    let current = true
    setLoaded({ status: 'loading' })
    client.call('run/errors', { runId, limit: PAGE }).then(
      ({ errors }) => current && setLoaded({ status: 'ready', errors }),
      (error) => current && setLoaded({ status: 'error', message: messageOf(error) })
    )
    return () => {
      current = false
    }
  }, [client, runId, expected])

  const exportCsv = async () => {
    setExportError(undefined)
    try {
      const { csv, fileName } = await client.call('run/errorsCsv', { runId })
      downloadText(fileName, csv)
    } catch (error) {
      setExportError(messageOf(error))
    }
  }

  const hasFlow = document?.flows.some((f) => f.id === flowId) ?? false
  const retryBlocked = dryRun
    ? 'A dry run wrote nothing: run the sync, then retry its failed records.'
    : !document
      ? 'Open the mapping this run belongs to.'
      : !hasFlow
        ? `The open mapping has no flow "${flowId}".`
        : running
          ? 'A sync is running: wait for it or cancel it.'
          : undefined
  const errors = useMemo(() => (loaded.status === 'ready' ? loaded.errors : []), [loaded])
  const stages = useMemo(() => countBy(errors, (e) => e.stage), [errors])
  const reasons = useMemo(() => countBy(errors, reasonText), [errors])
  const show = useCallback(
    (e: RecordError) => (stage === 'all' || e.stage === stage) && (!reason || reasonText(e) === reason),
    [stage, reason]
  )
  const openedError = errors.find((e) => e.id === opened)

  return (
    <section className="ssr-errors" aria-label={`Errors of run ${runId}`}>
      <div className="ssr-errors__bar">
        <Caption1 data-testid="errors-count">
          {loaded.status === 'loading'
            ? 'Reading the errors…'
            : loaded.status === 'error'
              ? 'The errors could not be read.'
              : errors.length === 0
                ? 'No record failed in this run.'
                : errorsCountText(errors)}
        </Caption1>
        <span className="ssp-grow" />
        <Button size="small" icon={<ArrowDownloadRegular />} onClick={() => void exportCsv()} disabled={errors.length === 0}>
          Export CSV
        </Button>
        <Tooltip
          content={
            retryBlocked ??
            'A new run of only the records listed here (failed, or with no answer from Dynamics): each is read again from the source, looked up in the target by its key, and written only if missing or different.'
          }
          relationship="description"
        >
          <Button
            size="small"
            icon={<ArrowClockwiseRegular />}
            disabled={errors.length === 0 || retryBlocked !== undefined}
            onClick={() => document && void start(client, document, { kind: 'retry', flowIds: [flowId], full: false, retryOf: runId })}
          >
            Retry failed records
          </Button>
        </Tooltip>
      </div>
      {exportError && (
        <MessageBar intent="error">
          <MessageBarBody>{exportError}</MessageBarBody>
        </MessageBar>
      )}
      {loaded.status === 'loading' && <Spinner size="tiny" />}
      {loaded.status === 'error' && (
        <MessageBar intent="error">
          <MessageBarBody>{loaded.message}</MessageBarBody>
        </MessageBar>
      )}
      {errors.length > 0 && (
        <div role="toolbar" aria-label="Show errors" className="ssp-grid__filters ssr-errors__filters">
          <ToggleButton
            size="small"
            appearance="subtle"
            checked={stage === 'all' && !reason}
            aria-pressed={stage === 'all' && !reason}
            onClick={() => (setStage('all'), setReason(undefined))}
          >
            All {errors.length}
          </ToggleButton>
          {stages.length > 1 &&
            stages.map(([name, count]) => (
              <ToggleButton
                key={name}
                size="small"
                appearance="subtle"
                checked={stage === name}
                aria-pressed={stage === name}
                title={
                  name === 'transform'
                    ? 'Failed in the mapping: a step, or a rule on the target field'
                    : 'The target service refused the write'
                }
                onClick={() => setStage(stage === name ? 'all' : (name as Stage))}
              >
                {stageWords[name as RecordError['stage']]} {count}
              </ToggleButton>
            ))}
          <span className="ssr-errors__sep" aria-hidden />
          {reasons.map(([words, count]) => (
            <ToggleButton
              key={words}
              size="small"
              appearance="subtle"
              checked={reason === words}
              aria-pressed={reason === words}
              data-reason={words}
              onClick={() => setReason(reason === words ? undefined : words)}
            >
              {words} {count}
            </ToggleButton>
          ))}
        </div>
      )}
      {errors.length > 0 && (
        <DataGrid
          rows={errors}
          columns={columns}
          rowKey={(e) => e.id}
          show={show}
          filterKey={`${stage}/${reason ?? ''}`}
          isSelected={(e) => e.id === opened}
          onSelect={(e) => setOpened(opened === e.id ? undefined : e.id)}
          rowHeight={ROW_HEIGHT}
          className="ssr-errors__list"
          aria-label="Failed records"
          empty={<Caption1 className="ssp-quiet">No failed record of this kind.</Caption1>}
        />
      )}
      {openedError && (
        <dl className="ss-facts ssr-errors__detail" aria-label="Failed record">
          <div>
            <dt>Key</dt>
            <dd className="ssp-mono">{openedError.key ?? openedError.id}</dd>
          </div>
          <div>
            <dt>Field</dt>
            <dd>
              {fieldText(openedError) || '—'} ({stageWords[openedError.stage]}
              {openedError.op ? `, ${openedError.op}` : ''})
            </dd>
          </div>
          <div>
            <dt>Reason</dt>
            <dd>
              {reasonText(openedError)} <span className="ssp-quiet ssp-mono">({openedError.code})</span>
            </dd>
          </div>
          <div>
            <dt>Message</dt>
            <dd>
              {openedError.code}: {openedError.message}
              {openedError.retryable ? ' (retryable)' : ''}
            </dd>
          </div>
          <div>
            <dt>Value</dt>
            <dd className="ssp-mono">{openedError.input === undefined ? '—' : formatLiteral(openedError.input)}</dd>
          </div>
        </dl>
      )}
    </section>
  )
}
