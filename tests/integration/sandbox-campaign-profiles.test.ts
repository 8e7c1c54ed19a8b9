import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import type { CampaignSandboxOptions } from '../../src/main/sandbox/campaign'

/** Profiles, resource metadata, paging, filters and engine errors, docs/sandbox-campaign.md. */

type Json = Record<string, any>

class Client {
  private accessToken = ''
  constructor(readonly served: ServedCampaignSandbox) {}
  get info() {
    return this.served.sandbox.info
  }
  async login(): Promise<void> {
    const res = await fetch(this.info.imsUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.info.clientId,
        client_secret: this.info.clientSecret,
        scope: this.info.scopes.join(',')
      })
    })
    this.accessToken = ((await res.json()) as Json).access_token
  }
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string; headers: Headers }> {
    const res = await fetch(path.startsWith('http') ? path : this.info.url + path, {
      method,
      headers: {
        Authorization: `Bearer ${this.accessToken}`,
        'X-Api-Key': this.info.clientId,
        'Cache-Control': 'no-cache',
        'Content-Type': 'application/json;charset=utf-8'
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, json, text, headers: res.headers }
  }
  get = (path: string) => this.call('GET', path)
  post = (path: string, body: unknown) => this.call('POST', path, body)
  patch = (path: string, body: unknown) => this.call('PATCH', path, body)
  delete = (path: string) => this.call('DELETE', path)
}

async function open(options: Partial<Omit<CampaignSandboxOptions, 'baseUrl'>> = {}): Promise<Client> {
  const client = new Client(await serveCampaignSandbox({ seed: 42, profiles: 60, ...options }))
  await client.login()
  return client
}

let c: Client
beforeAll(async () => {
  c = await open()
})
afterAll(async () => {
  await c.served.close()
})

const RST = 'RST-360011 An error has occurred - please contact your administrator.'

describe('resource metadata', () => {
  it('describes the profile with the documented top-level shape; extension fields only under Ext', async () => {
    const plain = await c.get('profileAndServices/resourceType/profile')
    expect(plain.status).toBe(200)
    expect(plain.json).toMatchObject({
      data: '/profileAndServices/profile/',
      help: 'Identified profiles',
      label: 'Profiles',
      mandatory: false,
      name: 'profile',
      pkgStatus: 'never',
      readOnly: false,
      schema: 'nms:recipient',
      type: 'item'
    })
    expect(plain.json.href).toBe(`${c.info.url}profileAndServices/profile/metadata`)
    expect(plain.json.content.email).toMatchObject({
      apiName: 'email',
      type: 'string',
      resType: 'string',
      length: 128,
      dataPolicy: 'email'
    })
    expect(plain.json.content.gender.type).toBe('enumeration')
    expect(Object.keys(plain.json.content.gender.values)).toEqual(['unknown', 'male', 'female'])
    expect(plain.json.content.subscriptions).toMatchObject({ type: 'collection', resTarget: 'subscription' })
    // Only documented per-field keys (plus label and length): no invented isKey / readOnly / mandatory.
    for (const node of Object.values(plain.json.content) as Record<string, unknown>[]) {
      expect(Object.keys(node).filter((k) => ['isKey', 'readOnly', 'mandatory'].includes(k))).toEqual([])
    }
    expect(plain.json.content.cusDynamicsContactId).toBeUndefined()

    const ext = await c.get('profileAndServicesExt/resourceType/profile')
    expect(ext.json.content.cusDynamicsContactId).toMatchObject({ apiName: 'cusDynamicsContactId', type: 'string' })
    expect(ext.json.content.cusDynamicsContactId.isKey).toBeUndefined()
    expect((await c.get('profileAndServices/profile/metadata')).json.name).toBe('profile')
  })

  it('lists filters through the filters href; custom filters only under Ext', async () => {
    const plain = await c.get('profileAndServices/resourceType/profile')
    expect(plain.json.filters.href).toMatch(new RegExp(`^${c.info.url}profileAndServices/resourceType/@[\\w-]+/filters/$`))
    const filters = await c.get(plain.json.filters.href)
    expect(filters.json.byText).toMatchObject({
      data: '/profileAndServices/profile/byText?text=$value&filterType=$value',
      label: 'By name or email',
      formType: 'none'
    })
    expect(filters.json.byEmail).toBeDefined()
    expect(filters.json.byDynamicsContactId).toBeUndefined()
    const ext = await c.get((await c.get('profileAndServicesExt/resourceType/profile')).json.filters.href)
    expect(ext.json.byDynamicsContactId.data).toBe('/profileAndServicesExt/profile/byDynamicsContactId?dynamicsContactId_parameter=$value')
  })

  it('lists the Ext family resources with apiName resourceType, custom resources included', async () => {
    const res = await c.get('profileAndServicesExt/')
    expect(res.json.apiName).toBe('resourceType')
    expect(res.json.cusVehicle).toMatchObject({
      data: '/profileAndServicesExt/cusVehicle/',
      name: 'cusVehicle',
      type: 'collection',
      href: `${c.info.url}profileAndServicesExt/cusVehicle/metadata`
    })
    expect((await c.get('profileAndServices/')).json.cusVehicle).toBeUndefined()
  })
})

describe('profile lists', () => {
  it('pages 25 by default with an absolute next href and an opaque _lineStart, until no next', async () => {
    const first = await c.get('profileAndServices/profile')
    expect(first.status).toBe(200)
    expect(first.json.content).toHaveLength(25)
    expect(first.json.serverSidePagination).toBe(true)
    expect(first.json.next.href).toMatch(new RegExp(`^${c.info.url}profileAndServices/profile\\?_lineCount=25&_lineStart=@[\\w-]{20,}$`))
    expect(first.json.count.href).toBe(`${c.info.url}profileAndServices/profile/_count`)
    const seen = new Set<string>(first.json.content.map((p: Json) => p.PKey))
    let next: string | undefined = first.json.next.href
    let pages = 1
    while (next) {
      const page = await c.get(next)
      for (const p of page.json.content) seen.add(p.PKey)
      next = page.json.next?.href
      pages++
    }
    expect(pages).toBe(3)
    expect(seen.size).toBe(60)
    expect((await c.get('profileAndServices/profile/_count')).json).toEqual({ count: 60 })
  })

  it('has opaque PKeys and absolute hrefs on every item', async () => {
    const page = await c.get('profileAndServices/profile?_lineCount=3')
    for (const p of page.json.content) {
      expect(p.PKey).toMatch(/^@[\w-]{40,}$/)
      expect(p.href).toBe(`${c.info.url}profileAndServices/profile/${p.PKey}`)
      expect(p.subscriptions).toEqual({ href: `${p.href}/subscriptions/` })
      expect(p.created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    }
    expect(page.json.next.href).toContain('_lineCount=3')
  })

  it('refuses a _lineStart it did not issue', async () => {
    const res = await c.get('profileAndServices/profile?_lineStart=@forged')
    expect(res.status).toBe(500)
    expect(res.json.message).toContain(RST)
  })

  it('orders by sortable fields, descending with %20desc, and refuses unsortable ones', async () => {
    const asc = await c.get('profileAndServices/profile?_order=lastName&_lineCount=100')
    const names = asc.json.content.map((p: Json) => p.lastName)
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b, 'en')))
    const desc = await c.get('profileAndServices/profile?_order=lastName%20desc&_lineCount=100')
    expect(desc.json.content.map((p: Json) => p.lastName)).toEqual([...names].reverse())
    const bad = await c.get('profileAndServices/profile?_order=thumbnail')
    expect(bad.status).toBe(500)
  })

  it('projects a single field as an array of strings', async () => {
    const res = await c.get('profileAndServices/profile/email?_lineCount=10')
    expect(res.json.content).toHaveLength(10)
    expect(res.json.content.every((e: unknown) => typeof e === 'string')).toBe(true)
    expect((await c.get(res.json.count.href)).json.count).toBe(60)
  })

  it('omits next on big tables unless _forcePagination=true', async () => {
    const small = await open({ profiles: 30, bigTableThreshold: 20 })
    try {
      expect((await small.get('profileAndServices/profile?_lineCount=10')).json.next).toBeUndefined()
      const forced = await small.get('profileAndServices/profile?_lineCount=10&_forcePagination=true')
      expect(forced.json.next.href).toContain('_forcePagination=true')
    } finally {
      await small.served.close()
    }
  })
})

