import {
  Badge,
  Body1,
  Button,
  Caption1,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Subtitle2,
  Tab,
  TabList
} from '@fluentui/react-components'
import { DismissCircleRegular, PlayRegular } from '@fluentui/react-icons'
import { useState } from 'react'
import type { SyncResult } from '../../shared/contract'
import { progressPercent } from '../../shared/run-progress'
import { errorsListed, readNote, unknownExplanation, unknownNote, unknownText } from '../../shared/run-counts'
import type { Flow } from '../../shared/mapping/document'
import type { Client } from '../api/client'
import { useDocumentStore } from '../state/document-store'
import { ConflictsView } from './ConflictsView'
import { ErrorsView } from './ErrorsView'
import { countLabels, flowLabel, formatDuration, formatRate, formatTime, resourceRows, sumCounts } from './format'
import { PlanEntries, PlannedCounts } from './PlanView'
import { countsOf, isRunning, sessionStart, useRunStore, type FlowState, type RunSession } from './run-store'

type Status = SyncResult['status'] | 'running'
type FlowResult = SyncResult['flows'][number]
export const statusColor: Record<string, 'success' | 'warning' | 'danger' | 'informative' | 'brand' | 'subtle'> = {
  completed: 'success',
  partial: 'warning',
  failed: 'danger',
  canceled: 'informative',
  interrupted: 'warning',
  running: 'brand',
  skipped: 'subtle',
  'waiting for your confirmation': 'warning',
  'deletes refused': 'danger'
}
const phaseText: Record<string, string> = {
  starting: 'starting',
  reading: 'reading',
  writing: 'writing',
  retrying: 'retry pass',
  deleting: 'deleting',
  paused: 'paused',
  finishing: 'finishing',
  done: 'done',
  stopped: 'stopped'
}

function kindTitle(session: RunSession): string {
  if (session.kind === 'dryRun') return 'Dry run'
  if (session.kind === 'retry') return 'Retry of failed records'
  return 'Sync'
}

export function StatusBadge({ status }: { status: Status | string }) {
  return (
    <Badge appearance="filled" color={statusColor[status] ?? 'informative'} data-testid="run-status">
      {status}
    </Badge>
  )
}

/**
 * A flow that ran to its end with failed records, or records whose outcome is unknown (no answer
 * from Dynamics), reads as "partial", like the whole run; one the
 * delete guard stopped is waiting for a person, not broken (docs/sync.md, "Guarded deletes").
 */
function flowStatus(result: FlowResult): string {
  const guard = result.status === 'failed' ? result.deleteGuard?.verdict : undefined
  if (guard === 'confirm') return 'waiting for your confirmation'
  if (guard === 'refused') return 'deletes refused'
  return result.status === 'completed' && errorsListed(result.counts) > 0 && !result.dryRun ? 'partial' : result.status
}

/** The whole sync's status in the same words: a run stopped only by the delete guard is waiting. */
function syncStatus(result: SyncResult): string {
  const guarded = result.flows.map(flowStatus).find((s) => s === 'waiting for your confirmation' || s === 'deletes refused')
  return result.status === 'failed' && guarded ? guarded : result.status
}

