import { Button, Input, Tab, TabList, Tooltip } from '@fluentui/react-components'
import { AddRegular, DeleteRegular, RenameRegular } from '@fluentui/react-icons'
import { useState } from 'react'
import type { MappingDocument } from '../../shared/mapping/document'
import { useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { removeFlow, renameFlow } from '../state/mapping-edits'

/** The document's flows as tabs, with add, rename and remove (each an undoable edit). */
export function FlowTabs({ document, activeId, onAdd }: { document: MappingDocument; activeId: string | undefined; onAdd: () => void }) {
  const setActiveFlow = useDocumentStore((state) => state.setActiveFlow)
  const edit = useDocumentStore((state) => state.edit)
  const [renaming, setRenaming] = useState<string>()
  const [draft, setDraft] = useState('')
  const active = document.flows.find((f) => f.id === activeId)
  const commitRename = () => {
    if (renaming && draft.trim()) edit('Rename flow', (doc) => renameFlow(doc, renaming, draft.trim()))
    setRenaming(undefined)
  }
  return (
    <div className="ss-flow-tabs">
      <TabList
        aria-label="Flows"
        selectedValue={activeId}
        size="small"
        onTabSelect={(_event, data) => {
          setActiveFlow(String(data.value))
          useCanvasStore.getState().select({ kind: 'none' })
        }}
      >
        {document.flows.map((f) => (
          <Tab
            key={f.id}
            value={f.id}
            onDoubleClick={() => {
              setRenaming(f.id)
              setDraft(f.name ?? f.id)
            }}
          >
            {renaming === f.id ? (
              <Input
                size="small"
                autoFocus
                aria-label="Flow name"
                value={draft}
                onChange={(_e, d) => setDraft(d.value)}
                onBlur={commitRename}
                onKeyDown={(e) => {
                  e.stopPropagation()
                  if (e.key === 'Enter') commitRename()
                  if (e.key === 'Escape') setRenaming(undefined)
                }}
              />
            ) : (
              (f.name ?? f.id)
            )}
          </Tab>
        ))}
      </TabList>
      <Tooltip content="Add a flow: another table → resource" relationship="description">
        <Button size="small" appearance="subtle" icon={<AddRegular />} aria-label="Add flow" onClick={onAdd} />
      </Tooltip>
      {active && (
        <>
          <Tooltip content="Rename this flow (or double-click its tab)" relationship="description">
            <Button
              size="small"
              appearance="subtle"
              icon={<RenameRegular />}
              aria-label="Rename flow"
              onClick={() => {
                setRenaming(active.id)
                setDraft(active.name ?? active.id)
              }}
            />
          </Tooltip>
          <Tooltip content="Remove this flow (undo brings it back)" relationship="description">
            <Button
              size="small"
              appearance="subtle"
              icon={<DeleteRegular />}
              aria-label="Remove flow"
              onClick={() => {
                const index = document.flows.indexOf(active)
                const name = `Remove flow ${active.name ?? active.id}`
                // One step: redo removes it again and shows the flow the user went on to.
                useDocumentStore.getState().transaction(name, () => {
                  edit(name, (doc) => removeFlow(doc, active.id))
                  const next = document.flows[index + 1] ?? document.flows[index - 1]
                  if (next) setActiveFlow(next.id)
                })
              }}
            />
          </Tooltip>
        </>
      )}
    </div>
  )
}