describe('profile filters', () => {
  it('byEmail matches exactly and case-sensitively; byText by prefix on email or last name', async () => {
    const page = await c.get('profileAndServices/profile?_lineCount=100')
    const target = page.json.content.find((p: Json) => /^[a-z].*@.*\.[a-z]+$/.test(p.email))
    const byEmail = await c.get(`profileAndServices/profile/byEmail?email=${encodeURIComponent(target.email)}`)
    expect(byEmail.status).toBe(200)
    expect(byEmail.json.content.length).toBeGreaterThanOrEqual(1)
    expect(byEmail.json.content.every((p: Json) => p.email === target.email)).toBe(true)
    expect(
      (await c.get(`profileAndServices/profile/byEmail?email=${encodeURIComponent(target.email.toUpperCase())}`)).json.content
    ).toHaveLength(0)

    const prefix = target.lastName.slice(0, 2)
    const byText = await c.get(`profileAndServices/profile/byText?text=${encodeURIComponent(prefix)}`)
    expect(byText.json.content.length).toBeGreaterThan(0)
    expect(byText.json.content.every((p: Json) => p.lastName.startsWith(prefix) || p.email.startsWith(prefix))).toBe(true)
    const byFirst = await c.get(`profileAndServices/profile/byText?text=${encodeURIComponent(target.firstName)}&filterType=firstName`)
    expect(byFirst.json.content.every((p: Json) => p.firstName.startsWith(target.firstName))).toBe(true)

    const chained = await c.get(
      `profileAndServices/profile/byText/byEmail?text=${encodeURIComponent(prefix)}&email=${encodeURIComponent(target.email)}`
    )
    expect(chained.json.content.every((p: Json) => p.email === target.email)).toBe(true)
    const count = await c.get(`profileAndServices/profile/byEmail/_count?email=${encodeURIComponent(target.email)}`)
    expect(count.json.count).toBe(byEmail.json.content.length)
  })

  it('finds a profile by the Dynamics key: custom filter, custom key in the URL, Ext only', async () => {
    const ext = await c.get('profileAndServicesExt/profile?_lineCount=100')
    const linked = ext.json.content.find((p: Json) => p.cusDynamicsContactId)
    expect(linked).toBeDefined()
    const id = linked.cusDynamicsContactId
    const filtered = await c.get(`profileAndServicesExt/profile/byDynamicsContactId?dynamicsContactId_parameter=${id}`)
    expect(filtered.json.content.map((p: Json) => p.PKey)).toEqual([linked.PKey])
    const direct = await c.get(`profileAndServicesExt/profile/${id}`)
    expect(direct.status).toBe(200)
    expect(direct.json.PKey).toBe(linked.PKey)
    expect((await c.get(`profileAndServices/profile/byDynamicsContactId?dynamicsContactId_parameter=${id}`)).status).toBe(404)
    expect((await c.get('profileAndServicesExt/profile/00000000-0000-4000-8000-000000000000')).status).toBe(404)
  })

  it('answers an unknown filter with the documented 404 rc=-2003', async () => {
    const res = await c.get('profileAndServices/profile/byNothing?x=1')
    expect(res.status).toBe(404)
    expect(res.json).toEqual({ code: 404, message: `${RST} Error rc=-2003` })
  })
})

