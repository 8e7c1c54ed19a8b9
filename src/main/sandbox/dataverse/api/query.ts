import { DataverseError, errors } from '../errors'
import type { ColumnDef, Row } from '../schema/model'
import type { TableIndex } from '../tables/catalog'
import { compileFilter, resolveProperty, type FilterContext } from '../odata/filter-eval'
import { parseFilter } from '../odata/filter-parser'
import { keyedPositions } from './id-index'
import { formatDeltaToken, parseDeltaToken, type PageState } from '../odata/paging-cookie'
import { annotationMatcher, type Preferences } from '../odata/prefer'
import { parseExpand, parseOrderBy, type QueryOptions } from '../odata/query-options'
import { readableColumns, serializeRow, withImpliedColumns, type ExpandPlan, type SerializeContext } from '../odata/serialize'
import { compareValues } from '../odata/values'
import type { DataverseService } from './service'
import { jsonResponse, pageResponse, type ApiRequest, type ApiResponse } from './types'

/** Documented caps (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results). */
export const maxPageSize = 5000
export const countLimit = 5000

export function filterContext(svc: DataverseService, table: TableIndex): FilterContext {
  return {
    catalog: svc.catalog,
    table,
    resolve: (t, id) => svc.store.get(t, id),
    now: svc.now(),
    userId: svc.userId
  }
}

export function serializeContext(svc: DataverseService, prefs: Preferences): SerializeContext {
  return {
    catalog: svc.catalog,
    wants: annotationMatcher(prefs.annotations),
    resolve: (t, id) => svc.store.get(t, id)
  }
}

/** Validates $select against the table; unknown names get the documented 400. */
export function selectColumns(table: TableIndex, select: string[] | undefined): ColumnDef[] {
  if (!select) return readableColumns(table)
  const columns = select.map((name) => {
    const column = table.properties.get(name)
    if (!column || !column.validForRead) throw errors.propertyNotFound(name, table.def.logicalName)
    return column
  })
  return withImpliedColumns(table, columns)
}

export function expandPlans(svc: DataverseService, table: TableIndex, expand: string | undefined): ExpandPlan[] {
  if (!expand) return []
  const terms = parseExpand(expand)
  if (terms.length > 15) throw new DataverseError(400, '0x0', 'The number of $expand options exceeds the limit of 15.')
  return terms.map((term) => {
    if (term.navigation.endsWith('/$ref')) {
      throw new DataverseError(400, '0x80060888', 'Expand with $ref is not supported by the Sync Studio sandbox.')
    }
    const nav = table.navigation.get(term.navigation)
    if (!nav) throw errors.propertyNotFound(term.navigation, table.def.logicalName)
    if (term.unsupported.length) {
      throw new DataverseError(
        400,
        '0x0',
        `The query option(s) ${term.unsupported.join(', ')} are not supported inside $expand of the single-valued navigation property '${term.navigation}'.`
      )
    }
    const targetIndex = svc.catalog.table(nav.target)
    const select = term.select?.map((name) => {
      const column = targetIndex.properties.get(name)
      if (!column) throw errors.propertyNotFound(name, nav.target)
      return column
    })
    return { navigation: term.navigation, column: nav.column, target: nav.target, select: select ?? null }
  })
}

/** `…/$metadata#contacts(fullname,contactid)` — the select list as the client wrote it. */
export function contextUrl(svc: DataverseService, table: TableIndex, options: QueryOptions, suffix = ''): string {
  const parts: string[] = [...(options.select ?? [])]
  if (options.expand) {
    for (const term of parseExpand(options.expand)) parts.push(`${term.navigation}(${(term.select ?? []).join(',')})`)
  }
  const shape = parts.length ? `(${parts.join(',')})` : ''
  return `${svc.apiUrl}$metadata#${table.def.entitySetName}${shape}${suffix}`
}

interface Filtered {
  predicate?: (row: Row) => boolean
  /** The only positions the filter can match (it pins the primary id or a key): read those, not the table. */
  keyed?: number[]
}

function buildPredicate(svc: DataverseService, table: TableIndex, options: QueryOptions): Filtered {
  if (!options.filter) return {}
  const ast = parseFilter(options.filter, options.aliases)
  return { predicate: compileFilter(ast, filterContext(svc, table)), keyed: keyedPositions(svc.store, table, ast) }
}

