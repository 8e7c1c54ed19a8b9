import { Body1, Button, Caption1, Field as FluentField, Select, Subtitle2 } from '@fluentui/react-components'
import { DeleteRegular } from '@fluentui/react-icons'
import type { MappingDocument, RecordsFlow } from '../../shared/mapping/document'
import { flowTitle, parentFlowsFor } from '../../shared/mapping/links'
import { findField, type Table } from '../../shared/schema/model'
import { useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { removeLinks, setLinkParent } from '../state/link-edits'

/**
 * A selected link edge: which lookup links each record to its parent, and the parent flow —
 * chosen when the link was dropped, offered here among the flows that sync the linked resource.
 */
export function LinkInspector({
  document,
  flow,
  target,
  targetTable
}: {
  document: MappingDocument
  flow: RecordsFlow
  target: string
  targetTable: Table | undefined
}) {
  const edit = useDocumentStore((state) => state.edit)
  const select = useCanvasStore((state) => state.select)
  const link = flow.links?.find((l) => l.target === target)
  if (!link) return null
  const field = targetTable ? findField(targetTable, target) : undefined
  const candidates = parentFlowsFor(document, flow.id, field)
  const known = candidates.some((c) => c.id === link.parentFlow)
  return (
    <div className="ss-inspector__section" data-testid="link-inspector">
      <Subtitle2>Link: {field?.displayName ?? target}</Subtitle2>
      <Caption1 className="ss-quiet">
        Each {flow.target.resource} record is linked to the {field?.targets?.[0] ?? 'profile'} whose Dynamics id is in {link.source}
        {field?.required === 'required' ? ' — required: a record without one fails before it is written.' : '.'}
      </Caption1>
      <FluentField
        label="Parent flow"
        size="small"
        validationState={known ? 'none' : 'error'}
        validationMessage={
          known ? undefined : `No flow "${link.parentFlow}" syncs ${field?.targets?.[0] ?? 'the parent'} records — pick one, or add one.`
        }
      >
        <Select
          size="small"
          value={known ? link.parentFlow : ''}
          aria-label="Parent flow"
          onChange={(_event, data) =>
            edit(`Link ${target} to flow ${data.value}`, (doc) => setLinkParent(doc, flow.id, target, data.value))
          }
        >
          {!known && <option value="">{link.parentFlow} (missing)</option>}
          {candidates.map((c) => (
            <option key={c.id} value={c.id}>
              {flowTitle(c)} ({c.source.table} → {c.target.resource})
            </option>
          ))}
        </Select>
      </FluentField>
      <Body1 className="ss-quiet">The parent flow runs first; children whose parent is not there yet are retried, then reported.</Body1>
      <Button
        size="small"
        icon={<DeleteRegular />}
        onClick={() => {
          edit(`Remove link ${target}`, (doc) => removeLinks(doc, flow.id, [{ target, from: link.source }]))
          select({ kind: 'none' })
        }}
      >
        Remove link
      </Button>
    </div>
  )
}
