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
import { useAction } from '../actions/use-actions'
import type { DocumentActions } from '../state/document-actions'
import { useDocumentStore } from '../state/document-store'
import { RunIndicator } from '../runs/RunDialog'
import { hasFileSystemAccess, listRecentFiles } from '../files/browser-files'

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

/** A File menu item that runs its action, with the action's key. */
function CommandItem({ id, children }: { id: 'new' | 'open' | 'save' | 'saveAs' | 'import' | 'export'; children: string }) {
  const action = useAction(id)
  return (
    <MenuItem onClick={action.run} disabled={!action.enabled} secondaryContent={action.shortcut}>
      {children}
    </MenuItem>
  )
}

/** File: the project commands in one place, with the recent files. */
function FileMenu({ client, actions }: { client: Client; actions: DocumentActions }) {
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
          <CommandItem id="new">New…</CommandItem>
          <CommandItem id="open">Open…</CommandItem>
          <CommandItem id="save">Save</CommandItem>
          <CommandItem id="saveAs">Save as…</CommandItem>
          <CommandItem id="import">Import…</CommandItem>
          <CommandItem id="export">Export…</CommandItem>
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

/**
 * A toolbar button that runs an action: its name stays put (tests and screen readers find it
 * by name); the tooltip says what it will do, in the action's words, with its key.
 * Secondary commands drop their label on narrow windows (the name and the tooltip stay).
 */
function ActionButton({
  id,
  name,
  icon,
  secondary = false
}: {
  id: 'new' | 'open' | 'save' | 'import' | 'export' | 'undo' | 'redo'
  name: string
  icon: ReactElement
  secondary?: boolean
}) {
  const action = useAction(id)
  const detail = id === 'undo' || id === 'redo' ? action.label : name
  return (
    <Tooltip content={`${detail}${action.shortcut ? ` (${action.shortcut})` : ''}`} relationship="description" withArrow>
      <ToolbarButton
        aria-label={name}
        icon={icon}
        onClick={action.run}
        disabled={!action.enabled}
        className={secondary ? 'ss-toolbar__secondary' : undefined}
      >
        <span className="ss-toolbar__label">{name}</span>
      </ToolbarButton>
    </Tooltip>
  )
}

export function AppToolbar({
  client,
  actions,
  onConnections,
  onRun
}: {
  client: Client
  actions: DocumentActions
  onConnections?: () => void
  onRun?: () => void
}) {
  const hasDocument = useDocumentStore((state) => state.document !== undefined)
  const button = (label: string, icon: ReactElement, onClick: () => void, disabled = false, detail?: string) => (
    <Tooltip content={detail ?? label} relationship="description" withArrow>
      <ToolbarButton aria-label={label} icon={icon} onClick={onClick} disabled={disabled}>
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
      <FileMenu client={client} actions={actions} />
      <ActionButton id="new" name="New" icon={<DocumentAddRegular />} secondary />
      <ActionButton id="open" name="Open" icon={<FolderOpenRegular />} secondary />
      <ActionButton id="save" name="Save" icon={<SaveRegular />} secondary />
      <ActionButton id="import" name="Import" icon={<ArrowUploadRegular />} secondary />
      <ActionButton id="export" name="Export" icon={<ArrowDownloadRegular />} secondary />
      <ToolbarDivider />
      <ActionButton id="undo" name="Undo" icon={<ArrowUndoRegular />} secondary />
      <ActionButton id="redo" name="Redo" icon={<ArrowRedoRegular />} secondary />
      {onConnections && (
        <>
          <ToolbarDivider />
          {button('Connections', <PlugConnectedRegular />, onConnections)}
        </>
      )}
      {onRun && (
        <>
          <ToolbarDivider />
          {button('Run', <PlayRegular />, onRun, !hasDocument, 'Run a sync: dry run, progress, summary and history')}
          <RunIndicator />
        </>
      )}
      <ToolbarDivider />
      <DocumentName />
    </Toolbar>
  )
}
