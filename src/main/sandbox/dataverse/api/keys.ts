import { DataverseError, errors } from '../errors'
import { guidPattern } from '../data/ids'
import { tokenize } from '../odata/lexer'
import type { TableIndex } from '../tables/catalog'
import type { DataverseService } from './service'

/**
 * The part in parentheses after an entity set: `(<guid>)`, `(contactid=<guid>)`, or an
 * alternate key `(new_externalkey='CT-0000001')` / multi-part key (https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record).
 */
export interface EntityKey {
  /** Row id when the key names an existing row (or a GUID was given). */
  id?: string
  /** Alternate-key values when addressed by one (copied into a row an upsert creates). */
  keyValues?: Record<string, unknown>
  keyName?: string
  /** The key text as written, for OData-EntityId of key-addressed upserts. */
  text: string
}

/**
 * "If the data within a column used in an alternate key contains one of the following
 * characters /,<,>,*,%,&,:,\\,?,+, then retrieve (GET), update, or upsert (PATCH) actions don't
 * work" (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity);
 * the maker page adds # (https://learn.microsoft.com/power-apps/maker/data-platform/define-alternate-keys-portal).
 * Refused wherever a key segment names a row: the URL, `@odata.bind`, a bulk target's `@odata.id`.
 */
export const unusableInKeyValue = /[/<>*%&:\\?+#]/

export function parseEntityKey(svc: DataverseService, table: TableIndex, text: string): EntityKey {
  const trimmed = text.trim()
  if (guidPattern.test(trimmed)) return { id: trimmed.toLowerCase(), text: trimmed }
  const tokens = tokenize(trimmed)
  const values: Record<string, unknown> = {}
  for (let i = 0; i < tokens.length;) {
    const name = tokens[i]
    const eq = tokens[i + 1]
    const value = tokens[i + 2]
    if (name?.t !== 'ident' || eq?.t !== 'punct' || eq.v !== '=' || !value) throw errors.invalidKey(table.def.logicalName)
    values[name.v] = value.t === 'string' || value.t === 'guid' || value.t === 'number' ? value.v : undefined
    if (values[name.v] === undefined) throw errors.invalidKey(table.def.logicalName)
    if (value.t === 'string' && unusableInKeyValue.test(String(value.v))) throw errors.keyValueCharacter()
    i += 3
    if (i < tokens.length) {
      const comma = tokens[i]
      if (comma.t !== 'punct' || comma.v !== ',') throw errors.invalidKey(table.def.logicalName)
      i++
    }
  }
  const names = Object.keys(values)
  if (names.length === 1 && names[0] === table.def.primaryId) {
    const id = String(values[names[0]])
    if (!guidPattern.test(id)) throw errors.invalidKey(table.def.logicalName)
    return { id: id.toLowerCase(), text: trimmed }
  }
  const key = table.def.keys.find((k) => k.attributes.length === names.length && k.attributes.every((a) => names.includes(a)))
  if (!key) throw errors.invalidKey(table.def.logicalName)
  const id = svc.store.findByKey(table.def.logicalName, key.logicalName, values)
  return { id, keyValues: values, keyName: key.logicalName, text: trimmed }
}

/** Resolves `/contacts(<id>)`, `contacts(<id>)`, an absolute URL, or a `$1` Content-ID reference. */
export function resolveEntityReference(
  svc: DataverseService,
  reference: string,
  contentIds?: Map<string, string>
): { table: TableIndex; id: string } {
  let text = reference.trim()
  if (text.startsWith('$')) {
    const resolved = contentIds?.get(text.slice(1))
    if (!resolved) throw new DataverseError(400, '0x0', `Content-ID Reference: '${text}' does not exist in the batch context.`)
    text = resolved
  }
  if (text.startsWith(svc.apiUrl)) text = text.slice(svc.apiUrl.length)
  else text = text.replace(/^https?:\/\/[^/]+\/api\/data\/v\d+\.\d+\//, '').replace(/^\//, '')
  const match = /^([A-Za-z_][\w]*)\((.*)\)$/.exec(text)
  if (!match) throw new DataverseError(400, '0x0', `The URI '${reference}' is not a valid entity reference.`)
  const table = svc.catalog.bySetName.get(match[1])
  if (!table) throw errors.segmentNotFound(match[1])
  const key = parseEntityKey(svc, table, decodeURIComponent(match[2]))
  if (!key.id || !svc.store.get(table.def.logicalName, key.id)) {
    throw errors.recordNotFound(table.def.logicalName, key.id ?? key.text)
  }
  return { table, id: key.id }
}