/** Scan positions from `start` on: the keyed ones when the filter pins a key, else every position. */
function* scan(svc: DataverseService, table: TableIndex, filtered: Filtered, start = 0): Generator<number> {
  if (filtered.keyed) {
    for (const pos of filtered.keyed) if (pos >= start) yield pos
    return
  }
  const total = svc.store.positions(table.def.logicalName)
  for (let pos = start; pos < total; pos++) yield pos
}

/** Positions of matching rows in $orderby order, cached per query and store version. */
function sortedPositions(svc: DataverseService, table: TableIndex, options: QueryOptions, filtered: Filtered): number[] {
  const { predicate } = filtered
  const terms = parseOrderBy(options.orderby!, options.aliases)
  const ctx = filterContext(svc, table)
  const getters = terms.map((term) => {
    const path = term.property.split('/')
    return { get: resolveProperty(path, ctx).get, descending: term.descending }
  })
  const key = `${table.def.logicalName}|${options.filter ?? ''}|${options.orderby}|${JSON.stringify(options.aliases)}|${svc.store.currentVersion}`
  const cached = svc.sortCache.get(key)
  if (cached) return cached
  const entries: Array<{ pos: number; keys: Array<string | number | boolean | null> }> = []
  for (const pos of scan(svc, table, filtered)) {
    const row = svc.store.rowAt(table.def.logicalName, pos)
    if (!row || (predicate && !predicate(row))) continue
    entries.push({ pos, keys: getters.map((g) => g.get(row)) })
  }
  entries.sort((a, b) => {
    for (let i = 0; i < getters.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i])
      if (c !== 0) return getters[i].descending ? -c : c
    }
    return a.pos - b.pos
  })
  const positions = entries.map((e) => e.pos)
  if (svc.sortCache.size >= 4) svc.sortCache.delete(svc.sortCache.keys().next().value as string)
  svc.sortCache.set(key, positions)
  return positions
}

function countMatching(svc: DataverseService, table: TableIndex, filtered: Filtered): number {
  const name = table.def.logicalName
  const { predicate } = filtered
  if (!predicate) return svc.store.liveCount(name)
  let count = 0
  // Counting stops one past the cap: the documented count never exceeds 5,000.
  for (const pos of scan(svc, table, filtered)) {
    if (count > countLimit) break
    const row = svc.store.rowAt(name, pos)
    if (row && predicate(row)) count++
  }
  return count
}

function pageSizeFor(prefs: Preferences): number {
  return Math.min(prefs.maxPageSize ?? maxPageSize, maxPageSize)
}

function preferenceApplied(prefs: Preferences, tracking: boolean): Record<string, string> {
  const applied: string[] = []
  if (prefs.maxPageSize) applied.push(`odata.maxpagesize=${pageSizeFor(prefs)}`)
  if (prefs.annotationsRaw !== undefined) applied.push(`odata.include-annotations="${prefs.annotationsRaw}"`)
  if (tracking) applied.push('odata.track-changes')
  return applied.length ? { 'Preference-Applied': applied.join(',') } : {}
}

