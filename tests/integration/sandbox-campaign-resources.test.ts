import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import type { CampaignSandboxOptions } from '../../src/main/sandbox/campaign'

/** Custom resources, services and subscriptions, marketing events, log exports, snapshots (docs/sandbox-campaign.md). */

type Json = Record<string, any>
const RST = 'RST-360011 An error has occurred - please contact your administrator.'

async function open(options: Partial<Omit<CampaignSandboxOptions, 'baseUrl'>> = {}) {
  const served = await serveCampaignSandbox({ seed: 11, profiles: 40, ...options })
  const { info } = served.sandbox
  const tokenRes = await fetch(info.imsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.clientId,
      client_secret: info.clientSecret,
      scope: info.scopes.join(',')
    })
  })
  const accessToken = ((await tokenRes.json()) as Json).access_token as string
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(path.startsWith('http') ? path : info.url + path, {
      method,
      headers: { Authorization: `Bearer ${accessToken}`, 'X-Api-Key': info.clientId, 'Content-Type': 'application/json;charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as any, text }
  }
  const all = async (path: string) => {
    const rows: Json[] = []
    let next: string | undefined = path
    while (next) {
      const page: Json = (await call('GET', next)).json
      rows.push(...page.content)
      next = page.next?.href
    }
    return rows
  }
  return { served, sandbox: served.sandbox, info, call, all, close: () => served.close() }
}

let s: Awaited<ReturnType<typeof open>>
beforeAll(async () => {
  s = await open()
})
afterAll(async () => {
  await s.close()
})

describe('custom resources linked to the profile', () => {
  it('live under /profileAndServicesExt only; an unknown resource is a 404', async () => {
    expect((await s.call('GET', 'profileAndServicesExt/cusVehicle')).status).toBe(200)
    expect((await s.call('GET', 'profileAndServices/cusVehicle')).status).toBe(404)
    expect((await s.call('GET', 'profileAndServicesExt/cusNothing')).status).toBe(404)
    const meta = await s.call('GET', 'profileAndServicesExt/resourceType/cusEventRegistration')
    expect(meta.json.content.profile).toMatchObject({ type: 'link', resTarget: 'profile' })
    expect(meta.json.content.externalId.isKey).toBeUndefined()
  })

  it('links by PKey or href; a bad PKey is the XTK error, a missing profile a 404; 0..1 allows no link', async () => {
    const profile = (
      await s.call('POST', 'profileAndServicesExt/profile', {
        email: 'reg@example.com',
        lastName: 'Registrant',
        cusDynamicsContactId: 'c-reg-1'
      })
    ).json
    const reg = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', {
      externalId: 'r-1',
      eventName: 'Spring summit',
      eventDate: '2025-04-01T09:00:00Z',
      registrationStatus: 'registered',
      profile: { PKey: profile.PKey }
    })
    expect(reg.status).toBe(201)
    expect(reg.json.profile).toEqual({
      PKey: profile.PKey,
      href: `${s.info.url}profileAndServices/profile/${profile.PKey}`,
      title: 'Registrant (reg@example.com)'
    })
    expect(reg.json.eventDate).toBe('2025-04-01 09:00:00.000Z')
    expect(reg.json.href).toBe(`${s.info.url}profileAndServicesExt/cusEventRegistration/${reg.json.PKey}`)

    const viaHref = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', {
      externalId: 'r-2',
      profile: { href: profile.href }
    })
    expect(viaHref.json.profile.PKey).toBe(profile.PKey)
    const unlinked = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', { externalId: 'r-3' })
    expect(unlinked.status).toBe(201)
    expect(unlinked.json.profile).toEqual({})

    const badKey = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', { externalId: 'r-4', profile: { PKey: '@nope' } })
    expect(badKey.status).toBe(500)
    expect(badKey.json.message).toContain('XTK-170036')
    const badEnum = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', { externalId: 'r-5', registrationStatus: 'maybe' })
    expect(badEnum.json.message).toContain("'cus:eventRegistration:registrationStatus' enumeration")
    const dup = await s.call('POST', 'profileAndServicesExt/cusEventRegistration', { externalId: 'r-1' })
    expect(dup.status).toBe(500)
    expect(dup.json.message).toContain("with the same key 'r-1' already exists")

    const byKey = await s.call('GET', 'profileAndServicesExt/cusEventRegistration/byExternalId?externalId_parameter=r-2')
    expect(byKey.json.content.map((r: Json) => r.PKey)).toEqual([viaHref.json.PKey])
    const patched = await s.call('PATCH', 'profileAndServicesExt/cusEventRegistration/r-1', { registrationStatus: 'attended' })
    expect(patched.status).toBe(200)
    expect(patched.json).toEqual({ PKey: reg.json.PKey, href: reg.json.href })
  })

  it('lists a 1-cardinality child only once its parent arrives; its own href works from the POST on', async () => {
    const vehicle = await s.call('POST', 'profileAndServicesExt/cusVehicle', {
      externalId: 'v-1',
      vin: '1HGCM82633A004352',
      vehicleName: 'Civic',
      profileExternalId: 'c-late',
      modelYear: 2021
    })
    expect(vehicle.status).toBe(201)
    const listed = async () => (await s.all('profileAndServicesExt/cusVehicle/byExternalId?externalId_parameter=v-1')).length
    expect(await listed()).toBe(0)
    // The href the POST returned reads, patches (and deletes) that record.
    const read = await s.call('GET', vehicle.json.href)
    expect(read.status).toBe(200)
    expect(read.json).toMatchObject({ PKey: vehicle.json.PKey, externalId: 'v-1', vehicleOwner: {} })
    const patched = await s.call('PATCH', vehicle.json.href, { vehicleName: 'Civic Type R' })
    expect(patched.status).toBe(200)
    expect(patched.json).toEqual({ PKey: vehicle.json.PKey, href: vehicle.json.href })
    expect((await s.call('GET', 'profileAndServicesExt/cusVehicle/v-1')).json.vehicleName).toBe('Civic Type R')
    const temporary = await s.call('POST', 'profileAndServicesExt/cusVehicle', {
      externalId: 'v-tmp',
      vin: 'TMP',
      profileExternalId: 'c-nobody'
    })
    expect((await s.call('DELETE', temporary.json.href)).status).toBe(200)
    expect((await s.call('GET', temporary.json.href)).status).toBe(404)

    const owner = (
      await s.call('POST', 'profileAndServicesExt/profile', { email: 'late@example.com', lastName: 'Late', cusDynamicsContactId: 'c-late' })
    ).json
    expect(await listed()).toBe(1)
    const shown = await s.call('GET', 'profileAndServicesExt/cusVehicle/v-1')
    expect(shown.json.vehicleOwner.PKey).toBe(owner.PKey)
    expect(shown.json.vin).toBe('1HGCM82633A004352')
    // The link is computed from the join field: another profile is refused, the one it resolves to is tolerated.
    const other = (
      await s.call('POST', 'profileAndServicesExt/profile', {
        email: 'other@example.com',
        lastName: 'Other',
        cusDynamicsContactId: 'c-other'
      })
    ).json
    expect((await s.call('PATCH', shown.json.href, { vehicleOwner: { PKey: other.PKey } })).json.message).toContain('read-only')
    expect((await s.call('PATCH', shown.json.href, { vehicleOwner: { PKey: owner.PKey } })).status).toBe(200)
    expect((await s.call('POST', 'profileAndServicesExt/cusVehicle', { externalId: 'v-2', vin: 'X'.repeat(18) })).json.message).toContain(
      'character varying(17)'
    )

    // Deleting the profile deletes what it owns.
    expect((await s.call('DELETE', owner.href)).status).toBe(200)
    expect((await s.call('GET', shown.json.href)).status).toBe(404)
    expect((await s.call('GET', 'profileAndServicesExt/cusVehicle/_count')).json.count).toBe(0)
  })
})

