import {
  Button,
  Caption1,
  Checkbox,
  Dialog,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Tab,
  TabList,
  ToolbarButton,
  Tooltip
} from '@fluentui/react-components'
import { CheckmarkCircleRegular, DismissRegular, ErrorCircleRegular, PlayRegular, WarningRegular } from '@fluentui/react-icons'
import { useEffect, useMemo, useState } from 'react'
import type { Flow } from '../../shared/mapping/document'
import type { Client } from '../api/client'
import { useDocumentStore } from '../state/document-store'
import { orderFlows } from '../../shared/mapping/flow-order'
import { flowLabel, runningIndicator } from './format'
import { HistoryView } from './HistoryView'
import { isRunning, subscribeToRuns, useRunStore } from './run-store'
import { SessionView } from './SessionView'
import { optOutModes } from '../../shared/mapping/opt-out-modes'
import { FilterWhere } from './FilterWhere'
import './runs.css'

function describe(flow: Flow): string {
  const mode = flow.kind === 'optOut' ? 'full pass each run' : (flow.sync?.mode ?? 'incremental')
  if (flow.kind === 'records') return `records · ${flow.source.table} → ${flow.target.resource} · ${mode}`
  if (flow.kind === 'events') return `events · ${flow.source.event} → ${flow.target.table} · ${mode}`
  return `opt-outs · ${optOutModes[flow.direction].title} · ${mode}`
}

/** Pick the flows (in the order they run), the mode, and whether to see the plan first. */
function RunSetup({ client }: { client: Client }) {
  const document = useDocumentStore((state) => state.document)
  const problems = useDocumentStore((state) => state.problems)
  const start = useRunStore((state) => state.start)
  const ordered = useMemo(() => orderFlows(document?.flows ?? []), [document])
  const [selected, setSelected] = useState<Set<string>>(() => new Set(ordered.filter((f) => f.enabled !== false).map((f) => f.id)))
  const [full, setFull] = useState(false)
  const [dryRunFirst, setDryRunFirst] = useState(true)

  if (!document) return <Caption1>Open or import a mapping to run it.</Caption1>
  if (ordered.length === 0) return <Caption1>This mapping has no flows yet: add one on the canvas first.</Caption1>
  const flowIds = ordered.filter((f) => selected.has(f.id)).map((f) => f.id)
  const errors = problems.filter((p) => p.severity === 'error').length
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })

  return (
    <div className="ssr-setup">
      <Field
        label="Flows, in the order they run"
        hint="Parents before their children, then opt-outs, then events. A flow that fails or is canceled stops the ones after it."
      >
        <div className="ssr-setup__flows" role="group" aria-label="Flows to run">
          {ordered.map((flow, index) => (
            <div key={flow.id} className="ssr-setup__flow">
              <Caption1 className="ssr-setup__index" aria-hidden="true">
                {index + 1}
              </Caption1>
              <Checkbox
                checked={selected.has(flow.id)}
                onChange={(_e, data) => toggle(flow.id, data.checked === true)}
                label={flowLabel(flow, flow.id)}
              />
              <Caption1 className="ssp-quiet">
                {describe(flow)}
                {flow.enabled === false ? ' · disabled in the mapping' : ''}
              </Caption1>
              {selected.has(flow.id) && <FilterWhere client={client} document={document} flow={flow} />}
            </div>
          ))}
        </div>
      </Field>
      <Field label="Mode">
        <RadioGroup value={full ? 'full' : 'incremental'} onChange={(_e, data) => setFull(data.value === 'full')} aria-label="Mode">
          <Radio value="incremental" label="Incremental — only what changed since the last run" />
          <Radio
            value="full"
            label="Full replay — read every record again (records already up to date are found unchanged and not written)"
          />
        </RadioGroup>
      </Field>
      <Checkbox
        checked={dryRunFirst}
        onChange={(_e, data) => setDryRunFirst(data.checked === true)}
        label="Dry run first — see the plan (what would be created, updated, deleted) before anything is written"
      />
      {errors > 0 && (
        <MessageBar intent="warning">
          <MessageBarBody>
            The mapping has {errors} problem{errors === 1 ? '' : 's'} (see Problems). The run will refuse a flow that does not compile.
          </MessageBarBody>
        </MessageBar>
      )}
      <div className="ssr-actions">
        <Caption1 className="ssp-quiet">
          Connections: Dynamics “{document.connections?.dynamics ?? 'Sandbox'}” → Campaign “{document.connections?.campaign ?? 'Sandbox'}”
        </Caption1>
        <span className="ssp-grow" />
        <Button
          appearance="primary"
          icon={<PlayRegular />}
          disabled={flowIds.length === 0}
          onClick={() => void start(client, document, { kind: dryRunFirst ? 'dryRun' : 'run', flowIds, full })}
        >
          {dryRunFirst ? 'Start dry run' : 'Start sync'}
        </Button>
      </div>
    </div>
  )
}

/** The run dialog: set up and follow a sync (Run), and every earlier run (History). */
export function RunDialog({ client }: { client: Client }) {
  const open = useRunStore((state) => state.dialogOpen)
  const tab = useRunStore((state) => state.tab)
  const stage = useRunStore((state) => state.stage)
  const session = useRunStore((state) => state.session)
  const { close, setTab, setStage } = useRunStore.getState()

  useEffect(() => subscribeToRuns(client), [client])

  return (
    <Dialog open={open} onOpenChange={(_event, data) => !data.open && close()} modalType="modal">
      <DialogSurface className="ssr-surface" aria-label="Run a sync">
        <DialogBody className="ssr-body">
          <DialogTitle action={<Button appearance="subtle" aria-label="Close" icon={<DismissRegular />} onClick={close} />}>
            Run a sync
          </DialogTitle>
          <DialogContent className="ssr-content">
            <TabList selectedValue={tab} onTabSelect={(_e, data) => setTab(data.value as 'run' | 'history')} aria-label="Run dialog">
              <Tab value="run">Run</Tab>
              <Tab value="history">History</Tab>
            </TabList>
            {tab === 'run' ? (
              session && stage === 'session' ? (
                <SessionView client={client} session={session} onNew={() => setStage('setup')} />
              ) : (
                <RunSetup client={client} />
              )
            ) : (
              <HistoryView client={client} />
            )}
          </DialogContent>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  )
}

/** In the toolbar while a run goes on (or has finished unseen): reopens the run dialog. */
export function RunIndicator() {
  const session = useRunStore((state) => state.session)
  const unseen = useRunStore((state) => state.unseen)
  const dialogOpen = useRunStore((state) => state.dialogOpen)
  const open = useRunStore((state) => state.open)
  if (!session) return null
  const running = isRunning(session)
  if (!running && !unseen) return null
  if (dialogOpen && !running) return null

  let text: string
  let label: string
  let icon
  if (running) {
    const words = runningIndicator(session)
    text = words.text
    label = words.label
    icon = <Spinner size="extra-tiny" />
  } else {
    const status = session.result?.status ?? 'failed'
    text = `${session.kind === 'dryRun' ? 'Dry run' : 'Sync'} ${status}`
    label = `${text} — show the summary`
    icon =
      status === 'completed' ? (
        <CheckmarkCircleRegular />
      ) : status === 'canceled' || status === 'partial' ? (
        <WarningRegular />
      ) : (
        <ErrorCircleRegular />
      )
  }
  return (
    <Tooltip content={label} relationship="description" withArrow>
      <ToolbarButton aria-label={label} icon={icon} onClick={() => open('run')} className="ssr-indicator" data-testid="run-indicator">
        {text}
      </ToolbarButton>
    </Tooltip>
  )
}
