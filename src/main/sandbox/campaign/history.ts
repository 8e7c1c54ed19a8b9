import { engine } from './errors'
import { listResponse } from './listing'
import type { CampaignModel } from './model'
import { sortKeys } from './model'
import { ok, type CampaignRequest, type Reply } from './reply'
import { stamp, str, type Family, type ResourceDef } from './resources'
import type { BroadLog, Delivery, StoredRecord, TrackingLog } from './store'

/**
 * Marketing history (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/interacting-with-marketing-history): `GET /profileAndServices/history/<PKEY>` and its
 * `events`. The documented event keys are PKey, category, date, href, label, mirrorPage,
 * type; the rest (eventId, eventType, delivery/campaign names, url, failure) are sandbox
 * additions [INF] that a connector needs to build timeline activities. With the
 * `historyEvents: 'documented'` option only the documented keys are served, as a real tenant.
 */
export function historyEventResource(): ResourceDef {
  return {
    name: 'historyEvent',
    label: 'Events',
    help: 'Heterogeneous resource',
    schema: 'nms:subHisto',
    schemaLabel: 'Events (nms:subHisto)',
    entityLabel: 'Event',
    families: ['profileAndServices'],
    fields: [
      stamp('date', 'Date'),
      str('category', 'Category', 32),
      str('label', 'Label', 255),
      str('type', 'Type', 32),
      str('eventType', 'Event type', 16)
    ],
    filters: [],
    collections: [],
    title: (v) => String(v.label ?? '')
  }
}

export type EventType = 'send' | 'bounce' | 'open' | 'click'

export interface MarketingEvent {
  id: number
  eventType: EventType
  date: string
  delivery: Delivery
  profileId: number
  broadLog: BroadLog
  tracking?: TrackingLog
}

/** All events of one profile (or of everyone), oldest first, from the delivery and tracking logs. */
export function marketingEvents(model: CampaignModel, profileId?: number): MarketingEvent[] {
  const state = model.store.raw
  const deliveries = new Map(state.deliveries.map((d) => [d.id, d]))
  const broadLogs = new Map(state.broadLogs.map((b) => [b.id, b]))
  const events: MarketingEvent[] = []
  for (const log of state.broadLogs) {
    if (profileId !== undefined && log.profileId !== profileId) continue
    events.push({
      id: log.id,
      eventType: log.status === 'failed' ? 'bounce' : 'send',
      date: log.eventDate,
      delivery: deliveries.get(log.deliveryId)!,
      profileId: log.profileId,
      broadLog: log
    })
  }
  for (const log of state.trackingLogs) {
    if (profileId !== undefined && log.profileId !== profileId) continue
    events.push({
      id: log.id,
      eventType: log.kind,
      date: log.logDate,
      delivery: deliveries.get(log.deliveryId)!,
      profileId: log.profileId,
      broadLog: broadLogs.get(log.broadLogId)!,
      tracking: log
    })
  }
  return events.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id))
}

const labels: Record<EventType, (e: MarketingEvent) => string> = {
  send: () => 'Send via email',
  bounce: (e) => `Failed send via email (${e.broadLog.failureReason})`,
  open: () => 'Email opened',
  click: (e) => `Click on '${e.tracking?.urlLabel ?? ''}'`
}

export function mirrorPageUrl(model: CampaignModel, broadLogId: number): string {
  return `${model.settings.baseUrl}/campaign/m/${model.codec.encode(`mirror/${broadLogId}`).slice(1)}`
}

function renderEvent(model: CampaignModel, eventsHref: string, event: MarketingEvent): Record<string, unknown> {
  const pkey = model.pkey(event.tracking ? 'trackingLog' : 'broadLog', event.id)
  const href = `${eventsHref}/${pkey}`
  const documented = {
    PKey: pkey,
    category: 'email',
    date: event.date,
    href,
    label: labels[event.eventType](event),
    mirrorPage: { href: `${href}/mirrorPage/` },
    type: event.tracking ? 'inbound' : 'outbound'
  }
  if (model.settings.historyEvents === 'documented') return sortKeys(documented)
  return sortKeys({
    ...documented,
    eventId: String(event.id),
    eventType: event.eventType,
    deliveryCode: event.delivery.code,
    deliveryLabel: event.delivery.label,
    campaignCode: event.delivery.campaignCode,
    campaignLabel: event.delivery.campaignLabel,
    mirrorPageUrl: mirrorPageUrl(model, event.broadLog.id),
    url: event.tracking?.url ?? '',
    failureType: event.broadLog.failureType,
    failureReason: event.eventType === 'bounce' ? event.broadLog.failureReason : ''
  })
}

