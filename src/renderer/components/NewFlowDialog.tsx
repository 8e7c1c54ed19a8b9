import {
  Button,
  Caption1,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  Select,
  Spinner
} from '@fluentui/react-components'
import { useEffect, useEffectEvent, useState } from 'react'
import type { ConnectionSummary } from '../../shared/contract'
import type { MappingDocument, RecordsFlow } from '../../shared/mapping/document'
import { suggestMappings } from '../../shared/mapping/engine'
import { matchKeyFor } from '../../shared/mapping/match-key'
import type { System, Table } from '../../shared/schema/model'
import type { Client } from '../api/client'
import { defaultPositions } from '../canvas/model'
import { useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { addFlow, freeFlowId } from '../state/mapping-edits'
import { tableKey, useSchemaStore, useTableList } from '../state/schema-store'

/**
 * New mapping (name, connections, a Dynamics table and a Campaign resource) or, on an open
 * mapping, a new flow. Either way the result is a records flow matched on the table's id
 * and the resource's identification key, with auto-map's proposals on the canvas to review.
 */

async function loadTable(client: Client, system: System, connection: string, name: string): Promise<Table | undefined> {
  await useSchemaStore.getState().loadTable(client, system, connection, name)
  const entry = useSchemaStore.getState().tables[tableKey(system, connection, name)]
  if (entry?.status === 'error') throw new Error(entry.message)
  return entry?.status === 'ready' ? entry.value : undefined
}

export function NewFlowDialog({
  client,
  mode,
  open,
  onClose,
  confirmDiscard
}: {
  client: Client
  mode: 'document' | 'flow'
  open: boolean
  onClose: () => void
  confirmDiscard: () => boolean
}) {
  const current = useDocumentStore((state) => state.document)
  const [name, setName] = useState('Untitled mapping')
  const [connections, setConnections] = useState<ConnectionSummary[]>([])
  const [dynamics, setDynamics] = useState('Sandbox')
  const [campaign, setCampaign] = useState('Sandbox')
  const [table, setTable] = useState('contact')
  const [resource, setResource] = useState('profile')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()

  // Each time the dialog opens it starts from the current document's connections; later
  // changes to the document while it is open do not reset what the user picked.
  const reset = useEffectEvent(() => {
    setError(undefined)
    setName('Untitled mapping')
    if (mode === 'flow' && current?.connections) {
      setDynamics(current.connections.dynamics)
      setCampaign(current.connections.campaign)
    }
    client.call('connections/list', {}).then(
      ({ connections }) => setConnections(connections),
      () => setConnections([])
    )
  })
  useEffect(() => {
    if (open) reset()
  }, [open])

  const tables = useTableList(client, 'dynamics', open ? dynamics : undefined)
  const resources = useTableList(client, 'campaign', open ? campaign : undefined)

  const names = (system: System) => {
    const list = [...new Set(connections.filter((c) => c.profile.system === system).map((c) => c.profile.name))]
    return ['Sandbox', ...list.filter((n) => n !== 'Sandbox')]
  }

  const create = async () => {
    if (mode === 'document' && !confirmDiscard()) return
    setBusy(true)
    setError(undefined)
    try {
      const [source, target] = await Promise.all([
        loadTable(client, 'dynamics', dynamics, table),
        loadTable(client, 'campaign', campaign, resource)
      ])
      let document: MappingDocument
      if (mode === 'document') {
        ;({ document } = await client.call('document/new', { name: name.trim() || 'Untitled mapping' }))
        document = { ...document, connections: { dynamics, campaign } }
      } else if (current) document = current
      else return
      const flow: RecordsFlow = {
        id: freeFlowId(document, `${table}-${resource}`),
        kind: 'records',
        name: `${source?.displayName ?? table} → ${target?.displayName ?? resource}`,
        source: { system: 'dynamics', table },
        target: { system: 'campaign', resource },
        match: matchKeyFor(source, table, target),
        fields: [],
        sync: { mode: 'incremental' }
      }
      const positions = { ...defaultPositions }
      if (mode === 'document') {
        useDocumentStore.getState().load(addFlow(document, flow, positions), undefined, { saved: false })
      } else {
        // One step: redo adds it again and shows it.
        useDocumentStore.getState().transaction(`Add flow ${flow.name}`, () => {
          useDocumentStore.getState().edit(`Add flow ${flow.name}`, (doc) => addFlow(doc, flow, positions))
          useDocumentStore.getState().setActiveFlow(flow.id)
        })
      }
      useCanvasStore.getState().reset()
      if (source && target) {
        const items = suggestMappings(flow, source, target)
        if (items.length) useCanvasStore.getState().setProposals({ flowId: flow.id, items })
      }
      onClose()
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  const createEmpty = async () => {
    if (!confirmDiscard()) return
    const { document } = await client.call('document/new', { name: name.trim() || 'Untitled mapping' })
    useDocumentStore.getState().load(document, undefined, { saved: false })
    useCanvasStore.getState().reset()
    onClose()
  }

  const list = (entry: typeof tables, label: string, value: string, set: (v: string) => void) =>
    entry?.status === 'ready' ? (
      <Select value={value} onChange={(_e, d) => set(d.value)} aria-label={label}>
        {!entry.value.some((t) => t.name === value) && <option value={value}>{value}</option>}
        {entry.value.map((t) => (
          <option key={t.name} value={t.name}>
            {t.displayName} ({t.name})
          </option>
        ))}
      </Select>
    ) : entry?.status === 'error' ? (
      <Caption1 role="alert">{entry.message}</Caption1>
    ) : (
      <Spinner size="tiny" label="Loading…" />
    )

  return (
    <Dialog open={open} onOpenChange={(_e, d) => !d.open && onClose()} modalType="modal">
      <DialogSurface aria-label={mode === 'document' ? 'New mapping' : 'New flow'}>
        <DialogBody>
          <DialogTitle>{mode === 'document' ? 'New mapping' : 'New flow'}</DialogTitle>
          <DialogContent className="ss-dialog-form">
            {mode === 'document' && (
              <>
                <Field label="Name">
                  <Input value={name} onChange={(_e, d) => setName(d.value)} aria-label="Name of the new mapping" />
                </Field>
                <Field label="Dynamics 365 connection">
                  <Select value={dynamics} onChange={(_e, d) => setDynamics(d.value)} aria-label="Dynamics 365 connection">
                    {names('dynamics').map((n) => (
                      <option key={n}>{n}</option>
                    ))}
                  </Select>
                </Field>
                <Field label="Campaign connection">
                  <Select value={campaign} onChange={(_e, d) => setCampaign(d.value)} aria-label="Campaign connection">
                    {names('campaign').map((n) => (
                      <option key={n}>{n}</option>
                    ))}
                  </Select>
                </Field>
              </>
            )}
            <Field label="Dynamics table (source)">{list(tables, 'Dynamics table', table, setTable)}</Field>
            <Field label="Campaign resource (target)">{list(resources, 'Campaign resource', resource, setResource)}</Field>
            <Caption1 className="ss-quiet">
              Records are matched on the table's id, written to the resource's identification key; suggested mappings appear on the canvas
              for you to accept or reject.
            </Caption1>
            {error && (
              <Caption1 role="alert" className="ss-error-text">
                {error}
              </Caption1>
            )}
          </DialogContent>
          <DialogActions>
            {mode === 'document' && (
              <Button appearance="subtle" onClick={() => void createEmpty()} disabled={busy}>
                Empty mapping
              </Button>
            )}
            <Button onClick={onClose}>Cancel</Button>
            <Button
              appearance="primary"
              onClick={() => void create()}
              disabled={busy || tables?.status !== 'ready' || resources?.status !== 'ready'}
            >
              {busy ? 'Creating…' : 'Create'}
            </Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  )
}
