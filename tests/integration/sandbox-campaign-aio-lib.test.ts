import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'

/**
 * The Campaign sandbox driven by Adobe's own Node SDK, @adobe/aio-lib-campaign-standard
 * (https://github.com/adobe/aio-lib-campaign-standard): its OpenAPI spec, its URL building, its
 * request shapes. Only the spec's server URL is changed — `https://mc.adobe.io/{ORGANIZATION}/campaign`
 * becomes the sandbox's origin with the same `{ORGANIZATION}` variable, filled from the tenant id.
 * Features the sandbox does not implement must answer as a real instance without them would.
 */
type Json = Record<string, any>
type AioCampaign = Record<string, (...args: any[]) => Promise<{ status: number; body: any }>>

const require = createRequire(import.meta.url)
let served: ServedCampaignSandbox
let client: AioCampaign
let orgId: string

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call
    return 200
  } catch (error) {
    // The SDK wraps errors; the original status is in the message it builds ("404 - Not Found (…)").
    const match = /\b(\d{3}) - /.exec(String((error as Error).message))
    return match ? Number(match[1]) : -1
  }
}

beforeAll(async () => {
  served = await serveCampaignSandbox({ seed: 21, profiles: 60 })
  const { info } = served.sandbox
  orgId = info.orgId
  const spec = require('@adobe/aio-lib-campaign-standard/spec/api.json') as Json
  spec.servers[0].url = `${served.origin}/{ORGANIZATION}/campaign`
  const tokenResponse = await fetch(info.imsUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.clientId,
      client_secret: info.clientSecret,
      scope: info.scopes.join(',')
    })
  })
  const { access_token: accessToken } = (await tokenResponse.json()) as Json
  const sdk = require('@adobe/aio-lib-campaign-standard') as {
    init: (tenant: string, apiKey: string, token: string) => Promise<AioCampaign>
  }
  client = await sdk.init(orgId, info.clientId, accessToken)
})
afterAll(() => served.close())

