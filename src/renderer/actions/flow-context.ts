import type { Flow } from '../../shared/mapping/document'
import type { Table } from '../../shared/schema/model'
import { parseEdgeId, useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { endsOf, connectionsOf } from '../state/flow-schema'
import { tableKey, useSchemaStore } from '../state/schema-store'

/** What the actions read: the flow on screen (the tabs show the first when none is chosen), its schemas, the selected mappings. */

export function activeFlow(): Flow | undefined {
  const { document, activeFlowId } = useDocumentStore.getState()
  return document?.flows.find((f) => f.id === activeFlowId) ?? document?.flows[0]
}

export function flowById(flowId: string | undefined): Flow | undefined {
  const { document } = useDocumentStore.getState()
  return flowId === undefined ? activeFlow() : document?.flows.find((f) => f.id === flowId)
}

/** The flow's source and target schemas as loaded so far (undefined while loading, failed, or for Campaign events). */
export function loadedTables(flow: Flow): { source: Table | undefined; target: Table | undefined } {
  const { document } = useDocumentStore.getState()
  const connections = connectionsOf(document)
  const tables = useSchemaStore.getState().tables
  const { source, target } = endsOf(flow)
  const table = (end: typeof source) => {
    if (!('name' in end)) return undefined
    const entry = tables[tableKey(end.system, connections[end.system], end.name)]
    return entry?.status === 'ready' ? entry.value : undefined
  }
  return { source: table(source), target: table(target) }
}

/** The mappings and links whose edges are selected. */
export function chosenMappings(): Array<{ target: string; from: string }> {
  return useCanvasStore
    .getState()
    .selectedEdges.map(parseEdgeId)
    .filter((e): e is { kind: 'mapping'; target: string; from: string } => e?.kind === 'mapping')
    .map(({ target, from }) => ({ target, from }))
}