describe('services and subscriptions', () => {
  it('lists, filters and creates services; duplicate and unknown names give the documented errors', async () => {
    const services = await s.call('GET', 'profileAndServices/service')
    expect(services.json.content.map((x: Json) => x.name)).toEqual(['SVC1', 'SVC2', 'SVC3'])
    expect(services.json.content[0]).toMatchObject({
      title: 'Sport Newsletter (SVC1)',
      messageType: 'email',
      mode: 'newsletter',
      builtIn: false
    })
    expect((await s.call('GET', 'profileAndServices/service/byChannel?channel=sms')).json.content.map((x: Json) => x.name)).toEqual([
      'SVC3'
    ])
    expect((await s.call('GET', 'profileAndServices/service/byChannel/_count?channel=email')).json).toEqual({ count: 2 })

    const created = await s.call('POST', 'profileAndServices/service/', {
      label: 'My newsletter',
      messageType: 'email',
      name: 'email_newsletter',
      start: '2019-10-06'
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ builtIn: false, label: 'My newsletter', start: '2019-10-06' })
    expect(created.json.created).toMatch(/Z$/)
    const dup = await s.call('POST', 'profileAndServices/service/', { name: 'SVC1' })
    expect(dup.json.message).toMatch(
      /^A 'Service' with the same key 'SVC1' already exists\. PGS-220000 PostgreSQL error: ERROR: {2}duplicate key value violates unique constraint "nmsservice_name"/
    )
    const missing = await s.call('GET', 'profileAndServices/service/adobe_nl')
    expect(missing.status).toBe(404)
    expect(missing.json.message).toBe(`${RST} Unable to find document with path 'Service' from key 'adobe_nl'.`)
  })

  it('subscribes from the profile and from the service, lists both sides, unsubscribes with 204', async () => {
    const profile = (
      await s.call('POST', 'profileAndServices/profile', { email: 'sub@example.com', firstName: 'Sub', lastName: 'Scriber' })
    ).json
    const svc2 = (await s.call('GET', 'profileAndServices/service/SVC2')).json
    const fromProfile = await s.call('POST', profile.subscriptions.href.replace(/\/$/, ''), { service: { PKey: svc2.PKey } })
    expect(fromProfile.status).toBe(201)
    expect(fromProfile.json).toMatchObject({
      serviceName: 'SVC2',
      service: { PKey: svc2.PKey, title: 'Weekly deals (SVC2)' },
      subscriber: { PKey: profile.PKey }
    })
    expect(fromProfile.json.href).toBe(`${profile.href}/subscriptions/${fromProfile.json.PKey}`)

    const svc3 = (await s.call('GET', 'profileAndServices/service/SVC3')).json
    const fromService = await s.call('POST', `${svc3.href}/subscriptions/`, { subscriber: { PKey: profile.PKey } })
    expect(fromService.status).toBe(201)
    expect(fromService.json).toMatchObject({
      metadata: 'subscriptionRcp',
      serviceName: 'SVC3',
      email: 'sub@example.com',
      subscriber: { email: 'sub@example.com', firstName: 'Sub', lastName: 'Scriber' }
    })
    expect(fromService.json.href).toBe(`${svc3.href}/subscriptions/${fromService.json.PKey}`)

    const mine = await s.call('GET', profile.subscriptions.href)
    expect(mine.json.content.map((x: Json) => x.serviceName).sort()).toEqual(['SVC2', 'SVC3'])
    const theirs = await s.all(`${svc3.href}/subscriptions`)
    expect(theirs.some((x) => x.subscriber.PKey === profile.PKey)).toBe(true)

    const gone = await s.call('DELETE', fromService.json.href)
    expect(gone.status).toBe(204)
    expect(gone.text).toBe('')
    expect((await s.call('GET', profile.subscriptions.href)).json.content.map((x: Json) => x.serviceName)).toEqual(['SVC2'])
  })
})

