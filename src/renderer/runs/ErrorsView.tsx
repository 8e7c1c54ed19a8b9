import { Button, Caption1, MessageBar, MessageBarBody, Spinner, Tooltip } from '@fluentui/react-components'
import { ArrowClockwiseRegular, ArrowDownloadRegular } from '@fluentui/react-icons'
import { useEffect, useState } from 'react'
import type { RecordError } from '../../shared/contract'
import type { Client } from '../api/client'
import { downloadText } from '../files/browser-files'
import { formatLiteral, messageOf } from '../panels/format'
import { VirtualList } from '../panels/VirtualList'
import { useDocumentStore } from '../state/document-store'
import { isRunning, useRunStore } from './run-store'

const PAGE = 1000
const ROW_HEIGHT = 28
const columns = 'minmax(160px, 1.1fr) 130px minmax(240px, 2.4fr) minmax(140px, 1.2fr)'

type Loaded = { status: 'loading' } | { status: 'ready'; errors: RecordError[] } | { status: 'error'; message: string }

/**
 * The per-record errors of one flow's run (`run/errors`), windowed: key, field, message and
 * the source value; Export CSV (`run/errorsCsv`) and Retry failed records (`run/retryFailed`).
 */
export function ErrorsView(props: { client: Client; runId: string; flowId: string; dryRun: boolean; expected?: number }) {
  const { client, runId, flowId, dryRun, expected } = props
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' })
  const [exportError, setExportError] = useState<string>()
  // A click on a failed record shows all of it under the grid: the message is often longer than its cell.
  const [opened, setOpened] = useState<number>()
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
  const errors = loaded.status === 'ready' ? loaded.errors : []

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
                : `${errors.length === PAGE ? `First ${PAGE}` : errors.length} record${errors.length === 1 ? '' : 's'} failed`}
        </Caption1>
        <span className="ssp-grow" />
        <Button size="small" icon={<ArrowDownloadRegular />} onClick={() => void exportCsv()} disabled={errors.length === 0}>
          Export CSV
        </Button>
        <Tooltip
          content={retryBlocked ?? 'A new run of only the records that failed here, read again from Dynamics.'}
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
        <VirtualList
          className="ssr-errors__list"
          role="grid"
          aria-label="Failed records"
          aria-rowcount={errors.length + 1}
          count={errors.length}
          rowHeight={ROW_HEIGHT}
          headerHeight={ROW_HEIGHT}
          header={
            <div className="ssr-grid__header" role="row" style={{ gridTemplateColumns: columns, height: ROW_HEIGHT }}>
              <div role="columnheader">Key</div>
              <div role="columnheader">Field</div>
              <div role="columnheader">Message</div>
              <div role="columnheader">Source value</div>
            </div>
          }
          renderRow={(index, style) => {
            const error = errors[index]
            const field = error.field
              ? `${error.field}${error.step !== undefined ? ` · step ${error.step + 1}` : ''}`
              : error.stage === 'write'
                ? `(${error.op ?? 'write'})`
                : ''
            const value = error.input === undefined ? '' : formatLiteral(error.input)
            return (
              <div
                key={`${error.id}-${index}`}
                role="row"
                className={`ssr-grid__row${opened === index ? ' ssr-grid__row--opened' : ''}`}
                style={{ ...style, gridTemplateColumns: columns, cursor: 'pointer' }}
                aria-rowindex={index + 2}
                aria-selected={opened === index}
                tabIndex={0}
                onClick={() => setOpened(opened === index ? undefined : index)}
                onKeyDown={(event) =>
                  (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), setOpened(opened === index ? undefined : index))
                }
              >
                <div role="gridcell" className="ssp-mono" title={error.key ?? error.id}>
                  {error.key ?? '(no key)'}
                </div>
                <div role="gridcell" title={field}>
                  {field}
                </div>
                <div role="gridcell" title={`${error.code}: ${error.message}${error.retryable ? ' (retryable)' : ''}`}>
                  {error.message}
                </div>
                <div role="gridcell" className="ssp-mono" title={value}>
                  {value}
                </div>
              </div>
            )
          }}
        />
      )}
      {opened !== undefined && errors[opened] && (
        <dl className="ss-facts ssr-errors__detail" aria-label="Failed record">
          <div>
            <dt>Key</dt>
            <dd className="ssp-mono">{errors[opened].key ?? errors[opened].id}</dd>
          </div>
          <div>
            <dt>Field</dt>
            <dd>
              {errors[opened].field ?? '—'}
              {errors[opened].step !== undefined ? ` · step ${errors[opened].step! + 1}` : ''}
            </dd>
          </div>
          <div>
            <dt>Message</dt>
            <dd>
              {errors[opened].code}: {errors[opened].message}
              {errors[opened].retryable ? ' (retryable)' : ''}
            </dd>
          </div>
          <div>
            <dt>Value</dt>
            <dd className="ssp-mono">{errors[opened].input === undefined ? '—' : formatLiteral(errors[opened].input)}</dd>
          </div>
        </dl>
      )}
    </section>
  )
}
