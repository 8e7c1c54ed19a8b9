import { afterEach, describe, expect, it } from 'vitest'
import { ImsTokenProvider } from '../../src/main/connectors/campaign/auth'
import { CampaignConnector } from '../../src/main/connectors/campaign/connector'
import type { HttpEvent } from '../../src/main/connectors/http/client'
import { serveCampaignSandbox, type ServedCampaignSandbox } from '../../src/main/sandbox/campaign/serve'
import type { CampaignSandboxOptions } from '../../src/main/sandbox/campaign'
import { eventRegistrationDefinition } from '../../src/main/sandbox/campaign/custom-resources'
import { str } from '../../src/main/sandbox/campaign/resources'
import { failure } from '../support/connector-failure'

/**
 * The connector against Adobe's published formats, over real HTTP against the Campaign
 * sandbox: answers Adobe documents that the connector once read wrongly.
 */
let served: ServedCampaignSandbox | undefined
afterEach(async () => {
  await served?.close()
  served = undefined
})

async function start(options: Partial<Omit<CampaignSandboxOptions, 'baseUrl'>> = {}) {
  served = await serveCampaignSandbox({ seed: 11, profiles: 5, deliveries: 0, ...options })
  return served.sandbox
}

function connector(events: HttpEvent[] = [], baseUrl?: string): CampaignConnector {
  const { info } = served!.sandbox
  return new CampaignConnector({
    baseUrl: baseUrl ?? info.url,
    apiKey: info.clientId,
    tokenProvider: new ImsTokenProvider({
      imsUrl: info.imsUrl,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      scopes: info.scopes
    }),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onEvent: (e) => events.push(e)
  })
}

describe('the "Oops… Check your URI" setup error', () => {
  it('with 502 is the setup error with its hint, sent once; a gateway 502 with another body is still retried', async () => {
    const sandbox = await start({ uriErrorStatus: 502 })
    const events: HttpEvent[] = []
    const noOrg = sandbox.info.url.replace(/\/[^/]+\/campaign\/$/, '/campaign/')
    const error = await failure(connector(events, noOrg).getJson('profileAndServices/profile'))
    expect(error.status).toBe(502)
    expect(error.kind).toBe('notFound')
    expect(error.hint).toMatch(/organization id/)
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(0)

    sandbox.faults.update({ serverErrorRate: 1 })
    const retried: HttpEvent[] = []
    const gateway = await failure(connector(retried).getJson('profileAndServices/profile'))
    expect(gateway.kind).toBe('server')
    expect(retried.filter((e) => e.type === 'retry').length).toBeGreaterThan(0)
  })
})

describe('subscriptions', () => {
  it("reads every page of a profile's subscriptions, following next (a page holds 25)", async () => {
    await start()
    const campaign = connector()
    const [profile] = (await campaign.profiles({ pageSize: 1 }).next()).value!.records
    for (let i = 0; i < 30; i++) {
      const name = `newsletter${String(i).padStart(2, '0')}`
      await campaign.create('service', { name, label: `Newsletter ${i}` })
      await campaign.subscribe(profile, { name })
    }
    const subscriptions = await campaign.subscriptions(profile)
    expect(subscriptions.length).toBeGreaterThanOrEqual(30)
    expect(new Set(subscriptions.map((s) => s.PKey)).size).toBe(subscriptions.length)
  })
})

describe('a custom resource not linked to the profile (/customResources)', () => {
  it('is found by its filters and read incrementally under /customResources; a missing filter says where it looked', async () => {
    await start({
      customResources: [
        eventRegistrationDefinition(),
        { name: 'cusStore', label: 'Stores', keyField: 'externalId', fields: [str('storeName', 'Store name', 64)] }
      ]
    })
    const campaign = connector()
    expect((await campaign.listResources()).find((r) => r.name === 'cusStore')?.family).toBe('customResources')
    const before = new Date(Date.now() - 60_000)
    await campaign.create('cusStore', { externalId: 'store-1', storeName: 'Lyon' })
    await campaign.create('cusStore', { externalId: 'store-2', storeName: 'Nantes' })

    const found = await campaign.findByFilter('cusStore', 'byExternalId', { externalId_parameter: 'store-2' })
    expect(found.map((r) => r.storeName)).toEqual(['Nantes'])
    expect(String(found[0].href)).toContain('/customResources/cusStore/')

    const changed: string[] = []
    for await (const page of campaign.modifiedSince('cusStore', before)) changed.push(...page.records.map((r) => String(r.externalId)))
    expect(changed.sort()).toEqual(['store-1', 'store-2'])

    const missing = await failure(campaign.findByFilter('cusStore', 'byNothing', { nothing_parameter: 'x' }))
    expect(missing.kind).toBe('notFound')
    expect(missing.hint).toMatch(/under \/customResources/)
    expect(missing.request).toContain('/customResources/cusStore/byNothing')
  })
})
