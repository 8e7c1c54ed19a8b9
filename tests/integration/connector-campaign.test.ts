import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Table } from '../../src/shared/schema'
import { ImsTokenProvider } from '../../src/main/connectors/campaign/auth'
import { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import { parseCsv, readLogExports } from '../../src/main/connectors/campaign/log-files'
import type { HttpEvent } from '../../src/main/connectors/http/client'
import { type ConnectorError } from '../../src/main/connectors/http/errors'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'

/** The Campaign connector over real HTTP against the Campaign sandbox. */
let served: ServedCampaignSandbox
let exportFolder: string
let tokenRequests = 0
const events: HttpEvent[] = []

/** Counts calls to the IMS token endpoint on the wire. */
const countingFetch: typeof fetch = (input, init) => {
  if (String(input).includes('/ims/token/v3')) tokenRequests++
  return fetch(input, init)
}

function connector(options: Partial<ConstructorParameters<typeof CampaignConnector>[0]> = {}) {
  const { info } = served.sandbox
  const tokenProvider = new ImsTokenProvider({
    imsUrl: info.imsUrl,
    clientId: info.clientId,
    clientSecret: info.clientSecret,
    scopes: info.scopes,
    fetch: countingFetch
  })
  return new CampaignConnector({
    baseUrl: info.url,
    apiKey: info.clientId,
    tokenProvider,
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    ...options
  })
}

beforeAll(async () => {
  exportFolder = await mkdtemp(join(tmpdir(), 'sync-studio-logs-'))
  served = await serveCampaignSandbox({ seed: 5, profiles: 80, exportFolder, relativeNextHref: true })
})

afterAll(async () => {
  await served.close()
  await rm(exportFolder, { recursive: true, force: true })
})

describe('IMS OAuth server-to-server', () => {
  it('one token serves many calls, also concurrent ones', async () => {
    tokenRequests = 0
    const campaign = connector()
    await Promise.all(Array.from({ length: 10 }, () => campaign.count('profile')))
    await campaign.listResources()
    for await (const _ of campaign.profiles({ pageSize: 20 })) void _
    expect(tokenRequests).toBe(1)
  })

  it('a token revoked mid-run (401013) is replaced once and the run goes on', async () => {
    tokenRequests = 0
    const campaign = connector()
    await campaign.count('profile')
    served.sandbox.expireTokens()
    events.length = 0
    expect(await campaign.count('profile')).toBeGreaterThan(0)
    expect(tokenRequests).toBe(2)
    expect(events.some((e) => e.type === 'retry' && e.reason === 'unauthorized')).toBe(true)
  })

  it('a wrong client secret is unauthorized with a hint, never echoing the secret', async () => {
    const { info } = served.sandbox
    const campaign = connector({
      tokenProvider: new ImsTokenProvider({
        imsUrl: info.imsUrl,
        clientId: info.clientId,
        clientSecret: 'not-the-secret-42',
        scopes: info.scopes
      })
    })
    const error = (await campaign.count('profile').catch((e: unknown) => e)) as ConnectorError
    expect(error.kind).toBe('unauthorized')
    expect(error.service).toBe('campaign-ims')
    expect(error.hint).toMatch(/client secret/)
    expect(JSON.stringify(error)).not.toContain('not-the-secret-42')
  })

  it('a wrong API key is forbidden with the gateway code', async () => {
    const error = (await connector({ apiKey: 'someone-else' })
      .count('profile')
      .catch((e: unknown) => e)) as ConnectorError
    expect(error).toMatchObject({ kind: 'forbidden', status: 403, code: '403003' })
  })
})

describe('resourceType → schema model', () => {
  it('every resource converts to a valid Table', async () => {
    const campaign = connector()
    const resources = await campaign.listResources()
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining(['profile', 'service', 'cusVehicle', 'cusEventRegistration']))
    for (const resource of resources) {
      const table = await campaign.getResource(resource.name)
      expect(() => Table.parse(table)).not.toThrow()
      expect(table.fields.some((f) => f.type === 'unknown')).toBe(false)
    }
  })

  it('profile: extension key, enumerations with values and codes, lengths, flattened items', async () => {
    const profile = await connector().getResource('profile')
    const field = (name: string) => profile.fields.find((f) => f.name === name)!
    // Keys from documented facts: PKey, and the identification key the connection names (the metadata has no key flag).
    expect(profile).toMatchObject({ href: '/profileAndServicesExt/profile', primaryId: 'PKey' })
    expect(profile.keys).toEqual([
      { name: 'PKey', fields: ['PKey'] },
      { name: 'identification key (cusDynamicsContactId)', fields: ['cusDynamicsContactId'] }
    ])
    expect(field('cusDynamicsContactId')).toMatchObject({ type: 'string', maxLength: 64, isKey: true })
    expect(field('email')).toMatchObject({ type: 'email', maxLength: 128, readOnly: false })
    expect(field('gender').options).toEqual([
      { value: 'unknown', label: 'Unspecified', code: 0 },
      { value: 'male', label: 'Male', code: 1 },
      { value: 'female', label: 'Female', code: 2 }
    ])
    expect(field('location.city')).toMatchObject({ type: 'string', readOnly: false })
    // Documented as computed or set by Campaign.
    for (const name of ['PKey', 'age', 'created', 'lastModified', 'title', 'domain', 'blackListEmailLastModified'])
      expect(field(name).readOnly, name).toBe(true)
    for (const name of ['firstName', 'lastName', 'birthDate', 'blackListEmail', 'cusDynamicsContactId'])
      expect(field(name).readOnly, name).toBe(false)
    expect(field('birthDate').type).toBe('dateonly')
    const vehicle = await connector().getResource('cusVehicle')
    expect(vehicle.fields.find((f) => f.name === 'vehicleOwner')).toMatchObject({ type: 'link', targets: ['profile'] })
    // Nothing in the metadata says externalId is the key: the user confirms it on the flow.
    expect(vehicle.keys).toEqual([{ name: 'PKey', fields: ['PKey'] }])
  })
})

