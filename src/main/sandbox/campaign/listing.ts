import { engine } from './errors'
import type { CampaignModel } from './model'
import { visibleFields, type Family, type FilterDef, type ResourceDef } from './resources'
import type { StoredRecord } from './store'

export const defaultLineCount = 25

export interface ListRequest {
  base: string
  family: Family
  resource: ResourceDef
  /** The path of the collection as requested (e.g. `profileAndServices/profile/byText`), for `next`/`count`. */
  path: string
  filters: FilterDef[]
  query: URLSearchParams
  /** Only these rows (e.g. a profile's subscriptions); default: the whole table. */
  rows?: StoredRecord[]
  /** Custom renderer (subscriptions render differently per side). */
  render?: (record: StoredRecord) => unknown
  /** `/profile/email`: the content is that field's values only. */
  projection?: string
}

export function selectRows(model: CampaignModel, request: ListRequest): StoredRecord[] {
  const { resource, filters, query } = request
  const profileIndex = resource.profileLink?.join === 'field' ? model.profileIndex(resource.profileLink.profileField!) : undefined
  let rows = (request.rows ?? indexedRows(model, request) ?? model.store.rows(resource.name)).filter((r) =>
    model.isVisible(resource, r, profileIndex)
  )
  for (const filter of filters) {
    const keep = filter.test(query)
    rows = rows.filter((r) => keep(r.values))
  }
  return orderRows(resource, request.family, rows, query.get('_order'))
}

/** A key filter's candidates from the store's value index (the filters still run on them): a lookup by key costs O(1), not a table scan. */
function indexedRows(model: CampaignModel, request: ListRequest): StoredRecord[] | undefined {
  for (const filter of request.filters) {
    const equal = filter.equals?.(request.query)
    if (!equal) continue
    return model.store
      .lookup(request.resource.name, equal.field, equal.value)
      .sort((a, b) => a - b)
      .map((id) => model.store.get(request.resource.name, id))
      .filter((r): r is StoredRecord => r !== undefined)
  }
  return undefined
}

/** `_order=email` or `_order=email desc` (`%20desc`); several keys comma-separated; only sortable fields. */
function orderRows(resource: ResourceDef, family: Family, rows: StoredRecord[], order: string | null): StoredRecord[] {
  if (!order) return rows
  // Adobe's SDK appends `%20desc` before its own URL encoding, so the engine receives
  // `email%20desc`: accept an encoded space there too (@adobe/aio-lib-campaign-standard, descendingSort).
  const keys = order
    .replace(/%20/gi, ' ')
    .split(',')
    .map((part) => {
      const [name, direction = 'asc'] = part.trim().split(/\s+/)
      const field = visibleFields(resource, family).find((f) => f.name === name)
      if (!field || !field.sortable) throw engine.generic(`The '${name}' field cannot be used to sort the '${resource.name}' resource.`)
      if (!/^(asc|desc)$/i.test(direction)) throw engine.generic(`'${direction}' is not a valid sort direction.`)
      return { name, sign: direction.toLowerCase() === 'desc' ? -1 : 1, empty: field.empty }
    })
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const x = a.values[key.name] ?? key.empty
      const y = b.values[key.name] ?? key.empty
      const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en')
      if (cmp !== 0) return cmp * key.sign
    }
    return a.id - b.id
  })
}

export function listResponse(model: CampaignModel, request: ListRequest): Record<string, unknown> {
  const { query } = request
  const rows = selectRows(model, request)
  const lineCount = parseLineCount(query.get('_lineCount'))
  const offset = parseLineStart(model, query.get('_lineStart'))
  const page = rows.slice(offset, offset + lineCount)
  const profileIndex =
    request.resource.profileLink?.join === 'field' ? model.profileIndex(request.resource.profileLink.profileField!) : undefined
  const content = page.map((record) => {
    if (request.projection) return record.values[request.projection] ?? ''
    return request.render ? request.render(record) : model.render(request.base, request.family, request.resource, record, profileIndex)
  })
  const body: Record<string, unknown> = { content }
  const bigTable = rows.length > model.settings.bigTableThreshold && query.get('_forcePagination') !== 'true'
  if (offset + lineCount < rows.length && !bigTable) {
    const next = new URLSearchParams(query)
    next.set('_lineCount', String(lineCount))
    next.set('_lineStart', model.codec.encode(`lineStart/${offset + lineCount}`))
    const path = `${request.path}?${queryText(next)}`
    body.next = { href: model.settings.relativeNextHref ? `/${path}` : `${request.base}${path}` }
  }
  const countQuery = new URLSearchParams(query)
  countQuery.delete('_lineCount')
  countQuery.delete('_order')
  const countText = queryText(countQuery)
  body.count = { href: `${request.base}${request.path}/_count${countText ? `?${countText}` : ''}` }
  body.serverSidePagination = true
  return body
}

export function countResponse(model: CampaignModel, request: ListRequest): { count: number } {
  return { count: selectRows(model, { ...request, query: withoutOrder(request.query) }).length }
}

function withoutOrder(query: URLSearchParams): URLSearchParams {
  const copy = new URLSearchParams(query)
  copy.delete('_order')
  return copy
}

/** Opaque tokens are URL-safe base64 after `@`; the documented hrefs show the `@` unescaped. */
function queryText(query: URLSearchParams): string {
  return query.toString().replace(/%40/g, '@')
}

function parseLineCount(text: string | null): number {
  const n = Number(text)
  return text !== null && Number.isInteger(n) && n > 0 ? n : defaultLineCount
}

/** `_lineStart` is opaque (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/additional-operations/pagination): only values this sandbox issued are accepted. */
function parseLineStart(model: CampaignModel, token: string | null): number {
  if (token === null || token === '') return 0
  const plain = model.codec.decode(token)
  const match = plain?.match(/^lineStart\/(\d+)$/)
  if (!match) throw engine.generic(`Invalid value '${token}' for the '_lineStart' parameter.`)
  return Number(match[1])
}