describe('@adobe/aio-lib-campaign-standard against the sandbox', () => {
  it('lists profiles with its paging, ordering and filters; follows next with getDataFromRelativeUrl', async () => {
    const first = await client.getAllProfiles({ lineCount: 10, order: 'email' })
    expect(first.status).toBe(200)
    expect(first.body.content).toHaveLength(10)
    expect(first.body.next.href).toContain(`/${orgId}/campaign/profileAndServices/profile`)
    const emails = first.body.content.map((p: Json) => p.email)
    expect(emails).toEqual([...emails].sort((a: string, b: string) => a.localeCompare(b, 'en')))
    const descending = await client.getAllProfiles({ lineCount: 5, order: 'email', descendingSort: true })
    const down = descending.body.content.map((p: Json) => p.email)
    expect(down).toEqual([...down].sort((a: string, b: string) => b.localeCompare(a, 'en')))

    const someone = first.body.content.find((p: Json) => p.email)
    const byEmail = await client.getAllProfiles({ filters: ['byEmail'], email: someone.email })
    expect(byEmail.body.content.map((p: Json) => p.PKey)).toContain(someone.PKey)
    const custom = await client.getAllProfiles({ filters: ['byText'], hasCustomFilter: true, text: someone.email.slice(0, 3) })
    expect(custom.status).toBe(200)

    const relative = new URL(first.body.next.href).href.split(`/${orgId}/campaign/`)[1]
    const second = await client.getDataFromRelativeUrl(relative)
    expect(second.status).toBe(200)
    expect(second.body.content).toHaveLength(10)
    expect(second.body.content[0].PKey).not.toBe(first.body.content[0].PKey)
  })

  it('creates, reads and updates a profile; reads its marketing history', async () => {
    const created = await client.createProfile({ email: 'aio.sdk@example.com', firstName: 'Aio', lastName: 'Sdk' })
    expect(created.status).toBe(201)
    const pkey = created.body.PKey
    const read = await client.getProfile(pkey)
    expect(read.body).toMatchObject({ PKey: pkey, email: 'aio.sdk@example.com', firstName: 'Aio' })
    const updated = await client.updateProfile(pkey, { firstName: 'Updated' })
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ PKey: pkey })
    expect((await client.getProfile(pkey)).body.firstName).toBe('Updated')
    const history = await client.getHistoryOfProfile(pkey)
    expect(history.body).toMatchObject({ PKey: pkey, events: { href: expect.stringContaining('/events') } })
    // The SDK's e2e test: a PKey that does not exist is an error, not a 200.
    expect(await status(client.getProfile('@gibberish'))).toBe(500)
  })

  it('lists, creates and reads services', async () => {
    const services = await client.getAllServices({})
    expect(services.body.content.map((s: Json) => s.name)).toEqual(expect.arrayContaining(['SVC1', 'SVC2', 'SVC3']))
    const created = await client.createService({ label: 'From the SDK', messageType: 'email', name: 'SVCAIO', start: '2026-01-01' })
    expect(created.status).toBe(201)
    expect((await client.getService(created.body.PKey)).body).toMatchObject({ name: 'SVCAIO', label: 'From the SDK' })
    const sms = await client.getAllServices({ filters: ['byChannel'], channel: 'sms' })
    expect(sms.body.content.map((s: Json) => s.name)).toEqual(['SVC3'])
  })

  it('reads resource metadata and the extended resources', async () => {
    const metadata = await client.getMetadataForResource('profile')
    expect(metadata.body).toMatchObject({ name: 'profile', schema: 'nms:recipient', type: 'item' })
    expect(metadata.body.content.email).toMatchObject({ apiName: 'email', type: 'string' })
    const resources = await client.getCustomResources()
    expect(resources.body.apiName).toBe('resourceType')
    expect(Object.keys(resources.body)).toEqual(expect.arrayContaining(['profile', 'cusVehicle', 'cusEventRegistration']))
    // The SDK's getMetadataForResourceExt is GET /profileAndServicesExt/<resource>: a list.
    const ext = await client.getMetadataForResourceExt('profile')
    expect(Array.isArray(ext.body.content)).toBe(true)
    expect(ext.body.content[0]).toHaveProperty('cusDynamicsContactId')
  })

  it('does CRUD on a custom resource at the PKeys and hrefs it returns', async () => {
    const created = await client.createCustomResource('cusEventRegistration', {
      externalId: 'aio-1',
      eventName: 'SDK day',
      registrationStatus: 'registered'
    })
    expect(created.status).toBe(201)
    const pkey = created.body.PKey
    const list = await client.getAllCustomResources('cusEventRegistration', { filters: ['byExternalId'], externalId_parameter: 'aio-1' })
    expect(list.body.content.map((r: Json) => r.PKey)).toEqual([pkey])
    const updated = await client.updateCustomResource('cusEventRegistration', pkey, { registrationStatus: 'attended' })
    expect(updated.status).toBe(200)
    const again = await client.getAllProfileAndServicesExt('cusEventRegistration', {
      filters: ['byExternalId'],
      externalId_parameter: 'aio-1'
    })
    expect(again.body.content[0].registrationStatus).toBe('attended')
    expect((await client.deleteCustomResource('cusEventRegistration', pkey)).status).toBe(200)
    expect(
      (await client.getAllCustomResources('cusEventRegistration', { filters: ['byExternalId'], externalId_parameter: 'aio-1' })).body
        .content
    ).toEqual([])
  })

  it('out of scope — privacy, transactional events, workflows, org units, unlinked custom resources — answers 404 like an instance without them', async () => {
    expect(
      await status(
        client.createGDPRRequest({
          name: 'PT1',
          namespaceName: 'AMCDS2',
          reconciliationValue: 'a@b.c',
          regulation: 'gdpr',
          label: 'x',
          type: 'access'
        })
      )
    ).toBe(404)
    expect(await status(client.getGDPRRequest())).toBe(404)
    expect(await status(client.sendTransactionalEvent('EVTwelcome', { email: 'a@b.c', ctx: {} }))).toBe(404)
    expect(await status(client.getWorkflow('WKF1'))).toBe(404)
    expect(await status(client.controlWorkflow('WKF1', 'start'))).toBe(404)
    expect(await status(client.getAllOrgUnits({}))).toBe(404)
    expect(await status(client.getAllBasicCustomResources('cusNothing'))).toBe(404)
  })
})