describe('profiles and custom resources', () => {
  it('lists profiles by following next.href (relative here) across pages', async () => {
    const campaign = connector()
    const pages: number[] = []
    const keys = new Set<string>()
    for await (const page of campaign.profiles({ pageSize: 9 })) {
      pages.push(page.records.length)
      for (const record of page.records) keys.add(String(record.PKey))
    }
    expect(pages.length).toBe(Math.ceil(80 / 9))
    expect(keys.size).toBe(80)
  })

  it('upsert by the Dynamics-id key, patch through profileAndServicesExt, lookup by filter, delete by href', async () => {
    const campaign = connector()
    const first = await campaign.upsertProfile('dyn-0001', { email: 'ada@example.com', lastName: 'Lovelace' })
    const second = await campaign.upsertProfile('dyn-0001', { lastName: 'King' })
    expect(first.created).toBe(true)
    expect(second).toMatchObject({ PKey: first.PKey, created: false })
    const found = await campaign.findProfileByKey('dyn-0001')
    expect(found).toMatchObject({ lastName: 'King', cusDynamicsContactId: 'dyn-0001' })
    const byEmail = await campaign.findByFilter('profile', 'byEmail', { email: 'ada@example.com' })
    expect(byEmail.map((p) => p.PKey)).toEqual([first.PKey])
    const plain = await campaign.get(first.href.replace('/profileAndServicesExt/', '/profileAndServices/'))
    await campaign.patch(String(plain.href), { cusDynamicsContactId: 'dyn-0001', firstName: 'Ada' })
    expect((await campaign.findProfileByKey('dyn-0001'))?.firstName).toBe('Ada')
    expect(await campaign.delete(first.href)).toEqual({ deleted: true })
    expect(await campaign.findProfileByKey('dyn-0001')).toBeUndefined()
  })

  it('engine validation errors are per-record badRequest/conflict, parsed from every envelope', async () => {
    const campaign = connector()
    const enumError = (await campaign
      .create('profile', { email: 'x@example.com', gender: 'robot' })
      .catch((e: unknown) => e)) as ConnectorError
    expect(enumError).toMatchObject({ kind: 'badRequest', status: 500, code: 'RST-360011' })
    expect(enumError.message).toMatch(/enumeration/)
    await campaign.upsertProfile('dyn-dup', { email: 'dup@example.com' })
    const duplicate = (await campaign
      .create('profile', { email: 'dup2@example.com', cusDynamicsContactId: 'dyn-dup' })
      .catch((e: unknown) => e)) as ConnectorError
    expect(duplicate.kind).toBe('conflict')
    const unknown = (await campaign.getJson('profileAndServices/profile/byNothing').catch((e: unknown) => e)) as ConnectorError
    expect(unknown).toMatchObject({ kind: 'notFound', status: 404 })
  })

  it('custom resources linked to a profile; subscriptions', async () => {
    const campaign = connector()
    const owner = await campaign.upsertProfile('dyn-0002', { email: 'grace@example.com', lastName: 'Hopper' })
    const registration = await campaign.createCustomResource(
      'cusEventRegistration',
      { externalId: 'ER-1', eventName: 'Expo' },
      { field: 'profile', profile: { PKey: owner.PKey } }
    )
    expect((registration.profile as { PKey: string }).PKey).toBe(owner.PKey)
    const vehicle = await campaign.create('cusVehicle', { externalId: 'VH-1', vin: 'VIN1', profileExternalId: 'dyn-0002' })
    expect((vehicle.vehicleOwner as { PKey: string }).PKey).toBe(owner.PKey)
    const services = await campaign.services()
    const profile = await campaign.get(owner.href)
    await campaign.subscribe(profile, { PKey: String(services[0].PKey) })
    await campaign.subscribe(profile, { PKey: String(services[0].PKey) })
    const subscriptions = await campaign.subscriptions(profile)
    expect(subscriptions).toHaveLength(1)
    await campaign.unsubscribe(String(subscriptions[0].href))
    expect(await campaign.subscriptions(profile)).toHaveLength(0)
  })

  it('a 429 storm with server errors: every record lands exactly once, ambiguous creates are not resent', async () => {
    const campaign = connector()
    events.length = 0
    served.sandbox.faults.update({ throttleRate: 0.3, retryAfterSeconds: 0.1 })
    try {
      await Promise.all(
        Array.from({ length: 25 }, (_, i) => campaign.create('cusEventRegistration', { externalId: `STORM-${i}`, eventName: `Storm ${i}` }))
      )
      // With 502/503 in the mix a POST is not blindly resent (it may have been applied):
      // it fails as 'server', and the caller's next upsert (lookup first) converges.
      served.sandbox.faults.update({ serverErrorRate: 0.15, throttleRate: 0.15 })
      const first = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) => campaign.upsertProfile(`storm-${i}`, { email: `storm${i}@example.com` }))
      )
      for (const result of first) if (result.status === 'rejected') expect((result.reason as ConnectorError).kind).toBe('server')
      served.sandbox.faults.update({ throttleRate: 0, serverErrorRate: 0 })
      await Promise.all(
        first.map((result, i) =>
          result.status === 'rejected' ? campaign.upsertProfile(`storm-${i}`, { email: `storm${i}@example.com` }) : undefined
        )
      )
    } finally {
      served.sandbox.faults.update({ throttleRate: 0, serverErrorRate: 0 })
    }
    const throttled = events.filter((e) => e.type === 'retry' && e.reason === 'throttled')
    expect(throttled.length).toBeGreaterThan(3)
    expect(throttled.every((e) => e.type === 'retry' && e.waitMs >= 100)).toBe(true)
    for (let i = 0; i < 25; i++)
      expect(
        await campaign.count('cusEventRegistration', { filters: ['byExternalId'], params: { externalId_parameter: `STORM-${i}` } })
      ).toBe(1)
    for (let i = 0; i < 25; i++)
      expect(await campaign.findByFilter('profile', 'byDynamicsContactId', { dynamicsContactId_parameter: `storm-${i}` })).toHaveLength(1)
  })
})

