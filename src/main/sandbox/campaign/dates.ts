/**
 * Campaign renders timestamps as `YYYY-MM-DD HH:MM:SS.mmmZ` and dates as `YYYY-MM-DD`
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/developing/datamodel/datamodel-profile). Writes are accepted in that form and in ISO 8601, because
 * connectors usually hold ISO strings and the engine parses both.
 */

export function formatTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ')
}

export function formatDate(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** Parses a Campaign or ISO timestamp; undefined when it is not one. */
export function parseTimestamp(text: string): Date | undefined {
  const trimmed = text.trim()
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) return undefined
  let iso = trimmed.replace(' ', 'T')
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z'
  else if (!/(Z|[+-]\d{2}:?\d{2})$/.test(iso)) iso += 'Z'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? undefined : date
}
