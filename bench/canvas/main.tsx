import { FluentProvider, webLightTheme } from '@fluentui/react-components'
import { Handle, Position, ReactFlow, ReactFlowProvider, type Edge, type Node, type NodeProps } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { memo, type ReactNode } from 'react'
import { flushSync } from 'react-dom'
import { createRoot } from 'react-dom/client'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import type { BenchData } from './measure'
import type { Client } from '../../src/renderer/api/client'
import { MappingCanvas } from '../../src/renderer/canvas/MappingCanvas'
import { tableKey, useSchemaStore } from '../../src/renderer/state/schema-store'
import '../../src/renderer/styles.css'

/**
 * Two canvases over the same schemas and mappings, picked by ?variant=: `ours` is the app's
 * MappingCanvas (its nodes, edges, filter node, palette, controls), `bare` is React Flow with
 * plain nodes that draw every field as a row with a handle, and default edges.
 */
declare global {
  interface Window {
    __BENCH__: BenchData
  }
}

const { source, target, mappings, match } = window.__BENCH__
const variant = new URLSearchParams(location.search).get('variant') ?? 'ours'
const root = createRoot(document.getElementById('root')!)
/**
 * Both variants mount in a synchronous update, as a canvas mounts in the app: the app renders
 * it when a document or a flow is opened, a change of its stores, which React renders
 * synchronously (`useSyncExternalStore`), effects included, before the browser paints. A plain
 * `root.render` is a default-priority update whose effects (React Flow taking its nodes in,
 * starting to observe their size) run in a task of their own, after a frame is painted when
 * the render itself was long.
 */
const mount = (element: ReactNode) => {
  // Read by bench/canvas-mount.ts: the mount's CPU time, apart from what comes after it.
  performance.mark('mount-start')
  flushSync(() => root.render(element))
  performance.mark('mount-end')
}

if (variant === 'ours') {
  useSchemaStore.setState({
    tables: {
      [tableKey('dynamics', 'Sandbox', source.name)]: { status: 'ready', value: source },
      [tableKey('campaign', 'Sandbox', target.name)]: { status: 'ready', value: target }
    }
  })
  const flow: RecordsFlow = {
    id: 'contacts',
    kind: 'records',
    source: { system: 'dynamics', table: source.name },
    target: { system: 'campaign', resource: target.name },
    match,
    fields: mappings.map((m) => ({ target: m.target, from: [m.from] }))
  }
  const doc: MappingDocument = {
    format: 'sync-studio/mapping@1',
    name: 'bench',
    connections: { dynamics: 'Sandbox', campaign: 'Sandbox' },
    flows: [flow]
  }
  const client = { mode: 'browser', call: () => new Promise(() => undefined), on: () => () => undefined } as unknown as Client
  mount(
    <FluentProvider theme={webLightTheme} style={{ height: '100%' }}>
      <div style={{ position: 'relative', height: '100%' }}>
        <ReactFlowProvider>
          <MappingCanvas client={client} document={doc} flow={flow} problems={[]} showMinimap={false} />
        </ReactFlowProvider>
      </div>
    </FluentProvider>
  )
} else {
  type Data = { fields: string[]; side: 'source' | 'target' }
  const Bare = memo(function Bare({ data }: NodeProps<Node<Data>>) {
    return (
      <div style={{ width: 310, background: '#fff', border: '1px solid #999', borderRadius: 8, fontSize: 12 }}>
        <div style={{ padding: 8, fontWeight: 600 }}>{data.side}</div>
        {data.fields.map((f) => (
          <div key={f} style={{ position: 'relative', height: 32, padding: '0 12px', lineHeight: '32px' }}>
            {f}
            <Handle
              id={f}
              type={data.side === 'source' ? 'source' : 'target'}
              position={data.side === 'source' ? Position.Right : Position.Left}
            />
          </div>
        ))}
      </div>
    )
  })
  const nodeTypes = { bare: Bare }
  const nodes: Node<Data>[] = [
    { id: 'source', type: 'bare', position: { x: 0, y: 0 }, data: { side: 'source', fields: source.fields.map((f) => f.name) } },
    { id: 'target', type: 'bare', position: { x: 620, y: 0 }, data: { side: 'target', fields: target.fields.map((f) => f.name) } }
  ]
  const edges: Edge[] = mappings.map((m, i) => ({
    id: `e${i}`,
    source: 'source',
    sourceHandle: m.from,
    target: 'target',
    targetHandle: m.target
  }))
  mount(
    <ReactFlowProvider>
      <ReactFlow
        defaultNodes={nodes}
        defaultEdges={edges}
        nodeTypes={nodeTypes}
        defaultViewport={{ x: 40, y: 40, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
        minZoom={0.02}
      />
    </ReactFlowProvider>
  )
}
