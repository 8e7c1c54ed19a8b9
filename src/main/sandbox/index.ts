import type { FaultSettings } from './common/faults'
import type { TlsListener } from './common/tls'
import { createCampaignSandbox, type CampaignSandbox, type CustomResourceDefinition } from './campaign'
import { createDataverseSandbox, type DataverseSandbox, type ServiceProtectionLimits } from './dataverse'
import { listenSandboxHttp, notFoundResponder } from './server'
import { readSnapshot, snapshotFormat, writeSnapshot, type SandboxSnapshot } from './snapshot'

/**
 * The embedded sandbox: the Dataverse and Campaign simulators on ONE loopback HTTP port,
 * plus the HTTPS listener for the Entra-style authority (msal-node refuses http
 * authorities). It is what the app connects to by default, what `sync-studio sandbox`
 * serves, and what integration tests run against. See docs/sandbox.md.
 */
export type { FaultSettings } from './common/faults'
export type { CampaignSandbox } from './campaign'
export type { DataverseSandbox, ServiceProtectionLimits } from './dataverse'
export type { SandboxSnapshot } from './snapshot'
export { notFoundCode, type SandboxNotFoundBody } from './server'

export interface SandboxOptions {
  /** HTTP port for both services; 0 or undefined = any free port. The authority gets its own free port. */
  port?: number
  /** Loopback only: '127.0.0.1' (default) or 'localhost'. */
  host?: string
  /** Seed of all generated data (default 1, or the snapshot's). */
  seed?: number
  /** Dataverse contact rows, generated lazily (default 500, or the snapshot's). */
  contacts?: number
  /** Seeded Campaign profiles (default: the Campaign sandbox's, 50). */
  profiles?: number
  /** Email deliveries in Campaign's seeded marketing history (default 2; ignored when a snapshot is restored). */
  deliveries?: number
  /** Campaign's custom resources, as published on the instance (default cusVehicle and cusEventRegistration). */
  campaignResources?: CustomResourceDefinition[]
  /** Campaign's marketing history events: with the sandbox's extra keys (default) or only Adobe's documented ones (docs/sandbox-campaign.md). */
  campaignHistoryEvents?: 'extended' | 'documented'
  /** Injected faults, per service. */
  faults?: { dynamics?: Partial<FaultSettings>; campaign?: Partial<FaultSettings> }
  /** Restore from this file on start when it exists; save to it on save() and close(). */
  snapshotFile?: string
  /** Where Campaign's `exportLogs()` writes delivery/tracking CSV files. */
  exportFolder?: string
  /** Dataverse service-protection limits (default: the documented ones). */
  limits?: Partial<ServiceProtectionLimits>
  /** Dataverse change-tracking token lifetime (default 7 days). */
  deltaTokenTtlMs?: number
  /** Both services' clock, in epoch milliseconds (default the system clock): tests move it forward instead of sleeping. */
  now?: () => number
}

/** What a connection needs, as printed by `sync-studio sandbox --json`. The credentials are fake. */
export interface SandboxInfo {
  dynamics: {
    /** Web API base, ends with `/api/data/v9.2/`. The scope to ask for is `<origin of url>/.default`. */
    url: string
    /** Entra-style token endpoint on the https authority. */
    tokenUrl: string
    tenantId: string
    clientId: string
    clientSecret: string
    /** `https://127.0.0.1:<port>/<tenantId>` — for msal-node. */
    authority: string
    /** PEM of the per-launch certificate of the authority: trust it for those requests only. */
    ca: string
  }
  campaign: Pick<CampaignSandbox['info'], 'url' | 'imsUrl' | 'clientId' | 'clientSecret' | 'scopes' | 'orgId'>
}

/** One API request as the sandbox received it (token endpoints on the authority are not included). */
export interface SandboxRequest {
  service: 'dynamics' | 'campaign' | 'other'
  method: string
  /** Path and query as sent. */
  url: string
}

export interface RunningSandbox {
  info: SandboxInfo
  /**
   * Calls `listener` for every request the services' HTTP listener receives, before it is
   * answered: what a bench or a test counts "at the service". Returns the unsubscribe.
   */
  onRequest(listener: (request: SandboxRequest) => void): () => void
  /** `http://127.0.0.1:<port>`: the one origin both services answer on. */
  origin: string
  dynamics: DataverseSandbox
  campaign: CampaignSandbox
  /**
   * API requests each service has received since it started (tokens not counted: the Web API
   * under its base path, Campaign's REST under `/campaign/`). The sync bench reads them to
   * print calls per record as the services saw them.
   */
  requests(): { dynamics: number; campaign: number }
  /** Writes the snapshot atomically (no-op without `snapshotFile`). */
  save(): Promise<void>
  /** Saves (with `snapshotFile`), then stops both listeners. Safe to call twice. */
  close(): Promise<void>
}

const defaultSeed = 1
const defaultContacts = 500