/** One flow: its progress bar (determinate once the source's total is known), counts, rate and ETA. */
function FlowRow({ flow, state, running, plan }: { flow: Flow | undefined; state: FlowState; running: boolean; plan: boolean }) {
  const progress = state.progress
  const result = state.result
  const counts = countsOf(state)
  const total = progress?.total
  const done = result !== undefined
  // Records finished over the source's total; no total → an indeterminate bar, never a made-up share.
  const percent = progress ? progressPercent(progress) : undefined
  const value = result?.status === 'completed' ? 1 : percent !== undefined ? percent / 100 : undefined
  const finished = counts.read - counts.pending - counts.deferred
  const status = result
    ? result.status
    : state.started
      ? progress
        ? phaseText[progress.phase]
        : 'starting'
      : running
        ? 'waiting'
        : 'not run'
  const label = flowLabel(flow, state.flowId)
  return (
    <article className="ssr-flow" aria-label={`Flow ${label}`} data-flow={state.flowId}>
      <div className="ssr-flow__head">
        <Subtitle2>{label}</Subtitle2>
        <Caption1 className="ssp-quiet" data-testid="flow-mode">
          {state.mode
            ? state.resumed
              ? `${plan ? 'planned as a resume of' : 'resuming'} the ${state.mode} run${state.resumes ? ` started ${formatTime(state.resumes.startedAt)}` : ''}`
              : `${state.mode} run`
            : ''}
        </Caption1>
        <span className="ssp-grow" />
        {result ? <StatusBadge status={flowStatus(result)} /> : <Caption1 data-testid="flow-phase">{status}</Caption1>}
      </div>
      {/* A canceled or failed flow without a known total has no honest fraction to show: its counts say how far it got. */}
      {(state.started || done) && result?.status !== 'skipped' && !(result && result.status !== 'completed' && !total) && (
        <ProgressBar
          aria-label={`Progress of ${label}`}
          thickness="large"
          value={value}
          color={
            result && flowStatus(result) === 'waiting for your confirmation'
              ? 'warning'
              : result?.status === 'failed'
                ? 'error'
                : result?.status === 'canceled'
                  ? 'warning'
                  : result
                    ? 'success'
                    : 'brand'
          }
        />
      )}
      <div className="ssr-flow__meta">
        <span className="ssr-counts" data-testid="flow-counts">
          <span className="ssr-count" data-count="read">
            <strong>{counts.read.toLocaleString()}</strong> read
            {readNote(counts, (n) => n.toLocaleString())}
          </span>
          {!done && total !== undefined && (
            <span className="ssr-count" data-count="finished">
              <strong>{finished.toLocaleString()}</strong> / {total.toLocaleString()} done{percent !== undefined ? ` (${percent}%)` : ''}
            </span>
          )}
          {countLabels.map(({ key, label: name }) => (
            <span key={key} className={`ssr-count ssr-count--${key}${counts[key] === 0 ? ' ssr-count--zero' : ''}`} data-count={key}>
              <strong>{counts[key].toLocaleString()}</strong> {name}
            </span>
          ))}
          {counts.unknown > 0 && (
            <span className="ssr-count ssr-count--unknown" data-count="unknown" title={unknownExplanation}>
              <strong>{counts.unknown.toLocaleString()}</strong> unknown{unknownNote}
            </span>
          )}
          {counts.deferred + counts.pending > 0 && (
            <span
              className="ssr-count"
              data-count="pending"
              title="Read and not finished: being written, waiting for a retry pass, or (a stopped run) left for the resume"
            >
              <strong>{(counts.deferred + counts.pending).toLocaleString()}</strong> pending
            </span>
          )}
        </span>
        <span className="ssp-grow" />
        {!done && progress && (
          <Caption1 className="ssp-quiet" data-testid="flow-rate">
            {formatRate(progress.ratePerSecond)}
            {progress.etaMs !== undefined ? ` · about ${formatDuration(progress.etaMs)} left` : ''}
            {` · ${formatDuration(progress.elapsedMs)}`}
          </Caption1>
        )}
        {/* A resumed run's duration counts its stopped attempts too (main's journal adds them up); the summary's is this session's. */}
        {done && (
          <Caption1 className="ssp-quiet" data-testid="flow-duration">
            {formatDuration(result.durationMs)}
            {state.resumed && !plan ? ' with the stopped run' : ''}
          </Caption1>
        )}
      </div>
      {/* The delete guard's stop is explained (with its confirmation) in the summary below. */}
      {result?.error && !(result.deleteGuard && result.deleteGuard.verdict !== 'ok') && (
        <MessageBar intent="error">
          <MessageBarBody>
            <MessageBarTitle>{result.error.code}</MessageBarTitle>
            {result.error.message}
          </MessageBarBody>
        </MessageBar>
      )}
    </article>
  )
}

