import {
  Body1,
  Caption1,
  FluentProvider,
  MessageBar,
  MessageBarBody,
  Tab,
  TabList,
  webDarkTheme,
  webLightTheme
} from '@fluentui/react-components'
import { ReactFlowProvider } from '@xyflow/react'
import { useCallback, useEffect, useState } from 'react'
import type { AppInfo, MenuCommand, Settings } from '../shared/contract'
import type { Client } from './api/client'
import { AppToolbar } from './components/AppToolbar'
import { EmptyCanvas } from './components/EmptyCanvas'
import { MappingCanvas } from './components/MappingCanvas'
import { ProblemsPanel } from './components/ProblemsPanel'
import { SchemaPanel } from './components/SchemaPanel'
import { useDocumentActions, type Notice } from './state/document-actions'
import { selectDirty, useDocumentStore } from './state/document-store'

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

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
}

export function App({ client }: { client: Client }) {
  const [info, setInfo] = useState<AppInfo>()
  const [settings, setSettings] = useState<Settings>()
  const [notice, setNotice] = useState<Notice>()
  const prefersDark = usePrefersDark()
  const document = useDocumentStore((state) => state.document)
  const path = useDocumentStore((state) => state.path)
  const problems = useDocumentStore((state) => state.problems)
  const activeFlowId = useDocumentStore((state) => state.activeFlowId)
  const setActiveFlow = useDocumentStore((state) => state.setActiveFlow)
  const dirty = useDocumentStore(selectDirty)
  const actions = useDocumentActions(client, info?.nativeDialogs ?? false, setNotice)

  useEffect(() => {
    client.call('app/info', {}).then(setInfo, (error: Error) => setNotice({ level: 'error', message: error.message }))
    client.call('settings/get', {}).then(setSettings, () => undefined)
  }, [client])

  const runCommand = useCallback(
    (command: MenuCommand) => {
      const table: Record<MenuCommand, () => unknown> = {
        new: actions.newDocument,
        open: () => actions.openDocument(),
        save: () => actions.saveDocument(),
        saveAs: () => actions.saveDocument(true),
        import: actions.importDocument,
        export: actions.exportDocument,
        undo: actions.undo,
        redo: actions.redo,
        about: () => setNotice({ level: 'info', message: `Sync Studio ${info?.version ?? ''} (${info?.mode ?? ''} mode)` })
      }
      void table[command]()
    },
    [actions, info]
  )

  // The native menu (Electron) sends its commands through the contract's events.
  useEffect(() => client.on('menu/command', ({ command }) => runCommand(command)), [client, runCommand])

  // Browser mode has no native menu: the same shortcuts, handled here.
  useEffect(() => {
    if (client.mode !== 'browser') return
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || isTyping(event.target)) return
      const key = event.key.toLowerCase()
      const command: MenuCommand | undefined =
        key === 'z' ? (event.shiftKey ? 'redo' : 'undo') : key === 'y' ? 'redo' : key === 's' ? (event.shiftKey ? 'saveAs' : 'save') : key === 'o' ? 'open' : key === 'e' ? 'export' : key === 'i' ? 'import' : undefined
      if (!command) return
      event.preventDefault()
      runCommand(command)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [client.mode, runCommand])

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
      <AppToolbar actions={actions} />
      {notice && (
        <MessageBar intent={notice.level === 'error' ? 'error' : notice.level === 'warning' ? 'warning' : 'info'} className="ss-notice" role="status">
          <MessageBarBody>{notice.message}</MessageBarBody>
        </MessageBar>
      )}
      <div className="ss-workspace">
        <aside className="ss-side ss-side--left">
          <SchemaPanel />
        </aside>
        <main className="ss-center">
          {document && document.flows.length > 0 && (
            <TabList
              aria-label="Flows"
              selectedValue={flow?.id}
              onTabSelect={(_event, data) => setActiveFlow(String(data.value))}
              className="ss-flow-tabs"
            >
              {document.flows.map((f) => (
                <Tab key={f.id} value={f.id}>
                  {f.name ?? f.id}
                </Tab>
              ))}
            </TabList>
          )}
          <div className="ss-canvas" data-testid="canvas">
            <ReactFlowProvider>
              {document && flow ? (
                <MappingCanvas key={flow.id} document={document} flow={flow} showMinimap={settings?.showMinimap ?? true} />
              ) : (
                <EmptyCanvas hasDocument={document !== undefined} />
              )}
            </ReactFlowProvider>
          </div>
        </main>
        <aside className="ss-side ss-side--right">
          <ProblemsPanel
            problems={problems}
            onFocus={(problem) => {
              const index = problem.path[0] === 'flows' && typeof problem.path[1] === 'number' ? problem.path[1] : undefined
              const target = index !== undefined ? document?.flows[index] : undefined
              if (target) setActiveFlow(target.id)
            }}
          />
        </aside>
      </div>
      <footer className="ss-status" aria-label="Status">
        <Caption1>{info ? `${info.mode === 'electron' ? 'Desktop' : 'Browser mode'} · v${info.version}` : 'Connecting…'}</Caption1>
        <Caption1 data-testid="document-status">
          {document ? `${document.flows.length} flow${document.flows.length === 1 ? '' : 's'} · ${dirty ? 'unsaved changes' : 'saved'}${path ? ` · ${path}` : ''}` : 'No mapping open'}
        </Caption1>
      </footer>
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
