import { formatTimestamp, parseTimestamp } from './dates'

/**
 * The data model the sandbox serves: resources, their fields and filters. Metadata, write
 * validation, rendering and listing are all driven from these definitions, so a field added
 * here shows up consistently in `resourceType`, in records and in errors.
 */

export type Family = 'profileAndServices' | 'profileAndServicesExt' | 'customResources'
export const families: Family[] = ['profileAndServices', 'profileAndServicesExt', 'customResources']

export type FieldType = 'string' | 'boolean' | 'integer' | 'date' | 'datetime' | 'enumeration' | 'link' | 'collection' | 'item'

export interface EnumValue {
  name: string
  label: string
  value: number | string
}

export interface FieldDef {
  name: string
  label: string
  type: FieldType
  /** Technical type as Campaign reports it in `resType`. */
  resType: string
  length?: number
  values?: EnumValue[]
  /** e.g. `nms:recipient:gender`, quoted in the bad-enumeration error. */
  enumName?: string
  readOnly?: boolean
  /** Extension field: visible and writable only under `/profileAndServicesExt`. */
  ext?: boolean
  sortable?: boolean
  /** Identification key: unique, usable in the URL under the Ext family. */
  key?: boolean
  mandatory?: boolean
  /** Target resource of a link or collection. */
  target?: string
  dataPolicy?: 'email' | 'smartCase' | 'none'
  category?: string
  /** Sub-fields of an `item` (e.g. profile.location). */
  fields?: FieldDef[]
  /** Attribute-level timestamps to stamp when this field's value changes. */
  stamps?: string[]
  /** Default rendered when the field was never set. */
  empty?: unknown
}

export interface FilterDef {
  name: string
  label: string
  /** Parameter names as they appear in the query string. */
  params: string[]
  /** Custom filters (Filter definition tab) are only reachable under `/profileAndServicesExt`. */
  custom?: boolean
  /** The rows' test for one request: the query is read once, not once per row (a page of a large table tests every row). */
  test: (query: URLSearchParams) => (values: Record<string, unknown>) => boolean
  /** An equality on one field the store indexes: the list starts from the index, not the whole table (same rows). */
  equals?: (query: URLSearchParams) => { field: string; value: string } | undefined
}

/** How a custom resource reaches its profile (https://experienceleague.adobe.com/en/docs/campaign-standard/using/integrating-with-adobe-cloud/campaign-and-microsoft-dynamics-365/d365-acs-notices-and-recommendations). */
export interface ProfileLink {
  /** Name of the link node in JSON, e.g. `vehicleOwner`. */
  name: string
  label: string
  /** `pkey`: written as `{"PKey": ...}`; `field`: joined on a text field holding the profile's key. */
  join: 'pkey' | 'field'
  /** For `field` joins: the child's text field and the profile field it must equal. */
  childField?: string
  profileField?: string
  /** `1`: a child whose profile is missing is hidden (orphan); `0..1`: visible with an empty link. */
  cardinality: '1' | '0..1'
}

export interface ResourceDef {
  name: string
  label: string
  help: string
  schema: string
  /** As the engine names it in errors: 'Profiles (nms:recipient)'. */
  schemaLabel: string
  /** Singular label used in duplicate-key errors ('Profile', 'Service'). */
  entityLabel: string
  families: Family[]
  fields: FieldDef[]
  /** Identification key field usable in the URL (Ext family) and in PATCH-by-key. */
  keyField?: string
  filters: FilterDef[]
  /** Collections rendered as `{href}` nodes under the record (e.g. subscriptions). */
  collections: string[]
  title: (values: Record<string, unknown>) => string
  profileLink?: ProfileLink
}

export const str = (name: string, label: string, length: number, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'string',
  resType: 'string',
  length,
  sortable: true,
  empty: '',
  ...extra
})

export const bool = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'boolean',
  resType: 'boolean',
  empty: false,
  ...extra
})

export const stamp = (name: string, label: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  name,
  label,
  type: 'datetime',
  resType: 'datetime',
  sortable: true,
  empty: '',
  ...extra
})

export const enumeration = (
  name: string,
  label: string,
  enumName: string,
  values: EnumValue[],
  extra: Partial<FieldDef> = {}
): FieldDef => ({
  name,
  label,
  type: 'enumeration',
  resType: 'byte',
  enumName,
  values,
  sortable: true,
  empty: values[0].name,
  ...extra
})

export function fieldOf(resource: ResourceDef, name: string): FieldDef | undefined {
  return resource.fields.find((f) => f.name === name)
}

export function visibleFields(resource: ResourceDef, family: Family): FieldDef[] {
  return resource.fields.filter((f) => !f.ext || family === 'profileAndServicesExt')
}

/** The filter every listable resource gets for incremental reads (custom, so Ext only). */
export function modifiedSinceFilter(): FilterDef {
  return {
    name: 'byModifiedSince',
    label: 'Modified since',
    params: ['modifiedSince_parameter'],
    custom: true,
    test: (query) => {
      const since = normaliseStamp(query.get('modifiedSince_parameter') ?? query.get('modifiedSince') ?? '')
      return (values) => String(values.lastModified ?? '') >= since
    }
  }
}

/** Campaign timestamps compare as strings once both are in `YYYY-MM-DD HH:MM:SS.mmmZ` form. */
export function normaliseStamp(text: string): string {
  const date = parseTimestamp(text)
  return date ? formatTimestamp(date) : text.trim()
}

/** A custom filter on an identification key, the way the walkthrough defines it (`byExternalId?externalId_parameter=`). */
export function keyFilter(filterName: string, parameter: string, field: string): FilterDef {
  return {
    name: filterName,
    label: `By ${field}`,
    params: [`${parameter}_parameter`],
    custom: true,
    // Tolerant: the auto-generated `_parameter` suffix is what Campaign documents, the bare names are what people type.
    test: (query) => {
      const wanted = query.get(`${parameter}_parameter`) ?? query.get(parameter) ?? query.get(field)
      return (values) => wanted !== null && values[field] === wanted
    },
    equals: (query) => {
      const wanted = query.get(`${parameter}_parameter`) ?? query.get(parameter) ?? query.get(field)
      return wanted ? { field, value: wanted } : undefined
    }
  }
}
