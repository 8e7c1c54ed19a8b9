import type { Field, FieldType, Key, Option, Table } from '../../../shared/schema'

/**
 * Campaign `resourceType` metadata → the neutral schema model. Item fields (`location`)
 * are flattened to dotted names (`location.city`); enumerations keep the API name as the
 * value and the stored code as `code`.
 *
 * Adobe documents no per-field "key" or "read-only" flag in the metadata
 * (https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/get-started-apis/metadata-mechanism.html),
 * so neither is read from it. Keys: `PKey` always; an identification key only when the user
 * names one (the connection's Dynamics-id field on the profile, or a flow's confirmed match
 * key). Read-only: `PKey`/`href`, collections, and the fields Adobe documents as computed or
 * system-maintained (below).
 */

/**
 * Documented as computed or maintained by Campaign, on every resource
 * (https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/get-started-apis/must-read.html)
 * and on the profile (https://experienceleague.adobe.com/docs/campaign-standard/using/developing/data-model/datamodel-profile.html):
 * the age is computed from the birth date, the title from the names and email, the domain
 * from the email; creation and modification stamps, the encrypted id, the ACS ID and the
 * opt-out `…LastModified` timestamps are set by Campaign.
 */
const systemFields = new Set(['PKey', 'href', 'created', 'lastModified', 'createdBy', 'modifiedBy', 'title', 'acsId', 'builtIn'])
const profileComputed = new Set(['age', 'domain', 'cryptedId'])

function documentedReadOnly(resource: string, name: string, type: FieldType): boolean {
  if (type === 'collection') return true
  if (systemFields.has(name)) return true
  if (resource === 'profile' && (profileComputed.has(name) || /LastModified$/.test(name))) return true
  return false
}

export interface ResourceToTableOptions {
  /** Fields the user named as identification keys of this resource. */
  identificationKeys?: readonly string[]
}

type Json = Record<string, unknown>

export type CampaignFamily = 'profileAndServices' | 'profileAndServicesExt' | 'customResources'

export interface ResourceSummary {
  name: string
  displayName: string
  family: CampaignFamily
  /** e.g. `/profileAndServicesExt/cusVehicle` */
  href: string
  custom: boolean
}

function fieldType(spec: Json): FieldType {
  const type = String(spec.type ?? '')
  const resType = String(spec.resType ?? '')
  const policy = String(spec.dataPolicy ?? '')
  switch (type) {
    case 'string':
      if (policy === 'email') return 'email'
      if (policy === 'phone') return 'phone'
      if (policy === 'url') return 'url'
      return 'string'
    case 'memo':
    case 'html':
      return 'memo'
    case 'integer':
    case 'long':
    case 'short':
    case 'byte':
    case 'int64':
      return resType === 'int64' ? 'bigint' : 'integer'
    case 'number':
    case 'double':
    case 'float':
      return 'double'
    case 'decimal':
    case 'money':
      return 'decimal'
    case 'boolean':
      return 'boolean'
    case 'date':
      return 'dateonly'
    case 'datetime':
    case 'timestamp':
    case 'time':
      return 'datetime'
    case 'enumeration':
      return 'enumeration'
    case 'link':
      return 'link'
    case 'collection':
      return 'collection'
    case 'uuid':
      return 'uniqueidentifier'
    default:
      return 'unknown'
  }
}

function enumerationOptions(values: unknown): Option[] | undefined {
  if (!values || typeof values !== 'object') return undefined
  const entries: Json[] = Array.isArray(values)
    ? (values as Json[])
    : Object.entries(values as Json).map(([name, v]) => ({ '@name': name, ...(v as Json) }))
  const out: Option[] = []
  for (const entry of entries) {
    const name = String(entry['@name'] ?? entry.name ?? entry.value ?? '')
    if (!name) continue
    const option: Option = { value: name, label: String(entry.label ?? name) }
    const code = entry.value
    if ((typeof code === 'number' || typeof code === 'string') && code !== name) option.code = code
    out.push(option)
  }
  return out
}

function flatten(resource: string, content: Json, prefix: string, fields: Field[], parentReadOnly: boolean): void {
  for (const [key, raw] of Object.entries(content)) {
    const spec = raw as Json
    if (!spec || typeof spec !== 'object') continue
    const name = `${prefix}${String(spec.apiName ?? key)}`
    if (String(spec.type) === 'item' && spec.content && typeof spec.content === 'object') {
      flatten(resource, spec.content as Json, `${name}.`, fields, parentReadOnly)
      continue
    }
    const type = fieldType(spec)
    const readOnly = parentReadOnly || documentedReadOnly(resource, prefix ? '' : name, type)
    const field: Field = {
      name,
      displayName: String(spec.label ?? spec.apiName ?? key),
      type,
      // Not documented per field; honoured when an instance sends it (the resource node has it).
      required: spec.mandatory === true ? 'required' : 'none',
      readOnly,
      validForCreate: !readOnly,
      validForUpdate: !readOnly
    }
    if (typeof spec.length === 'number' && spec.length > 0) field.maxLength = spec.length
    if (type === 'enumeration') {
      const options = enumerationOptions(spec.values)
      if (options?.length) field.options = options
    }
    if ((type === 'link' || type === 'collection') && typeof spec.resTarget === 'string') field.targets = [spec.resTarget]
    if (typeof spec.help === 'string' && spec.help) field.description = spec.help
    fields.push(field)
  }
}

export function resourceToTable(body: Json, family: CampaignFamily, options: ResourceToTableOptions = {}): Table {
  const name = String(body.name)
  const fields: Field[] = []
  flatten(name, (body.content as Json) ?? {}, '', fields, false)
  if (!fields.some((f) => f.name === 'PKey'))
    fields.push({
      name: 'PKey',
      displayName: 'Primary key',
      type: 'string',
      required: 'none',
      readOnly: true,
      validForCreate: false,
      validForUpdate: false
    })
  fields.sort((a, b) => (a.name === 'PKey' ? -1 : b.name === 'PKey' ? 1 : a.name.localeCompare(b.name)))
  const keys: Key[] = [{ name: 'PKey', fields: ['PKey'] }]
  for (const keyField of options.identificationKeys ?? []) {
    const field = fields.find((f) => f.name === keyField)
    if (!field) continue
    field.isKey = true
    keys.push({ name: `identification key (${keyField})`, fields: [keyField] })
  }
  const hasTitle = fields.some((f) => f.name === 'title')
  return {
    system: 'campaign',
    name,
    displayName: String(body.label ?? name),
    href: `/${family}/${name}`,
    primaryId: 'PKey',
    ...(hasTitle ? { primaryName: 'title' } : {}),
    custom: name.startsWith('cus'),
    fields,
    keys,
    changeTracking: false
  }
}
