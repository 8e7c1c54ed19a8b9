import { chance, intBetween, pick, rowRandom } from '../common/random'
import { formatTimestamp } from './dates'
import type { CampaignModel } from './model'
import type { BroadLog, TrackingLog } from './store'

export interface SimulateDeliveryOptions {
  name?: string
  /** Receives the profile as `/profileAndServicesExt/profile` renders it (PKey, email, custom fields…). */
  profileFilter?: (profile: Record<string, unknown>) => boolean
  seed?: number
  /** Only this share (0–1) of the profiles is targeted: a segment, chosen per profile from the seed. Default 1. */
  share?: number
  /** When the delivery went out (default two days ago); every event falls between then and now. */
  sentAt?: Date
}

const links = [
  { label: 'Product page', url: 'https://www.example.com/products/spring' },
  { label: 'Store locator', url: 'https://www.example.com/stores' },
  { label: 'Unsubscribe', url: 'https://www.example.com/unsubscribe' },
  { label: 'View in browser', url: 'https://www.example.com/mirror' }
]
const agents = [
  { agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', device: 'pc' },
  {
    agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    device: 'mobile'
  },
  { agent: 'Microsoft Outlook 16.0', device: 'pc' }
]
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
const minute = 60_000

/**
 * Runs one email delivery over the current profiles, as Campaign would record it: a
 * broadLog per target (sent, or failed = bounce with Campaign's failure types and reasons,
 * https://experienceleague.adobe.com/en/docs/campaign-standard/using/testing-and-sending/monitoring-messages/understanding-delivery-failures, then opens and clicks in the tracking logs. Everything is a function of
 * the seed and the profile, so the same delivery on the same data gives the same events.
 */
export function simulateDelivery(model: CampaignModel, options: SimulateDeliveryOptions): { deliveryId: string; events: number } {
  const state = model.store.raw
  const number = state.deliveries.length + 1
  const seed = options.seed ?? model.settings.seed * 1000 + number
  const now = model.settings.now().getTime()
  // By default the delivery went out two days ago; every event falls between then and now.
  const start = Math.min(now - 60 * minute, options.sentAt?.getTime() ?? now - 2 * 24 * 60 * minute)
  const share = options.share ?? 1
  const delivery = {
    id: model.store.newId(),
    label: options.name ?? `Newsletter #${number}`,
    code: `DM${String(189 + number)}`,
    campaignLabel: `${new Date(start).getUTCFullYear()}LoyaltyCamp`,
    campaignCode: `OP${String(40 + number)}`,
    messageType: 'email' as const,
    contactDate: formatTimestamp(new Date(start))
  }
  state.deliveries.push(delivery)

  const profileDef = model.resources.get('profile')!
  const optOut = model.settings.optOutNaming
  let events = 0
  for (const profile of model.store.rows('profile')) {
    if (
      options.profileFilter &&
      !options.profileFilter(
        model.render(
          `${model.settings.baseUrl}/${encodeURIComponent(model.settings.orgId)}/campaign/`,
          'profileAndServicesExt',
          profileDef,
          profile
        )
      )
    )
      continue
    if (share < 1 && !chance(rowRandom(seed, 'campaign.segment', profile.id), share)) continue
    const values = profile.values
    // Denylisted profiles and profiles without an address are excluded before sending: no broadLog.
    if (values[optOut] === true || values[`${optOut}Email`] === true || !values.email) continue
    const random = rowRandom(seed, 'campaign.delivery', profile.id)
    const address = String(values.email)
    const sentAt = start + intBetween(random, 0, 30) * minute
    let failureType: BroadLog['failureType'] = ''
    let failureReason = ''
    if (!emailPattern.test(address)) [failureType, failureReason] = ['hard', 'User unknown']
    else if (chance(random, 0.04))
      [failureType, failureReason] = pick(random, [
        ['hard', 'User unknown'],
        ['hard', 'Invalid domain'],
        ['soft', 'Mailbox full'],
        ['soft', 'Refused'],
        ['soft', 'Unreachable']
      ] as const)
    const eventAt = failureType ? sentAt + intBetween(random, 1, 240) * minute : sentAt
    const log: BroadLog = {
      id: model.store.newId(),
      deliveryId: delivery.id,
      profileId: profile.id,
      address,
      status: failureType ? 'failed' : 'sent',
      failureType,
      failureReason,
      contactDate: formatTimestamp(new Date(sentAt)),
      eventDate: formatTimestamp(new Date(eventAt)),
      lastModified: formatTimestamp(new Date(eventAt)),
      msgId: `${delivery.code}-${profile.id}`
    }
    state.broadLogs.push(log)
    events++
    if (failureType) continue
    if (!chance(random, 0.45)) continue
    const agent = pick(random, agents)
    let at = sentAt + intBetween(random, 5, 600) * minute
    const opens = intBetween(random, 1, 3)
    const clicks = chance(random, 0.4) ? intBetween(random, 1, 2) : 0
    const track = (kind: TrackingLog['kind'], link?: (typeof links)[number]) => {
      at = Math.min(now - minute, at + intBetween(random, 1, 120) * minute)
      state.trackingLogs.push({
        id: model.store.newId(),
        deliveryId: delivery.id,
        broadLogId: log.id,
        profileId: profile.id,
        kind,
        urlLabel: link ? link.label : 'Open',
        url: link ? link.url : '',
        urlId: link ? links.indexOf(link) + 1 : 1,
        logDate: formatTimestamp(new Date(at)),
        userAgent: agent.agent,
        trackedDevice: agent.device,
        sourceType: 'html'
      })
      events++
    }
    for (let i = 0; i < opens; i++) track('open')
    for (let i = 0; i < clicks; i++) {
      const link = pick(random, links)
      track('click', link)
      // The unsubscribe link denylists the profile for email, as Campaign's unsubscription page does.
      // Stamped with the current time so incremental readers (modified since…) see it.
      if (link.label === 'Unsubscribe' && values[`${optOut}Email`] !== true) {
        const stamp = formatTimestamp(model.settings.now())
        values[`${optOut}Email`] = true
        values[`${optOut}EmailLastModified`] = stamp
        values.lastModified = stamp
      }
    }
  }
  return { deliveryId: String(delivery.id), events }
}

const day = 24 * 60 * minute

/**
 * The marketing history a fresh sandbox starts with: `settings.deliveries` newsletters, a
 * week apart, the last one two days ago, each sent to about half of the profiles. Seeded
 * like everything else, so the same seed gives the same sends, opens, clicks and bounces.
 */
export function seedHistory(model: CampaignModel): void {
  const { deliveries, seed } = model.settings
  const now = model.settings.now().getTime()
  for (let k = 0; k < deliveries; k++) {
    const daysAgo = 2 + 7 * (deliveries - 1 - k)
    simulateDelivery(model, { seed: seed * 1000 + k + 1, share: 0.5, sentAt: new Date(now - daysAgo * day) })
  }
}