describe('marketing events', () => {
  it('per-profile history and the delivery/tracking log exports read from a folder', async () => {
    const campaign = connector()
    served.sandbox.simulateDelivery({ seed: 9 })
    const files = await served.sandbox.exportLogs()
    expect(files).toHaveLength(2)
    await writeFile(join(exportFolder, 'broadLogRcp_99999999_000000_0001.csv.part'), 'id,status\n1,sent\n')
    const { events: logEvents, files: read, problems } = await readLogExports(exportFolder)
    expect(read).toHaveLength(2)
    expect(problems).toEqual([])
    const types = new Set(logEvents.map((e) => e.type))
    expect(types.has('send')).toBe(true)
    expect(types.has('open') || types.has('click')).toBe(true)
    expect(new Set(logEvents.map((e) => e.id)).size).toBe(logEvents.length)
    expect(logEvents.every((e) => !Number.isNaN(Date.parse(e.date)))).toBe(true)
    // Only new files next time.
    served.sandbox.simulateDelivery({ seed: 10 })
    await served.sandbox.exportLogs()
    const again = await readLogExports(exportFolder, new Set(read))
    expect(again.files).toHaveLength(2)
    expect(again.events.some((e) => logEvents.some((old) => old.id === e.id))).toBe(false)
    expect((await readdir(exportFolder)).length).toBe(5)

    const sent = logEvents.find((e) => e.type === 'send')!
    let pkey: string | undefined
    for await (const profile of campaign.records('profile', { filters: ['byEmail'], params: { email: sent.address! } }))
      pkey ??= String(profile.PKey)
    const history = []
    for await (const event of campaign.historyEvents(pkey!)) history.push(event)
    expect(history.length).toBeGreaterThan(0)
    expect(history[0]).toHaveProperty('date')
  })

  it('the CSV reader tolerates BOM, semicolons, quotes with line breaks and short rows', () => {
    const rows = parseCsv('\uFEFFid;label;url\r\n1;"a ""quoted""\nlabel";http://x\n2;b\n')
    expect(rows).toEqual([
      ['id', 'label', 'url'],
      ['1', 'a "quoted"\nlabel', 'http://x'],
      ['2', 'b']
    ])
  })
})
