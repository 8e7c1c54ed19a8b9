import {
  Body1,
  Button,
  Caption1,
  FluentProvider,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  webDarkTheme,
  webLightTheme
} from '@fluentui/react-components'
import { ChevronDownRegular, ChevronUpRegular, DismissRegular } from '@fluentui/react-icons'
import { ReactFlowProvider } from '@xyflow/react'
import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type PointerEvent as ReactPointerEvent } from 'react'
import type { AppInfo, Settings } from '../shared/contract'
import type { Problem } from '../shared/problems'
import type { Client } from './api/client'
import { bindActionHost } from './actions/host'
import { useMenuCommands, useShortcuts } from './actions/use-actions'
import { MappingCanvas } from './canvas/MappingCanvas'
import { AppToolbar } from './components/AppToolbar'
import { EmptyCanvas } from './components/EmptyCanvas'
import { FlowTabs } from './components/FlowTabs'
import { Inspector } from './components/Inspector'
import { NewFlowDialog } from './components/NewFlowDialog'
import { ConnectionsDialog } from './panels/ConnectionsDialog'
import { PreviewPanel } from './panels/PreviewPanel'
import { SchemaBrowser } from './panels/SchemaBrowser'
import { ProblemsPanel } from './components/ProblemsPanel'
import { RunDialog } from './runs/RunDialog'
import { useRunStore } from './runs/run-store'
import { useCanvasStore } from './state/canvas-store'
import { confirmDiscard, useDocumentActions, type Notice } from './state/document-actions'
import { selectDirty, useDocumentStore } from './state/document-store'
import { subscribeToDocumentChanges } from './state/document-reset'
import { useLayoutStore } from './state/layout-store'
import { connectionsOf, useProblems } from './state/flow-schema'

function usePrefersDark(): boolean {
  const query = '(prefers-color-scheme: dark)'
  const [dark, setDark] = useState(() => window.matchMedia(query).matches)
  useEffect(() => {
    const media = window.matchMedia(query)
    const onChange = () => setDark(media.matches)
    media.addEventListener('change', onChange)
    return () => media.removeEventListener('change', onChange)
  }, [])
  return dark
}

/** Where a problem lives on the canvas: its flow, and the edge, node or field to select and bring into view. */
function focusProblem(problem: Problem) {
  const { document, setActiveFlow } = useDocumentStore.getState()
  const canvas = useCanvasStore.getState()
  const index = problem.path[0] === 'flows' && typeof problem.path[1] === 'number' ? problem.path[1] : undefined
  const flow = index !== undefined ? document?.flows[index] : undefined
  if (!flow) return
  setActiveFlow(flow.id)
  const where = problem.path[2]
  if (where === 'fields' && typeof problem.path[3] === 'number' && flow.kind !== 'optOut') {
    const mapping = flow.fields[problem.path[3]]
    if (!mapping) return
    if (mapping.from?.length) canvas.select({ kind: 'edge', target: mapping.target, from: mapping.from[0] })
    else canvas.select({ kind: 'field', side: 'target', field: mapping.target })
    canvas.revealFields({ target: mapping.target, source: mapping.from?.[0] }, 'target')
  } else if (where === 'fields') {
    const name = /^"([^"]+)"/.exec(problem.message)?.[1]
    if (name) {
      canvas.select({ kind: 'field', side: 'target', field: name })
      canvas.revealField('target', name)
    }
  } else if (where === 'filter') canvas.select({ kind: 'node', node: 'filter' })
  else if (where === 'match') canvas.select({ kind: 'match' })
  else if (where === 'source' || where === 'target') canvas.select({ kind: 'node', node: where })
}

