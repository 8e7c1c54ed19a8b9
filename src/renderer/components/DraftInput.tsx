import { Input, type InputProps } from '@fluentui/react-components'
import { useEffect, useState } from 'react'

/**
 * A text input that edits a draft and commits it on Enter or blur, so typing a word makes
 * one undoable edit, not one per key. Escape puts the committed value back.
 */
export function DraftInput({
  value,
  onCommit,
  ...props
}: Omit<InputProps, 'value' | 'onChange' | 'defaultValue'> & { value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value)
  useEffect(() => setDraft(value), [value])
  return (
    <Input
      {...props}
      value={draft}
      onChange={(_event, data) => setDraft(data.value)}
      onBlur={() => {
        if (draft !== value) onCommit(draft)
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          if (draft !== value) onCommit(draft)
        } else if (event.key === 'Escape') setDraft(value)
        event.stopPropagation()
      }}
    />
  )
}

/** A scalar typed as text: JSON numbers, true, false, null and "quoted" text keep their type; anything else is text. */
export function parseScalar(text: string): string | number | boolean | null {
  const trimmed = text.trim()
  if (/^(-?\d+(\.\d+)?|true|false|null|".*")$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as string | number | boolean | null
    } catch {
      return text
    }
  }
  return text
}

export function formatScalar(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value === 'string') return /^(-?\d+(\.\d+)?|true|false|null|".*")$/.test(value.trim()) ? JSON.stringify(value) : value
  return JSON.stringify(value)
}
