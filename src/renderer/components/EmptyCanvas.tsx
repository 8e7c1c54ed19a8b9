import { ReactFlow, Background, Controls } from '@xyflow/react'
import { Body1, Subtitle2 } from '@fluentui/react-components'

/** What the canvas shows when the document has no flow: an honest word on what is next. */
export function EmptyCanvas({ hasDocument }: { hasDocument: boolean }) {
  return (
    <div className="ss-canvas-empty">
      <ReactFlow nodes={[]} edges={[]} proOptions={{ hideAttribution: true }} aria-label="Empty canvas">
        <Background gap={20} />
        <Controls showInteractive={false} />
      </ReactFlow>
      <div className="ss-canvas-empty__message" role="status">
        {hasDocument ? (
          <>
            <Subtitle2>This mapping has no flows yet</Subtitle2>
            <Body1>
              Flows are drawn from connected Dynamics 365 tables and Campaign resources. Connections are not in this build yet; until they
              are, open or import a mapping file to see its flows here.
            </Body1>
          </>
        ) : (
          <>
            <Subtitle2>No mapping open</Subtitle2>
            <Body1>Create a new mapping, or open or import a mapping file.</Body1>
          </>
        )}
      </div>
    </div>
  )
}
