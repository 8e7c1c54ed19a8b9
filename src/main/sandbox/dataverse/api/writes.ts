import { randomUUID } from 'node:crypto'
import { DataverseError, errors } from '../errors'
import { guidPattern } from '../data/ids'
import { isoSeconds } from '../data/time'
import type { ColumnDef, LookupValue, Row } from '../schema/model'
import { isLookup, type TableIndex } from '../tables/catalog'
import type { Preferences } from '../odata/prefer'
import type { QueryOptions } from '../odata/query-options'
import { serializeRow } from '../odata/serialize'
import { contextUrl, selectColumns, serializeContext } from './query'
import { resolveEntityReference, type EntityKey } from './keys'
import type { DataverseService } from './service'
import { emptyResponse, jsonResponse, type ApiRequest, type ApiResponse } from './types'
import { edmTypeOf } from '../odata/values'

type Mode = 'create' | 'update'

export function parseJsonBody(body: string): Record<string, unknown> {
  if (!body.trim()) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new DataverseError(400, '0x0', 'The request body is not valid JSON.')
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DataverseError(400, '0x0', 'The request body must be a JSON object.')
  }
  return parsed as Record<string, unknown>
}

/** Checks one column value the way the platform does and returns it as stored. */
export function validateValue(table: TableIndex, column: ColumnDef, value: unknown, mode: Mode): unknown {
  const tableName = table.def.logicalName
  if (value === null) {
    if (column.requiredLevel === 'SystemRequired') throw errors.systemRequired(column.logicalName, tableName)
    return null
  }
  const bad = () => errors.badValue(typeof value === 'object' ? JSON.stringify(value) : value, edmTypeOf(column))
  switch (column.type) {
    case 'String':
    case 'Memo':
    case 'EntityName':
      if (typeof value !== 'string') throw bad()
      if (column.maxLength !== undefined && value.length > column.maxLength)
        throw errors.maxLength(column.logicalName, tableName, column.maxLength)
      return value
    case 'Boolean':
      if (typeof value !== 'boolean') throw bad()
      return value
    case 'Picklist':
    case 'State':
    case 'Status': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad()
      const options = column.options ?? []
      if (!options.some((o) => o.value === value)) {
        throw errors.outOfRange(column.logicalName, tableName, value, options.map((o) => o.value).join(','))
      }
      return value
    }
    case 'Integer':
    case 'BigInt':
    case 'Double':
    case 'Decimal':
    case 'Money': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad()
      if ((column.type === 'Integer' || column.type === 'BigInt') && !Number.isInteger(value)) throw bad()
      if ((column.minValue !== undefined && value < column.minValue) || (column.maxValue !== undefined && value > column.maxValue)) {
        throw new DataverseError(
          400,
          '0x8004431a',
          `A validation error occurred. The value ${value} of '${column.logicalName}' on record of type '${tableName}' is outside the valid range.`
        )
      }
      return value
    }
    case 'DateTime': {
      if (typeof value !== 'string') throw bad()
      // Dataverse reads the date as a calendar date: 2026-02-30 is refused, where Date.parse rolls it over to March 2.
      if (!realCalendarDate(value)) throw bad()
      if (column.dateBehavior === 'DateOnly') {
        if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value.slice(0, 10)))) throw bad()
        return value.slice(0, 10)
      }
      // The API does not convert local times (https://learn.microsoft.com/power-apps/developer/data-platform/behavior-format-date-time-attribute): a value without Z/offset is taken as UTC.
      const withZone = /[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`
      const ms = Date.parse(withZone)
      if (Number.isNaN(ms)) throw bad()
      return isoSeconds(ms)
    }
    case 'Uniqueidentifier':
      if (typeof value !== 'string' || !guidPattern.test(value)) throw bad()
      return value.toLowerCase()
    default:
      void mode
      throw bad()
  }
}

/**
 * The text's leading YYYY-MM-DD, when it has one, names a day of its month, from 1753 on: a
 * DateTime holds 1753-01-01 to 9999-12-31 (MC-CSDL 2.2.1.4,
 * https://learn.microsoft.com/openspecs/windows_protocols/mc-csdl/0d84a8c8-5f14-4567-b9b7-651f69c13df8;
 * SQL Server's datetime range). The answer Dataverse gives an earlier date is inferred (docs/sandbox-dataverse.md).
 */
function realCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value)
  if (!m) return true // other spellings are left to the parse below
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  return year >= 1753 && day >= 1 && month >= 1 && month <= 12 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * Turns a create/update payload into column changes: plain properties, `nav@odata.bind`
 * references, and `nav: null` to clear a lookup. Read-only columns are dropped silently.
 */
export function parseChanges(
  svc: DataverseService,
  table: TableIndex,
  body: Record<string, unknown>,
  mode: Mode,
  contentIds?: Map<string, string>
): Row {
  const changes: Row = {}
  const tableName = table.def.logicalName
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith('@odata.')) continue
    const at = name.indexOf('@')
    if (at > 0) {
      const nav = name.slice(0, at)
      const annotation = name.slice(at + 1)
      if (annotation !== 'odata.bind') {
        if (annotation.startsWith('odata.') || annotation.includes('.')) continue // instance annotations are ignored
        throw errors.undeclaredProperty(name, tableName)
      }
      const column = navigationColumn(table, nav)
      if (value === null && column.requiredLevel === 'SystemRequired') throw errors.systemRequired(column.logicalName, tableName)
      changes[column.logicalName] = value === null ? null : bindLookup(svc, table, nav, value, contentIds)
      continue
    }
    const navigation = table.navigation.get(name)
    if (navigation) {
      if (value === null) {
        if (navigation.column.requiredLevel === 'SystemRequired') throw errors.systemRequired(navigation.column.logicalName, tableName)
        changes[navigation.column.logicalName] = null
        continue
      }
      throw new DataverseError(
        501,
        '0x0',
        `Deep insert through '${name}' is not supported by the Sync Studio sandbox; use '${name}@odata.bind'.`
      )
    }
    const column = table.properties.get(name)
    if (!column) throw errors.undeclaredProperty(name, tableName)
    if (isLookup(column)) throw errors.lookupValueWrite()
    if (column.computed) continue
    if (mode === 'create' ? !column.validForCreate : !column.validForUpdate) continue
    changes[column.logicalName] = validateValue(table, column, value, mode)
  }
  return changes
}

function navigationColumn(table: TableIndex, nav: string): ColumnDef {
  const entry = table.navigation.get(nav)
  if (!entry) throw errors.undeclaredProperty(`${nav}@odata.bind`, table.def.logicalName)
  return entry.column
}

function bindLookup(svc: DataverseService, table: TableIndex, nav: string, value: unknown, contentIds?: Map<string, string>): LookupValue {
  const entry = table.navigation.get(nav)!
  if (typeof value !== 'string')
    throw new DataverseError(400, '0x0', `The value of '${nav}@odata.bind' must be an entity URI such as "/contacts(<id>)".`)
  const target = resolveEntityReference(svc, value, contentIds)
  const targetName = target.table.def.logicalName
  const allowed = entry.column.type === 'Owner' ? (entry.column.targets ?? []) : [entry.target]
  if (!allowed.includes(targetName)) {
    throw new DataverseError(
      400,
      '0x80060888',
      `A navigation property '${nav}' of type 'Microsoft.Dynamics.CRM.${entry.column.type === 'Owner' ? 'principal' : entry.target}' cannot be bound to an entity of type 'Microsoft.Dynamics.CRM.${targetName}'.`
    )
  }
  return { id: target.id, table: targetName }
}

/** State and status reason move together, as they do in the platform. */
function alignState(table: TableIndex, row: Row, changes: Row): void {
  const state = table.columns.get('statecode')
  const status = table.columns.get('statuscode')
  if (!state || !status) return
  if ('statecode' in changes && !('statuscode' in changes)) {
    row.statuscode = state.options?.find((o) => o.value === changes.statecode)?.defaultStatus ?? row.statuscode
  } else if ('statuscode' in changes && !('statecode' in changes)) {
    const owner = status.options?.find((o) => o.value === changes.statuscode)?.state
    if (owner !== undefined) row.statecode = owner
  }
}

function checkKeys(svc: DataverseService, table: TableIndex, row: Row): void {
  const id = String(row[table.def.primaryId])
  for (const key of table.def.keys) {
    if (key.attributes.some((a) => row[a] === null || row[a] === undefined)) continue
    const existing = svc.store.findByKey(table.def.logicalName, key.logicalName, row)
    if (existing && existing !== id) {
      const labels = key.attributes.map((a) => table.columns.get(a)?.displayName ?? a).join(', ')
      throw errors.duplicateKey(labels, key.displayName)
    }
  }
}

export function createRow(svc: DataverseService, table: TableIndex, changes: Row, presetId?: string): Row {
  const def = table.def
  const now = isoSeconds(svc.now())
  const user: LookupValue = { id: svc.userId, table: 'systemuser' }
  const row: Row = {}
  for (const column of def.columns) {
    if (column.type === 'Boolean') row[column.logicalName] = column.defaultValue ?? false
    else if (column.type === 'Picklist' && typeof column.defaultValue === 'number') row[column.logicalName] = column.defaultValue
    else row[column.logicalName] = null
  }
  if (table.columns.has('statecode')) {
    row.statecode = 0
    row.statuscode = table.columns.get('statecode')?.options?.[0]?.defaultStatus ?? 1
  }
  for (const name of ['ownerid', 'createdby', 'modifiedby']) if (table.columns.has(name)) row[name] = user
  if (table.columns.has('createdon')) row.createdon = now
  if (table.columns.has('modifiedon')) row.modifiedon = now
  if (def.columns.some((c) => c.logicalName === 'transactioncurrencyid') && svc.store.ctx.counts.transactioncurrency > 0) {
    row.transactioncurrencyid = { id: svc.store.ctx.idOf('transactioncurrency', 0), table: 'transactioncurrency' }
  }
  Object.assign(row, changes)
  alignState(table, row, changes)
  const id = (typeof changes[def.primaryId] === 'string' ? (changes[def.primaryId] as string) : (presetId ?? randomUUID())).toLowerCase()
  row[def.primaryId] = id
  def.derive?.(row)
  checkKeys(svc, table, row)
  return svc.store.insert(def.logicalName, row)
}

export function updateRow(svc: DataverseService, table: TableIndex, existing: Row, changes: Row): Row {
  const def = table.def
  const row: Row = { ...existing, ...changes }
  delete row[def.primaryId]
  row[def.primaryId] = existing[def.primaryId]
  alignState(table, row, changes)
  if (table.columns.has('modifiedon')) row.modifiedon = isoSeconds(svc.now())
  if (table.columns.has('modifiedby')) row.modifiedby = { id: svc.userId, table: 'systemuser' }
  def.derive?.(row)
  checkKeys(svc, table, row)
  return svc.store.replace(def.logicalName, row)
}

function entityId(svc: DataverseService, table: TableIndex, keyText: string): string {
  return `${svc.apiUrl}${table.def.entitySetName}(${keyText})`
}

function representation(
  svc: DataverseService,
  table: TableIndex,
  row: Row,
  status: number,
  options: QueryOptions,
  prefs: Preferences
): ApiResponse {
  const body = {
    '@odata.context': contextUrl(svc, table, { ...options, expand: undefined }, '/$entity'),
    ...serializeRow(table, row, selectColumns(table, options.select), serializeContext(svc, prefs))
  }
  const response = jsonResponse(status, body, { ETag: `W/"${row.versionnumber}"`, 'Preference-Applied': 'return=representation' })
  return { ...response, entityUrl: entityId(svc, table, String(row[table.def.primaryId])) }
}

/** POST /<entityset> */
export function createEntity(
  svc: DataverseService,
  table: TableIndex,
  req: ApiRequest,
  options: QueryOptions,
  prefs: Preferences
): ApiResponse {
  const changes = parseChanges(svc, table, parseJsonBody(req.body), 'create', req.contentIds)
  const presetId = typeof changes[table.def.primaryId] === 'string' ? (changes[table.def.primaryId] as string) : undefined
  if (presetId && svc.store.get(table.def.logicalName, presetId)) throw errors.duplicateKey(table.def.primaryId, 'primary key')
  const row = createRow(svc, table, changes)
  const id = String(row[table.def.primaryId])
  if (prefs.returnRepresentation) return representation(svc, table, row, 201, options, prefs)
  return { ...emptyResponse(204, { 'OData-EntityId': entityId(svc, table, id) }), entityUrl: entityId(svc, table, id) }
}

/** PATCH /<entityset>(<key>) — upsert, update-only (If-Match) or create-only (If-None-Match: *). */
export function patchEntity(
  svc: DataverseService,
  table: TableIndex,
  key: EntityKey,
  req: ApiRequest,
  options: QueryOptions,
  prefs: Preferences
): ApiResponse {
  const name = table.def.logicalName
  const existing = key.id ? svc.store.get(name, key.id) : undefined
  const ifMatch = req.headers['if-match']
  const ifNoneMatch = req.headers['if-none-match']
  if (ifNoneMatch === '*' && existing) throw errors.recordExists()
  if (ifMatch) {
    if (!existing) throw errors.updateTargetMissing(name, key.id ?? key.text)
    if (ifMatch !== '*' && ifMatch !== `W/"${existing.versionnumber}"`) throw errors.versionMismatch()
  }
  const body = parseJsonBody(req.body)
  if (existing) {
    const changes = parseChanges(svc, table, body, 'update', req.contentIds)
    // Alternate-key values are stripped on update (https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record).
    for (const k of Object.keys(key.keyValues ?? {})) delete changes[k]
    const row = updateRow(svc, table, existing, changes)
    if (prefs.returnRepresentation) return representation(svc, table, row, 200, options, prefs)
    return {
      ...emptyResponse(204, { 'OData-EntityId': entityId(svc, table, key.text) }),
      entityUrl: entityId(svc, table, String(row[table.def.primaryId]))
    }
  }
  const changes = parseChanges(svc, table, body, 'create', req.contentIds)
  for (const [k, v] of Object.entries(key.keyValues ?? {})) {
    if (!(k in changes)) changes[k] = validateValue(table, table.columns.get(k)!, v, 'create')
  }
  const row = createRow(svc, table, changes, key.id)
  if (prefs.returnRepresentation) return representation(svc, table, row, 201, options, prefs)
  return {
    ...emptyResponse(204, { 'OData-EntityId': entityId(svc, table, key.text) }),
    entityUrl: entityId(svc, table, String(row[table.def.primaryId]))
  }
}

/** DELETE /<entityset>(<key>) */
export function deleteEntity(svc: DataverseService, table: TableIndex, key: EntityKey, req: ApiRequest): ApiResponse {
  const name = table.def.logicalName
  const existing = key.id ? svc.store.get(name, key.id) : undefined
  if (!existing || !key.id) throw errors.recordNotFound(name, key.id ?? key.text)
  const ifMatch = req.headers['if-match']
  if (ifMatch && ifMatch !== '*' && ifMatch !== `W/"${existing.versionnumber}"`) throw errors.versionMismatch()
  svc.store.delete(name, key.id)
  return emptyResponse(204)
}

/** PUT/DELETE/GET /<entityset>(<key>)/<property> — single-property operations (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api). */
export function propertyOperation(svc: DataverseService, table: TableIndex, row: Row, property: string, req: ApiRequest): ApiResponse {
  const column = table.properties.get(property)
  if (!column) {
    if (table.navigation.has(property)) {
      if (req.method === 'DELETE')
        throw new DataverseError(400, '0x0', 'DELETE of a single-valued navigation property is not supported; use /$ref.')
    }
    throw errors.segmentNotFound(property)
  }
  if (req.method === 'GET') {
    const value = row[column.logicalName] ?? null
    return jsonResponse(200, {
      '@odata.context': `${svc.apiUrl}$metadata#${table.def.entitySetName}(${row[table.def.primaryId]})/${property}`,
      value: isLookup(column) ? ((value as LookupValue | null)?.id ?? null) : value
    })
  }
  if (isLookup(column)) throw errors.lookupValueWrite()
  if (req.method === 'PUT') {
    const body = parseJsonBody(req.body)
    if (!('value' in body)) throw new DataverseError(400, '0x0', 'The request body must be {"value": …}.')
    if (!column.validForUpdate || column.computed) throw new DataverseError(400, '0x0', `The property '${property}' cannot be updated.`)
    updateRow(svc, table, row, { [column.logicalName]: validateValue(table, column, body.value, 'update') })
    return emptyResponse(204)
  }
  if (req.method === 'DELETE') {
    updateRow(svc, table, row, { [column.logicalName]: validateValue(table, column, null, 'update') })
    return emptyResponse(204)
  }
  throw errors.methodNotAllowed(`The requested resource does not support http method '${req.method}'.`)
}

/** PUT/DELETE /<entityset>(<key>)/<single-valued nav>/$ref */
export function referenceOperation(svc: DataverseService, table: TableIndex, row: Row, nav: string, req: ApiRequest): ApiResponse {
  const entry = table.navigation.get(nav)
  if (!entry) throw errors.segmentNotFound(nav)
  if (req.method === 'DELETE') {
    updateRow(svc, table, row, { [entry.column.logicalName]: null })
    return emptyResponse(204)
  }
  if (req.method === 'PUT') {
    const body = parseJsonBody(req.body)
    const ref = body['@odata.id']
    updateRow(svc, table, row, { [entry.column.logicalName]: bindLookup(svc, table, nav, ref, req.contentIds) })
    return emptyResponse(204)
  }
  throw errors.methodNotAllowed(`The requested resource does not support http method '${req.method}'.`)
}
