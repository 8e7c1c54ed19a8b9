import type { Field, FieldType, InactiveKey, Key, Option, RequiredLevel, Table } from '../../../shared/schema'
import { ConnectorError } from '../http/errors'

/**
 * Dataverse metadata → the neutral schema model. One table costs a handful of GETs: the
 * entity with its base attribute properties and keys, then one cast per attribute type for
 * what the base properties lack (MaxLength, options, targets, date behaviour), and the
 * many-to-one relationships for the navigation property names a write must bind through.
 */

/** How the connector issues a metadata GET; returns parsed JSON, or undefined for a 404 when `optional`. */
export type MetadataGet = (path: string, optional?: boolean) => Promise<Record<string, unknown> | undefined>

export interface TableSummary {
  name: string
  displayName: string
  entitySetName: string
  changeTracking: boolean
  custom: boolean
  isActivity: boolean
}

/** What the connector needs beyond the neutral model to write a table. */
export interface DynamicsTableSchema {
  table: Table
  isActivity: boolean
  /** lookup logical name → target table → navigation property for `@odata.bind` (custom lookups use the SchemaName). */
  navigation: Record<string, Record<string, string>>
  /** Alternate keys by name, with their attributes (for `set(key='v')` addressing). */
  alternateKeys: Key[]
}

type Json = Record<string, unknown>

export function label(value: unknown, fallback: string): string {
  const l = value as { UserLocalizedLabel?: { Label?: string } | null; LocalizedLabels?: Array<{ Label?: string }> } | undefined
  return l?.UserLocalizedLabel?.Label || l?.LocalizedLabels?.[0]?.Label || fallback
}

function list(body: Json | undefined): Json[] {
  return Array.isArray(body?.value) ? (body!.value as Json[]) : []
}

