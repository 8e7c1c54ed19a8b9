import type { Filter } from '../filter'

/** A filter in words, for skip reasons, explanations and the inspector. */
export function describeFilter(filter: Filter): string {
  if ('all' in filter) return filter.all.length === 0 ? '(always)' : filter.all.map(group).join(' and ')
  if ('any' in filter) return filter.any.length === 0 ? '(never)' : filter.any.map(group).join(' or ')
  if ('not' in filter) return `not ${group(filter.not)}`
  const v = (x: unknown) => JSON.stringify(x)
  switch (filter.op) {
    // Dynamics' own words (Advanced Find): a value of spaces, or "" where a service keeps one, "contains data".
    case 'null':
      return `${filter.field} does not contain data`
    case 'notNull':
      return `${filter.field} contains data`
    case 'in':
      return `${filter.field} in [${filter.values.map(v).join(', ')}]`
    case 'notIn':
      return `${filter.field} not in [${filter.values.map(v).join(', ')}]`
    case 'lastXDays':
      return `${filter.field} in the last ${filter.days} days`
    case 'between':
      return `${filter.field} between ${v(filter.from)} and ${v(filter.to)}`
    default:
      return `${filter.field} ${filter.op} ${v(filter.value)}`
  }
}

function group(filter: Filter): string {
  const text = describeFilter(filter)
  return ('all' in filter && filter.all.length > 1) || ('any' in filter && filter.any.length > 1) ? `(${text})` : text
}
