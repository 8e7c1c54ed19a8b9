import { engine } from './errors'
import { countResponse, listResponse, type ListRequest } from './listing'
import { filtersDocument, resourceTypeDocument } from './metadata'
import type { CampaignModel } from './model'
import { created, ok, type CampaignRequest, type Reply } from './reply'
import { visibleFields, type Family, type FilterDef, type ResourceDef } from './resources'
import type { StoredRecord } from './store'
import { subscriptionRoutes } from './subscriptions'

/** Routes under `/<family>/<resource>/…` for profiles, services and custom resources. */
export async function resourceRoutes(
  model: CampaignModel,
  request: CampaignRequest,
  family: Family,
  resource: ResourceDef,
  rest: string[]
): Promise<Reply> {
  const { method } = request
  const path = `${family}/${resource.name}`
  const list = (extra: Partial<ListRequest> = {}): ListRequest => ({
    base: request.base,
    family,
    resource,
    path,
    filters: [],
    query: request.query,
    ...extra
  })

  if (rest.length === 0) {
    if (method === 'GET') return ok(listResponse(model, list()))
    if (method === 'POST') {
      const record = model.create(resource, family, await request.body())
      return created(model.render(request.base, family, resource, record))
    }
    if (method === 'PATCH') return patchByBusinessKey(model, request, family, resource)
    throw engine.noRoute()
  }

  if (rest.length === 1 && rest[0] === 'metadata' && method === 'GET') {
    return ok(resourceTypeDocument(model, request.base, family, resource))
  }
  if (rest.length === 1 && rest[0] === '_count' && method === 'GET') return ok(countResponse(model, list()))

  // Filters, chainable: /profile/byText/byEmail?text=…&email=… (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/additional-operations/filtering), optionally ending in /_count.
  if (rest[0].startsWith('by') && !isRecordKey(model, resource, family, rest[0])) {
    const filters: FilterDef[] = []
    let i = 0
    for (; i < rest.length && rest[i] !== '_count'; i++) {
      const filter = resource.filters.find((f) => f.name === rest[i])
      if (!filter || (filter.custom && family === 'profileAndServices')) throw engine.noRoute()
      filters.push(filter)
    }
    if (method !== 'GET') throw engine.noRoute()
    const request_ = list({ filters, path: `${path}/${rest.slice(0, i).join('/')}` })
    if (i === rest.length) return ok(listResponse(model, request_))
    if (i === rest.length - 1) return ok(countResponse(model, request_))
    throw engine.noRoute()
  }

  // Field projection: /profile/email → content is the field's values (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/managing-profiles/retrieving-profiles).
  const projected = visibleFields(resource, family).find((f) => f.name === rest[0])
  if (projected && !['link', 'collection', 'item'].includes(projected.type) && method === 'GET') {
    if (rest.length === 1) return ok(listResponse(model, list({ projection: projected.name, path: `${path}/${projected.name}` })))
    if (rest.length === 2 && rest[1] === '_count') return ok(countResponse(model, list()))
  }

  const record = locate(model, family, resource, rest[0])
  if (rest.length > 1) {
    if (rest[1] === 'subscriptions' && (resource.name === 'profile' || resource.name === 'service')) {
      return subscriptionRoutes(model, request, family, resource, record, rest.slice(2))
    }
    throw engine.noRoute()
  }
  if (method === 'GET') return ok(model.render(request.base, family, resource, record))
  if (method === 'PATCH') {
    const body = await request.body()
    model.update(resource, family, record, body)
    return ok({ PKey: model.pkey(resource.name, record.id), href: model.href(request.base, family, resource, record) })
  }
  if (method === 'DELETE') {
    deleteRecord(model, resource, record)
    // "The request returns a 200 response" (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/verbs); the body is not documented, so none is sent.
    return { status: 200 }
  }
  throw engine.noRoute()
}

function isRecordKey(model: CampaignModel, resource: ResourceDef, family: Family, segment: string): boolean {
  return resource.keyField !== undefined && keyAllowed(resource, family) && model.findByKey(resource, segment) !== undefined
}

/** Custom keys in the URL: profiles only under Ext (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/must-read); services and custom resources by their ID. */
function keyAllowed(resource: ResourceDef, family: Family): boolean {
  return resource.name !== 'profile' || family === 'profileAndServicesExt'
}

function locate(model: CampaignModel, family: Family, resource: ResourceDef, segment: string): StoredRecord {
  if (segment.startsWith('@')) return model.findByPKey(resource, segment)
  if (keyAllowed(resource, family)) {
    const record = model.findByKey(resource, segment)
    if (record) return record
    throw engine.notFound(resource.entityLabel, segment)
  }
  // Under /profileAndServices a profile is only addressed by PKey: anything else fails to parse as one.
  throw engine.invalidPKey(segment, resource.schemaLabel)
}

/** PATCH on the collection with an existing business key in the body updates that record (KB ka-15086). */
async function patchByBusinessKey(model: CampaignModel, request: CampaignRequest, family: Family, resource: ResourceDef): Promise<Reply> {
  const body = await request.body()
  const keyField = resource.keyField
  const key = keyField ? body[keyField] : undefined
  if (!keyField || !keyAllowed(resource, family) || typeof key !== 'string' || key === '') {
    throw engine.generic(`PATCH on the '${resource.name}' collection needs the identification key in the body.`)
  }
  const record = model.findByKey(resource, key)
  if (!record) throw engine.notFound(resource.entityLabel, key)
  model.update(resource, family, record, body)
  return ok({ PKey: model.pkey(resource.name, record.id), href: model.href(request.base, family, resource, record) })
}

/** Deleting a profile deletes what hangs off it: subscriptions and owned custom-resource rows. Logs stay. */
export function deleteRecord(model: CampaignModel, resource: ResourceDef, record: StoredRecord): void {
  if (resource.name === 'profile' || resource.name === 'service') {
    for (const sub of model.store.rows('subscription')) {
      if (sub.values[resource.name] === record.id) model.store.remove('subscription', sub.id)
    }
  }
  if (resource.name === 'profile') {
    for (const child of model.resources.values()) {
      const link = child.profileLink
      if (!link) continue
      if (link.join === 'pkey') {
        for (const row of model.store.rows(child.name)) if (row.values[link.name] === record.id) model.store.remove(child.name, row.id)
        continue
      }
      const key = record.values[link.profileField!]
      // Only when this profile is the one the join resolves to (keys are unique, but stay safe).
      if (typeof key !== 'string' || key === '' || model.store.lookup('profile', link.profileField!, key)[0] !== record.id) continue
      for (const id of model.store.lookup(child.name, link.childField!, key)) model.store.remove(child.name, id)
    }
  }
  model.store.remove(resource.name, record.id)
}

export function filtersRoute(model: CampaignModel, family: Family, resource: ResourceDef): Reply {
  return ok(filtersDocument(model, family, resource))
}