describe('profile writes', () => {
  it('creates (201), reads, patches (200 {PKey, href}) and deletes (200) a profile', async () => {
    const created = await c.post('profileAndServices/profile', {
      email: 'john.doe@mail.com',
      firstName: 'John',
      lastName: 'Doe',
      birthDate: '1980-10-24',
      gender: 'male'
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      email: 'john.doe@mail.com',
      firstName: 'John',
      gender: 'male',
      birthDate: '1980-10-24',
      domain: 'mail.com',
      title: 'Doe John (john.doe@mail.com)'
    })
    expect(created.json.href).toBe(`${c.info.url}profileAndServices/profile/${created.json.PKey}`)
    expect(created.json.created).toBe(created.json.lastModified)

    const read = await c.get(created.json.href)
    expect(read.status).toBe(200)
    expect(read.json.PKey).toBe(created.json.PKey)

    const patched = await c.patch(created.json.href, { phone: '3301020304' })
    expect(patched.status).toBe(200)
    expect(patched.json).toEqual({ PKey: created.json.PKey, href: created.json.href })
    expect((await c.get(created.json.href)).json.phone).toBe('3301020304')

    const deleted = await c.delete(created.json.href)
    expect(deleted.status).toBe(200)
    expect((await c.get(created.json.href)).status).toBe(404)
  })

  it('stamps opt-out timestamps per attribute, only when the value changes', async () => {
    let now = Date.UTC(2025, 2, 1, 9, 0, 0)
    const clocked = await open({ profiles: 0, now: () => new Date(now) })
    try {
      const p = (await clocked.post('profileAndServices/profile', { email: 'opt@example.com', blackListEmail: false })).json
      expect(p.blackListEmailLastModified).toBe('2025-03-01 09:00:00.000Z')
      expect(p.blackListMobileLastModified).toBe('')
      now += 60_000
      await clocked.patch(p.href, { blackListEmail: true, firstName: 'Opt' })
      now += 60_000
      await clocked.patch(p.href, { blackListEmail: true, blackList: true })
      const after = (await clocked.get(p.href)).json
      expect(after.blackListEmail).toBe(true)
      expect(after.blackListEmailLastModified).toBe('2025-03-01 09:01:00.000Z')
      expect(after.blackListAllLastModified).toBe('2025-03-01 09:02:00.000Z')
      expect(after.blackListLastModified).toBe('2025-03-01 09:02:00.000Z')
      expect(after.lastModified).toBe('2025-03-01 09:02:00.000Z')
      expect(after.created).toBe('2025-03-01 09:00:00.000Z')

      const since = await clocked.get('profileAndServicesExt/profile/byModifiedSince?modifiedSince_parameter=2025-03-01T09:01:30Z')
      expect(since.json.content.map((x: Json) => x.PKey)).toEqual([p.PKey])
      expect(
        (await clocked.get('profileAndServicesExt/profile/byModifiedSince?modifiedSince_parameter=2025-03-01 09:03:00.000Z')).json.content
      ).toHaveLength(0)
    } finally {
      await clocked.served.close()
    }
  })

  it('uses the denyList naming when configured', async () => {
    const deny = await open({ profiles: 0, optOutNaming: 'denyList' })
    try {
      const p = (await deny.post('profileAndServices/profile', { email: 'deny@example.com', denyListEmail: true })).json
      expect(p.denyListEmail).toBe(true)
      expect(p.denyListEmailLastModified).not.toBe('')
      expect(p.blackListEmail).toBeUndefined()
      expect((await deny.post('profileAndServices/profile', { blackListEmail: true })).status).toBe(500)
    } finally {
      await deny.served.close()
    }
  })

  it('validates enumerations by name, lengths, read-only and unknown fields, emails and dates', async () => {
    const badEnum = await c.post('profileAndServices/profile', { email: 'x@example.com', gender: 'invalid' })
    expect(badEnum.status).toBe(500)
    expect(badEnum.json.message).toBe(
      `${RST} The value 'invalid' is not valid for the 'nms:recipient:gender' enumeration of the '@gender' field`
    )
    expect((await c.post('profileAndServices/profile', { gender: 1 })).status).toBe(500)

    const tooLong = await c.post('profileAndServices/profile', { firstName: 'x'.repeat(31) })
    expect(tooLong.status).toBe(500)
    expect(tooLong.json.message).toContain('value too long for type character varying(30)')
    // Lengths count characters, not bytes.
    expect((await c.post('profileAndServices/profile', { firstName: 'é'.repeat(30) })).status).toBe(201)

    const readOnly = await c.post('profileAndServices/profile', { age: 500 })
    expect(readOnly.json.message).toContain("Cannot update the 'age' property that is read-only")
    const unknown = await c.post('profileAndServices/profile', { hobby: 'x' })
    expect(unknown.json.message).toContain("'hobby' property is not valid for the 'profile' resource")
    const extOnly = await c.post('profileAndServices/profile', { cusDynamicsContactId: 'abc' })
    expect(extOnly.status).toBe(500)
    expect((await c.post('profileAndServices/profile', { email: 'not-an-email' })).status).toBe(500)
    expect((await c.post('profileAndServices/profile', { birthDate: '24/10/1980' })).status).toBe(500)
    const iso = await c.post('profileAndServices/profile', {
      birthDate: '1980-10-24T00:00:00Z',
      timeZone: 'Europe/Paris',
      location: { city: 'Paris' }
    })
    expect(iso.json).toMatchObject({ birthDate: '1980-10-24', timeZone: 'Europe/Paris', location: { city: 'Paris', zipCode: '' } })
  })

  it('truncates instead when lengthPolicy is truncate', async () => {
    const lax = await open({ profiles: 0, lengthPolicy: 'truncate' })
    try {
      const p = await lax.post('profileAndServices/profile', { lastName: 'y'.repeat(60) })
      expect(p.status).toBe(201)
      expect(p.json.lastName).toHaveLength(50)
    } finally {
      await lax.served.close()
    }
  })

  it('answers bad PKeys with the documented engine errors', async () => {
    const invalid = await c.get('profileAndServices/profile/@O5iRp40EGA')
    expect(invalid.status).toBe(500)
    expect(invalid.json.message).toBe(
      "'O5iRp40EGA' attribute unknown (see definition of 'Profiles (nms:recipient)' schema). XTK-170036 Unable to parse expression '@id = @O5iRp40EGA'."
    )
    const patched = await c.patch('profileAndServices/profile/@gibberish', { phone: '1' })
    expect(patched.status).toBe(500)
    // A service PKey is well-formed but names no profile.
    const service = (await c.get('profileAndServices/service?_lineCount=1')).json.content[0]
    expect((await c.get(`profileAndServices/profile/${service.PKey}`)).status).toBe(404)
  })

  it('keeps identification keys unique and unmodifiable; PATCH on the collection by business key', async () => {
    const key = 'a4f1c9e0-0000-4000-8000-000000000001'
    const created = await c.post('profileAndServicesExt/profile', { email: 'key@example.com', cusDynamicsContactId: key })
    expect(created.status).toBe(201)
    expect(created.json.href).toContain('/profileAndServicesExt/profile/@')
    const dup = await c.post('profileAndServicesExt/profile', { email: 'other@example.com', cusDynamicsContactId: key })
    expect(dup.status).toBe(500)
    expect(dup.json.message).toMatch(/^A 'Profile' with the same key 'a4f1c9e0-0000-4000-8000-000000000001' already exists\. PGS-220000/)

    const byKey = await c.patch('profileAndServicesExt/profile', { cusDynamicsContactId: key, lastName: 'Keyed' })
    expect(byKey.status).toBe(200)
    expect(byKey.json.PKey).toBe(created.json.PKey)
    const viaKeyUrl = await c.patch(`profileAndServicesExt/profile/${key}`, { firstName: 'Via' })
    expect(viaKeyUrl.status).toBe(200)
    expect((await c.get(`profileAndServicesExt/profile/${key}`)).json).toMatchObject({ lastName: 'Keyed', firstName: 'Via' })

    const change = await c.patch(created.json.href, { cusDynamicsContactId: 'another' })
    expect(change.status).toBe(500)
    expect(change.json.message).toContain("RST-360012 Inconsistent operation on resource 'profile'")
    expect((await c.patch('profileAndServicesExt/profile', { cusDynamicsContactId: 'missing', lastName: 'x' })).status).toBe(404)
  })

  it('can render engine errors as a bare JSON string or text (the envelope is undocumented)', async () => {
    for (const [format, check] of [
      ['string', (r: Awaited<ReturnType<Client['get']>>) => expect(typeof r.json).toBe('string')],
      ['text', (r: Awaited<ReturnType<Client['get']>>) => expect(r.headers.get('content-type')).toContain('text/plain')]
    ] as const) {
      const other = await open({ profiles: 1, engineErrorFormat: format })
      try {
        const res = await other.post('profileAndServices/profile', { gender: 'invalid' })
        expect(res.status).toBe(500)
        expect(res.text).toContain("The value 'invalid' is not valid")
        check(res)
      } finally {
        await other.served.close()
      }
    }
  })
})