function renderHistory(model: CampaignModel, base: string, family: Family, profile: StoredRecord): Record<string, unknown> {
  const pkey = model.pkey('profile', profile.id)
  const href = `${base}${family}/history/${pkey}`
  const events = marketingEvents(model, profile.id)
  const outbound = events.filter((e) => !e.tracking)
  return sortKeys({
    PKey: pkey,
    href,
    email: profile.values.email ?? '',
    firstName: profile.values.firstName ?? '',
    lastName: profile.values.lastName ?? '',
    title: profile.values.title ?? '',
    countBroadLogEvents: outbound.length,
    countSubHistoEvents: 0,
    minBroadLogEvents: outbound[0]?.date ?? '',
    minSubHistoEvents: '',
    events: { href: `${href}/events/`, metadata: 'subHisto' }
  })
}

export function historyRoutes(model: CampaignModel, request: CampaignRequest, family: Family, rest: string[]): Reply {
  if (request.method !== 'GET') throw engine.noRoute()
  const profileDef = model.resources.get('profile')!
  const listOfHistories = (filters: typeof profileDef.filters, path: string): Reply =>
    ok(
      listResponse(model, {
        base: request.base,
        family,
        resource: profileDef,
        path,
        filters,
        query: request.query,
        render: (record) => renderHistory(model, request.base, family, record)
      })
    )
  if (rest.length === 0) return listOfHistories([], `${family}/history`)
  if (rest.length === 1 && !rest[0].startsWith('@')) {
    const filter = profileDef.filters.find((f) => f.name === rest[0] && !f.custom)
    if (!filter) throw engine.noRoute()
    return listOfHistories([filter], `${family}/history/${rest[0]}`)
  }
  const profile = model.findByPKey(profileDef, rest[0])
  if (rest.length === 1) return ok(renderHistory(model, request.base, family, profile))
  if (rest[1] !== 'events') throw engine.noRoute()
  const eventsHref = `${request.base}${family}/history/${rest[0]}/events`
  const events = marketingEvents(model, profile.id)
  if (rest.length === 2) {
    const byId = new Map(events.map((e) => [e.id, e]))
    // Adobe documents no order for this list: with only the documented keys, `_order` is not
    // honoured either and events come oldest first [INF], so a client cannot count on one.
    const query = new URLSearchParams(request.query)
    if (model.settings.historyEvents === 'documented') query.delete('_order')
    return ok(
      listResponse(model, {
        base: request.base,
        family,
        resource: model.resources.get('historyEvent')!,
        path: `${family}/history/${rest[0]}/events`,
        filters: [],
        query,
        rows: events.map((e) => ({
          id: e.id,
          values: {
            date: e.date,
            category: 'email',
            label: labels[e.eventType](e),
            type: e.tracking ? 'inbound' : 'outbound',
            eventType: e.eventType
          }
        })),
        render: (record) => renderEvent(model, eventsHref, byId.get(record.id)!)
      })
    )
  }
  const key = model.codec.parseRecordKey(rest[2])
  const event = key ? events.find((e) => e.id === key.id && (key.resource === 'trackingLog') === Boolean(e.tracking)) : undefined
  if (!event) {
    if (!key) throw engine.invalidPKey(rest[2], 'Events (nms:subHisto)')
    throw engine.notFound('Events', rest[2])
  }
  if (rest.length === 3) return ok(renderEvent(model, eventsHref, event))
  if (rest.length === 4 && rest[3] === 'mirrorPage') {
    return { status: 200, raw: { contentType: 'text/html; charset=utf-8', text: mirrorPageHtml(event.delivery, event.broadLog) } }
  }
  throw engine.noRoute()
}

export function mirrorPageHtml(delivery: Delivery, log: BroadLog): string {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(delivery.label)}</title></head><body><h1>${escape(delivery.label)}</h1><p>Sent to ${escape(log.address)} on ${escape(log.contactDate)}.</p></body></html>`
}
