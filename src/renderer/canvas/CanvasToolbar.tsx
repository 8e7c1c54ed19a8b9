import { Button } from '@fluentui/react-components'
import { CheckmarkCircleRegular, DismissCircleRegular, LayoutColumnTwoRegular, LightbulbRegular } from '@fluentui/react-icons'
import { memo } from 'react'
import { perform } from '../actions/registry'
import { useAction } from '../actions/use-actions'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { TransformPalette } from './TransformPalette'
import { ViewControls } from './ViewControls'

/**
 * The canvas's own toolbar: transforms, suggestions, auto-layout and the view controls. Its
 * own component, memoised on plain props, so that the canvas rendering again (React Flow
 * measuring the nodes, a selection) does not render its dozen Fluent buttons again.
 */
export const CanvasToolbar = memo(function CanvasToolbar({
  suggest,
  proposals,
  onAutoLayout,
  onFit,
  showOverview
}: {
  /** Whether the flow can have mappings suggested (a records flow). */
  suggest: boolean
  /** How many suggestions are under review; undefined when none were asked for. */
  proposals: number | undefined
  onAutoLayout: () => Promise<void>
  onFit: () => void
  showOverview: boolean
}) {
  const suggestAction = useAction('suggestMappings')
  return (
    <TransformPalette>
      {suggest && (
        <DescriptionTooltip content="Propose mappings by known pairs and similar names; nothing changes until you accept">
          <Button size="small" icon={<LightbulbRegular />} onClick={suggestAction.run} disabled={!suggestAction.enabled}>
            Suggest mappings
          </Button>
        </DescriptionTooltip>
      )}
      {proposals !== undefined && (
        <>
          <Button
            size="small"
            appearance="primary"
            icon={<CheckmarkCircleRegular />}
            onClick={() => perform('acceptAllSuggestions')}
            disabled={!proposals}
          >
            Accept all ({proposals})
          </Button>
          <Button size="small" icon={<DismissCircleRegular />} onClick={() => perform('rejectAllSuggestions')}>
            Reject all
          </Button>
        </>
      )}
      <DescriptionTooltip content="Lay the nodes out in columns: filter, source, target">
        <Button size="small" icon={<LayoutColumnTwoRegular />} onClick={() => void onAutoLayout()}>
          Auto-layout
        </Button>
      </DescriptionTooltip>
      <span className="ss-palette__spacer" />
      <ViewControls onFit={onFit} showOverview={showOverview} />
    </TransformPalette>
  )
})
