import type { RouteHandler } from '../common/http'
import { FaultInjector } from '../common/faults'
import { intBetween, rowRandom } from '../common/random'
import { customResource, eventRegistrationDefinition, vehicleDefinition } from './custom-resources'
import { seedHistory, simulateDelivery, type SimulateDeliveryOptions } from './delivery'
import { Gateway } from './gateway'
import { historyEventResource } from './history'
import { ImsTokens } from './ims'
import { exportLogs } from './log-export'
import { CampaignModel } from './model'
import { resolveSettings, type CampaignSandboxOptions } from './options'
import { KeyCodec } from './pkeys'
import { profileResource, serviceResource } from './profile-resource'
import { createCampaignHandler } from './router'
import { seedStore } from './seed'
import { CampaignStore } from './store'
import { subscriptionResource } from './subscriptions'

export type { CampaignSandboxOptions } from './options'
export type { CustomResourceDefinition } from './custom-resources'
export type { SimulateDeliveryOptions } from './delivery'
export type { FaultSettings } from '../common/faults'
export { defaultClientId, defaultClientSecret, defaultOrgId, defaultScopes, requiredScopes } from './options'
export { seededProfile } from './seed'

export interface CampaignSandbox {
  /** Owns `/ims/**`, `/<org>/campaign/**` (and `/campaign/**`, which answers the documented wrong-URI 500); false for any other URL. */
  handle: RouteHandler
  info: {
    /** Campaign REST base with the organization, like `https://mc.adobe.io/<ORGANIZATION>/campaign/`. */
    url: string
    /** The IMS token endpoint (`…/ims/token/v3`). */
    imsUrl: string
    /** Also the `X-Api-Key` value. */
    clientId: string
    clientSecret: string
    scopes: string[]
    orgId: string
    /** The profile extension field holding the Dynamics contact id (an identification key). */
    dynamicsKeyField: string
    /** `blackList` or `denyList`: prefix of the opt-out fields. */
    optOutPrefix: string
  }
  faults: FaultInjector
  /** demo/test hooks */
  simulateDelivery(options: SimulateDeliveryOptions): { deliveryId: string; events: number }
  exportLogs(folder?: string): Promise<string[]>
  snapshot(): unknown
  restore(state: unknown): void
  /** Makes every token issued so far invalid: the next call answers 401013. */
  expireTokens(): void
  /**
   * A change made inside Campaign (a user in the UI, an unsubscription page): goes through the
   * same validation as a PATCH on `/profileAndServicesExt/profile`, so opt-out timestamps move.
   * `key` is a PKey or the Dynamics key value. Returns the profile's PKey.
   */
  editProfile(key: string, changes: Record<string, unknown>): string
  /**
   * A bulk load without HTTP (the incremental bench's starting state): writes one record of a
   * resource by its identification key, through the same validation as a POST (new key) or a
   * PATCH by key on `/profileAndServicesExt/<resource>`. A refusal throws Campaign's message.
   */
  writeByKey(resource: string, values: Record<string, unknown>): 'created' | 'updated'
  /** Whether a record of the resource holds this identification key (the bulk load's parent check). */
  hasKey(resource: string, key: string): boolean
}

export function createCampaignSandbox(options: CampaignSandboxOptions): CampaignSandbox {
  const settings = resolveSettings(options)
  const codec = new KeyCodec(settings.seed, settings.orgId)
  // Ids start somewhere seeded, like a real instance's sequence: they reveal nothing.
  const store = new CampaignStore(intBetween(rowRandom(settings.seed, 'campaign.ids', 0), 100_000, 9_000_000))
  const customDefinitions = options.customResources ?? [vehicleDefinition(settings.dynamicsKeyField), eventRegistrationDefinition()]
  for (const definition of customDefinitions) {
    if (!/^cus[A-Z]/.test(definition.name))
      throw new Error(
        `custom resource '${definition.name}' must be named cus<Name> (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/custom-resources)`
      )
  }
  const model = new CampaignModel(settings, codec, store, [
    profileResource(settings.optOutNaming, settings.dynamicsKeyField),
    serviceResource(),
    subscriptionResource(),
    historyEventResource(),
    ...customDefinitions.map(customResource)
  ])
  seedStore(store, settings, (resource, values) => model.finishStored(resource, values))
  seedHistory(model)

  const faults = new FaultInjector(options.faults ?? {}, settings.seed)
  const ims = new ImsTokens(settings)
  const gateway = new Gateway(settings, ims, faults)

  return {
    handle: createCampaignHandler(model, ims, gateway),
    info: {
      url: `${settings.baseUrl}/${encodeURIComponent(settings.orgId)}/campaign/`,
      imsUrl: `${settings.baseUrl}/ims/token/v3`,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      scopes: [...settings.scopes],
      orgId: settings.orgId,
      dynamicsKeyField: settings.dynamicsKeyField,
      optOutPrefix: settings.optOutNaming
    },
    faults,
    simulateDelivery: (o) => simulateDelivery(model, o),
    exportLogs: (folder) => exportLogs(model, folder ?? settings.exportFolder),
    snapshot: () => store.snapshot(),
    restore: (state) => store.restore(state),
    expireTokens: () => ims.expireAll(),
    editProfile: (key, changes) => {
      const profile = model.resources.get('profile')!
      const record = key.startsWith('@') ? model.findByPKey(profile, key) : model.findByKey(profile, key)
      if (!record) throw new Error(`no profile with key ${key}`)
      model.update(profile, 'profileAndServicesExt', record, changes)
      return model.pkey('profile', record.id)
    },
    writeByKey: (name, values) => {
      const resource = model.resources.get(name)
      if (!resource?.keyField) throw new Error(`no resource ${name} with an identification key`)
      const key = values[resource.keyField]
      if (typeof key !== 'string' || key === '') throw new Error(`the ${name} record has no ${resource.keyField}`)
      const record = model.findByKey(resource, key)
      if (record) {
        model.update(resource, 'profileAndServicesExt', record, values)
        return 'updated'
      }
      model.create(resource, 'profileAndServicesExt', values)
      return 'created'
    },
    hasKey: (name, key) => {
      const resource = model.resources.get(name)
      return resource !== undefined && model.findByKey(resource, key) !== undefined
    }
  }
}
