import type { Table } from '../../../shared/schema'
import { HttpClient, type HttpEvent, type HttpRequest, type HttpResponse } from '../http/client'
import { ConnectorError, isConnectorError, type ErrorKind } from '../http/errors'
import { AdaptiveLimiter } from '../http/limiter'
import { pageRecords } from '../http/page-records'
import type { RetryPolicy } from '../http/retry'
import type { TokenProvider } from '../token-provider'
import { resourceToTable, type CampaignFamily, type ResourceSummary } from './schema'

export type CampaignRecord = Record<string, unknown>

/** A record reference as Campaign returns it: prefer `href`, never build one from a PKey by hand. */
export interface CampaignRef {
  PKey?: string
  href?: string
}

export interface ListOptions {
  /** Rows per page (`_lineCount`; Campaign's default is 25). */
  pageSize?: number
  /** `_order`: field names, `field desc` for descending (sortable fields only). */
  order?: string[]
  /** A filter chain: `byText`, `byEmail`, or a custom one (`byDynamicsContactId`) with its parameters. */
  filters?: string[]
  params?: Record<string, string>
  /** Where to read (default: `profileAndServicesExt` for profile and custom resources, to see extension fields). */
  family?: CampaignFamily
  /** Continue a walk from the `next` link of a page read earlier (a resume). */
  from?: string
  signal?: AbortSignal
}

export interface CampaignPage {
  records: CampaignRecord[]
  page: number
  next?: string
}

export interface CampaignConnectorOptions {
  /** The Campaign REST base: `https://mc.adobe.io/<ORGANIZATION>/campaign/` (sandbox: its info.url). */
  baseUrl: string
  /** X-Api-Key: the credential's client id. */
  apiKey: string
  tokenProvider: TokenProvider
  /** Concurrent requests (default 8; halves on 429). */
  concurrency?: number
  retry?: Partial<RetryPolicy>
  timeoutMs?: number
  fetch?: typeof fetch
  onEvent?: (event: HttpEvent) => void
  /** The profile extension field that holds the Dynamics contact id (default `cusDynamicsContactId`). */
  dynamicsKeyField?: string
  /** The custom filter that finds a profile by that field (default `by<Field without cus>` with `<field>_parameter`). */
  keyFilter?: { name: string; param: string }
  /**
   * The custom filter that lists records changed since a time (`lastModified >=` its
   * parameter), defined on the profile (and custom resources) in Campaign's "Filter
   * definition" tab. Campaign documents custom filters and their `_parameter` names, not this
   * one: its name is the instance's (default `byModifiedSince` with `modifiedSince_parameter`).
   */
  modifiedSinceFilter?: { name: string; param: string }
}

const families: CampaignFamily[] = ['profileAndServices', 'profileAndServicesExt', 'customResources']

/**
 * Campaign engine errors by their documented codes, then by status — never by the rest of the
 * wording, which differs between instances, versions and the v8 migration
 * (https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/limitations).
 *  - XTK-170036 "Unable to parse expression '@id = @…'": the segment is neither a PKey nor an
 *    identification key of the resource (a key lookup must fall back to the filter).
 *  - PGS-220000 with "duplicate key": the identification key is taken (conflict).
 *  - "Unable to find document" / 404: no such record.
 *  - Any other 500 with an engine body (an `RST-`/`XTK-`/`PGS-`… code, or a JSON message) is the
 *    engine refusing this request's data: a record error, not a reason to retry. An empty or
 *    non-engine 500 stays a server error (retried); 502/503/504 are the gateway's (retried),
 *    except the documented "Oops… Check your URI" setup error (the connector's classifier).
 */
/** Campaign's timestamp form, `2025-03-01 09:01:30.000Z` (as `lastModified` reads). */
export function campaignTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ')
}

export function campaignEngineKind(status: number, parsed: { code?: string; message?: string }): ErrorKind | undefined {
  const message = parsed.message ?? ''
  const code = parsed.code ?? ''
  if (code === 'XTK-170036' || /\bXTK-170036\b/.test(message)) return 'badRequest'
  if (/\bPGS-220000\b/.test(message) && /duplicate key/i.test(message)) return 'conflict'
  if (status === 404) return 'notFound'
  if (status !== 500) return undefined
  if (/Unable to find document/i.test(message)) return 'notFound'
  if (/^[A-Z]{3}-\d{6}$/.test(code) || /\b[A-Z]{3}-\d{6}\b/.test(message)) return 'badRequest'
  if (message.trim() !== '' && !/^<|Service Unavailable|Internal Server Error$/i.test(message.trim())) return 'badRequest'
  return undefined
}