/** GET /<entityset> */
export function queryCollection(
  svc: DataverseService,
  table: TableIndex,
  req: ApiRequest,
  options: QueryOptions,
  prefs: Preferences
): ApiResponse {
  if (options.apply) throw new DataverseError(501, '0x0', '$apply (aggregation) is not supported by the Sync Studio sandbox.')
  const tracking = prefs.trackChanges || options.deltatoken !== undefined
  if (tracking) return trackChanges(svc, table, options, prefs)
  const columns = selectColumns(table, options.select)
  const expand = expandPlans(svc, table, options.expand)
  const filtered = buildPredicate(svc, table, options)
  const { predicate } = filtered
  const name = table.def.logicalName
  const queryHash = svc.cookies.queryHash(options.base)
  const state: PageState | undefined = options.skiptoken ? svc.cookies.decode(options.skiptoken, options.base) : undefined
  // 2024 docs: with both $top and odata.maxpagesize, $top is ignored (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results).
  const paged = prefs.maxPageSize !== undefined || options.top === undefined
  const pageSize = paged ? pageSizeFor(prefs) : Math.min(options.top!, maxPageSize)
  const ctx = serializeContext(svc, prefs)
  // Each row becomes JSON text as soon as it is read: a page holds text, not 5,000 row objects.
  const rowsJson: string[] = []
  const emit = (row: Row) => rowsJson.push(JSON.stringify(serializeRow(table, row, columns, ctx, expand)))
  let next: PageState | undefined
  if (options.orderby) {
    const positions = sortedPositions(svc, table, options, filtered)
    const start = state?.at ?? 0
    const end = Math.min(start + pageSize, positions.length)
    for (let i = start; i < end; i++) emit(svc.store.rowAt(name, positions[i])!)
    if (paged && start + pageSize < positions.length) {
      next = { page: (state?.page ?? 1) + 1, at: start + pageSize, query: queryHash, tracking: false }
    }
  } else {
    for (const pos of scan(svc, table, filtered, state?.at ?? 0)) {
      const row = svc.store.rowAt(name, pos)
      if (!row || (predicate && !predicate(row))) continue
      if (rowsJson.length === pageSize) {
        if (paged) next = { page: (state?.page ?? 1) + 1, at: pos, query: queryHash, tracking: false }
        break
      }
      emit(row)
    }
  }
  const body: Record<string, unknown> = { '@odata.context': contextUrl(svc, table, options) }
  if (options.count) {
    const count = countMatching(svc, table, filtered)
    body['@odata.count'] = Math.min(count, countLimit)
    if (ctx.wants('Microsoft.Dynamics.CRM.totalrecordcount')) body['@Microsoft.Dynamics.CRM.totalrecordcount'] = Math.min(count, countLimit)
    if (ctx.wants('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'))
      body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = count > countLimit
  } else if (ctx.wants('Microsoft.Dynamics.CRM.totalrecordcount')) {
    body['@Microsoft.Dynamics.CRM.totalrecordcount'] = -1
    if (ctx.wants('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'))
      body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = false
  }
  const tail: Record<string, unknown> = next ? { '@odata.nextLink': nextLink(svc, table, options, next) } : {}
  return pageResponse(body, rowsJson, preferenceApplied(prefs, false), tail)
}

function nextLink(svc: DataverseService, table: TableIndex, options: QueryOptions, state: PageState): string {
  const query = options.base ? `${options.base}&` : ''
  return `${svc.apiUrl}${table.def.entitySetName}?${query}$skiptoken=${svc.cookies.toQueryValue(state)}`
}

function deltaLink(svc: DataverseService, table: TableIndex, options: QueryOptions, version: number): string {
  const kept = options.base
    .split('&')
    .filter((pair) => pair && !pair.startsWith('$deltatoken='))
    .join('&')
  const query = kept ? `${kept}&` : ''
  return `${svc.apiUrl}${table.def.entitySetName}?${query}$deltatoken=${formatDeltaToken(version, new Date(svc.now()))}`
}

/**
 * Change tracking (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems): the first request returns every row and, on its last page,
 * a deltaLink; following a deltaLink returns new/changed rows (by version) then
 * `$deletedEntity` tombstones, and a fresh deltaLink.
 */
