/** The `Prefer` request header values the Web API honours (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors). */
export interface Preferences {
  maxPageSize?: number
  trackChanges: boolean
  returnRepresentation: boolean
  continueOnError: boolean
  /** Annotation name patterns asked for with odata.include-annotations ('*' wildcards allowed). */
  annotations: string[]
  /** The raw include-annotations value, echoed in Preference-Applied. */
  annotationsRaw?: string
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const prefs: Preferences = { trackChanges: false, returnRepresentation: false, continueOnError: false, annotations: [] }
  const text = Array.isArray(header) ? header.join(',') : (header ?? '')
  // Split on commas outside quotes: include-annotations lists names inside one quoted value.
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (const ch of text) {
    if (ch === '"') quoted = !quoted
    if (ch === ',' && !quoted) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  for (const raw of parts) {
    const part = raw.trim()
    if (!part) continue
    const eq = part.indexOf('=')
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase()
    const value =
      eq < 0
        ? ''
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"|"$/g, '')
    if (name === 'odata.maxpagesize') {
      const n = Number(value)
      if (Number.isInteger(n) && n > 0) prefs.maxPageSize = n
    } else if (name === 'odata.track-changes') prefs.trackChanges = true
    else if (name === 'return' && value === 'representation') prefs.returnRepresentation = true
    else if (name === 'odata.continue-on-error') prefs.continueOnError = true
    else if (name === 'odata.include-annotations') {
      prefs.annotationsRaw = value
      prefs.annotations = value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    }
  }
  return prefs
}

export function annotationMatcher(patterns: string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false
  const regexes = patterns.map((p) => new RegExp('^' + p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$'))
  return (name) => regexes.some((r) => r.test(name))
}
