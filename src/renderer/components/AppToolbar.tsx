import {
  Input,
  Menu,
  MenuDivider,
  MenuGroupHeader,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  Tooltip
} from '@fluentui/react-components'
import {
  ArrowDownloadRegular,
  ArrowRedoRegular,
  ArrowUndoRegular,
  ArrowUploadRegular,
  DocumentAddRegular,
  DocumentRegular,
  FolderOpenRegular,
  PlayRegular,
  PlugConnectedRegular,
  SaveRegular
} from '@fluentui/react-icons'
import { useEffect, useState, type ReactElement } from 'react'
import type { RecentDocument } from '../../shared/contract'
import type { Client } from '../api/client'
import type { DocumentActions } from '../state/document-actions'
import { useDocumentStore } from '../state/document-store'
import { RunIndicator } from '../runs/RunDialog'
import { hasFileSystemAccess, listRecentFiles } from '../files/browser-files'

const mod = navigator.platform.toLowerCase().includes('mac') ? '⌘' : 'Ctrl+'

function DocumentName() {
  const name = useDocumentStore((state) => state.document?.name)
  const edit = useDocumentStore((state) => state.edit)
  const [draft, setDraft] = useState(name ?? '')
  useEffect(() => setDraft(name ?? ''), [name])
  if (name === undefined) return null
  const commit = () => {
    const next = draft.trim()
    if (next && next !== name) edit('Rename mapping', (document) => ({ ...document, name: next }))
    else setDraft(name)
  }
  return (
    <Input
      aria-label="Mapping name"
      className="ss-toolbar__name"
      value={draft}
      onChange={(_event, data) => setDraft(data.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') (event.target as HTMLInputElement).blur()
        if (event.key === 'Escape') setDraft(name)
      }}
    />
  )
}

/** The recent files: Electron's by path (main keeps them); in browser mode, the file handles this browser keeps (Chromium). */
type RecentItem = { key: string; name: string; title: string; open: () => void }
function loadRecent(client: Client, actions: DocumentActions): Promise<RecentItem[]> {
  if (client.mode === 'browser' && hasFileSystemAccess()) {
    return listRecentFiles().then((files) =>
      files.map((file) => ({
        key: file.id,
        name: file.name,
        title: `${file.name} (opened ${new Date(file.openedAt).toLocaleString()})`,
        open: () => void actions.openRecentFile(file)
      }))
    )
  }
  return client.call('recent/list', {}).then((r) =>
    r.documents.map((doc: RecentDocument) => ({
      key: doc.path,
      name: doc.name,
      title: doc.path,
      open: () => void actions.openDocument(doc.path)
    }))
  )
}

/** File: the project commands in one place, with the recent files. */
function FileMenu({ client, actions, onNew }: { client: Client; actions: DocumentActions; onNew: () => void }) {
  const hasDocument = useDocumentStore((state) => state.document !== undefined)
  const [recent, setRecent] = useState<RecentItem[]>([])
  return (
    <Menu onOpenChange={(_e, d) => d.open && loadRecent(client, actions).then(setRecent, () => setRecent([]))}>
      <MenuTrigger disableButtonEnhancement>
        <ToolbarButton aria-label="File" icon={<DocumentRegular />}>
          File
        </ToolbarButton>
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          <MenuItem onClick={onNew} secondaryContent={`${mod}N`}>
            New…
          </MenuItem>
          <MenuItem onClick={() => void actions.openDocument()} secondaryContent={`${mod}O`}>
            Open…
          </MenuItem>
          <MenuItem onClick={() => void actions.saveDocument()} disabled={!hasDocument} secondaryContent={`${mod}S`}>
            Save
          </MenuItem>
          <MenuItem onClick={() => void actions.saveDocument(true)} disabled={!hasDocument} secondaryContent={`Shift+${mod}S`}>
            Save as…
          </MenuItem>
          <MenuItem onClick={() => void actions.importDocument()} secondaryContent={`${mod}I`}>
            Import…
          </MenuItem>
          <MenuItem onClick={() => void actions.exportDocument()} disabled={!hasDocument} secondaryContent={`${mod}E`}>
            Export…
          </MenuItem>
          <MenuDivider />
          <MenuGroupHeader>Recent</MenuGroupHeader>
          {recent.length === 0 && <MenuItem disabled>No recent files</MenuItem>}
          {recent.map((item) => (
            <MenuItem key={item.key} onClick={item.open} title={item.title}>
              {item.name}
            </MenuItem>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  )
}

export function AppToolbar({
  client,
  actions,
  onNew,
  onConnections,
  onRun
}: {
  client: Client
  actions: DocumentActions
  onNew: () => void
  onConnections?: () => void
  onRun?: () => void
}) {
  const hasDocument = useDocumentStore((state) => state.document !== undefined)
  const canUndo = useDocumentStore((state) => state.past.length > 0)
  const canRedo = useDocumentStore((state) => state.future.length > 0)
  const undoName = useDocumentStore((state) => state.past[state.past.length - 1]?.action)
  const redoName = useDocumentStore((state) => state.future[0]?.action)
  // Secondary commands drop their label on narrow windows (the name and the tooltip stay).
  const button = (
    label: string,
    shortcut: string,
    icon: ReactElement,
    onClick: () => void,
    disabled = false,
    detail?: string,
    secondary = false
  ) => (
    <Tooltip content={`${detail ?? label}${shortcut ? ` (${shortcut})` : ''}`} relationship="description" withArrow>
      <ToolbarButton
        aria-label={label}
        icon={icon}
        onClick={onClick}
        disabled={disabled}
        className={secondary ? 'ss-toolbar__secondary' : undefined}
      >
        <span className="ss-toolbar__label">{label}</span>
      </ToolbarButton>
    </Tooltip>
  )
  return (
    <Toolbar aria-label="Mapping" className="ss-toolbar">
      <span className="ss-brand" aria-hidden="true">
        <img src="./icon.svg" alt="" width={22} height={22} /> Sync Studio
      </span>
      <ToolbarDivider />
      <FileMenu client={client} actions={actions} onNew={onNew} />
      {button('New', `${mod}N`, <DocumentAddRegular />, onNew, false, undefined, true)}
      {button('Open', `${mod}O`, <FolderOpenRegular />, () => void actions.openDocument(), false, undefined, true)}
      {button('Save', `${mod}S`, <SaveRegular />, () => void actions.saveDocument(), !hasDocument, undefined, true)}
      {button('Import', `${mod}I`, <ArrowUploadRegular />, () => void actions.importDocument(), false, undefined, true)}
      {button('Export', `${mod}E`, <ArrowDownloadRegular />, () => void actions.exportDocument(), !hasDocument, undefined, true)}
      <ToolbarDivider />
      {button('Undo', `${mod}Z`, <ArrowUndoRegular />, actions.undo, !canUndo, undoName ? `Undo ${undoName}` : 'Undo', true)}
      {button('Redo', `Shift+${mod}Z`, <ArrowRedoRegular />, actions.redo, !canRedo, redoName ? `Redo ${redoName}` : 'Redo', true)}
      {onConnections && (
        <>
          <ToolbarDivider />
          {button('Connections', '', <PlugConnectedRegular />, onConnections)}
        </>
      )}
      {onRun && (
        <>
          <ToolbarDivider />
          {button('Run', '', <PlayRegular />, onRun, !hasDocument, 'Run a sync: dry run, progress, summary and history')}
          <RunIndicator />
        </>
      )}
      <ToolbarDivider />
      <DocumentName />
    </Toolbar>
  )
}