describe('marketing events', () => {
  it('are deterministic from the seed', async () => {
    const now = () => new Date(Date.UTC(2025, 4, 20, 12))
    const a = await open({ seed: 5, profiles: 80, now })
    const b = await open({ seed: 5, profiles: 80, now })
    try {
      const ra = a.sandbox.simulateDelivery({ name: 'Spring' })
      const rb = b.sandbox.simulateDelivery({ name: 'Spring' })
      expect(ra).toEqual(rb)
      expect(ra.events).toBeGreaterThan(80)
      expect(a.sandbox.snapshot()).toEqual(b.sandbox.snapshot())
      expect(a.sandbox.simulateDelivery({ name: 'Spring', seed: 99 })).not.toEqual(ra)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('show up in the per-profile marketing history with the documented event shape', async () => {
    const m = await open({ seed: 8, profiles: 60, deliveries: 0 })
    try {
      const before = await m.all('profileAndServicesExt/profile?_lineCount=100')
      const excluded = before.filter((p) => p.blackListEmail || p.blackList || !p.email)
      expect(excluded.length).toBeGreaterThan(0)
      const filtered = m.sandbox.simulateDelivery({ name: 'Only Smiths', profileFilter: (p) => p.lastName === 'Smith' })
      const everyone = m.sandbox.simulateDelivery({ name: 'Everyone' })
      expect(filtered.events).toBeLessThan(everyone.events)
      const histories = await m.all('profileAndServices/history?_lineCount=50')
      expect(histories).toHaveLength(60)
      const withEvents = histories.filter((h) => h.countBroadLogEvents > 0)
      expect(withEvents.length).toBeGreaterThan(20)
      const history = withEvents[0]
      expect(history.events).toEqual({ href: `${history.href}/events/`, metadata: 'subHisto' })
      const single = await m.call('GET', history.href)
      expect(single.json.PKey).toBe(history.PKey)

      const events = (await m.call('GET', `${history.events.href}?_order=date%20desc`)).json.content as Json[]
      expect(events.length).toBeGreaterThan(0)
      for (const event of events) {
        expect(event).toMatchObject({ category: 'email', mirrorPage: { href: `${event.href}/mirrorPage/` } })
        expect(event.href).toBe(`${history.href}/events/${event.PKey}`)
        expect(['send', 'bounce', 'open', 'click']).toContain(event.eventType)
        expect(event.type).toBe(event.eventType === 'open' || event.eventType === 'click' ? 'inbound' : 'outbound')
        expect(event.date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      }
      const dates = events.map((e) => e.date)
      expect(dates).toEqual([...dates].sort().reverse())
      const one = await m.call('GET', events[0].href)
      expect(one.json.eventId).toBe(events[0].eventId)
      const mirror = await fetch(one.json.mirrorPageUrl)
      expect(mirror.status).toBe(200)
      expect(mirror.headers.get('content-type')).toContain('text/html')

      const byEmail = await m.call('GET', `profileAndServices/history/byEmail?email=${encodeURIComponent(history.email)}`)
      expect(byEmail.json.content.some((h: Json) => h.PKey === history.PKey)).toBe(true)

      const bounced = await Promise.all(withEvents.map(async (h) => (await m.all(h.events.href)).filter((e) => e.eventType === 'bounce')))
      const bounces = bounced.flat()
      expect(bounces.length).toBeGreaterThan(0)
      expect(bounces.every((b) => ['hard', 'soft'].includes(b.failureType) && b.failureReason !== '')).toBe(true)
      // Denylisted and address-less profiles are excluded before sending: no history at all.
      for (const p of excluded) {
        expect((await m.call('GET', `profileAndServices/history/${p.PKey}`)).json.countBroadLogEvents).toBe(0)
      }
      // A click on the unsubscribe link denylists the profile for email.
      const unsubscribed = new Set<string>()
      for (const h of withEvents) {
        if ((await m.all(h.events.href)).some((e) => e.eventType === 'click' && e.label === "Click on 'Unsubscribe'"))
          unsubscribed.add(h.PKey)
      }
      expect(unsubscribed.size).toBeGreaterThan(0)
      for (const pkey of unsubscribed) expect((await m.call('GET', `profileAndServices/profile/${pkey}`)).json.blackListEmail).toBe(true)
    } finally {
      await m.close()
    }
  })

  it('are exported incrementally as broadLogRcp / trackingLogRcp CSV files with stable ids', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'campaign-export-'))
    const m = await open({ seed: 9, profiles: 50, deliveries: 0, exportFolder: folder })
    try {
      const delivery = m.sandbox.simulateDelivery({ name: 'Launch, "quoted"' })
      const first = await m.sandbox.exportLogs()
      expect(first.map((p) => p.split(/[\\/]/).pop())).toEqual([
        expect.stringMatching(/^broadLogRcp_\d{8}_\d{6}_0001\.csv$/),
        expect.stringMatching(/^trackingLogRcp_\d{8}_\d{6}_0001\.csv$/)
      ])
      const broad = parseCsv(await readFile(first[0], 'utf8'))
      const tracking = parseCsv(await readFile(first[1], 'utf8'))
      expect(broad[0]).toEqual(
        expect.arrayContaining([
          'id',
          'deliveryLabel',
          'contactDate',
          'address',
          'status',
          'msg-id',
          'eventDate',
          'lastModified',
          'delivery-id',
          'profile-id',
          'failureType',
          'failureReason'
        ])
      )
      expect(tracking[0]).toEqual(
        expect.arrayContaining([
          'id',
          'urlLabel',
          'urlSource',
          'userAgent',
          'trackedDevice',
          'logDate',
          'sourceType',
          'url-id',
          'delivery-id',
          'broadLog-id',
          'recipient-id'
        ])
      )
      expect(broad.length - 1 + tracking.length - 1).toBe(delivery.events)
      const col = (rows: string[][], name: string) => rows.slice(1).map((r) => r[rows[0].indexOf(name)])
      expect(new Set(col(broad, 'deliveryLabel'))).toEqual(new Set(['Launch, "quoted"']))
      const broadIds = new Set(col(broad, 'id'))
      expect(broadIds.size).toBe(broad.length - 1)
      expect(col(tracking, 'broadLog-id').every((id) => broadIds.has(id))).toBe(true)
      expect(new Set(col(tracking, 'urlLabel')).has('Open')).toBe(true)
      expect(col(broad, 'status').every((x) => x === 'sent' || x === 'failed')).toBe(true)

      // History event ids are the export ids: a sync can be idempotent on either path.
      const profiles = await m.all('profileAndServices/history?_lineCount=100')
      const historyIds = new Set<string>()
      for (const h of profiles.filter((x) => x.countBroadLogEvents > 0))
        for (const e of await m.all(h.events.href)) historyIds.add(e.eventId)
      expect([...broadIds].every((id) => historyIds.has(id))).toBe(true)

      const second = await m.sandbox.exportLogs()
      expect(parseCsv(await readFile(second[0], 'utf8'))).toHaveLength(1)
      m.sandbox.simulateDelivery({ name: 'Follow-up' })
      const third = await m.sandbox.exportLogs()
      const thirdRows = parseCsv(await readFile(third[0], 'utf8'))
      expect(thirdRows.length).toBeGreaterThan(1)
      expect(col(thirdRows, 'id').some((id) => broadIds.has(id))).toBe(false)
      expect((await readdir(folder)).filter((f) => f.endsWith('.part'))).toEqual([])
    } finally {
      await m.close()
      await rm(folder, { recursive: true, force: true })
    }
  })
})

describe('state', () => {
  it('snapshots and restores, including through JSON', async () => {
    const m = await open({ seed: 12, profiles: 10 })
    try {
      const before = (await m.call('GET', 'profileAndServices/profile/_count')).json.count
      const snapshot = JSON.parse(JSON.stringify(m.sandbox.snapshot()))
      const first = (await m.call('GET', 'profileAndServices/profile?_lineCount=1')).json.content[0]
      await m.call('DELETE', first.href)
      await m.call('POST', 'profileAndServices/profile', { email: 'new@example.com' })
      m.sandbox.restore(snapshot)
      expect((await m.call('GET', 'profileAndServices/profile/_count')).json.count).toBe(before)
      expect((await m.call('GET', first.href)).json.email).toBe(first.email)
      expect(() => m.sandbox.restore({ nope: true })).toThrow()
    } finally {
      await m.close()
    }
  })

  it('lets a Campaign-side edit move the opt-out timestamps (editProfile)', async () => {
    const m = await open({ seed: 13, profiles: 10 })
    try {
      const target = (await m.all('profileAndServicesExt/profile')).find((p) => !p.blackListEmail)!
      m.sandbox.editProfile(target.PKey, { blackListEmail: true })
      const after = (await m.call('GET', target.href)).json
      expect(after.blackListEmail).toBe(true)
      expect(after.blackListEmailLastModified > (target.blackListEmailLastModified || '')).toBe(true)
      expect(() => m.sandbox.editProfile(target.PKey, { gender: 'nope' })).toThrow(/enumeration/)
    } finally {
      await m.close()
    }
  })

  it('bulk-writes by identification key without HTTP, with the validation of a POST or PATCH (writeByKey)', async () => {
    const m = await open({ seed: 14, profiles: 0 })
    try {
      const key = m.sandbox.info.dynamicsKeyField
      expect(m.sandbox.hasKey('profile', 'contact-1')).toBe(false)
      expect(m.sandbox.writeByKey('profile', { [key]: 'contact-1', email: 'ann@example.com', lastName: 'Ann' })).toBe('created')
      expect(m.sandbox.writeByKey('profile', { [key]: 'contact-1', lastName: 'Anne' })).toBe('updated')
      expect(m.sandbox.hasKey('profile', 'contact-1')).toBe(true)
      const stored = (await m.call('GET', `profileAndServicesExt/profile/contact-1`)).json
      expect(stored).toMatchObject({ email: 'ann@example.com', lastName: 'Anne' })
      // Refused as over HTTP, and nothing is stored.
      expect(() => m.sandbox.writeByKey('profile', { [key]: 'contact-2', email: 'not an address' })).toThrow(/XTK-170001/)
      expect(m.sandbox.hasKey('profile', 'contact-2')).toBe(false)
      expect(() => m.sandbox.writeByKey('cusVehicle', { externalId: 'v-1', vin: 'X'.repeat(18) })).toThrow(/value too long/)
      expect(() => m.sandbox.writeByKey('profile', { email: 'no-key@example.com' })).toThrow(/has no/)
      expect((await m.all('profileAndServicesExt/profile')).length).toBe(1)
    } finally {
      await m.close()
    }
  })
})

/** Minimal RFC 4180 reader for the assertions. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(cell)
      cell = ''
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += ch
  }
  return rows
}
