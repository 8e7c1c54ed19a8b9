import { Input, Toolbar, ToolbarButton, ToolbarDivider, Tooltip } from '@fluentui/react-components'
import {
  ArrowDownloadRegular,
  ArrowRedoRegular,
  ArrowUndoRegular,
  ArrowUploadRegular,
  DocumentAddRegular,
  FolderOpenRegular,
  SaveRegular
} from '@fluentui/react-icons'
import { useEffect, useState, type ReactElement } from 'react'
import type { DocumentActions } from '../state/document-actions'
import { useDocumentStore } from '../state/document-store'

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

export function AppToolbar({ actions }: { actions: DocumentActions }) {
  const hasDocument = useDocumentStore((state) => state.document !== undefined)
  const canUndo = useDocumentStore((state) => state.past.length > 0)
  const canRedo = useDocumentStore((state) => state.future.length > 0)
  const button = (label: string, shortcut: string, icon: ReactElement, onClick: () => void, disabled = false) => (
    <Tooltip content={shortcut ? `${label} (${shortcut})` : label} relationship="description" withArrow>
      <ToolbarButton aria-label={label} icon={icon} onClick={onClick} disabled={disabled}>
        {label}
      </ToolbarButton>
    </Tooltip>
  )
  return (
    <Toolbar aria-label="Mapping" className="ss-toolbar">
      <span className="ss-brand" aria-hidden="true">
        <img src="./icon.svg" alt="" width={22} height={22} /> Sync Studio
      </span>
      <ToolbarDivider />
      {button('New', `${mod}N`, <DocumentAddRegular />, () => void actions.newDocument())}
      {button('Open', `${mod}O`, <FolderOpenRegular />, () => void actions.openDocument())}
      {button('Save', `${mod}S`, <SaveRegular />, () => void actions.saveDocument(), !hasDocument)}
      {button('Import', `${mod}I`, <ArrowUploadRegular />, () => void actions.importDocument())}
      {button('Export', `${mod}E`, <ArrowDownloadRegular />, () => void actions.exportDocument(), !hasDocument)}
      <ToolbarDivider />
      {button('Undo', `${mod}Z`, <ArrowUndoRegular />, actions.undo, !canUndo)}
      {button('Redo', `Shift+${mod}Z`, <ArrowRedoRegular />, actions.redo, !canRedo)}
      <ToolbarDivider />
      <DocumentName />
    </Toolbar>
  )
}