function useBottomPanel() {
  // The height the user last gave it, kept across sessions (layout-store.ts).
  const height = useLayoutStore((state) => state.previewHeight)
  const setStoredHeight = useLayoutStore((state) => state.setPreviewHeight)
  const setHeight = (pixels: number) => setStoredHeight(Math.max(120, Math.min(window.innerHeight - 240, pixels)))
  const open = useLayoutStore((state) => state.previewOpen)
  const toggle = useLayoutStore((state) => state.toggle)
  const setOpen = (next: boolean) => next !== open && toggle('previewOpen')
  const drag = useRef<{ y: number; height: number } | undefined>(undefined)
  const onPointerDown = (event: ReactPointerEvent<HTMLDivElement>) => {
    drag.current = { y: event.clientY, height }
    event.currentTarget.setPointerCapture(event.pointerId)
  }
  const onPointerMove = (event: ReactPointerEvent<HTMLDivElement>) => {
    if (drag.current) setHeight(drag.current.height + drag.current.y - event.clientY)
  }
  const onPointerUp = () => {
    drag.current = undefined
  }
  // The keyboard's way to resize it (a focusable window splitter, WAI-ARIA APG): up makes it taller.
  const onKeyDown = (event: ReactKeyboardEvent<HTMLDivElement>) => {
    const step = event.shiftKey ? 96 : 32
    if (event.key === 'ArrowUp') setHeight(height + step)
    else if (event.key === 'ArrowDown') setHeight(height - step)
    else return
    event.preventDefault()
  }
  return {
    height,
    open,
    setOpen,
    splitter: { onPointerDown, onPointerMove, onPointerUp, onKeyDown, tabIndex: 0, 'aria-valuenow': height, 'aria-valuemin': 120 }
  }
}

