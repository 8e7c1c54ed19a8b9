import { DataverseError, errors } from '../errors'
import { guidPattern } from '../data/ids'
import type { QueryOptions } from '../odata/query-options'
import type { ColumnDef, TableDef } from '../schema/model'
import type { DataverseService } from '../api/service'
import { jsonResponse, type ApiResponse } from '../api/types'
import { attributeId, baseAttributeJson, castableTypes, metadataTypeOf, optionSetJson, typeSpecificJson } from './attribute-json'
import { entityId, entityJson, keysJson, manyToOneJson, oneToManyJson } from './entity-json'
import { applySelect, contextShape, jsonPredicate, parseMetadataExpand, type MetadataExpand } from './json-query'

/**
 * EntityDefinitions routes (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). Metadata is never paged: every match comes back
 * in the first response. Type-specific attribute properties need a cast segment.
 */
type Json = Record<string, unknown>
const ns = 'Microsoft.Dynamics.CRM.'

function findTable(svc: DataverseService, keyText: string): TableDef {
  const byName = /^LogicalName='([^']*)'$/.exec(keyText)
  for (const { def } of svc.catalog.byLogicalName.values()) {
    if (byName ? def.logicalName === byName[1] : guidPattern.test(keyText) && entityId(def) === keyText.toLowerCase()) return def
  }
  if (!byName && !guidPattern.test(keyText)) throw errors.invalidKey('EntityMetadata')
  throw new DataverseError(
    404,
    '0x80040217',
    `Could not find entity with ${byName ? `LogicalName = ${byName[1]}` : `MetadataId = ${keyText}`}.`
  )
}

function findAttribute(table: TableDef, keyText: string): ColumnDef {
  const byName = /^LogicalName='([^']*)'$/.exec(keyText)
  const column = table.columns.find((c) => (byName ? c.logicalName === byName[1] : attributeId(table, c) === keyText.toLowerCase()))
  if (!column) {
    throw new DataverseError(
      404,
      '0x80040217',
      `Could not find attribute with ${byName ? `LogicalName = ${byName[1]}` : `MetadataId = ${keyText}`} for entity ${table.logicalName}.`
    )
  }
  return column
}

function splitKey(segment: string): { name: string; key?: string } {
  const open = segment.indexOf('(')
  if (open < 0) return { name: segment }
  if (!segment.endsWith(')')) throw errors.segmentNotFound(segment)
  return { name: segment.slice(0, open), key: segment.slice(open + 1, -1) }
}

function attributeJson(table: TableDef, column: ColumnDef, cast: string | undefined, expands: MetadataExpand[]): Json {
  const index = table.columns.indexOf(column) + 1
  const type = metadataTypeOf(column)
  const json: Json = {}
  // Minimal metadata: @odata.type only when the item's type differs from the declared one.
  if (!cast) json['@odata.type'] = `#${ns}${type}`
  Object.assign(json, baseAttributeJson(table, column, index))
  if (cast) Object.assign(json, typeSpecificJson(column))
  for (const expand of expands) {
    if (expand.name !== 'OptionSet' && expand.name !== 'GlobalOptionSet')
      throw errors.propertyNotFound(expand.name, cast ?? 'AttributeMetadata')
    if (
      !cast ||
      ![
        'PicklistAttributeMetadata',
        'BooleanAttributeMetadata',
        'StateAttributeMetadata',
        'StatusAttributeMetadata',
        'EntityNameAttributeMetadata'
      ].includes(cast)
    ) {
      throw errors.propertyNotFound(expand.name, cast ?? 'AttributeMetadata')
    }
    const optionSet = optionSetJson(table, column)
    const selected =
      optionSet && expand.select ? applySelect(optionSet, expand.select, new Set(Object.keys(optionSet)), 'OptionSetMetadata') : optionSet
    json[expand.name] = expand.name === 'GlobalOptionSet' && !column.isGlobalOptionSet && column.type !== 'Picklist' ? null : selected
  }
  return json
}

function attributeAllowed(cast: string | undefined, sample: Json, expands: MetadataExpand[]): Set<string> {
  const allowed = new Set(Object.keys(sample))
  if (cast) for (const name of ['OptionSet', 'GlobalOptionSet']) allowed.add(name)
  for (const e of expands) allowed.add(e.name)
  return allowed
}

function attributesOf(table: TableDef, cast: string | undefined): ColumnDef[] {
  return table.columns.filter((c) => !cast || metadataTypeOf(c) === cast)
}

function selectAttribute(
  table: TableDef,
  column: ColumnDef,
  cast: string | undefined,
  select: string[] | undefined,
  expands: MetadataExpand[]
): Json {
  const full = attributeJson(table, column, cast, expands)
  const typeName = cast ?? 'AttributeMetadata'
  const selected = applySelect(full, select, attributeAllowed(cast, full, expands), typeName)
  for (const e of expands) if (select && e.name in full) selected[e.name] = full[e.name]
  return selected
}

function parseCast(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined
  if (!segment.startsWith(ns)) throw errors.segmentNotFound(segment)
  const type = segment.slice(ns.length)
  if (type === 'EnumAttributeMetadata') {
    throw new DataverseError(
      400,
      '0x0',
      `The type '${segment}' is abstract; cast to a concrete attribute type such as ${ns}PicklistAttributeMetadata.`
    )
  }
  if (!castableTypes.has(type)) throw errors.segmentNotFound(segment)
  return type
}

