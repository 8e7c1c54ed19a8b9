import { Tooltip, resolvePositioningShorthand, useTooltipVisibility, type TooltipProps } from '@fluentui/react-components'
import {
  Children,
  cloneElement,
  isValidElement,
  useEffect,
  useId,
  useRef,
  useState,
  type FocusEvent,
  type PointerEvent,
  type ReactElement
} from 'react'

type Props = Omit<TooltipProps, 'children' | 'relationship' | 'content' | 'visible' | 'onVisibleChange'> & {
  content: string
  children: ReactElement<Record<string, unknown>>
}

type TriggerProps = {
  'aria-describedby'?: string
  onPointerEnter?: (event: PointerEvent<HTMLElement>) => void
  onPointerLeave?: (event: PointerEvent<HTMLElement>) => void
  onFocus?: (event: FocusEvent<HTMLElement>) => void
  onBlur?: (event: FocusEvent<HTMLElement>) => void
}

/**
 * Fluent's tooltip as a control's description, mounted only once the control is first hovered
 * or focused.
 *
 * The control is described by a hidden element beside it (the same text), so `aria-describedby`
 * points at something from the start. The popup is Fluent's `Tooltip`, but a Fluent tooltip costs
 * a render of its own (positioning, timers, keyboard tracking) for every control that carries one,
 * and the canvas's toolbar and nodes carry a dozen, most never hovered, all rendered again while
 * the canvas first renders (docs/canvas-performance.md). So it is mounted beside the control (not
 * around it: wrapping the control later would mount the control again and lose its focus) on the
 * first hover or keyboard focus, and shown as Fluent shows it: after the same delay (at once when
 * another tooltip is open), hidden on leave after the same delay, at once on blur or Escape,
 * kept open while the pointer is on the popup, one tooltip at a time.
 */
export function DescriptionTooltip({ children, content, showDelay = 250, hideDelay = 250, positioning, ...props }: Props) {
  const id = useId()
  const [target, setTarget] = useState<HTMLElement>()
  const [visible, setVisible] = useState(false)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  // Fluent's record of the tooltip open now: with one open, the next shows without the delay.
  const open = useTooltipVisibility()
  useEffect(() => () => clearTimeout(timer.current), [])

  const child = Children.only(children)
  if (!isValidElement(child)) return child
  const own = child.props as TriggerProps

  const later = (show: boolean, delay: number) => {
    clearTimeout(timer.current)
    timer.current = setTimeout(() => setVisible(show), delay)
  }
  const enter = (element: HTMLElement) => {
    setTarget(element)
    later(true, open.visibleTooltip ? 0 : showDelay)
  }
  const leave = () => later(false, hideDelay)
  const hide = () => {
    clearTimeout(timer.current)
    setVisible(false)
  }

  const described = own['aria-describedby']
  const trigger = cloneElement(child, {
    'aria-describedby': described ? `${described} ${id}` : id,
    onPointerEnter: (event: PointerEvent<HTMLElement>) => {
      own.onPointerEnter?.(event)
      enter(event.currentTarget)
    },
    onPointerLeave: (event: PointerEvent<HTMLElement>) => {
      own.onPointerLeave?.(event)
      leave()
    },
    onFocus: (event: FocusEvent<HTMLElement>) => {
      own.onFocus?.(event)
      // As Fluent: a focus by keyboard shows the tooltip, a click or a focus moved by code does not.
      if (event.currentTarget.matches(':focus-visible')) enter(event.currentTarget)
    },
    onBlur: (event: FocusEvent<HTMLElement>) => {
      own.onBlur?.(event)
      hide()
    }
  })
  const placement = positioning === undefined ? {} : resolvePositioningShorthand(positioning)
  return (
    <>
      {trigger}
      <span id={id} hidden>
        {content}
      </span>
      {target && (
        <Tooltip
          {...props}
          content={{ children: content, onPointerEnter: () => clearTimeout(timer.current), onPointerLeave: leave }}
          relationship="inaccessible"
          positioning={{ ...placement, target }}
          visible={visible}
          // Fluent hides it itself on Escape and when another tooltip opens.
          onVisibleChange={(_event, data) => {
            if (!data.visible) hide()
          }}
        >
          <span hidden />
        </Tooltip>
      )}
    </>
  )
}