function trackChanges(svc: DataverseService, table: TableIndex, options: QueryOptions, prefs: Preferences): ApiResponse {
  for (const [option, present] of [
    ['$filter', options.filter],
    ['$orderby', options.orderby],
    ['$expand', options.expand],
    ['$top', options.top]
  ] as const) {
    if (present !== undefined) throw errors.trackChangesOption(option)
  }
  if (!table.def.changeTracking) throw errors.changeTrackingDisabled(table.def.logicalName)
  const columns = selectColumns(table, options.select)
  const name = table.def.logicalName
  const queryHash = svc.cookies.queryHash(options.base)
  const state = options.skiptoken ? svc.cookies.decode(options.skiptoken, options.base) : undefined
  const pageSize = pageSizeFor(prefs)
  const ctx = serializeContext(svc, prefs)
  const value: string[] = []
  let next: PageState | undefined
  let upTo: number
  let isDelta = false
  if (options.deltatoken !== undefined) {
    const token = parseDeltaToken(options.deltatoken)
    if (!token) throw new DataverseError(400, '0x80044352', 'The delta token is not valid. Please perform a full sync.')
    if (svc.now() - token.issuedAt > svc.deltaTokenTtlMs || token.version > svc.store.currentVersion) throw errors.expiredVersionStamp()
    isDelta = true
    upTo = state?.version ?? svc.store.currentVersion
    const { changed, deleted } = svc.store.changesSince(name, token.version, upTo)
    const all: Array<{ id: string; deleted: boolean }> = [
      ...changed.map((id) => ({ id, deleted: false })),
      ...deleted.map((id) => ({ id, deleted: true }))
    ]
    const start = state?.at ?? 0
    for (const entry of all.slice(start, start + pageSize)) {
      const row = entry.deleted ? undefined : svc.store.get(name, entry.id)
      if (row) value.push(JSON.stringify(serializeRow(table, row, columns, ctx)))
      else {
        value.push(
          JSON.stringify({
            '@odata.context': `${svc.apiUrl}$metadata#${table.def.entitySetName}/$deletedEntity`,
            id: entry.id,
            reason: 'deleted'
          })
        )
      }
    }
    if (start + pageSize < all.length)
      next = { page: (state?.page ?? 1) + 1, at: start + pageSize, version: upTo, query: queryHash, tracking: true }
  } else {
    upTo = state?.version ?? svc.store.currentVersion
    const total = svc.store.positions(name)
    let pos = state?.at ?? 0
    for (; pos < total; pos++) {
      const row = svc.store.rowAt(name, pos)
      if (!row) continue
      if (value.length === pageSize) {
        next = { page: (state?.page ?? 1) + 1, at: pos, version: upTo, query: queryHash, tracking: true }
        break
      }
      value.push(JSON.stringify(serializeRow(table, row, columns, ctx)))
    }
  }
  const body: Record<string, unknown> = { '@odata.context': contextUrl(svc, table, options, isDelta ? '/$delta' : '') }
  const tail = next
    ? { '@odata.nextLink': nextLink(svc, table, options, next) }
    : { '@odata.deltaLink': deltaLink(svc, table, options, upTo) }
  return pageResponse(body, value, preferenceApplied(prefs, true), tail)
}

/**
 * GET /<entityset>/$count — text/plain, capped like $count=true. With `$deltatoken` it is
 * the number of changes (new/changed rows plus deletions) since that token (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems).
 */
export function countCollection(svc: DataverseService, table: TableIndex, options: QueryOptions): ApiResponse {
  let count: number
  if (options.deltatoken !== undefined) {
    if (options.filter !== undefined) throw errors.trackChangesOption('$filter')
    if (!table.def.changeTracking) throw errors.changeTrackingDisabled(table.def.logicalName)
    const token = parseDeltaToken(options.deltatoken)
    if (!token) throw new DataverseError(400, '0x80044352', 'The delta token is not valid. Please perform a full sync.')
    if (svc.now() - token.issuedAt > svc.deltaTokenTtlMs || token.version > svc.store.currentVersion) throw errors.expiredVersionStamp()
    const { changed, deleted } = svc.store.changesSince(table.def.logicalName, token.version, svc.store.currentVersion)
    count = Math.min(changed.length + deleted.length, countLimit)
  } else count = Math.min(countMatching(svc, table, buildPredicate(svc, table, options)), countLimit)
  return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: String(count) }
}

/** GET /<entityset>(<key>) */
export function retrieveOne(
  svc: DataverseService,
  table: TableIndex,
  row: Row,
  req: ApiRequest,
  options: QueryOptions,
  prefs: Preferences
): ApiResponse {
  const columns = selectColumns(table, options.select)
  const expand = expandPlans(svc, table, options.expand)
  const etag = `W/"${row.versionnumber}"`
  // Conditional GET (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api): never 304 with $expand or include-annotations.
  const ifNoneMatch = req.headers['if-none-match']
  if (ifNoneMatch && ifNoneMatch !== 'null' && ifNoneMatch === etag && expand.length === 0 && prefs.annotations.length === 0) {
    return { status: 304, headers: { 'OData-Version': '4.0', ETag: etag } }
  }
  const body = {
    '@odata.context': contextUrl(svc, table, options, '/$entity'),
    ...serializeRow(table, row, columns, serializeContext(svc, prefs), expand)
  }
  return jsonResponse(200, body, { ETag: etag, ...preferenceApplied(prefs, false) })
}