function Notices({ session, flows }: { session: RunSession; flows: Map<string, Flow> }) {
  // What each flow did beyond its counts (how many opt-out conflicts went which way) follows what happened along the way.
  const notices = [
    ...session.notices,
    ...(session.result?.flows ?? []).flatMap((f) => (f.summary ?? []).map((message) => ({ flowId: f.flowId, message })))
  ]
  if (notices.length === 0) return null
  // A note several flows give alike (the four events flows read the same profiles) is said once, for all of them.
  const grouped = new Map<string, string[]>()
  for (const notice of notices) grouped.set(notice.message, [...(grouped.get(notice.message) ?? []), notice.flowId])
  return (
    <ul className="ssr-notices" aria-label="Notices" data-testid="run-notices">
      {[...grouped].map(([message, flowIds]) => (
        <li key={message}>
          <Caption1>
            <span className="ssp-quiet">{flowIds.map((id) => flowLabel(flows.get(id), id)).join(', ')}: </span>
            {message}
          </Caption1>
        </li>
      ))}
    </ul>
  )
}

function cancelText(session: RunSession): string {
  return session.kind === 'dryRun'
    ? 'Canceled. A dry run writes nothing and is not resumed: start it again when you are ready.'
    : 'Canceled — the run is resumable: the records written so far stay written, and the next run of these flows continues from its last checkpoint.'
}

/** A finished session as its views show it: the result, and the document's flows by id. */
interface FinishedRun {
  client: Client
  session: RunSession
  result: SyncResult
  flows: Map<string, Flow>
}

/**
 * The delete guard stopped a flow before its first delete: say how many and why, and offer to
 * go ahead with exactly that count (the run resumes from where it stopped). A filter that
 * matches nothing is refused outright: there is nothing to confirm.
 */
function DeleteConfirmation({ client, session, result, flows }: FinishedRun) {
  const document = useDocumentStore((state) => state.document)
  const start = useRunStore((state) => state.start)
  const stopped = result.flows.find((f) => f.deleteGuard && f.deleteGuard.verdict !== 'ok' && f.status === 'failed')
  if (!stopped?.deleteGuard) return null
  const guard = stopped.deleteGuard
  const label = flowLabel(flows.get(stopped.flowId), stopped.flowId)
  if (guard.verdict === 'refused') {
    return (
      <MessageBar intent="error" data-testid="delete-refused" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{label}: nothing was deleted</MessageBarTitle>
          {guard.reason}
        </MessageBarBody>
      </MessageBar>
    )
  }
  const count = guard.deletes.toLocaleString()
  // Rows Campaign deletes with the records (a profile's custom-resource rows) count too (docs/sync.md, "Guarded deletes").
  const withThem = (guard.cascaded ?? []).filter((c) => c.rows > 0 || c.unknown)
  return (
    <MessageBar intent="warning" data-testid="delete-confirmation" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>
          {label} would delete {count} record{guard.deletes === 1 ? '' : 's'} in the target
        </MessageBarTitle>
        {withThem.length > 0 && (
          <span data-testid="delete-cascade">
            Campaign would delete with them{' '}
            {withThem
              .map((c) =>
                c.unknown
                  ? `${resourceRows(c)} (not counted whole)`
                  : c.managed !== undefined
                    ? `${c.rows.toLocaleString()} of the ${c.managed.toLocaleString()} ${c.resource} rows ${c.flowId ? `flow "${c.flowId}"` : 'its flow'} keeps in step`
                    : resourceRows(c)
              )
              .join(', ')}
            .{' '}
          </span>
        )}
        {guard.over?.length
          ? `That is more than the delete guard lets a run do unasked — ${guard.over.join('; ')}.`
          : `That is more than the delete guard lets a run do unasked (more than 10% of the ${guard.managed.toLocaleString()} records this flow manages, or more than 100).`}{' '}
        Nothing has been deleted; creates and updates went ahead. Check the filter and the delete settings — a dry run lists each delete —
        or go ahead with exactly these {count}.
      </MessageBarBody>
      <MessageBarActions>
        <Button
          appearance="primary"
          data-testid="confirm-deletes"
          disabled={!document}
          onClick={() =>
            document &&
            void start(client, document, {
              kind: 'run',
              flowIds: session.flowIds,
              full: session.full,
              allowDeletes: { ...session.allowDeletes, [stopped.flowId]: guard.deletes }
            })
          }
        >
          Delete {count} records
        </Button>
      </MessageBarActions>
    </MessageBar>
  )
}

