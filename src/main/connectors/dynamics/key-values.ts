import type { RecordKey } from './connector'

/**
 * Alternate-key values a key-addressed request cannot carry: "If the data within a column used
 * in an alternate key contains one of the following characters /,<,>,*,%,&,:,\,?,+, then
 * retrieve (GET), update, or upsert (PATCH) actions don't work"
 * (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity;
 * the maker page adds #: https://learn.microsoft.com/power-apps/maker/data-platform/define-alternate-keys-portal).
 * Such a row is found with a `$filter` instead, where the value travels in the query string.
 */
const UNUSABLE = /[/<>*%&:\\?+#]/

/** The first character of an alternate key's values that cannot go in a key segment, if any. */
export function unusableKeyCharacter(key: RecordKey): string | undefined {
  if (typeof key === 'string') return undefined
  for (const value of Object.values(key)) {
    const found = typeof value === 'string' ? UNUSABLE.exec(value) : null
    if (found) return found[0]
  }
  return undefined
}

/** `$filter` text matching the rows of these alternate keys: `(a eq 'x' and b eq 2) or (…)`. */
export function keysFilter(keys: ReadonlyArray<Record<string, string | number | boolean>>): string {
  return keys
    .map((key) => {
      const terms = Object.entries(key).map(([name, value]) => `${name} eq ${literal(name, value)}`)
      return terms.length > 1 ? `(${terms.join(' and ')})` : terms[0]
    })
    .join(' or ')
}

function literal(name: string, value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value)
  if (/^_.+_value$/.test(name) && /^[0-9a-f-]{36}$/i.test(value)) return value
  return `'${value.replace(/'/g, "''")}'`
}

/** Whether a row read back holds these key values (text case-insensitively, as the filter compared it). */
export function rowMatchesKey(row: Record<string, unknown>, key: Record<string, string | number | boolean>): boolean {
  return Object.entries(key).every(([name, value]) => {
    const held = row[name]
    if (typeof value === 'string' && typeof held === 'string') return held.toLowerCase() === value.toLowerCase()
    return held === value
  })
}
