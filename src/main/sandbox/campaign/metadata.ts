import type { CampaignModel } from './model'
import { sortKeys } from './model'
import { visibleFields, type Family, type FieldDef, type ResourceDef } from './resources'

/**
 * `resourceType` documents, as Adobe documents them
 * (https://experienceleague.adobe.com/docs/campaign-standard/using/working-with-apis/get-started-apis/metadata-mechanism.html).
 * Per field only the documented keys (apiName, type, resType, dataPolicy, category, resTarget,
 * values, sortable) plus `label` and `length`, which docs/sandbox-campaign.md marks as inferred.
 * `mandatory: true` only on a field the sandbox refuses empty (inferred from the documented node
 * shape). No `isKey` or `readOnly` per field: Adobe documents none, so the connectors must
 * learn identification keys and read-only fields elsewhere (docs/sandbox-campaign.md).
 */
export function fieldMetadata(field: FieldDef): Record<string, unknown> {
  const node: Record<string, unknown> = {
    apiName: field.name,
    label: field.label,
    type: field.type,
    resType: field.resType,
    category: field.category ?? '0000_default',
    dataPolicy: field.dataPolicy ?? 'none',
    sortable: Boolean(field.sortable)
  }
  if (field.length !== undefined) node.length = field.length
  // A field the sandbox refuses to leave empty says so with the `mandatory` key of the documented
  // node shape (the resource's own node carries it); never `false`, never a key or read-only flag.
  if (field.mandatory) node.mandatory = true
  if (field.target) node.resTarget = field.target
  if (field.values) {
    // To write an enumeration, pass the `@name` of one of these (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/metadata-mechanism).
    node.values = Object.fromEntries(field.values.map((v) => [v.name, { '@name': v.name, label: v.label, value: v.value }]))
  }
  if (field.fields) node.content = Object.fromEntries(field.fields.map((f) => [f.name, fieldMetadata(f)]))
  return node
}

export function resourceTypePKey(model: CampaignModel, family: Family, name: string): string {
  return model.codec.encode(`resourceType/${family}/${name}`)
}

export function resourceTypeDocument(model: CampaignModel, base: string, family: Family, resource: ResourceDef): Record<string, unknown> {
  const content: Record<string, unknown> = {
    PKey: {
      apiName: 'PKey',
      label: 'Primary key',
      type: 'string',
      resType: 'string',
      category: '0000_default',
      dataPolicy: 'none',
      sortable: false
    }
  }
  for (const field of visibleFields(resource, family)) content[field.name] = fieldMetadata(field)
  return {
    content: sortKeys(content),
    data: `/${family}/${resource.name}/`,
    filters: { href: `${base}${family}/resourceType/${resourceTypePKey(model, family, resource.name)}/filters/` },
    help: resource.help,
    href: `${base}${family}/${resource.name}/metadata`,
    label: resource.label,
    mandatory: false,
    name: resource.name,
    pkgStatus: 'never',
    readOnly: false,
    schema: resource.schema,
    type: 'item'
  }
}

export function filtersDocument(model: CampaignModel, family: Family, resource: ResourceDef): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const filter of resource.filters) {
    // Custom filters: under /profileAndServicesExt, or /customResources for a resource served there.
    if (filter.custom && family === 'profileAndServices') continue
    const usage = filter.params.map((p) => `${p}=$value`).join('&')
    out[filter.name] = {
      PKey: model.codec.encode(`filter/${resource.name}/${filter.name}`),
      category: filter.custom ? '0100_custom' : '99_none',
      condition: { enabledIf: '', expr: '' },
      data: `/${family}/${resource.name}/${filter.name}${usage ? `?${usage}` : ''}`,
      formType: 'none',
      fragmentName: '',
      label: filter.label,
      metadata: Object.fromEntries(filter.params.map((p) => [p, { label: p, type: 'string' }]))
    }
  }
  return out
}

/** `GET /profileAndServicesExt/`: every resource the family serves (docs/sandbox-campaign.md). */
export function familyListing(model: CampaignModel, base: string, family: Family): Record<string, unknown> {
  const out: Record<string, unknown> = { apiName: 'resourceType' }
  for (const resource of model.resources.values()) {
    if (!resource.families.includes(family) || resource.name === 'subscription') continue
    const document = resourceTypeDocument(model, base, family, resource)
    out[resource.name] = {
      content: document.content,
      data: document.data,
      help: resource.help,
      href: document.href,
      name: resource.name,
      type: 'collection'
    }
  }
  return out
}