/**
 * What a 404 rc=-2003 ("no such route") means where it was asked. Custom resources not linked to
 * the profile exist only under /customResources, the linked ones and the profile's extension
 * fields and custom filters only under /profileAndServicesExt
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/interacting-with-custom-resources).
 */
function noRouteHint(url: string): string {
  const family = url.match(/\/(profileAndServicesExt|profileAndServices|customResources)\//)?.[1]
  if (family === 'customResources')
    return 'Unknown resource or filter under /customResources: check the name (case-sensitive) and that the custom resource, and the filter, are published. Resources linked to the profile are under /profileAndServicesExt instead.'
  if (family === 'profileAndServicesExt')
    return 'Unknown resource or filter under /profileAndServicesExt: check the name (case-sensitive) and that the resource, and the filter, are published. Custom resources not linked to the profile are under /customResources instead.'
  return 'Unknown resource or filter. Custom filters and extension fields are reachable only under /profileAndServicesExt; custom resources not linked to the profile only under /customResources.'
}

/**
 * Adobe Campaign Standard REST: resource metadata, paged lists by `next.href`, lookups by
 * filter, writes by `href`, custom resources, subscriptions and marketing history.
 */
export class CampaignConnector {
  readonly baseUrl: string
  readonly http: HttpClient
  readonly dynamicsKeyField: string
  private readonly keyFilter: { name: string; param: string }
  readonly modifiedSinceFilter: { name: string; param: string }
  private readonly limiter: AdaptiveLimiter
  private summaries: Promise<ResourceSummary[]> | undefined
  private readonly tables = new Map<string, Promise<Table>>()

  constructor(options: CampaignConnectorOptions) {
    this.baseUrl = options.baseUrl.replace(/\/?$/, '/')
    this.dynamicsKeyField = options.dynamicsKeyField ?? 'cusDynamicsContactId'
    const bare = this.dynamicsKeyField.replace(/^cus/, '')
    const filterBase = bare.charAt(0).toLowerCase() + bare.slice(1)
    this.keyFilter = options.keyFilter ?? { name: `by${bare}`, param: `${filterBase}_parameter` }
    this.modifiedSinceFilter = options.modifiedSinceFilter ?? { name: 'byModifiedSince', param: 'modifiedSince_parameter' }
    this.limiter = new AdaptiveLimiter({ initial: options.concurrency ?? 8, max: Math.max(options.concurrency ?? 8, 16) })
    const provider = options.tokenProvider
    this.http = new HttpClient({
      service: 'campaign',
      limiter: this.limiter,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
      onEvent: options.onEvent,
      authorize: async (forceRefresh, signal) => ({
        Authorization: `Bearer ${await provider.getToken({ forceRefresh, signal })}`,
        'X-Api-Key': options.apiKey
      }),
      // 401013 = the token is not valid (expired, revoked): get a new one once.
      isTokenRejected: (response) => response.status === 401,
      classify: (response, parsed, request) => {
        const message = parsed.message ?? ''
        if (parsed.code === '403023')
          return {
            kind: 'forbidden',
            hint: 'The token does not match this organization: check the organization id in the URL, and that the credential has the Campaign product profile and the additional_info.projectedProductContext scope.'
          }
        if (parsed.code === '403003' || parsed.code === '403000')
          return { kind: 'forbidden', hint: 'The API key (X-Api-Key) is missing or invalid: use the client id of the credential.' }
        if (parsed.code === '401013')
          return {
            kind: 'unauthorized',
            hint: 'The access token was refused even after a new one was fetched. Check the credential and its scopes.'
          }
        // "Oops… Check your URI and try again" is a setup error with 500 or 502 (Adobe documents both,
        // https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/setting-up-api-access):
        // sending it again cannot help. A 502 with another body stays a gateway failure (retried).
        if ((response.status === 500 || response.status === 502) && /Check your URI and try again/i.test(message))
          return {
            kind: 'notFound',
            hint: 'The URL does not reach a Campaign instance: check the organization id in it (the Campaign tenant, not the IMS org id …@AdobeOrg). If it is right, ask your Campaign administrator or Adobe contact to check the instance\'s CNAME setup (Adobe\'s "Setting up API access", troubleshooting).'
          }
        if (response.status === 404 && /rc=-2003/.test(message)) return { hint: noRouteHint(request.url) }
        const kind = campaignEngineKind(response.status, parsed)
        if (kind === 'badRequest' && /\bXTK-170036\b/.test(`${parsed.code ?? ''} ${message}`))
          return {
            kind,
            hint: 'Campaign could not read the value in the URL as a PKey or an identification key of this resource: address records by the href Campaign returned, or look them up through a filter.'
          }
        if (kind) return { kind }
        return undefined
      }
    })
  }

  get concurrency(): number {
    return this.limiter.limit
  }

  /** Absolute URL for a path under the base, or an href Campaign returned (absolute or relative). */
  resolve(hrefOrPath: string): string {
    if (/^https?:\/\//.test(hrefOrPath)) return hrefOrPath
    const base = new URL(this.baseUrl)
    if (hrefOrPath.startsWith('/')) {
      // Old docs show relative `next.href` values that start at the family: `/profileAndServices/…`.
      if (hrefOrPath.startsWith(base.pathname)) return `${base.origin}${hrefOrPath}`
      return `${this.baseUrl.replace(/\/$/, '')}${hrefOrPath}`
    }
    return `${this.baseUrl}${hrefOrPath}`
  }

  private headers(body: boolean): Record<string, string> {
    return {
      Accept: 'application/json',
      'Cache-Control': 'no-cache',
      ...(body ? { 'Content-Type': 'application/json;charset=utf-8' } : {})
    }
  }

  async send(request: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse> {
    const { path, ...rest } = request
    return this.http.request({ ...rest, url: this.resolve(path), headers: { ...this.headers(rest.body !== undefined), ...rest.headers } })
  }

  async getJson<T = CampaignRecord>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.send({ method: 'GET', path, signal })).json<T>()
  }

  // ---------------------------------------------------------------- metadata

  /** Resources of every family; a resource seen in several is reported under the richest (Ext). */
  async listResources(signal?: AbortSignal): Promise<ResourceSummary[]> {
    this.summaries ??= (async () => {
      const byName = new Map<string, ResourceSummary>()
      for (const family of families) {
        let body: CampaignRecord
        try {
          body = await this.getJson(`${family}/`, signal)
        } catch (error) {
          // customResources may be absent on an instance; the others must answer.
          if (family === 'customResources' && isConnectorError(error) && error.kind !== 'unauthorized' && error.kind !== 'forbidden')
            continue
          throw error
        }
        for (const [name, value] of Object.entries(body)) {
          if (name === 'apiName' || !value || typeof value !== 'object') continue
          const entry = value as CampaignRecord
          const existing = byName.get(name)
          if (existing && existing.family === 'profileAndServicesExt') continue
          byName.set(name, {
            name,
            displayName: String(entry.label ?? entry.help ?? name),
            family,
            href: `/${family}/${name}`,
            custom: name.startsWith('cus')
          })
        }
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name))
    })().catch((error) => {
      this.summaries = undefined
      throw error
    })
    return this.summaries
  }

  private async familyOf(resource: string, signal?: AbortSignal): Promise<CampaignFamily> {
    const summary = (await this.listResources(signal)).find((r) => r.name === resource)
    if (!summary)
      throw new ConnectorError({
        kind: 'notFound',
        service: 'campaign',
        message: `Resource '${resource}' does not exist in this Campaign instance.`,
        hint: 'Names are case-sensitive (profile, service, cusVehicle). Custom resources must be published.'
      })
    return summary.family
  }

  /** resourceType metadata → Table (profile with its extension fields; custom resources). Cached. */
  async getResource(resource: string, signal?: AbortSignal): Promise<Table> {
    let pending = this.tables.get(resource)
    if (!pending) {
      pending = (async () => {
        const family = await this.familyOf(resource, signal)
        const body = await this.getJson(`${family}/resourceType/${encodeURIComponent(resource)}`, signal)
        // The connection names the profile's identification key holding the Dynamics id; the metadata cannot.
        return resourceToTable(body, family, { identificationKeys: resource === 'profile' ? [this.dynamicsKeyField] : [] })
      })()
      this.tables.set(resource, pending)
      pending.catch(() => this.tables.delete(resource))
    }
    return pending
  }

  refreshSchema(): void {
    this.tables.clear()
    this.summaries = undefined
  }

  // ---------------------------------------------------------------- reads

  private async listPath(resource: string, options: ListOptions): Promise<string> {
    const family = options.family ?? (await this.familyOf(resource, options.signal))
    const filters = (options.filters ?? []).map((f) => `/${encodeURIComponent(f)}`).join('')
    const query = new URLSearchParams(options.params ?? {})
    if (options.pageSize) query.set('_lineCount', String(options.pageSize))
    if (options.order?.length) query.set('_order', options.order.join(','))
    // Above XtkBigTableThreshold rows Campaign omits `next` unless asked.
    query.set('_forcePagination', 'true')
    return `${family}/${encodeURIComponent(resource)}${filters}?${query.toString().replace(/\+/g, '%20')}`
  }

  /**
   * Pages of a resource, following `next.href` exactly as returned. Each page's `next` is that
   * link as a position: relative to the connection's base when it is under it (`positionOf`).
   */
  async *list(resource: string, options: ListOptions = {}): AsyncGenerator<CampaignPage> {
    let next: string | undefined = options.from ?? (await this.listPath(resource, options))
    let page = 0
    while (next) {
      const body: { content?: CampaignRecord[]; next?: { href?: string } } = await this.getJson(next, options.signal)
      const records = pageRecords<CampaignRecord>(body, 'content', 'campaign', next)
      page++
      next = body.next?.href ? this.positionOf(body.next.href) : undefined
      yield { records, page, ...(next ? { next } : {}) }
    }
  }

  /**
   * A link Campaign returned, to keep as a run's position: without the scheme and host when it is
   * under the connection's base, so that the position survives a new host name or port of the
   * same instance (the built-in sandbox's port changes with each process); `resolve` reads it
   * back against the base of the day. Dataverse positions are kept the same way (docs/sync.md).
   */
  positionOf(href: string): string {
    const base = new URL(this.baseUrl)
    const under = `${base.origin}${base.pathname.replace(/\/?$/, '/')}`
    return href.startsWith(under) ? href.slice(base.origin.length) : href
  }

  async *records(resource: string, options: ListOptions = {}): AsyncGenerator<CampaignRecord> {
    for await (const page of this.list(resource, options)) yield* page.records
  }

  /**
   * Pages of the records changed at or after `since` (Campaign's `lastModified`), through the
   * connection's custom filter (`modifiedSinceFilter`,
   * https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/additional-operations/filtering),
   * asked in the resource's own family: /profileAndServicesExt for the profile and linked custom
   * resources, /customResources for the others. `from` continues from a page's `next` link. A
   * 404 (rc=-2003) means the filter is not defined there: the error's hint says how to define it.
   */
  async *modifiedSince(
    resource: string,
    since: Date,
    options: Omit<ListOptions, 'filters' | 'params' | 'family'> = {}
  ): AsyncGenerator<CampaignPage> {
    const { name, param } = this.modifiedSinceFilter
    const family = await this.familyOf(resource, options.signal)
    try {
      yield* this.list(resource, {
        ...options,
        family,
        filters: [name],
        params: { [param]: campaignTimestamp(since) }
      })
    } catch (error) {
      if (isConnectorError(error) && error.kind === 'notFound' && !options.from)
        throw new ConnectorError({
          ...error.toJSON(),
          message: `Campaign has no filter '${name}' on ${resource} (/${family}): ${error.message}`,
          hint: `Define a custom filter '${name}' on the ${resource} resource ("Filter definition" tab: lastModified on or after a date parameter '${param.replace(/_parameter$/, '')}'), publish it, or set the connection's filter name.`
        })
      throw error
    }
  }

  /** Profiles, extension fields included. */
  profiles(options: Omit<ListOptions, 'family'> = {}): AsyncGenerator<CampaignPage> {
    return this.list('profile', options)
  }

  /**
   * `GET …/_count` → `{"count": N}`. An answer without a readable count is unknown (undefined),
   * never 0: callers would take an unknown table for an empty one.
   */
  async count(resource: string, options: Pick<ListOptions, 'filters' | 'params' | 'family' | 'signal'> = {}): Promise<number | undefined> {
    const family = options.family ?? (await this.familyOf(resource, options.signal))
    const filters = (options.filters ?? []).map((f) => `/${encodeURIComponent(f)}`).join('')
    const query = new URLSearchParams(options.params ?? {}).toString()
    const body = await this.getJson<{ count?: unknown }>(
      `${family}/${encodeURIComponent(resource)}${filters}/_count${query ? `?${query}` : ''}`,
      options.signal
    )
    const count = typeof body?.count === 'string' && /^\d+$/.test(body.count) ? Number(body.count) : body?.count
    return typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : undefined
  }

  /** Records matching a filter (e.g. `byEmail` with `{ email }`), all pages, in the resource's family (custom filters included). */
  async findByFilter(resource: string, filter: string, params: Record<string, string>, signal?: AbortSignal): Promise<CampaignRecord[]> {
    const out: CampaignRecord[] = []
    for await (const record of this.records(resource, { filters: [filter], params, signal })) out.push(record)
    return out
  }

  /** The profile whose Dynamics-id extension field equals `value` (through the custom filter). */
  async findProfileByKey(value: string, signal?: AbortSignal): Promise<CampaignRecord | undefined> {
    const found = await this.findByFilter('profile', this.keyFilter.name, { [this.keyFilter.param]: value }, signal)
    return found.find((p) => p[this.dynamicsKeyField] === value) ?? found[0]
  }

  async get(href: string, signal?: AbortSignal): Promise<CampaignRecord> {
    return this.getJson(href, signal)
  }

  // ---------------------------------------------------------------- writes

  /** Extension fields (`cus…`, orgUnit) are only visible and writable under profileAndServicesExt. */
  private needsExt(resource: string, record: CampaignRecord): boolean {
    return resource.startsWith('cus') || Object.keys(record).some((k) => /^cus[A-Z]/.test(k) || k === 'orgUnit' || k === 'geoUnit')
  }

  private writeFamily(href: string, record: CampaignRecord): string {
    return this.needsExt('', record) ? href.replace('/profileAndServices/', '/profileAndServicesExt/') : href
  }

  /** POST a new record. Not retried after an ambiguous failure (it would create a duplicate). */
  async create(resource: string, record: CampaignRecord, signal?: AbortSignal): Promise<CampaignRecord> {
    const family =
      (await this.familyOf(resource, signal)) === 'customResources'
        ? 'customResources'
        : this.needsExt(resource, record)
          ? 'profileAndServicesExt'
          : 'profileAndServices'
    const response = await this.send({
      method: 'POST',
      path: `${family}/${encodeURIComponent(resource)}`,
      body: JSON.stringify(record),
      signal,
      idempotent: false
    })
    return response.text ? response.json<CampaignRecord>() : {}
  }

  /** PATCH by the href Campaign gave (switched to /profileAndServicesExt when extension fields are written). */
  async patch(href: string, changes: CampaignRecord, signal?: AbortSignal): Promise<CampaignRef> {
    const response = await this.send({ method: 'PATCH', path: this.writeFamily(href, changes), body: JSON.stringify(changes), signal })
    return response.text ? response.json<CampaignRef>() : { href }
  }

  /** DELETE by href; with `ignoreMissing` a record already gone counts as deleted. */
  async delete(href: string, options: { ignoreMissing?: boolean; signal?: AbortSignal } = {}): Promise<{ deleted: boolean }> {
    const response = await this.send({
      method: 'DELETE',
      path: href,
      signal: options.signal,
      accept: options.ignoreMissing ? [404] : undefined
    })
    return { deleted: response.status !== 404 }
  }

  /**
   * Create or update the profile whose Dynamics-id field is `key`. Looks it up through the
   * custom filter, then PATCHes its href or POSTs a new one with the key set.
   */
  async upsertProfile(
    key: string,
    record: CampaignRecord,
    signal?: AbortSignal
  ): Promise<{ PKey: string; href: string; created: boolean }> {
    const existing = await this.findProfileByKey(key, signal)
    if (existing?.href) {
      const { [this.dynamicsKeyField]: _key, ...changes } = record
      const ref = await this.patch(String(existing.href), changes, signal)
      return { PKey: String(ref.PKey ?? existing.PKey), href: String(existing.href), created: false }
    }
    const created = await this.create('profile', { ...record, [this.dynamicsKeyField]: key }, signal)
    return { PKey: String(created.PKey ?? ''), href: String(created.href ?? ''), created: true }
  }

  /**
   * A custom resource record linked to a profile: `link` is the link field (`profile`) and
   * the profile's PKey or href (resource-specific joins, like cusVehicle's
   * profileExternalId, are ordinary fields in `record`).
   */
  async createCustomResource(
    resource: string,
    record: CampaignRecord,
    link?: { field: string; profile: CampaignRef },
    signal?: AbortSignal
  ): Promise<CampaignRecord> {
    const body = link ? { ...record, [link.field]: link.profile.PKey ? { PKey: link.profile.PKey } : { href: link.profile.href } } : record
    return this.create(resource, body, signal)
  }

  // ---------------------------------------------------------------- services and subscriptions

  async services(signal?: AbortSignal): Promise<CampaignRecord[]> {
    const out: CampaignRecord[] = []
    for await (const service of this.records('service', { family: 'profileAndServices', signal })) out.push(service)
    return out
  }

  private subscriptionsHref(profile: CampaignRecord | string): string {
    if (typeof profile === 'string') return `${profile.replace(/\/$/, '')}/subscriptions/`
    const node = profile.subscriptions as { href?: string } | undefined
    if (node?.href) return node.href
    if (profile.href) return `${String(profile.href).replace(/\/$/, '')}/subscriptions/`
    throw new ConnectorError({ kind: 'badRequest', service: 'campaign', message: 'The profile has no href: read it from Campaign first.' })
  }

  /** Every subscription of a profile: all pages, following `next.href` (a page holds 25 by default). */
  async subscriptions(profile: CampaignRecord | string, signal?: AbortSignal): Promise<CampaignRecord[]> {
    const out: CampaignRecord[] = []
    let next: string | undefined = this.subscriptionsHref(profile)
    while (next) {
      const body: { content?: CampaignRecord[]; next?: { href?: string } } = await this.getJson(next, signal)
      // Without its list the answer is not "no subscriptions": an opt-out sync would act on that.
      out.push(...pageRecords<CampaignRecord>(body, 'content', 'campaign', next))
      next = body.next?.href || undefined
    }
    return out
  }

  /** Subscribes a profile to a service (by PKey, or by service name). Campaign answers an existing subscription when repeated. */
  async subscribe(
    profile: CampaignRecord | string,
    service: { PKey: string } | { name: string },
    signal?: AbortSignal
  ): Promise<CampaignRecord> {
    const response = await this.send({
      method: 'POST',
      path: this.subscriptionsHref(profile),
      body: JSON.stringify({ service }),
      signal,
      idempotent: true
    })
    return response.json<CampaignRecord>()
  }

  async unsubscribe(subscriptionHref: string, signal?: AbortSignal): Promise<void> {
    await this.send({ method: 'DELETE', path: subscriptionHref, signal, accept: [404] })
  }

  // ---------------------------------------------------------------- marketing history

  /**
   * A profile's marketing events, every page
   * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/interacting-with-marketing-history).
   * In no particular order: Adobe documents no sorting for this list, so none is asked for.
   */
  async *historyEvents(profilePKey: string, options: { pageSize?: number; signal?: AbortSignal } = {}): AsyncGenerator<CampaignRecord> {
    const history = await this.getJson<{ events?: { href?: string } }>(
      `profileAndServices/history/${encodeURIComponent(profilePKey)}`,
      options.signal
    )
    let next: string | undefined = history.events?.href
    if (!next) return
    const query = new URLSearchParams({
      _forcePagination: 'true',
      ...(options.pageSize ? { _lineCount: String(options.pageSize) } : {})
    })
    next = `${next}${next.includes('?') ? '&' : '?'}${query.toString().replace(/\+/g, '%20')}`
    while (next) {
      const body: { content?: CampaignRecord[]; next?: { href?: string } } = await this.getJson(next, options.signal)
      yield* pageRecords<CampaignRecord>(body, 'content', 'campaign', next)
      next = body.next?.href || undefined
    }
  }
}
