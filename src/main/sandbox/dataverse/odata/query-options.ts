import { DataverseError, errors } from '../errors'

/** System query options as Dataverse accepts them: names are case sensitive (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview). */
export interface QueryOptions {
  select?: string[]
  filter?: string
  orderby?: string
  top?: number
  count: boolean
  expand?: string
  skiptoken?: string
  deltatoken?: string
  apply?: string
  aliases: Record<string, string>
  /** The query string minus $skiptoken, exactly as sent: nextLinks are built from it. */
  base: string
  /** Non-$ parameters (e.g. `annotations=true` on $metadata). */
  other: Record<string, string>
}

const supported = new Set(['$select', '$filter', '$orderby', '$top', '$count', '$expand', '$skiptoken', '$deltatoken', '$apply'])

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    throw new DataverseError(400, '0x0', `The query string '${text}' is not correctly URL-encoded.`)
  }
}

export function parseQueryOptions(search: string): QueryOptions {
  const raw = search.startsWith('?') ? search.slice(1) : search
  const options: QueryOptions = { count: false, aliases: {}, base: '', other: {} }
  const kept: string[] = []
  for (const pair of raw.split('&')) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    const name = decode(eq < 0 ? pair : pair.slice(0, eq))
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1))
    if (name === '$skiptoken') {
      options.skiptoken = value
      continue
    }
    kept.push(pair)
    if (name.startsWith('@')) {
      options.aliases[name] = value
      continue
    }
    if (!name.startsWith('$')) {
      options.other[name] = value
      continue
    }
    if (!supported.has(name)) throw errors.queryOptionNotSupported(name)
    switch (name) {
      case '$select':
        options.select = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        break
      case '$filter':
        options.filter = value
        break
      case '$orderby':
        options.orderby = value
        break
      case '$top': {
        const n = Number(value)
        if (!Number.isInteger(n) || n < 0)
          throw new DataverseError(
            400,
            '0x0',
            `Invalid value '${value}' for $top query option found. The $top query option requires a non-negative integer value.`
          )
        options.top = n
        break
      }
      case '$count':
        if (value !== 'true' && value !== 'false') throw new DataverseError(400, '0x0', `'${value}' is not a valid count option.`)
        options.count = value === 'true'
        break
      case '$expand':
        options.expand = value
        break
      case '$deltatoken':
        options.deltatoken = value
        break
      case '$apply':
        options.apply = value
        break
    }
  }
  options.base = kept.join('&')
  return options
}

/** Splits on a separator outside parentheses and quotes: `a($select=x,y),b`. */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quoted = false
  let current = ''
  for (const ch of text) {
    if (ch === "'") quoted = !quoted
    if (!quoted && ch === '(') depth++
    if (!quoted && ch === ')') depth--
    if (!quoted && depth === 0 && ch === separator) {
      parts.push(current)
      current = ''
    } else current += ch
  }
  parts.push(current)
  return parts.map((p) => p.trim()).filter(Boolean)
}

export interface OrderTerm {
  property: string
  descending: boolean
}

export function parseOrderBy(text: string, aliases: Record<string, string>): OrderTerm[] {
  return splitTopLevel(text, ',').map((term) => {
    const [name, direction, extra] = term.split(/\s+/)
    if (extra || (direction && direction !== 'asc' && direction !== 'desc')) {
      throw new DataverseError(400, '0x0', `Syntax error at position ${term.length} in '${text}'.`)
    }
    const property = name.startsWith('@') ? (aliases[name] ?? '').replace(/^'|'$/g, '') : name
    return { property, descending: direction === 'desc' }
  })
}

export interface ExpandTerm {
  navigation: string
  select?: string[]
  /** Options other than $select inside the parentheses (rejected for single-valued navigation). */
  unsupported: string[]
}

export function parseExpand(text: string): ExpandTerm[] {
  return splitTopLevel(text, ',').map((term) => {
    const open = term.indexOf('(')
    if (open < 0) return { navigation: term, unsupported: [] }
    if (!term.endsWith(')')) throw new DataverseError(400, '0x0', `Syntax error in $expand: '${term}'.`)
    const navigation = term.slice(0, open).trim()
    const inner = term.slice(open + 1, -1)
    const result: ExpandTerm = { navigation, unsupported: [] }
    for (const option of splitTopLevel(inner, ';')) {
      const eq = option.indexOf('=')
      const name = option.slice(0, eq).trim()
      const value = option.slice(eq + 1).trim()
      if (name === '$select')
        result.select = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      else result.unsupported.push(name)
    }
    return result
  })
}
