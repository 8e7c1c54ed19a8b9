import { Button, Caption1 } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { ChevronDownRegular, ChevronUpRegular } from '@fluentui/react-icons'
import { memo, useState, type ReactNode } from 'react'
import { stepDescriptions, stepNames } from '../../shared/mapping/steps'

export const STEP_MIME = 'application/x-sync-studio-step'

/**
 * The transforms, from the same list the engine and the file format use. Drag one onto an
 * edge (or its chips) to append it to that mapping; or pick it in the inspector.
 */
export const TransformPalette = memo(function TransformPalette({ children }: { children?: ReactNode }) {
  const [open, setOpen] = useState(false)
  return (
    <section className="ss-palette" aria-label="Canvas tools">
      <div className="ss-palette__tools">
        <Button
          size="small"
          icon={open ? <ChevronUpRegular /> : <ChevronDownRegular />}
          iconPosition="after"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          aria-label="Transforms"
        >
          Transforms
        </Button>
        {children}
      </div>
      {open && (
        <>
          <Caption1 className="ss-quiet">Drag a transform onto an edge to append it to that mapping.</Caption1>
          <ul className="ss-palette__list">
            {stepNames.map((fn) => (
              <li key={fn}>
                <DescriptionTooltip content={stepDescriptions[fn]} positioning="after">
                  <span
                    className="ss-chip ss-chip--palette"
                    draggable
                    tabIndex={0}
                    role="button"
                    aria-label={`Transform ${fn}`}
                    data-step={fn}
                    onDragStart={(event) => {
                      event.dataTransfer.setData(STEP_MIME, fn)
                      event.dataTransfer.setData('text/plain', fn)
                      event.dataTransfer.effectAllowed = 'copy'
                    }}
                  >
                    {fn}
                  </span>
                </DescriptionTooltip>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
})