/** What a finished sync did: status, counts, duration, notices, and each flow's errors. */
function Summary({ client, session, result, flows }: FinishedRun) {
  const withRuns = result.flows.filter((f) => f.runId && f.status !== 'skipped')
  const [errorsOf, setErrorsOf] = useState<string | undefined>(
    withRuns.find((f) => errorsListed(f.counts) > 0)?.flowId ?? withRuns[0]?.flowId
  )
  const shown = withRuns.find((f) => f.flowId === errorsOf) ?? withRuns[0]
  const total = sumCounts(result.flows.map((f) => f.counts))
  return (
    <section className="ssr-summary" aria-label="Run summary">
      <div className="ssr-summary__head">
        <StatusBadge status={syncStatus(result)} />
        <Body1 data-testid="run-totals">
          {total.created.toLocaleString()} created · {total.updated.toLocaleString()} updated · {total.unchanged.toLocaleString()} unchanged
          · {total.skipped.toLocaleString()} skipped · {total.failed.toLocaleString()} failed · {total.deleted.toLocaleString()} deleted
          {total.unknown > 0 && <> · {unknownText(total.unknown, (n) => n.toLocaleString())}</>}
          {/* A run stopped for a confirmation (or canceled) holds records it has not finished: the deletes it stopped for among them. */}
          {total.deferred + total.pending > 0 && <> · {(total.deferred + total.pending).toLocaleString()} pending</>}
        </Body1>
        <span className="ssp-grow" />
        <Caption1 className="ssp-quiet" data-testid="run-duration">
          {formatDuration(result.durationMs)} this session
        </Caption1>
      </div>
      {result.status === 'canceled' && (
        <MessageBar intent="warning" data-testid="run-canceled">
          <MessageBarBody>{cancelText(session)}</MessageBarBody>
        </MessageBar>
      )}
      {result.status === 'partial' && (
        <MessageBar intent="warning">
          <MessageBarBody>
            {total.failed > 0 &&
              'Some records failed; the others were written. Fix the source or the mapping, then retry the failed records.'}
            {total.failed > 0 && total.unknown > 0 && ' '}
            {total.unknown > 0 && `${total.unknown.toLocaleString()} record(s) unknown — ${unknownExplanation}`}
          </MessageBarBody>
        </MessageBar>
      )}
      <DeleteConfirmation client={client} session={session} result={result} flows={flows} />
      {result.status === 'failed' && !result.flows.some((f) => f.deleteGuard && f.deleteGuard.verdict !== 'ok') && (
        <MessageBar intent="error">
          <MessageBarBody>The run stopped at its last checkpoint; the next run resumes from there once the cause is fixed.</MessageBarBody>
        </MessageBar>
      )}
      {withRuns.length > 0 && (
        <>
          {withRuns.length > 1 && (
            <TabList
              size="small"
              selectedValue={shown?.flowId}
              onTabSelect={(_e, data) => setErrorsOf(String(data.value))}
              aria-label="Errors of flow"
            >
              {withRuns.map((f) => (
                <Tab key={f.flowId} value={f.flowId}>
                  {flowLabel(flows.get(f.flowId), f.flowId)} ({errorsListed(f.counts)})
                </Tab>
              ))}
            </TabList>
          )}
          {shown?.runId && !shown.dryRun && shown.kind === 'optOut' && (
            <ConflictsView key={`conflicts-${shown.runId}`} client={client} runId={shown.runId} optOut />
          )}
          {shown?.runId && (
            <ErrorsView
              key={shown.runId}
              client={client}
              runId={shown.runId}
              flowId={shown.flowId}
              dryRun={shown.dryRun}
              expected={errorsListed(shown.counts)}
            />
          )}
        </>
      )}
    </section>
  )
}

