import { engine } from './errors'
import { listResponse } from './listing'
import type { CampaignModel } from './model'
import { sortKeys } from './model'
import { created, noContent, ok, type CampaignRequest, type Reply } from './reply'
import { stamp, type Family, type ResourceDef } from './resources'
import type { StoredRecord } from './store'

/** `nms:subscription` as a resource definition: used for PKeys, paging and ordering. */
export function subscriptionResource(): ResourceDef {
  return {
    name: 'subscription',
    label: 'Subscriptions',
    help: 'Subscriptions',
    schema: 'nms:subscription',
    schemaLabel: 'Subscriptions (nms:subscription)',
    entityLabel: 'Subscription',
    families: ['profileAndServices', 'profileAndServicesExt'],
    fields: [
      stamp('created', 'Created', { readOnly: true }),
      stamp('expirationDate', 'Expiration date'),
      { name: 'service', label: 'Service', type: 'link', resType: 'link', target: 'service', mandatory: true },
      { name: 'subscriber', label: 'Subscriber', type: 'link', resType: 'link', target: 'profile', mandatory: true }
    ],
    filters: [],
    collections: [],
    title: () => ''
  }
}

/**
 * `/profile/<PKEY>/subscriptions[/<PKEY>]` and `/service/<PKEY>/subscriptions[/<PKEY>]`
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/managing-services-and-subscriptiopns/perform-subscriptions, https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/managing-services-and-subscriptiopns/deleting-subscriptions). Items carry both sides, with the fields the two documented listings show.
 */
export async function subscriptionRoutes(
  model: CampaignModel,
  request: CampaignRequest,
  family: Family,
  owner: ResourceDef,
  ownerRecord: StoredRecord,
  rest: string[]
): Promise<Reply> {
  const subscription = model.resources.get('subscription')!
  const side = owner.name as 'profile' | 'service'
  const ownerHref = model.href(request.base, family, owner, ownerRecord)
  const render = (record: StoredRecord) => renderSubscription(model, request.base, `${ownerHref}/subscriptions`, record)
  const mine = () => model.store.rows('subscription').filter((s) => s.values[side] === ownerRecord.id)

  if (rest.length === 0) {
    if (request.method === 'GET') {
      return ok(
        listResponse(model, {
          base: request.base,
          family,
          resource: subscription,
          path: `${family}/${owner.name}/${model.pkey(owner.name, ownerRecord.id)}/subscriptions`,
          filters: [],
          query: request.query,
          rows: mine(),
          render
        })
      )
    }
    if (request.method === 'POST') {
      const body = await request.body()
      const otherSide = side === 'profile' ? 'service' : 'subscriber'
      const node = body[otherSide]
      if (!node || typeof node !== 'object') throw engine.generic(`The '${otherSide}' link is mandatory.`)
      const link = node as Record<string, unknown>
      const target = model.resources.get(side === 'profile' ? 'service' : 'profile')!
      const token =
        typeof link.PKey === 'string'
          ? link.PKey
          : typeof link.href === 'string'
            ? link.href.replace(/\/+$/, '').split('/').pop()!
            : undefined
      let targetRecord: StoredRecord | undefined
      if (token) targetRecord = model.findByPKey(target, token)
      else if (target.name === 'service' && typeof link.name === 'string') targetRecord = model.findByKey(target, link.name)
      if (!targetRecord) throw engine.notFound(target.entityLabel, String(token ?? link.name ?? ''))
      const profileId = side === 'profile' ? ownerRecord.id : targetRecord.id
      const serviceId = side === 'service' ? ownerRecord.id : targetRecord.id
      // Subscribing twice returns the existing subscription (undocumented; chosen so retries are harmless).
      const existing = model.store.rows('subscription').find((s) => s.values.profile === profileId && s.values.service === serviceId)
      const now = model.now()
      const record =
        existing ?? model.store.insert('subscription', { profile: profileId, service: serviceId, created: now, expirationDate: '' })
      return created(render(record))
    }
    throw engine.noRoute()
  }
  if (rest.length === 1) {
    const record = model.findByPKey(subscription, rest[0])
    if (record.values[side] !== ownerRecord.id) throw engine.notFound(subscription.label, rest[0])
    if (request.method === 'GET') return ok(render(record))
    if (request.method === 'DELETE') {
      model.store.remove('subscription', record.id)
      return noContent()
    }
  }
  throw engine.noRoute()
}

function renderSubscription(model: CampaignModel, base: string, collectionHref: string, record: StoredRecord): Record<string, unknown> {
  const profileDef = model.resources.get('profile')!
  const serviceDef = model.resources.get('service')!
  const profile = model.store.get('profile', record.values.profile as number)
  const service = model.store.get('service', record.values.service as number)
  const pkey = model.pkey('subscription', record.id)
  return sortKeys({
    PKey: pkey,
    created: record.values.created,
    email: profile?.values.email ?? '',
    expirationDate: record.values.expirationDate ?? '',
    href: `${collectionHref}/${pkey}`,
    metadata: 'subscriptionRcp',
    service: service
      ? {
          PKey: model.pkey('service', service.id),
          href: model.href(base, 'profileAndServices', serviceDef, service),
          label: service.values.label,
          name: service.values.name,
          title: serviceDef.title(service.values)
        }
      : {},
    serviceName: service?.values.name ?? '',
    subscriber: profile
      ? {
          PKey: model.pkey('profile', profile.id),
          email: profile.values.email ?? '',
          firstName: profile.values.firstName ?? '',
          href: model.href(base, 'profileAndServices', profileDef, profile),
          lastName: profile.values.lastName ?? '',
          title: profileDef.title(profile.values)
        }
      : {}
  })
}