export async function listTableSummaries(get: MetadataGet): Promise<TableSummary[]> {
  const body = await get(
    'EntityDefinitions?$select=LogicalName,EntitySetName,DisplayName,ChangeTrackingEnabled,IsCustomEntity,IsActivity,IsValidForAdvancedFind'
  )
  return list(body)
    .filter((e) => typeof e.EntitySetName === 'string' && e.EntitySetName)
    .map((e) => ({
      name: String(e.LogicalName),
      displayName: label(e.DisplayName, String(e.LogicalName)),
      entitySetName: String(e.EntitySetName),
      changeTracking: e.ChangeTrackingEnabled === true,
      custom: e.IsCustomEntity === true,
      isActivity: e.IsActivity === true
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

const baseAttributeSelect =
  'LogicalName,SchemaName,AttributeType,AttributeTypeName,RequiredLevel,IsValidForRead,IsValidForCreate,IsValidForUpdate,IsPrimaryId,IsPrimaryName,AttributeOf,DisplayName,Description'

function requiredLevel(value: unknown): RequiredLevel {
  const v = (value as { Value?: string } | undefined)?.Value
  if (v === 'SystemRequired' || v === 'ApplicationRequired') return 'required'
  if (v === 'Recommended') return 'recommended'
  return 'none'
}

function baseType(attributeType: string, typeName: string): FieldType {
  switch (attributeType) {
    case 'String':
      return 'string'
    case 'Memo':
      return 'memo'
    case 'Integer':
      return 'integer'
    case 'BigInt':
      return 'bigint'
    case 'Double':
      return 'double'
    case 'Decimal':
      return 'decimal'
    case 'Money':
      return 'money'
    case 'Boolean':
      return 'boolean'
    case 'DateTime':
      return 'datetime'
    case 'Picklist':
    case 'State':
    case 'Status':
      return 'picklist'
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      return 'lookup'
    case 'Uniqueidentifier':
      return 'uniqueidentifier'
    case 'Virtual':
      return typeName === 'MultiSelectPicklistType' ? 'multipicklist' : 'unknown'
    default:
      return typeName === 'MultiSelectPicklistType' ? 'multipicklist' : 'unknown'
  }
}

function options(values: unknown): Option[] {
  if (!Array.isArray(values)) return []
  return (values as Json[]).map((o) => ({ value: Number(o.Value), label: label(o.Label, String(o.Value)) }))
}

function optionSetOf(item: Json): Option[] | undefined {
  const set = (item.OptionSet ?? item.GlobalOptionSet) as Json | undefined
  if (!set) return undefined
  if (set.TrueOption || set.FalseOption) {
    const out: Option[] = []
    if (set.TrueOption) out.push({ value: true, label: label((set.TrueOption as Json).Label, 'Yes') })
    if (set.FalseOption) out.push({ value: false, label: label((set.FalseOption as Json).Label, 'No') })
    return out
  }
  const found = options(set.Options)
  if (found.length === 0 && item.GlobalOptionSet) return options((item.GlobalOptionSet as Json).Options)
  return found
}

export async function readTableSchema(get: MetadataGet, logicalName: string): Promise<DynamicsTableSchema> {
  if (!/^[A-Za-z0-9_]+$/.test(logicalName))
    throw new ConnectorError({
      kind: 'badRequest',
      service: 'dynamics',
      message: `'${logicalName}' is not a valid table logical name.`,
      hint: 'Logical names are lower-case letters, digits and underscores, e.g. contact or new_vehicle.'
    })
  const root = `EntityDefinitions(LogicalName='${logicalName}')`
  const cast = (type: string, query: string) => get(`${root}/Attributes/Microsoft.Dynamics.CRM.${type}?${query}`, true)
  const [entity, strings, memos, picklists, states, statuses, booleans, multi, lookups, dates, relationships] = await Promise.all([
    get(
      `${root}?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsCustomEntity,IsActivity,DisplayName&$expand=Attributes($select=${baseAttributeSelect}),Keys($select=LogicalName,KeyAttributes,DisplayName,EntityKeyIndexStatus)`
    ),
    cast('StringAttributeMetadata', '$select=LogicalName,MaxLength,FormatName'),
    cast('MemoAttributeMetadata', '$select=LogicalName,MaxLength'),
    cast('PicklistAttributeMetadata', '$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)'),
    cast('StateAttributeMetadata', '$select=LogicalName&$expand=OptionSet'),
    cast('StatusAttributeMetadata', '$select=LogicalName&$expand=OptionSet'),
    cast('BooleanAttributeMetadata', '$select=LogicalName&$expand=OptionSet'),
    cast('MultiSelectPicklistAttributeMetadata', '$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)'),
    cast('LookupAttributeMetadata', '$select=LogicalName,Targets'),
    cast('DateTimeAttributeMetadata', '$select=LogicalName,Format,DateTimeBehavior'),
    get(`${root}/ManyToOneRelationships?$select=ReferencingAttribute,ReferencingEntityNavigationPropertyName,ReferencedEntity`, true)
  ])
  if (!entity) throw new ConnectorError({ kind: 'notFound', service: 'dynamics', message: `Table '${logicalName}' does not exist.` })

  const byName = (body: Json | undefined) => new Map(list(body).map((item) => [String(item.LogicalName), item]))
  const stringInfo = byName(strings)
  const memoInfo = byName(memos)
  const optionInfo = new Map([...byName(picklists), ...byName(states), ...byName(statuses), ...byName(booleans), ...byName(multi)])
  const lookupInfo = byName(lookups)
  const dateInfo = byName(dates)

  const navigation: Record<string, Record<string, string>> = {}
  for (const rel of list(relationships)) {
    const attribute = String(rel.ReferencingAttribute)
    navigation[attribute] ??= {}
    navigation[attribute][String(rel.ReferencedEntity)] = String(rel.ReferencingEntityNavigationPropertyName)
  }

  const primaryId = String(entity.PrimaryIdAttribute ?? '')
  const listedKeys = (Array.isArray(entity.Keys) ? (entity.Keys as Json[]) : [])
    .map((k) => ({
      name: String(k.LogicalName),
      fields: Array.isArray(k.KeyAttributes) ? (k.KeyAttributes as string[]) : [],
      indexStatus: keyIndexStatus(k.EntityKeyIndexStatus)
    }))
    .filter((k) => k.fields.length > 0)
  // Only a key whose index is built is enforced, and addresses a row: a pending or failed one is no key yet.
  const alternateKeys: Key[] = listedKeys.filter((k) => k.indexStatus === 'Active').map(({ name, fields }) => ({ name, fields }))
  const inactiveKeys: InactiveKey[] = listedKeys.filter((k) => k.indexStatus !== 'Active')
  const keyFields = new Set([primaryId, ...alternateKeys.flatMap((k) => k.fields)])

  const fields: Field[] = []
  for (const attribute of (entity.Attributes as Json[] | undefined) ?? []) {
    // Name columns (AttributeOf set) are not Web API properties; read them as formatted values.
    if (attribute.AttributeOf) continue
    if (attribute.IsValidForRead === false) continue
    const name = String(attribute.LogicalName)
    const attributeType = String(attribute.AttributeType ?? '')
    let type = baseType(attributeType, String((attribute.AttributeTypeName as Json | undefined)?.Value ?? ''))
    const validForCreate = attribute.IsValidForCreate === true
    const validForUpdate = attribute.IsValidForUpdate === true
    const field: Field = {
      name,
      displayName: label(attribute.DisplayName, name),
      type,
      required: requiredLevel(attribute.RequiredLevel),
      readOnly: !validForCreate && !validForUpdate,
      validForCreate,
      validForUpdate
    }
    const description = label(attribute.Description, '')
    if (description) field.description = description
    if (keyFields.has(name)) field.isKey = true
    const text = stringInfo.get(name) ?? memoInfo.get(name)
    if (text && typeof text.MaxLength === 'number' && text.MaxLength > 0) field.maxLength = text.MaxLength
    if (type === 'string') {
      const format = String((stringInfo.get(name)?.FormatName as Json | undefined)?.Value ?? '')
      if (format === 'Email') type = 'email'
      else if (format === 'Phone') type = 'phone'
      else if (format === 'Url') type = 'url'
      else if (format === 'TextArea') type = 'memo'
      field.type = type
    }
    const opts = optionInfo.get(name)
    if (opts) {
      const found = optionSetOf(opts)
      if (found && found.length > 0) field.options = found
    }
    if (type === 'lookup') {
      const targets = lookupInfo.get(name)?.Targets
      // The `owner` table stands for a user or a team (reference/entities/owner).
      const fromRelationships = Object.keys(navigation[name] ?? {}).flatMap((t) => (t === 'owner' ? ['systemuser', 'team'] : [t]))
      field.targets = Array.isArray(targets) && targets.length ? (targets as string[]) : fromRelationships
      bindEveryTarget(navigation, name, field.targets)
      field.readName = `_${name}_value`
    }
    if (type === 'datetime') {
      const info = dateInfo.get(name)
      const behavior = String((info?.DateTimeBehavior as Json | undefined)?.Value ?? '')
      if (behavior === 'DateOnly' || info?.Format === 'DateOnly') {
        field.type = 'dateonly'
        field.dateBehavior = 'dateOnly'
      } else field.dateBehavior = behavior === 'TimeZoneIndependent' ? 'timeZoneIndependent' : 'userLocal'
    }
    fields.push(field)
  }
  fields.sort((a, b) => (a.name === primaryId ? -1 : b.name === primaryId ? 1 : a.name.localeCompare(b.name)))

  const table: Table = {
    system: 'dynamics',
    name: String(entity.LogicalName),
    displayName: label(entity.DisplayName, logicalName),
    entitySetName: String(entity.EntitySetName),
    primaryId,
    ...(entity.PrimaryNameAttribute ? { primaryName: String(entity.PrimaryNameAttribute) } : {}),
    custom: entity.IsCustomEntity === true,
    fields,
    keys: [{ name: primaryId, fields: [primaryId] }, ...alternateKeys],
    ...(inactiveKeys.length ? { inactiveKeys } : {}),
    changeTracking: entity.ChangeTrackingEnabled === true
  }
  return { table, isActivity: entity.IsActivity === true, navigation, alternateKeys }
}

/**
 * A lookup whose one relationship references a table that is none of its targets — a base
 * type such as `owner` — binds every target through that relationship's navigation property:
 * `ownerid` (Targets systemuser, team) has a single relationship (`owner_accounts`,
 * ReferencedEntity `owner`) whose property `ownerid` is typed principal, so
 * `"ownerid@odata.bind": "/teams(<id>)"` (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/principal).
 * Customer and regarding lookups have one relationship per target and keep their own names.
 */
function bindEveryTarget(navigation: Record<string, Record<string, string>>, lookup: string, targets: string[]): void {
  const byTarget = navigation[lookup]
  if (!byTarget || Object.keys(byTarget).some((referenced) => targets.includes(referenced))) return
  const properties = new Set(Object.values(byTarget))
  if (properties.size !== 1) return
  const [property] = properties
  for (const target of targets) byTarget[target] ??= property
}

/**
 * `EntityKeyIndexStatus` as text: the Web API writes the enum's member name (`Active`), an
 * older or differently serialised answer its value (0 Pending, 1 InProgress, 2 Active, 3 Failed:
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/entitykeyindexstatus).
 * A key listed without it is taken as active, as before the status was read.
 */
export function keyIndexStatus(value: unknown): string {
  const names = ['Pending', 'InProgress', 'Active', 'Failed']
  if (value === undefined || value === null || value === '') return 'Active'
  const text = String(value)
  if (/^\d+$/.test(text)) return names[Number(text)] ?? text
  return names.find((name) => name.toLowerCase() === text.toLowerCase()) ?? text
}