/** Snapshot values win when an option is left out; an option that contradicts them is an error. */
function settle(
  name: string,
  option: number | undefined,
  saved: number | undefined,
  fallback: number | undefined,
  file: string | undefined
): number | undefined {
  if (saved !== undefined && option !== undefined && option !== saved) {
    throw new Error(
      `the snapshot ${file} was taken with ${name} ${saved}, not ${option} — use the same ${name}, leave it out, or use another snapshot file`
    )
  }
  return option ?? saved ?? fallback
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1'
  const file = options.snapshotFile
  const saved = file ? await readSnapshot(file) : undefined
  const seed = settle('seed', options.seed, saved?.seed, defaultSeed, file)!
  const contacts = settle('contacts', options.contacts, saved?.contacts, defaultContacts, file)!
  const profiles = settle('profiles', options.profiles, saved?.profiles, undefined, file)

  let dynamics: DataverseSandbox | undefined
  let campaign: CampaignSandbox | undefined
  const services = () => ({ dynamics: dynamics?.info.url ?? '(starting)', campaign: campaign?.info.url ?? '(starting)' })
  const http = await listenSandboxHttp({ port: options.port ?? 0, host, services })
  let authority: TlsListener
  try {
    dynamics = createDataverseSandbox({
      seed,
      contacts,
      baseUrl: http.origin,
      faults: options.faults?.dynamics,
      limits: options.limits,
      deltaTokenTtlMs: options.deltaTokenTtlMs,
      now: options.now
    })
    const contactIds = dynamics
    campaign = createCampaignSandbox({
      seed,
      profiles,
      deliveries: options.deliveries,
      ...(options.campaignResources ? { customResources: options.campaignResources } : {}),
      ...(options.campaignHistoryEvents ? { historyEvents: options.campaignHistoryEvents } : {}),
      // Profiles adopted by an earlier integration point at real contacts, so their history reaches a timeline.
      linkedContactId: (index) => (index < contacts ? contactIds.idOf('contact', index) : undefined),
      baseUrl: http.origin,
      faults: options.faults?.campaign,
      exportFolder: options.exportFolder,
      ...(options.now ? { now: () => new Date(options.now!()) } : {})
    })
    if (saved) {
      try {
        dynamics.restore(saved.dynamics)
        campaign.restore(saved.campaign)
      } catch (error) {
        throw new Error(
          `cannot restore the sandbox snapshot ${file}: ${(error as Error).message} — delete it to start from the seeded data`,
          { cause: error }
        )
      }
    }
    http.mount([dynamics.handle, campaign.handle])
    authority = await dynamics.startAuthorityTls({ host, notFound: notFoundResponder(services) })
  } catch (error) {
    await http.close()
    throw error
  }
  const dynamicsSandbox = dynamics
  const campaignSandbox = campaign

  const info: SandboxInfo = {
    dynamics: {
      url: dynamicsSandbox.info.url,
      tokenUrl: dynamicsSandbox.info.tokenUrl,
      tenantId: dynamicsSandbox.info.tenantId,
      clientId: dynamicsSandbox.info.clientId,
      clientSecret: dynamicsSandbox.info.clientSecret,
      authority: dynamicsSandbox.info.authority,
      ca: authority.tls.ca
    },
    campaign: {
      url: campaignSandbox.info.url,
      imsUrl: campaignSandbox.info.imsUrl,
      clientId: campaignSandbox.info.clientId,
      clientSecret: campaignSandbox.info.clientSecret,
      scopes: [...campaignSandbox.info.scopes],
      orgId: campaignSandbox.info.orgId
    }
  }

  // Saves run one after another, so an older state can never be renamed over a newer one.
  let saving: Promise<void> = Promise.resolve()
  const save = (): Promise<void> => {
    if (!file) return Promise.resolve()
    const snapshot: SandboxSnapshot = {
      format: snapshotFormat,
      savedAt: new Date().toISOString(),
      seed,
      contacts,
      profiles,
      dynamics: dynamicsSandbox.snapshot(),
      campaign: campaignSandbox.snapshot()
    }
    const next = saving.catch(() => undefined).then(() => writeSnapshot(file, snapshot))
    saving = next
    return next
  }

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      let failure: unknown
      try {
        await save()
      } catch (error) {
        failure = error
      }
      await Promise.all([http.close(), authority.close()])
      if (failure) throw failure
    })()
    return closing
  }

  const onRequest = (listener: (request: SandboxRequest) => void): (() => void) => {
    const dynamicsPath = new URL(dynamicsSandbox.info.url).pathname
    const handler = (req: { method?: string; url?: string }): void => {
      const url = req.url ?? '/'
      const service = url.startsWith(dynamicsPath) ? 'dynamics' : /^\/(?:[^/]+\/)?campaign\//.test(url) ? 'campaign' : 'other'
      listener({ service, method: req.method ?? 'GET', url })
    }
    http.server.on('request', handler)
    return () => void http.server.off('request', handler)
  }
  // The running totals `requests()` reports: one listener from the start, the same classification as every other.
  const requests = { dynamics: 0, campaign: 0 }
  onRequest((request) => void (request.service !== 'other' && requests[request.service]++))

  return {
    info,
    origin: http.origin,
    dynamics: dynamicsSandbox,
    campaign: campaignSandbox,
    requests: () => ({ ...requests }),
    onRequest,
    save,
    close
  }
}
