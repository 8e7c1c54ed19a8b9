import { Tooltip, type TooltipProps } from '@fluentui/react-components'
import { Children, cloneElement, isValidElement, useId, type ReactElement } from 'react'

type Props = Omit<TooltipProps, 'children' | 'relationship' | 'content'> & {
  content: string
  children: ReactElement<Record<string, unknown>>
}

/**
 * Fluent's tooltip as a control's description, with its popup rendered only while it shows.
 *
 * A Fluent `Tooltip` with `relationship="description"` renders its hidden content in a portal
 * from the start, so that `aria-describedby` points at something: a portal and a second render
 * per tooltip while the screen first renders, and the canvas's toolbar and nodes carry a dozen
 * of them, most never hovered (docs/canvas-performance.md). Here the control is described by a
 * hidden element beside it (the same text), and the tooltip itself is Fluent's, shown on hover
 * and focus after the same delay, but rendered only while it is visible.
 */
export function DescriptionTooltip({ children, content, ...props }: Props) {
  const id = useId()
  const child = Children.only(children)
  if (!isValidElement(child)) return child
  const described = (child.props as { 'aria-describedby'?: string })['aria-describedby']
  return (
    <>
      <Tooltip content={content} relationship="inaccessible" {...props}>
        {cloneElement(child, { 'aria-describedby': described ? `${described} ${id}` : id })}
      </Tooltip>
      <span id={id} hidden>
        {content}
      </span>
    </>
  )
}