export function App({ client }: { client: Client }) {
  const [info, setInfo] = useState<AppInfo>()
  const [settings, setSettings] = useState<Settings>()
  const [notice, setNotice] = useState<Notice>()
  const [dialog, setDialog] = useState<'document' | 'flow' | undefined>()
  const [connectionsOpen, setConnectionsOpen] = useState(false)
  const prefersDark = usePrefersDark()
  const document = useDocumentStore((state) => state.document)
  const path = useDocumentStore((state) => state.path)
  const documentProblems = useDocumentStore((state) => state.problems)
  const activeFlowId = useDocumentStore((state) => state.activeFlowId)
  const dirty = useDocumentStore(selectDirty)
  const actions = useDocumentActions(client, info?.nativeDialogs ?? false, setNotice)
  const problems = useProblems(document, documentProblems)
  const bottom = useBottomPanel()
  const generation = useDocumentStore((state) => state.generation)
  const leftOpen = useLayoutStore((state) => state.leftOpen)
  const rightOpen = useLayoutStore((state) => state.rightOpen)

  // Another document: the old one's messages go with it (its canvas, trace and run state reset in the stores).
  useEffect(() => subscribeToDocumentChanges(() => setNotice(undefined)), [])

  useEffect(() => {
    client.call('app/info', {}).then(setInfo, (error: Error) => setNotice({ level: 'error', message: error.message }))
    client.call('settings/get', {}).then(setSettings, () => undefined)
  }, [client])

  // The actions (toolbar, native menu, keys, canvas, Inspector) reach the file commands and dialogs through the host.
  useEffect(
    () =>
      bindActionHost({
        files: actions,
        newMapping: () => setDialog('document'),
        about: () => setNotice({ level: 'info', message: `Sync Studio ${info?.version ?? ''} (${info?.mode ?? ''} mode)` })
      }),
    [actions, info]
  )
  useMenuCommands(client)
  useShortcuts(client.mode)

  // Closing the tab with unsaved changes asks first (Electron's window does the same through the page).
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (selectDirty(useDocumentStore.getState())) event.preventDefault()
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [])

  useEffect(() => {
    window.document.title = document ? `${dirty ? '• ' : ''}${document.name} — Sync Studio` : 'Sync Studio'
  }, [document, dirty])

  const theme = settings?.theme === 'dark' || (settings?.theme !== 'light' && prefersDark) ? webDarkTheme : webLightTheme
  const flow = document?.flows.find((f) => f.id === activeFlowId) ?? document?.flows[0]

  return (
    // Fluent copies the provider's class names onto its portals (tooltips, menus), so the
    // app's layout classes go on an inner element, not on the provider.
    <FluentProvider theme={theme} className="ss-root">
      <div className={`ss-app ${theme === webDarkTheme ? 'ss-dark' : 'ss-light'}`}>
        <input
          ref={actions.fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          aria-label="Mapping file to import"
          data-testid="import-file"
          onChange={(event) => {
            const file = event.target.files?.[0]
            if (file) void actions.importFile(file)
          }}
        />
        <AppToolbar
          client={client}
          actions={actions}
          onConnections={() => setConnectionsOpen(true)}
          onRun={() => useRunStore.getState().open('run')}
        />
        {notice && (
          <MessageBar
            intent={notice.level === 'error' ? 'error' : notice.level === 'warning' ? 'warning' : 'info'}
            className="ss-notice"
            role="status"
          >
            <MessageBarBody>{notice.message}</MessageBarBody>
            <MessageBarActions
              containerAction={
                <Button
                  appearance="transparent"
                  size="small"
                  icon={<DismissRegular />}
                  aria-label="Dismiss the message"
                  onClick={() => setNotice(undefined)}
                />
              }
            />
          </MessageBar>
        )}
        <div className="ss-workspace">
          <aside className="ss-side ss-side--left" hidden={!leftOpen} aria-label="Tables and resources">
            <SchemaBrowser client={client} connections={connectionsOf(document)} />
          </aside>
          <main className="ss-center">
            {document && <FlowTabs document={document} activeId={flow?.id} onAdd={() => setDialog('flow')} />}
            <div className="ss-canvas" data-testid="canvas">
              <ReactFlowProvider>
                {document && flow ? (
                  <MappingCanvas
                    key={flow.id}
                    client={client}
                    document={document}
                    flow={flow}
                    problems={problems}
                    showMinimap={settings?.showMinimap ?? true}
                  />
                ) : (
                  <EmptyCanvas hasDocument={document !== undefined} />
                )}
              </ReactFlowProvider>
            </div>
            {document && (
              <section className="ss-bottom" style={{ height: bottom.open ? bottom.height : undefined }} aria-label="Preview area">
                <div className="ss-bottom__bar">
                  {bottom.open && (
                    <div
                      className="ss-bottom__splitter"
                      role="separator"
                      aria-orientation="horizontal"
                      aria-label="Resize the preview"
                      {...bottom.splitter}
                    />
                  )}
                  <Button
                    size="small"
                    appearance="subtle"
                    icon={bottom.open ? <ChevronDownRegular /> : <ChevronUpRegular />}
                    onClick={() => bottom.setOpen(!bottom.open)}
                    aria-expanded={bottom.open}
                  >
                    {bottom.open ? 'Hide preview' : 'Show preview'}
                  </Button>
                </div>
                {bottom.open && (
                  <div className="ss-bottom__content">
                    <PreviewPanel key={generation} client={client} document={document} flowId={flow?.id} />
                  </div>
                )}
              </section>
            )}
          </main>
          <aside className="ss-side ss-side--right" hidden={!rightOpen} aria-label="Inspector and problems">
            {document && flow && <Inspector key={generation} client={client} document={document} flow={flow} problems={problems} />}
            <ProblemsPanel document={document} problems={problems} onFocus={focusProblem} />
          </aside>
        </div>
        <footer className="ss-status" aria-label="Status">
          <Caption1>{info ? `${info.mode === 'electron' ? 'Desktop' : 'Browser mode'} · v${info.version}` : 'Connecting…'}</Caption1>
          <Caption1 data-testid="document-status">
            {document
              ? `${document.flows.length} flow${document.flows.length === 1 ? '' : 's'} · ${dirty ? 'unsaved changes' : 'saved'}${path ? ` · ${path}` : ''}`
              : 'No mapping open'}
          </Caption1>
        </footer>
        <NewFlowDialog
          client={client}
          mode={dialog ?? 'document'}
          open={dialog !== undefined}
          onClose={() => setDialog(undefined)}
          confirmDiscard={confirmDiscard}
        />
        <ConnectionsDialog client={client} open={connectionsOpen} onClose={() => setConnectionsOpen(false)} />
        <RunDialog client={client} />
      </div>
    </FluentProvider>
  )
}

export function ConnectionError({ message }: { message: string }) {
  return (
    <FluentProvider theme={webLightTheme} className="ss-root">
      <div className="ss-fatal" role="alert">
        <Body1>{message}</Body1>
      </div>
    </FluentProvider>
  )
}