describe('seeded profiles', () => {
  it('are deterministic per seed and instance-specific in their PKeys', async () => {
    const again = await open()
    const other = await open({ seed: 43 })
    try {
      const firstRows = async (client: Client) =>
        (await client.get('profileAndServices/profile?_lineCount=20')).json.content.map((p: Json) => [
          p.PKey,
          p.email,
          p.lastName,
          p.created
        ])
      const [original, sameSeed, otherSeed] = [await firstRows(c), await firstRows(again), await firstRows(other)]
      expect(sameSeed).toEqual(original)
      expect(otherSeed.map((r: string[]) => r[0])).not.toEqual(original.map((r: string[]) => r[0]))
      expect(otherSeed.map((r: string[]) => r[1])).not.toEqual(original.map((r: string[]) => r[1]))
    } finally {
      await again.served.close()
      await other.served.close()
    }
  })

  it('have realistic variety: accents, non-Latin scripts, missing, malformed and duplicate emails, opt-outs', async () => {
    const big = await open({ seed: 3, profiles: 300 })
    try {
      const all: Json[] = []
      let next: string | undefined = 'profileAndServicesExt/profile?_lineCount=100'
      while (next) {
        const page: Json = (await big.get(next)).json
        all.push(...page.content)
        next = page.next?.href
      }
      expect(all).toHaveLength(300)
      const emails = all.map((p) => p.email as string)
      expect(emails.some((e) => e === '')).toBe(true)
      expect(emails.some((e) => e !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e))).toBe(true)
      expect(new Set(emails.filter(Boolean)).size).toBeLessThan(emails.filter(Boolean).length)
      expect(all.some((p) => /[\u00C0-\u017F]/.test(p.firstName + p.lastName))).toBe(true)
      expect(all.some((p) => /[\u0400-\u04FF\u4E00-\u9FFF\u0600-\u06FF\uAC00-\uD7AF]/.test(p.lastName))).toBe(true)
      expect(all.some((p) => [...p.firstName].length === 30)).toBe(true)
      expect(all.some((p) => p.blackListEmail === true && p.blackListEmailLastModified !== '')).toBe(true)
      expect(all.filter((p) => p.cusDynamicsContactId).length).toBeGreaterThan(30)
    } finally {
      await big.served.close()
    }
  })
})