/** A run from the app: its progress while it runs, then its plan (dry run) or its summary. */
export function SessionView({ client, session, onNew }: { client: Client; session: RunSession; onNew: () => void }) {
  const document = useDocumentStore((state) => state.document)
  const start = useRunStore((state) => state.start)
  const cancel = useRunStore((state) => state.cancel)
  const flows = new Map((document?.flows ?? []).map((f) => [f.id, f]))
  const running = isRunning(session)
  const result = session.result
  const plan = session.kind === 'dryRun' && result && result.status !== 'canceled' ? result : undefined
  const [planFlow, setPlanFlow] = useState<string>()
  const planShown = plan?.flows.find((f) => f.flowId === planFlow) ?? plan?.flows.find((f) => f.plan) ?? plan?.flows[0]

  return (
    <div className="ssr-session" data-testid="run-session" data-kind={session.kind} data-state={running ? 'running' : 'finished'}>
      <div className="ssr-session__title">
        <Subtitle2>{kindTitle(session)}</Subtitle2>
        <Caption1 className="ssp-quiet">
          {session.kind === 'retry' ? `of run ${session.retryOf}` : session.full ? 'full replay' : 'incremental'} · started{' '}
          <span data-testid="session-started">{formatTime(sessionStart(session))}</span>
        </Caption1>
        <span className="ssp-grow" />
        {running && <StatusBadge status={session.canceling ? 'canceling' : 'running'} />}
      </div>

      {session.error !== undefined && (
        <MessageBar intent="error" data-testid="run-error">
          <MessageBarBody>
            <MessageBarTitle>The run did not complete</MessageBarTitle>
            {session.error}
          </MessageBarBody>
        </MessageBar>
      )}

      {!plan && (
        <div className="ssr-flows">
          {session.flowIds.map((flowId) => (
            <FlowRow
              key={flowId}
              flow={flows.get(flowId)}
              state={session.flows[flowId] ?? { flowId, started: false }}
              running={running}
              plan={session.kind === 'dryRun'}
            />
          ))}
        </div>
      )}
      <Notices session={session} flows={flows} />

      {running && (
        <div className="ssr-actions">
          <Caption1 className="ssp-quiet">
            {session.kind === 'dryRun'
              ? 'A dry run reads and compares but writes nothing. You can close this window: the run goes on.'
              : 'Cancel stops after the batches in flight; the run stays resumable and the next run continues from its last checkpoint. You can close this window: the run goes on.'}
          </Caption1>
          <span className="ssp-grow" />
          <Button icon={<DismissCircleRegular />} onClick={() => void cancel(client)} disabled={!session.runKey || session.canceling}>
            {session.canceling ? 'Canceling…' : 'Cancel run'}
          </Button>
        </div>
      )}

      {plan && (
        <section className="ssr-planview" aria-label="Plan">
          <Body1>
            The dry run read the source and compared it with the target without writing anything. This is what <strong>Run now</strong> will
            do
            {plan.status === 'partial' ? ' (records that fail here will fail in the sync too)' : ''}:
          </Body1>
          <div className="ssr-planview__flows">
            {plan.flows.map((f) => (
              <div key={f.flowId} className="ssr-planflow">
                <div className="ssr-flow__head">
                  <Subtitle2>{flowLabel(flows.get(f.flowId), f.flowId)}</Subtitle2>
                  <span className="ssp-grow" />
                  {f.status !== 'completed' && <StatusBadge status={f.status} />}
                </div>
                <PlannedCounts result={f} />
              </div>
            ))}
          </div>
          {plan.flows.length > 1 && (
            <TabList
              size="small"
              selectedValue={planShown?.flowId}
              onTabSelect={(_e, data) => setPlanFlow(String(data.value))}
              aria-label="Planned changes of flow"
            >
              {plan.flows.map((f) => (
                <Tab key={f.flowId} value={f.flowId}>
                  {flowLabel(flows.get(f.flowId), f.flowId)}
                </Tab>
              ))}
            </TabList>
          )}
          {planShown && <PlanEntries key={planShown.flowId} result={planShown} />}
        </section>
      )}

      {result && !plan && <Summary key={session.runKey} client={client} session={session} result={result} flows={flows} />}

      {!running && (
        <div className="ssr-actions">
          <span className="ssp-grow" />
          <Button onClick={onNew}>{plan ? 'Change selection' : 'New run'}</Button>
          {plan && (
            <Button
              appearance="primary"
              icon={<PlayRegular />}
              disabled={!document}
              onClick={() =>
                document && void start(client, document, { kind: 'run', flowIds: plan.flows.map((f) => f.flowId), full: session.full })
              }
            >
              Run now
            </Button>
          )}
        </div>
      )}
    </div>
  )
}
