import { DataverseError, errors } from '../errors'
import type { Row } from '../schema/model'
import type { TableIndex } from '../tables/catalog'
import { parseEntityKey, type EntityKey } from './keys'
import type { DataverseService } from './service'
import { emptyResponse, jsonResponse, type ApiRequest, type ApiResponse } from './types'
import { createRow, parseChanges, parseJsonBody, updateRow, validateValue } from './writes'

/**
 * The bulk operation messages on a standard table
 * (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations):
 *
 *   POST /<set>/Microsoft.Dynamics.CRM.CreateMultiple   {"Targets":[{ "@odata.type": "Microsoft.Dynamics.CRM.<table>", … }]}
 *     → 200 {"@odata.context": "…$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse", "Ids": [ … ]}
 *   POST /<set>/Microsoft.Dynamics.CRM.UpdateMultiple   (each target names its row by its primary id) → 204
 *   POST /<set>/Microsoft.Dynamics.CRM.UpsertMultiple   (each target names its row with "@odata.id":
 *     "<set>(<alternate key>)", or by its primary id; a row not found is created) → 204
 *
 * "You must specify the @odata.type annotation with every item in the Targets parameter."
 * A standard table runs the message in one transaction: "Any error that occurs in a bulk
 * operation with a standard table causes the entire operation to roll back", and the answer
 * is that error's usual body ({ error: { code, message } }) — there is no partial success.
 * Not every standard table supports the messages; here activity tables do not (the action
 * is not bound to them: 404 "Resource not found for the segment", as for any action a type
 * lacks), so a client checks and falls back to `$batch`.
 */
export const bulkActions = ['CreateMultiple', 'UpdateMultiple', 'UpsertMultiple'] as const
export type BulkAction = (typeof bulkActions)[number]

export function bulkActionOf(segment: string): BulkAction | undefined {
  const name = segment.startsWith('Microsoft.Dynamics.CRM.') ? segment.slice('Microsoft.Dynamics.CRM.'.length) : undefined
  return (bulkActions as readonly string[]).includes(name ?? '') ? (name as BulkAction) : undefined
}

/** Whether the sandbox binds the bulk messages to this table (GET sdkmessagefilters would say so in Dataverse). */
export function supportsBulk(table: TableIndex): boolean {
  return !table.def.isActivity
}

export function bulkOperation(svc: DataverseService, table: TableIndex, action: BulkAction, segment: string, req: ApiRequest): ApiResponse {
  if (req.method.toUpperCase() !== 'POST')
    throw errors.methodNotAllowed(`The requested resource does not support http method '${req.method}'.`)
  if (!supportsBulk(table)) throw errors.segmentNotFound(segment)
  const targets = parseJsonBody(req.body).Targets
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new DataverseError(
      400,
      '0x80040203',
      `${action}: the 'Targets' parameter must be a non-empty array of ${table.def.logicalName} records.`
    )
  }
  const own = !svc.store.inTransaction
  if (own) svc.store.begin()
  const ids: string[] = []
  try {
    for (const target of targets) ids.push(applyTarget(svc, table, action, target))
    if (own) svc.store.commit()
  } catch (error) {
    if (own) svc.store.rollback()
    throw error
  }
  if (action !== 'CreateMultiple') return emptyResponse(204)
  return jsonResponse(200, { '@odata.context': `${svc.apiUrl}$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse`, Ids: ids })
}

function applyTarget(svc: DataverseService, table: TableIndex, action: BulkAction, target: unknown): string {
  const name = table.def.logicalName
  if (!target || typeof target !== 'object' || Array.isArray(target)) {
    throw new DataverseError(400, '0x0', `${action}: every item in Targets must be a ${name} record (a JSON object).`)
  }
  const record = target as Record<string, unknown>
  const type = record['@odata.type']
  if (type !== `Microsoft.Dynamics.CRM.${name}`) {
    throw new DataverseError(
      400,
      '0x80040203',
      type === undefined
        ? `${action}: the @odata.type annotation is required on every item in Targets ('Microsoft.Dynamics.CRM.${name}').`
        : `${action}: an item of type '${String(type)}' cannot be in the Targets of ${table.def.entitySetName} (all must be 'Microsoft.Dynamics.CRM.${name}').`
    )
  }
  const key = keyOf(svc, table, record)
  const existing = key?.id ? svc.store.get(name, key.id) : undefined
  if (action === 'CreateMultiple' || (action === 'UpsertMultiple' && !existing)) {
    const changes = parseChanges(svc, table, record, 'create')
    for (const [column, value] of Object.entries(key?.keyValues ?? {})) {
      if (!(column in changes)) changes[column] = validateValue(table, table.columns.get(column)!, value, 'create')
    }
    const presetId = typeof changes[table.def.primaryId] === 'string' ? String(changes[table.def.primaryId]) : key?.id
    if (action === 'CreateMultiple' && presetId && svc.store.get(name, presetId))
      throw errors.duplicateKey(table.def.primaryId, 'primary key')
    const row = createRow(svc, table, changes, presetId)
    return String(row[table.def.primaryId])
  }
  if (!existing) throw errors.recordNotFound(name, key?.id ?? key?.text ?? '(no id)')
  const changes: Row = parseChanges(svc, table, record, 'update')
  delete changes[table.def.primaryId]
  for (const column of Object.keys(key?.keyValues ?? {})) delete changes[column]
  const row = updateRow(svc, table, existing, changes)
  return String(row[table.def.primaryId])
}

/** The row an item names: "@odata.id" (`contacts(<id>)`, `<set>(<alternate key>)`, absolute or relative), else its primary id. */
function keyOf(svc: DataverseService, table: TableIndex, record: Record<string, unknown>): EntityKey | undefined {
  const ref = record['@odata.id']
  if (typeof ref === 'string') {
    let text = ref.trim()
    if (text.startsWith(svc.apiUrl)) text = text.slice(svc.apiUrl.length)
    text = text.replace(/^https?:\/\/[^/]+\/api\/data\/v\d+\.\d+\//, '').replace(/^\//, '')
    const match = /^([A-Za-z_]\w*)\((.*)\)$/.exec(text)
    if (!match || match[1] !== table.def.entitySetName) {
      throw new DataverseError(
        400,
        '0x0',
        `The @odata.id '${ref}' does not name a ${table.def.logicalName} record of ${table.def.entitySetName}.`
      )
    }
    return parseEntityKey(svc, table, decodeURIComponent(match[2]))
  }
  const id = record[table.def.primaryId]
  return typeof id === 'string' ? parseEntityKey(svc, table, id) : undefined
}
