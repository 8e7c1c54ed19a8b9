/** How a record value reads in a cell or a trace line: null is "—", text is itself, the rest JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'string') return value === '' ? '""' : value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

/** A value as a trace or diff shows it: strings quoted, so "" and " x " are visible. */
export function formatLiteral(value: unknown): string {
  if (value === undefined) return '(none)'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  return formatValue(value)
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export const systemLabel = (system: 'dynamics' | 'campaign') => (system === 'dynamics' ? 'Dynamics 365' : 'Campaign')