function entityWithExpands(svc: DataverseService, table: TableDef, options: QueryOptions, expands: MetadataExpand[]): Json {
  const full = entityJson(table)
  const allowed = new Set([...Object.keys(full), 'Attributes', 'Keys', 'ManyToOneRelationships', 'OneToManyRelationships'])
  const json = applySelect(full, options.select, allowed, 'EntityMetadata')
  for (const expand of expands) {
    switch (expand.name) {
      case 'Attributes': {
        const predicate = expand.filter ? jsonPredicate(expand.filter, options.aliases, 'AttributeMetadata') : undefined
        json.Attributes = table.columns
          .map((column) => ({ column, full: attributeJson(table, column, undefined, []) }))
          .filter(({ full }) => !predicate || predicate(full))
          .map(({ column }) => selectAttribute(table, column, undefined, expand.select, []))
        break
      }
      case 'Keys':
        json.Keys = keysJson(table).map((k) => applySelect(k, expand.select, new Set(Object.keys(k)), 'EntityKeyMetadata'))
        break
      case 'ManyToOneRelationships':
        json.ManyToOneRelationships = manyToOneJson(table).map((r) =>
          applySelect(r, expand.select, new Set(Object.keys(r)), 'OneToManyRelationshipMetadata')
        )
        break
      case 'OneToManyRelationships':
        json.OneToManyRelationships = oneToManyJson(svc.catalog, table).map((r) =>
          applySelect(r, expand.select, new Set(Object.keys(r)), 'OneToManyRelationshipMetadata')
        )
        break
      default:
        throw errors.propertyNotFound(expand.name, 'EntityMetadata')
    }
  }
  return json
}

export function metadataRoute(svc: DataverseService, method: string, segments: string[], options: QueryOptions): ApiResponse {
  if (method !== 'GET') throw errors.methodNotAllowed(`The requested resource does not support http method '${method}'.`)
  const base = `${svc.apiUrl}$metadata#EntityDefinitions`
  const first = splitKey(segments[0])
  if (first.name !== 'EntityDefinitions') throw errors.segmentNotFound(segments[0])
  const expands = parseMetadataExpand(options.expand)

  if (first.key === undefined) {
    if (segments.length > 1) throw errors.segmentNotFound(segments[1])
    const predicate = options.filter ? jsonPredicate(options.filter, options.aliases, 'EntityMetadata') : undefined
    const tables = [...svc.catalog.byLogicalName.values()].map((t) => t.def).filter((def) => !predicate || predicate(entityJson(def)))
    return jsonResponse(200, {
      '@odata.context': `${base}${contextShape(options.select, expands)}`,
      value: tables.map((def) => entityWithExpands(svc, def, options, expands))
    })
  }

  const table = findTable(svc, first.key)
  const entityBase = `${base}('${table.logicalName}')`
  if (segments.length === 1) {
    return jsonResponse(200, {
      '@odata.context': `${base}${contextShape(options.select, expands)}/$entity`,
      ...entityWithExpands(svc, table, options, expands)
    })
  }

  const second = splitKey(segments[1])
  switch (second.name) {
    case 'Attributes': {
      const cast = parseCast(segments[2])
      if (segments.length > 3) throw errors.segmentNotFound(segments[3])
      const castPath = cast ? `/${ns}${cast}` : ''
      if (second.key !== undefined) {
        const column = findAttribute(table, second.key)
        if (cast && metadataTypeOf(column) !== cast) {
          throw new DataverseError(404, '0x80040217', `The attribute '${column.logicalName}' is not of type '${ns}${cast}'.`)
        }
        return jsonResponse(200, {
          '@odata.context': `${entityBase}/Attributes${castPath}${contextShape(options.select, expands)}/$entity`,
          ...selectAttribute(table, column, cast, options.select, expands)
        })
      }
      const predicate = options.filter ? jsonPredicate(options.filter, options.aliases, cast ?? 'AttributeMetadata') : undefined
      const value = attributesOf(table, cast)
        .filter((column) => !predicate || predicate(attributeJson(table, column, cast, [])))
        .map((column) => selectAttribute(table, column, cast, options.select, expands))
      return jsonResponse(200, { '@odata.context': `${entityBase}/Attributes${castPath}${contextShape(options.select, expands)}`, value })
    }
    case 'Keys': {
      if (segments.length > 2) throw errors.segmentNotFound(segments[2])
      const value = keysJson(table).map((k) => applySelect(k, options.select, new Set(Object.keys(k)), 'EntityKeyMetadata'))
      return jsonResponse(200, { '@odata.context': `${entityBase}/Keys${contextShape(options.select, [])}`, value })
    }
    case 'ManyToOneRelationships':
    case 'OneToManyRelationships': {
      if (segments.length > 2) throw errors.segmentNotFound(segments[2])
      const all = second.name === 'ManyToOneRelationships' ? manyToOneJson(table) : oneToManyJson(svc.catalog, table)
      const predicate = options.filter ? jsonPredicate(options.filter, options.aliases, 'OneToManyRelationshipMetadata') : undefined
      const value = all
        .filter((r) => !predicate || predicate(r))
        .map((r) => applySelect(r, options.select, new Set(Object.keys(r)), 'OneToManyRelationshipMetadata'))
      return jsonResponse(200, { '@odata.context': `${entityBase}/${second.name}${contextShape(options.select, [])}`, value })
    }
    default: {
      // A single property: EntityDefinitions(LogicalName='contact')/EntitySetName
      const full = entityJson(table)
      if (!(second.name in full) || segments.length > 2) throw errors.segmentNotFound(segments[1])
      return jsonResponse(200, { '@odata.context': `${entityBase}/${second.name}`, value: full[second.name] })
    }
  }
}
