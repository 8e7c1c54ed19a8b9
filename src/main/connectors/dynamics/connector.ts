import { chunkByLength } from '../../../shared/mapping/filters'
import type { Table } from '../../../shared/schema'
import { guidPattern } from '../../../shared/schema/model'
import { HttpClient, type HttpEvent, type HttpRequest, type HttpResponse } from '../http/client'
import { ConnectorError, isConnectorError, type ConnectorErrorInfo } from '../http/errors'
import { AdaptiveLimiter } from '../http/limiter'
import { pageRecords } from '../http/page-records'
import { parseRetryAfter, sleep, type RetryPolicy } from '../http/retry'
import type { TokenProvider } from '../token-provider'
import { environmentOrigin } from './auth'
import { buildBatch, parseBatchResponse, type BatchPart } from './batch'
import { keysFilter, rowMatchesKey, unusableKeyCharacter } from './key-values'
import { listTableSummaries, readTableSchema, type DynamicsTableSchema, type TableSummary } from './metadata'

export type DynamicsRecord = Record<string, unknown>

/** A row's address: its GUID, or alternate-key values (`{ new_externalkey: 'CT-42' }`). */
export type RecordKey = string | Record<string, string | number | boolean>

/** A lookup value in a write: which table and row it points to; `null` clears the lookup. */
export interface LookupRef {
  table: string
  id: string
}

export interface QueryOptions {
  select?: string[]
  /** An OData `$filter` expression, passed through as is (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows). */
  filter?: string
  orderBy?: string[]
  /** At most this many rows in total (no paging). Do not combine with pageSize. */
  top?: number
  /** Rows per page (Prefer odata.maxpagesize; max 5000). */
  pageSize?: number
  /** Ask for formatted values and lookup annotations (`field@OData.Community.Display.V1.FormattedValue`). */
  formattedValues?: boolean
  /**
   * Continue a walk from the `nextLink` of a page read earlier (its query options travel in
   * the link; pass the same pageSize and formattedValues, which travel in headers).
   */
  from?: string
  signal?: AbortSignal
}

export interface RecordPage {
  records: DynamicsRecord[]
  /** 1-based. */
  page: number
  /** Relative to the Web API base (survives a new host or port of the same environment): pass it as `from` to continue. */
  nextLink?: string
}

/**
 * Where a change-tracking walk stands, relative to the Web API base: `next` while the walk
 * is in its pages (a `@odata.nextLink`), `delta` once it is done (the `@odata.deltaLink`
 * to follow next time). Plain JSON: store it to resume after a cancel or a crash.
 */
export type ChangePosition = { next: string; delta?: undefined } | { delta: string; next?: undefined }

export interface ChangePage {
  /** New and changed rows (full rows, with the selected columns). */
  upserts: DynamicsRecord[]
  /** Ids of rows deleted since the last delta link. */
  deletes: string[]
  page: number
  /** Where to continue after this page (`changes(table, { from: position })`). */
  position: ChangePosition
  /** Present on the last page only: persist it and pass it as `deltaLink` next time. */
  deltaLink?: string
}

export interface ChangeOptions {
  select?: string[]
  /** The link the previous run ended with; omit for the initial full read. */
  deltaLink?: string
  /** A position a page of an earlier walk reported: continues after that page (a resume), or follows its delta link. */
  from?: ChangePosition
  pageSize?: number
  formattedValues?: boolean
  signal?: AbortSignal
}

type AlternateKey = Exclude<RecordKey, string>

export type WriteOperation =
  | { kind: 'create'; table: string; record: DynamicsRecord }
  | { kind: 'update'; table: string; key: RecordKey; record: DynamicsRecord }
  | { kind: 'upsert'; table: string; key: RecordKey; record: DynamicsRecord }
  | { kind: 'delete'; table: string; key: RecordKey }

export interface WriteOutcome {
  /** Index of the operation in the input. */
  index: number
  ok: boolean
  status: number
  id?: string
  /** For upserts: whether a row was created (known when the service says so). */
  created?: boolean
  /**
   * No answer came (a timeout, a dropped connection): the record may or may not be written.
   * Not sent again; a later look-up by key tells (docs/sync.md, "Dataverse writes").
   */
  unknown?: boolean
  error?: ConnectorErrorInfo
}

export interface DynamicsConnectorOptions {
  /** `https://contoso.crm.dynamics.com` */
  environmentUrl: string
  /** Web API base; default `<origin>/api/data/v9.2/`. */
  apiUrl?: string
  tokenProvider: TokenProvider
  /** Starting concurrency until the service's x-ms-dop-hint is seen (default 4), and the ceiling (default 52). */
  concurrency?: { initial?: number; max?: number }
  retry?: Partial<RetryPolicy>
  timeoutMs?: number
  /**
   * Per-request timeout of bulk messages and `$batch` (default 4 minutes, the default of
   * Microsoft's ServiceClient: https://learn.microsoft.com/dotnet/api/microsoft.powerplatform.dataverse.client.serviceclient.maxconnectiontimeout).
   * A write that outlives it is not sent again: its records' outcome is unknown.
   */
  bulkTimeoutMs?: number
  fetch?: typeof fetch
  onEvent?: (event: HttpEvent) => void
}

const EXPIRED_DELTA_CODES = new Set(['0x80044352'])

/**
 * The Dataverse Web API: metadata, paged reads, change tracking, writes and `$batch`, over
 * the shared HTTP discipline. Stateless apart from a metadata cache; safe to share.
 */
export class DynamicsConnector {
  readonly apiUrl: string
  readonly environmentUrl: string
  readonly http: HttpClient
  private readonly limiter: AdaptiveLimiter
  private readonly schemas = new Map<string, Promise<DynamicsTableSchema>>()
  /** `<table> <message>` pairs the service has no bulk message for (404 on the action): `$batch` from then on. */
  private readonly noBulk = new Set<string>()
  /** Calls by kind, for tests and benches: `bulk` (CreateMultiple/UpdateMultiple/UpsertMultiple) and `batch` ($batch). */
  readonly writeCalls = { bulk: 0, batch: 0 }
  private summaries: Promise<TableSummary[]> | undefined
  private lastDopHint: number | undefined
  private readonly bulkTimeoutMs: number

  constructor(options: DynamicsConnectorOptions) {
    this.environmentUrl = environmentOrigin(options.environmentUrl)
    this.apiUrl = (options.apiUrl ?? `${this.environmentUrl}/api/data/v9.2/`).replace(/\/?$/, '/')
    this.bulkTimeoutMs = options.bulkTimeoutMs ?? 240_000
    this.limiter = new AdaptiveLimiter({ initial: options.concurrency?.initial ?? 4, max: options.concurrency?.max ?? 52 })
    const provider = options.tokenProvider
    this.http = new HttpClient({
      service: 'dynamics',
      limiter: this.limiter,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
      onEvent: options.onEvent,
      authorize: async (forceRefresh, signal) => ({ Authorization: `Bearer ${await provider.getToken({ forceRefresh, signal })}` }),
      onResponse: (response) => {
        const hint = Number(response.headers.get('x-ms-dop-hint'))
        if (hint > 0) {
          this.lastDopHint = hint
          this.limiter.hint(hint)
        }
      },
      classify: (response, parsed, request) => {
        if (
          request.url.includes('$deltatoken=') &&
          (EXPIRED_DELTA_CODES.has(parsed.code ?? '') ||
            (response.status >= 400 && response.status < 500 && ![401, 403, 429].includes(response.status)))
        )
          return { kind: 'deltaExpired' }
        if (response.status === 403 && /privilege|prv[A-Z]/i.test(parsed.message ?? ''))
          return {
            hint: 'Signed in, but the user (or application user) lacks a privilege named in the message. Add it to its security role in Power Platform admin center.'
          }
        if (response.status === 401)
          return {
            hint: 'The token was refused: the app registration may have no application user in this environment, or the environment URL belongs to another tenant.'
          }
        return undefined
      }
    })
  }

  /** The concurrency currently allowed (starts at x-ms-dop-hint, halves on 429, grows on success). */
  get concurrency(): { limit: number; dopHint?: number } {
    return { limit: this.limiter.limit, dopHint: this.lastDopHint }
  }

  private url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.apiUrl}${path}`
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0', 'If-None-Match': 'null', ...extra }
  }

  async send(request: Omit<HttpRequest, 'url'> & { path: string }): Promise<HttpResponse> {
    const { path, ...rest } = request
    return this.http.request({ ...rest, url: this.url(path), headers: this.headers(rest.headers) })
  }

  async getJson<T = Record<string, unknown>>(
    path: string,
    options: { headers?: Record<string, string>; signal?: AbortSignal } = {}
  ): Promise<T> {
    const response = await this.send({ method: 'GET', path, headers: options.headers, signal: options.signal })
    return response.json<T>()
  }

  /** Signs in and asks who we are; also learns the recommended parallelism. */
  async whoAmI(signal?: AbortSignal): Promise<{ userId: string; businessUnitId: string; organizationId: string; dopHint?: number }> {
    const body = await this.getJson<{ UserId: string; BusinessUnitId: string; OrganizationId: string }>('WhoAmI', { signal })
    return { userId: body.UserId, businessUnitId: body.BusinessUnitId, organizationId: body.OrganizationId, dopHint: this.lastDopHint }
  }

  // ---------------------------------------------------------------- metadata

  async listTables(signal?: AbortSignal): Promise<TableSummary[]> {
    this.summaries ??= listTableSummaries((path) => this.getJson(path, { signal })).catch((error) => {
      this.summaries = undefined
      throw error
    })
    return this.summaries
  }

  /** The table's schema plus what writes need (navigation properties); cached until refreshSchema(). */
  async tableSchema(logicalName: string, signal?: AbortSignal): Promise<DynamicsTableSchema> {
    let pending = this.schemas.get(logicalName)
    if (!pending) {
      pending = readTableSchema(async (path, optional) => {
        try {
          return await this.getJson(path, { signal })
        } catch (error) {
          if (optional && isConnectorError(error) && (error.kind === 'notFound' || error.kind === 'badRequest')) return undefined
          if (isConnectorError(error) && error.kind === 'notFound' && path.startsWith('EntityDefinitions(')) {
            throw new ConnectorError({
              kind: 'notFound',
              service: 'dynamics',
              status: 404,
              code: error.code,
              message: `Table '${logicalName}' does not exist in this environment.`,
              hint: 'Use the logical name (lower case, e.g. contact, new_vehicle); list the tables to see what exists.'
            })
          }
          throw error
        }
      }, logicalName)
      this.schemas.set(logicalName, pending)
      pending.catch(() => this.schemas.delete(logicalName))
    }
    return pending
  }

  async getTable(logicalName: string, signal?: AbortSignal): Promise<Table> {
    return (await this.tableSchema(logicalName, signal)).table
  }

  refreshSchema(): void {
    this.schemas.clear()
    this.summaries = undefined
  }

  /** EntitySetName from metadata (never pluralised by hand). */
  async entitySet(logicalName: string, signal?: AbortSignal): Promise<string> {
    const cached = this.schemas.get(logicalName)
    if (cached) return (await cached).table.entitySetName!
    const summary = (await this.listTables(signal)).find((t) => t.name === logicalName)
    if (summary) return summary.entitySetName
    return (await this.tableSchema(logicalName, signal)).table.entitySetName!
  }

  // ---------------------------------------------------------------- reads

  private queryString(options: QueryOptions & { primaryId?: string }): string {
    const params: string[] = []
    if (options.select?.length) params.push(`$select=${options.select.map(encodeURIComponent).join(',')}`)
    if (options.filter) params.push(`$filter=${encodeURIComponent(options.filter)}`)
    if (options.orderBy?.length) params.push(`$orderby=${options.orderBy.map(encodeURIComponent).join(',')}`)
    if (options.top !== undefined) params.push(`$top=${options.top}`)
    return params.length ? `?${params.join('&')}` : ''
  }

  private prefer(options: { pageSize?: number; formattedValues?: boolean; track?: boolean }): Record<string, string> {
    const prefer: string[] = []
    if (options.pageSize) prefer.push(`odata.maxpagesize=${Math.min(5000, Math.max(1, Math.floor(options.pageSize)))}`)
    if (options.formattedValues)
      prefer.push(
        'odata.include-annotations="OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname,Microsoft.Dynamics.CRM.associatednavigationproperty"'
      )
    if (options.track) prefer.push('odata.track-changes')
    return prefer.length ? { Prefer: prefer.join(',') } : {}
  }

  /** Pages of rows, following @odata.nextLink as given (never edited). */
  async *query(table: string, options: QueryOptions = {}): AsyncGenerator<RecordPage> {
    let next: string | undefined = options.from ?? `${await this.entitySet(table, options.signal)}${this.queryString(options)}`
    const headers = this.prefer({
      pageSize: options.top === undefined ? (options.pageSize ?? 5000) : undefined,
      formattedValues: options.formattedValues
    })
    let page = 0
    while (next) {
      const body: { value?: DynamicsRecord[]; '@odata.nextLink'?: string } = await this.getJson(next, { headers, signal: options.signal })
      const records = pageRecords<DynamicsRecord>(body, 'value', 'dynamics', next)
      page++
      next = this.relative(body['@odata.nextLink'])
      yield { records, page, ...(next ? { nextLink: next } : {}) }
    }
  }

  /**
   * A link the service returned, made relative to the Web API base, so a stored position
   * survives a new port or host name of the same environment (links are otherwise never edited).
   */
  relative(link: string | undefined): string | undefined {
    if (!link) return undefined
    if (link.startsWith(this.apiUrl)) return link.slice(this.apiUrl.length)
    // Same API path on another origin (the sandbox on a new port): keep only the path.
    try {
      const url = new URL(link)
      const path = new URL(this.apiUrl).pathname
      if (url.pathname.startsWith(path)) return `${url.pathname.slice(path.length)}${url.search}`
    } catch {
      /* not a URL: keep it */
    }
    return link
  }

  /** Rows one by one (over query()). */
  async *records(table: string, options: QueryOptions = {}): AsyncGenerator<DynamicsRecord> {
    for await (const page of this.query(table, options)) yield* page.records
  }

  /**
   * Row count. Dataverse caps counts at 5000: `limitExceeded` says the true number is larger
   * (use RetrieveTotalRecordCount for an estimate). A count of exactly 5,000 is "more" only
   * when the service says so in `totalrecordcountlimitexceeded`
   * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows);
   * an answer without that annotation at 5,000 cannot tell, and reads as "at least".
   * `count` is undefined when the answer has no `@odata.count`: unknown, which is not zero.
   */
  async count(
    table: string,
    options: { filter?: string; signal?: AbortSignal } = {}
  ): Promise<{ count: number | undefined; limitExceeded: boolean }> {
    const set = await this.entitySet(table, options.signal)
    const schema = await this.tableSchema(table, options.signal)
    const query = `${set}?$select=${schema.table.primaryId}&$count=true${options.filter ? `&$filter=${encodeURIComponent(options.filter)}` : ''}`
    const body = await this.getJson<Record<string, unknown>>(query, {
      headers: {
        Prefer:
          'odata.maxpagesize=1,odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"'
      },
      signal: options.signal
    })
    // No count in the answer (a proxy or service that drops it) is "unknown", never 0.
    const raw = body['@odata.count'] ?? body['@Microsoft.Dynamics.CRM.totalrecordcount']
    const count = typeof raw === 'number' || (typeof raw === 'string' && raw.trim() !== '') ? Number(raw) : NaN
    if (!Number.isFinite(count) || count < 0) return { count: undefined, limitExceeded: false }
    const exceeded = body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']
    return { count, limitExceeded: typeof exceeded === 'boolean' ? exceeded : count >= 5000 }
  }

  /**
   * The table's total row count. Asks `RetrieveTotalRecordCount` (no 5,000 cap, but a
   * snapshot taken within the last 24 h, so it can be a little off); when the function
   * fails (older or restricted environments) falls back to `GET /<set>/$count`, which is
   * exact but capped at 5,000 (`capped` then says the true number may be larger).
   * Errors other than a cancel are not thrown: undefined means "unknown".
   */
  async totalRecordCount(
    table: string,
    signal?: AbortSignal
  ): Promise<{ count: number; from: 'snapshot' | 'count'; capped: boolean } | undefined> {
    try {
      const body = await this.getJson<unknown>(
        `RetrieveTotalRecordCount(EntityNames=@p1)?@p1=${encodeURIComponent(JSON.stringify([table]).replace(/"/g, "'"))}`,
        { signal }
      )
      const count = parseTotalRecordCount(body, table)
      if (count !== undefined) return { count, from: 'snapshot', capped: false }
    } catch (error) {
      if (signal?.aborted || isAbortLike(error)) throw error
    }
    try {
      const count = await this.countText(`${await this.entitySet(table, signal)}/$count`, signal)
      return count === undefined ? undefined : { count, from: 'count', capped: count >= 5000 }
    } catch (error) {
      if (signal?.aborted || isAbortLike(error)) throw error
      return undefined
    }
  }

  /**
   * The number of changes behind a change-tracking link (`GET /<set>/$count?$deltatoken=…`,
   * https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems, or undefined when the service does not say. Capped at 5,000 like every
   * `$count` (`capped`). Never throws except on cancel.
   */
  async changeCount(deltaLink: string, signal?: AbortSignal): Promise<{ count: number; capped: boolean } | undefined> {
    const relative = deltaLink.startsWith(this.apiUrl) ? deltaLink.slice(this.apiUrl.length) : deltaLink
    const match = /^([^?/]+)\?(?:.*&)?\$deltatoken=([^&]+)/.exec(relative.replace(/^https?:\/\/[^/]+\/api\/data\/v[\d.]+\//, ''))
    if (!match) return undefined
    try {
      const count = await this.countText(`${match[1]}/$count?$deltatoken=${match[2]}`, signal)
      return count === undefined ? undefined : { count, capped: count >= 5000 }
    } catch (error) {
      if (signal?.aborted || isAbortLike(error)) throw error
      return undefined
    }
  }

  /** A text/plain count (also accepts a JSON number or `{"value": n}`). */
  private async countText(path: string, signal?: AbortSignal): Promise<number | undefined> {
    const response = await this.send({ method: 'GET', path, headers: { Accept: 'text/plain' }, signal })
    return parseCount(response.text)
  }

  /**
   * Change tracking (https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems).
   * Without `deltaLink` or `from`: every row, then a delta link on the last page. With one: rows
   * changed and ids deleted since, then the next link. Each page says where to continue
   * (`position`), so a walk stopped by a cancel or a crash resumes after its last page done
   * with `from`. An expired link fails with kind 'deltaExpired': run again without it (full
   * resync). `$filter`, `$orderby`, `$expand` and `$top` cannot be combined with tracking.
   */
  async *changes(table: string, options: ChangeOptions = {}): AsyncGenerator<ChangePage> {
    const schema = await this.tableSchema(table, options.signal)
    if (!schema.table.changeTracking)
      throw new ConnectorError({
        kind: 'badRequest',
        service: 'dynamics',
        message: `Change tracking is not enabled for table '${table}'.`,
        hint: `Enable "Track changes" on the table in Power Apps, or read incrementally with a filter on modifiedon.`
      })
    const headers = this.prefer({ pageSize: options.pageSize ?? 5000, formattedValues: options.formattedValues, track: true })
    let next: string | undefined =
      options.from?.next ??
      options.from?.delta ??
      options.deltaLink ??
      `${schema.table.entitySetName}${this.queryString({ select: options.select })}`
    let page = 0
    while (next) {
      if (options.signal?.aborted) throw canceled()
      const body: { value?: DynamicsRecord[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string } = await this.getJson(next, {
        headers,
        signal: options.signal
      })
      page++
      const upserts: DynamicsRecord[] = []
      const deletes: string[] = []
      for (const item of pageRecords<DynamicsRecord>(body, 'value', 'dynamics', next)) {
        const context = String(item['@odata.context'] ?? '')
        if (context.endsWith('$deletedEntity') || item.reason === 'deleted') deletes.push(String(item.id))
        else upserts.push(item)
      }
      next = this.relative(body['@odata.nextLink'])
      const deltaLink = next ? undefined : this.relative(body['@odata.deltaLink'])
      if (!next && !deltaLink)
        throw new ConnectorError({
          kind: 'protocol',
          service: 'dynamics',
          message: `The change-tracking answer for '${table}' has neither @odata.nextLink nor @odata.deltaLink.`,
          hint: 'Read the table again from the start (a full run).'
        })
      yield { upserts, deletes, page, position: next ? { next } : { delta: deltaLink! }, ...(deltaLink ? { deltaLink } : {}) }
    }
  }

  // ---------------------------------------------------------------- writes

  /** `contacts(<guid>)` or `contacts(new_externalkey='CT-42')`. */
  async address(table: string, key: RecordKey, signal?: AbortSignal): Promise<string> {
    const set = await this.entitySet(table, signal)
    return `${set}(${keySegment(key)})`
  }

  /**
   * Turns lookups given as `{ table, id }` (or a bare GUID for single-target lookups) into
   * `nav@odata.bind` through the navigation property from metadata: custom lookups bind
   * through their SchemaName (`new_ContactId`), polymorphic ones through the target-specific
   * name (`parentcustomerid_account`, `regardingobjectid_contact_new_emailsend`).
   */
  async toPayload(table: string, record: DynamicsRecord, signal?: AbortSignal): Promise<DynamicsRecord> {
    const schema = await this.tableSchema(table, signal)
    const out: DynamicsRecord = {}
    for (const [name, value] of Object.entries(record)) {
      const lookupName = /^_(.+)_value$/.exec(name)?.[1] ?? name
      const field = schema.table.fields.find((f) => f.name === lookupName)
      if (!field || field.type !== 'lookup' || name.includes('@')) {
        out[name] = value
        continue
      }
      const navigation = schema.navigation[field.name] ?? {}
      if (value === null) {
        const nav = Object.values(navigation)[0]
        if (!nav) throw this.writeError(`Lookup '${field.name}' of '${table}' has no navigation property to clear.`)
        out[nav] = null
        continue
      }
      const ref: LookupRef | undefined =
        typeof value === 'string' && field.targets?.length === 1
          ? { table: field.targets[0], id: value }
          : value && typeof value === 'object' && 'table' in value && 'id' in value
            ? (value as LookupRef)
            : undefined
      if (!ref)
        throw this.writeError(
          `Lookup '${field.name}' of '${table}' needs { table, id }${field.targets?.length ? ` (targets: ${field.targets.join(', ')})` : ''}.`
        )
      const nav = navigation[ref.table]
      if (!nav)
        throw this.writeError(
          `Lookup '${field.name}' of '${table}' cannot point to '${ref.table}' (targets: ${(field.targets ?? []).join(', ') || 'none'}).`
        )
      out[`${nav}@odata.bind`] = `/${await this.entitySet(ref.table, signal)}(${keySegment(ref.id)})`
    }
    return out
  }

  private writeError(message: string): ConnectorError {
    return new ConnectorError({
      kind: 'badRequest',
      service: 'dynamics',
      message,
      hint: 'Refresh the schema; check the lookup target in the mapping.'
    })
  }

  /** POST: not retried after an ambiguous failure (a duplicate would be created). Prefer upsert with a key. */
  async create(table: string, record: DynamicsRecord, signal?: AbortSignal): Promise<{ id: string }> {
    const set = await this.entitySet(table, signal)
    const body = JSON.stringify(await this.toPayload(table, record, signal))
    const response = await this.send({
      method: 'POST',
      path: set,
      body,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      signal,
      idempotent: false
    })
    return { id: idFromEntityUri(response.headers.get('odata-entityid') ?? response.headers.get('location')) ?? '' }
  }

  /** PATCH with If-Match: * — updates only; 404 (notFound) if the row does not exist. */
  async update(table: string, key: RecordKey, record: DynamicsRecord, signal?: AbortSignal): Promise<void> {
    const target = await this.addressable(table, key, signal)
    if (target === null) throw this.keyNotFound(table, key)
    const path = await this.address(table, target, signal)
    const body = JSON.stringify(await this.toPayload(table, record, signal))
    await this.send({
      method: 'PATCH',
      path,
      body,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'If-Match': '*' },
      signal
    })
  }

  /** PATCH without If-Match: creates or updates the row with that id or alternate key. Idempotent. */
  async upsert(table: string, key: RecordKey, record: DynamicsRecord, signal?: AbortSignal): Promise<{ id: string; created: boolean }> {
    const target = await this.addressable(table, key, signal)
    if (target === null) return { ...(await this.create(table, { ...record, ...(key as object) }, signal)), created: true }
    if (target !== key) return this.upsert(table, target, record, signal)
    const schema = await this.tableSchema(table, signal)
    const path = `${await this.address(table, key, signal)}?$select=${schema.table.primaryId}`
    const body = JSON.stringify(await this.toPayload(table, record, signal))
    const response = await this.send({
      method: 'PATCH',
      path,
      body,
      headers: { 'Content-Type': 'application/json; charset=utf-8', Prefer: 'return=representation' },
      signal
    })
    let id = idFromEntityUri(response.headers.get('odata-entityid')) ?? ''
    if (response.text) id = String(response.json<DynamicsRecord>()[schema.table.primaryId!] ?? id)
    return { id: id || (typeof key === 'string' ? key : ''), created: response.status === 201 }
  }

  /** DELETE; with `ignoreMissing`, a row that is already gone counts as deleted. */
  async delete(
    table: string,
    key: RecordKey,
    options: { ignoreMissing?: boolean; signal?: AbortSignal } = {}
  ): Promise<{ deleted: boolean }> {
    const target = await this.addressable(table, key, options.signal)
    if (target === null) {
      if (options.ignoreMissing) return { deleted: false }
      throw this.keyNotFound(table, key)
    }
    const path = await this.address(table, target, options.signal)
    const response = await this.send({ method: 'DELETE', path, signal: options.signal, accept: options.ignoreMissing ? [404] : undefined })
    return { deleted: response.status !== 404 }
  }

  /**
   * The key to address a row by: the key itself, or — when its values hold a character a
   * key segment cannot carry (key-values.ts) — the row's id, found by `$filter`; null when
   * no row has those values.
   */
  private async addressable(table: string, key: RecordKey, signal?: AbortSignal): Promise<RecordKey | null> {
    if (!unusableKeyCharacter(key)) return key
    const [id] = await this.idsByKey(table, [key as AlternateKey], signal)
    return id ?? null
  }

  /**
   * The ids of the rows with these alternate-key values (undefined: none), by `$filter`: at most
   * 50 keys a query, fewer when long values would make the URL too long (`MAX_PUSHED_FILTER`).
   */
  private async idsByKey(table: string, keys: AlternateKey[], signal?: AbortSignal): Promise<Array<string | undefined>> {
    const primaryId = (await this.tableSchema(table, signal)).table.primaryId!
    const select = [...new Set([primaryId, ...keys.flatMap((key) => Object.keys(key))])]
    const ids: Array<string | undefined> = []
    for (const chunk of chunkByLength(keys, { term: (key) => keysFilter([key]), separator: ' or ', maxItems: 50 })) {
      const rows: DynamicsRecord[] = []
      for await (const page of this.query(table, { select, filter: keysFilter(chunk), pageSize: 5000, signal })) rows.push(...page.records)
      for (const key of chunk) {
        const row = rows.find((r) => rowMatchesKey(r, key))
        ids.push(row ? String(row[primaryId]).toLowerCase() : undefined)
      }
    }
    return ids
  }

  private keyNotFound(table: string, key: RecordKey): ConnectorError {
    const values = Object.entries(key as AlternateKey)
      .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
      .join(', ')
    return new ConnectorError({
      kind: 'notFound',
      service: 'dynamics',
      status: 404,
      message: `No ${table} row has ${values}.`,
      hint: 'Check the key values in the source record; the row may have been deleted in Dynamics.'
    })
  }

  /**
   * An activity (email, task, custom activity) on a record's timeline: `regarding` binds
   * `regardingobjectid` through the activity-specific navigation property. With `key` (an
   * alternate key such as an external event id) it is an idempotent upsert.
   */
  async writeActivity(
    activityTable: string,
    record: DynamicsRecord,
    regarding: LookupRef,
    options: { key?: RecordKey; signal?: AbortSignal } = {}
  ): Promise<{ id: string; created: boolean }> {
    const withRegarding = { ...record, regardingobjectid: regarding }
    if (options.key !== undefined) return this.upsert(activityTable, options.key, withRegarding, options.signal)
    const { id } = await this.create(activityTable, withRegarding, options.signal)
    return { id, created: true }
  }

  /**
   * Many writes in the fewest calls: the creates, updates and upserts of a table go as one bulk
   * message each — `CreateMultiple`, `UpdateMultiple`, `UpsertMultiple`
   * (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations), up to
   * `bulkSize` records a call — and deletes through `$batch`. On a standard table "any error …
   * causes the entire operation to roll back", so a message the service refuses is sent again
   * as `$batch` with continue-on-error (Microsoft's documented fallback): each record gets its
   * own outcome and the good ones are written. A table without the message (404 on the action:
   * not every table has them, activity tables often not) goes through `$batch` from then on.
   * Bulk messages and `$batch` wait `bulkTimeoutMs` (4 minutes); one that gets no answer (a
   * timeout, a dropped connection) is neither resent nor retried as `$batch` — the service may
   * still be at work and a create would be duplicated — and its records' outcomes are `unknown`.
   * One outcome per operation, in input order.
   * Alternate keys whose values a key segment cannot carry are first turned into row ids by
   * `$filter` (`addressByFilter`).
   */
  async writeMany(
    given: WriteOperation[],
    options: { bulkSize?: number; batchSize?: number; signal?: AbortSignal } = {}
  ): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(given.length)
    const { operations, createdByUpsert } = await this.addressByFilter(given, outcomes, options.signal)
    const groups = new Map<string, number[]>()
    const viaBatch: number[] = []
    operations.forEach((op, index) => {
      if (outcomes[index]) return // settled: no row with that key to update or delete
      const message =
        op.kind === 'create'
          ? 'CreateMultiple'
          : op.kind === 'update'
            ? 'UpdateMultiple'
            : op.kind === 'upsert'
              ? 'UpsertMultiple'
              : undefined
      if (!message || this.noBulk.has(`${op.table} ${message}`)) return void viaBatch.push(index)
      const group = `${op.table} ${message}`
      groups.set(group, [...(groups.get(group) ?? []), index])
    })
    const size = Math.max(1, options.bulkSize ?? 1000)
    const bulkJobs: Array<{ message: string; indexes: number[] }> = []
    for (const [group, indexes] of groups) {
      const message = group.split(' ')[1]
      for (let at = 0; at < indexes.length; at += size) bulkJobs.push({ message, indexes: indexes.slice(at, at + size) })
    }
    const fallback: number[] = []
    await Promise.all(
      bulkJobs.map(async ({ message, indexes }) => {
        const result = await this.sendBulk(message, operations, indexes, options.signal)
        if (result === 'fallback') fallback.push(...indexes)
        else for (const outcome of result) outcomes[outcome.index] = outcome
      })
    )
    const rest = [...viaBatch, ...fallback].sort((a, b) => a - b)
    if (rest.length) {
      const answers = await this.batch(
        rest.map((index) => operations[index]),
        { batchSize: options.batchSize, signal: options.signal }
      )
      answers.forEach((answer, at) => (outcomes[rest[at]] = { ...answer, index: rest[at] }))
    }
    for (const index of createdByUpsert) if (outcomes[index]?.ok) outcomes[index] = { ...outcomes[index], created: true }
    return outcomes
  }

  /**
   * The operations with every alternate key a key segment cannot carry replaced by the row's
   * id (one `$filter` query per table and 50 keys); an upsert of a row not there becomes a
   * create with the key values (the key's uniqueness refuses a second one), an update or
   * delete of one is settled here as 404.
   */
  private async addressByFilter(
    given: WriteOperation[],
    outcomes: WriteOutcome[],
    signal?: AbortSignal
  ): Promise<{ operations: WriteOperation[]; createdByUpsert: number[] }> {
    const operations = [...given]
    const createdByUpsert: number[] = []
    const byTable = new Map<string, number[]>()
    given.forEach((op, index) => {
      if (op.kind !== 'create' && unusableKeyCharacter(op.key)) byTable.set(op.table, [...(byTable.get(op.table) ?? []), index])
    })
    for (const [table, indexes] of byTable) {
      const ids = await this.idsByKey(
        table,
        indexes.map((index) => (given[index] as { key: AlternateKey }).key),
        signal
      )
      indexes.forEach((index, at) => {
        const op = given[index] as Exclude<WriteOperation, { kind: 'create' }>
        const id = ids[at]
        if (id) operations[index] = { ...op, key: id }
        else if (op.kind === 'upsert') {
          operations[index] = { kind: 'create', table, record: { ...op.record, ...(op.key as AlternateKey) } }
          createdByUpsert.push(index)
        } else {
          const error = this.keyNotFound(table, op.key)
          outcomes[index] = { index, ok: false, status: 404, error: error.toJSON() }
        }
      })
    }
    return { operations, createdByUpsert }
  }

  /** One bulk message for these operations (one table, one kind): their outcomes, or 'fallback' to `$batch`. */
  private async sendBulk(
    message: string,
    operations: WriteOperation[],
    indexes: number[],
    signal?: AbortSignal
  ): Promise<WriteOutcome[] | 'fallback'> {
    const table = operations[indexes[0]].table
    let targets: DynamicsRecord[]
    let set: string
    try {
      set = await this.entitySet(table, signal)
      const schema = await this.tableSchema(table, signal)
      targets = await Promise.all(
        indexes.map(async (index) => {
          const op = operations[index]
          const target: DynamicsRecord = { '@odata.type': `Microsoft.Dynamics.CRM.${table}` }
          if (op.kind === 'update' && typeof op.key === 'string' && schema.table.primaryId) target[schema.table.primaryId] = op.key
          else if (op.kind === 'update' || op.kind === 'upsert') target['@odata.id'] = `${set}(${keySegment(op.key)})`
          return Object.assign(target, await this.toPayload(table, (op as { record: DynamicsRecord }).record, signal))
        })
      )
    } catch (error) {
      if (isConnectorError(error) && error.kind === 'badRequest') return 'fallback' // one bad record: $batch tells which
      throw error
    }
    this.writeCalls.bulk++
    try {
      const response = await this.send({
        method: 'POST',
        path: `${set}/Microsoft.Dynamics.CRM.${message}`,
        body: JSON.stringify({ Targets: targets }),
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        idempotent: message !== 'CreateMultiple',
        timeoutMs: this.bulkTimeoutMs,
        resendAfterTimeout: false,
        signal
      })
      const ids: unknown[] = message === 'CreateMultiple' && response.text ? (response.json<{ Ids?: unknown[] }>().Ids ?? []) : []
      return indexes.map((index, at) => {
        const op = operations[index]
        const id =
          typeof ids[at] === 'string'
            ? String(ids[at]).toLowerCase()
            : typeof (op as { key?: RecordKey }).key === 'string'
              ? String((op as { key: string }).key)
              : undefined
        return { index, ok: true, status: message === 'CreateMultiple' ? 201 : 204, ...(id ? { id } : {}) }
      })
    } catch (error) {
      if (!isConnectorError(error) || isAbortLike(error)) throw error
      if (error.kind === 'unauthorized' || error.kind === 'forbidden') throw error
      if (error.kind === 'notFound' && /segment|Microsoft\.Dynamics\.CRM\./i.test(error.message)) {
        this.noBulk.add(`${table} ${message}`)
        return 'fallback'
      }
      // No answer: the message may have run, or still be running. Neither resent nor retried as $batch.
      if (error.kind === 'network' || error.kind === 'timeout') return this.unknownOutcomes(indexes, error)
      if (message === 'CreateMultiple' && ['server', 'throttled'].includes(error.kind)) {
        // No answer: the records may or may not exist. Not resent (duplicates); retried later by key.
        return indexes.map((index) => ({ index, ok: false, status: error.status ?? 0, error: error.toJSON() }))
      }
      return 'fallback'
    }
  }

  /**
   * Many writes in `$batch` requests (≤ `batchSize` each) with `continue-on-error`: one
   * outcome per operation, in input order. Parts refused with 429 were not applied and are
   * resent after Retry-After; a whole batch is resent after an ambiguous failure only when
   * every part in it is idempotent (no create).
   */
  async batch(
    operations: WriteOperation[],
    options: { batchSize?: number; signal?: AbortSignal; maxThrottleRounds?: number } = {}
  ): Promise<WriteOutcome[]> {
    const size = Math.min(1000, Math.max(1, options.batchSize ?? 100))
    const outcomes: WriteOutcome[] = new Array(operations.length)
    const chunks: number[][] = []
    for (let at = 0; at < operations.length; at += size) chunks.push(operations.slice(at, at + size).map((_, i) => at + i))
    await Promise.all(
      chunks.map(async (indexes) => {
        let pending = indexes
        for (let round = 0; pending.length > 0; round++) {
          const throttled = await this.sendBatch(operations, pending, outcomes, options.signal)
          if (throttled.indexes.length === 0) break
          if (round >= (options.maxThrottleRounds ?? 10)) {
            for (const index of throttled.indexes) outcomes[index] = outcomes[index] ?? { index, ok: false, status: 429 }
            break
          }
          this.limiter.throttled(throttled.retryAfterMs)
          await sleep(throttled.retryAfterMs, options.signal)
          pending = throttled.indexes
        }
      })
    )
    return outcomes
  }

  private async sendBatch(
    operations: WriteOperation[],
    indexes: number[],
    outcomes: WriteOutcome[],
    signal?: AbortSignal
  ): Promise<{ indexes: number[]; retryAfterMs: number }> {
    const parts: BatchPart[] = []
    const prepared: number[] = []
    for (const index of indexes) {
      const op = operations[index]
      try {
        parts.push(await this.toBatchPart(op, signal))
        prepared.push(index)
      } catch (error) {
        if (!isConnectorError(error)) throw error
        outcomes[index] = { index, ok: false, status: error.status ?? 0, error: error.toJSON() }
      }
    }
    if (parts.length === 0) return { indexes: [], retryAfterMs: 0 }
    const apiPath = new URL(this.apiUrl).pathname
    const { boundary, body } = buildBatch(parts, apiPath)
    this.writeCalls.batch++
    const idempotent = prepared.every((index) => operations[index].kind !== 'create')
    let response: HttpResponse
    try {
      response = await this.send({
        method: 'POST',
        path: '$batch',
        body,
        headers: { 'Content-Type': `multipart/mixed; boundary="${boundary}"`, Prefer: 'odata.continue-on-error' },
        idempotent,
        timeoutMs: this.bulkTimeoutMs,
        resendAfterTimeout: false,
        signal
      })
    } catch (error) {
      if (!isConnectorError(error) || isAbortLike(error) || (error.kind !== 'network' && error.kind !== 'timeout')) throw error
      for (const outcome of this.unknownOutcomes(prepared, error)) outcomes[outcome.index] = outcome
      return { indexes: [], retryAfterMs: 0 }
    }
    const answers = parseBatchResponse(response.text, response.headers.get('content-type'))
    const retry: number[] = []
    let retryAfterMs = 0
    prepared.forEach((index, at) => {
      const op = operations[index]
      const answer = answers[at]
      if (!answer) {
        outcomes[index] = {
          index,
          ok: false,
          status: 0,
          error: new ConnectorError({
            kind: 'protocol',
            service: 'dynamics',
            message: 'The $batch response has no part for this operation.'
          }).toJSON()
        }
        return
      }
      if (answer.status === 429) {
        retry.push(index)
        retryAfterMs = Math.max(retryAfterMs, parseRetryAfter(answer.headers['retry-after']) ?? 1000)
        return
      }
      if (answer.status >= 400) {
        const error = this.http.toError(
          {
            status: answer.status,
            headers: new Headers(answer.headers),
            text: answer.body,
            url: this.apiUrl,
            json: () => JSON.parse(answer.body)
          },
          { method: op.kind === 'delete' ? 'DELETE' : op.kind === 'create' ? 'POST' : 'PATCH', url: parts[at].url },
          `${parts[at].method} ${parts[at].url}`
        )
        outcomes[index] = { index, ok: false, status: answer.status, error: error.toJSON() }
        return
      }
      let id = idFromEntityUri(answer.headers['odata-entityid'] ?? answer.headers.location)
      if (!id && typeof (op as { key?: RecordKey }).key === 'string') id = (op as { key: string }).key
      outcomes[index] = {
        index,
        ok: true,
        status: answer.status,
        ...(id ? { id } : {}),
        ...(op.kind === 'upsert' && answer.status === 201 ? { created: true } : {})
      }
    })
    return { indexes: retry, retryAfterMs }
  }

  /** Outcomes of writes that got no answer: unknown, with what to do. */
  private unknownOutcomes(indexes: number[], error: ConnectorError): WriteOutcome[] {
    const info = new ConnectorError({
      kind: error.kind,
      service: 'dynamics',
      status: error.status,
      code: error.code,
      message: error.message,
      hint: 'The records may or may not be written; they were not sent again, so none is written twice. Retry failed records (or run again): each is looked up by its key and written only if missing or different.'
    }).toJSON()
    return indexes.map((index) => ({ index, ok: false, unknown: true, status: 0, error: info }))
  }

  private async toBatchPart(op: WriteOperation, signal?: AbortSignal): Promise<BatchPart> {
    if (op.kind === 'create')
      return { method: 'POST', url: await this.entitySet(op.table, signal), body: await this.toPayload(op.table, op.record, signal) }
    const url = await this.address(op.table, op.key, signal)
    if (op.kind === 'delete') return { method: 'DELETE', url }
    const body = await this.toPayload(op.table, op.record, signal)
    return { method: 'PATCH', url, body, headers: op.kind === 'update' ? { 'If-Match': '*' } : {} }
  }
}

export function keySegment(key: RecordKey): string {
  if (typeof key === 'string') {
    if (!guidPattern.test(key))
      throw new ConnectorError({
        kind: 'badRequest',
        service: 'dynamics',
        message: `'${key}' is not a GUID.`,
        hint: 'Address a row by its id (GUID) or by an alternate key object.'
      })
    return key
  }
  const unusable = unusableKeyCharacter(key)
  if (unusable)
    throw new ConnectorError({
      kind: 'badRequest',
      service: 'dynamics',
      message: `The alternate-key value ${JSON.stringify(Object.values(key).join(', '))} holds '${unusable}', which Dataverse cannot take in a key-addressed request.`,
      hint: 'Address the row by its id (the connector finds it by $filter when writing), or key the table on a column without / < > * % & : \\ ? + #.'
    })
  const parts = Object.entries(key).map(([name, value]) => {
    if (typeof value === 'string') {
      const lookup = /^_.+_value$/.test(name) && guidPattern.test(value)
      return `${name}=${lookup ? value : `'${encodeURIComponent(value.replace(/'/g, "''")).replace(/%27/g, "'")}'`}`
    }
    return `${name}=${String(value)}`
  })
  if (parts.length === 0)
    throw new ConnectorError({ kind: 'badRequest', service: 'dynamics', message: 'An alternate key needs at least one value.' })
  return parts.join(',')
}

export function idFromEntityUri(uri: string | null | undefined): string | undefined {
  if (!uri) return undefined
  const match = /\(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\)\s*$/i.exec(uri)
  return match?.[1]?.toLowerCase()
}

/** Tolerant read of a count body: `1234`, `"1234"`, `{"value":1234}`, with stray whitespace or a BOM. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  let value: unknown = text.replace(/^\uFEFF/, '').trim()
  try {
    value = JSON.parse(value as string)
  } catch {
    /* plain text */
  }
  if (value && typeof value === 'object' && 'value' in value) value = (value as { value: unknown }).value
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/**
 * The count for `table` from a RetrieveTotalRecordCount response. Tolerant: the collection
 * may sit under `EntityRecordCountCollection` or be the body itself; Keys/Values may be
 * parallel arrays or key/value pairs; Int64 values may be strings (IEEE754Compatible);
 * key case is ignored. Undefined when the table is not in it or the value is unusable.
 */
export function parseTotalRecordCount(body: unknown, table: string): number | undefined {
  if (!body || typeof body !== 'object') return undefined
  const root = body as Record<string, unknown>
  const collection = (root.EntityRecordCountCollection ?? root.entityRecordCountCollection ?? root) as Record<string, unknown>
  if (!collection || typeof collection !== 'object') return undefined
  const toCount = (v: unknown): number | undefined => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined
  }
  const wanted = table.toLowerCase()
  const keys = collection.Keys ?? collection.keys
  const values = collection.Values ?? collection.values
  if (Array.isArray(keys) && Array.isArray(values)) {
    const at = keys.findIndex((k) => String(k).toLowerCase() === wanted)
    if (at >= 0) return toCount(values[at])
    // A single answer for a single question, whatever its key says.
    return keys.length === 1 && values.length === 1 ? toCount(values[0]) : undefined
  }
  // Some serialisers write the pairs as [{ Key, Value }].
  const pairs = Array.isArray(collection) ? collection : Array.isArray(collection.value) ? collection.value : undefined
  if (pairs) {
    for (const pair of pairs as Array<Record<string, unknown>>) {
      if (pair && String(pair.Key ?? pair.key ?? '').toLowerCase() === wanted) return toCount(pair.Value ?? pair.value)
    }
  }
  return undefined
}

function canceled(): ConnectorError {
  return new ConnectorError({ kind: 'canceled', service: 'dynamics', message: 'The read was canceled.' })
}

function isAbortLike(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { kind?: unknown }).kind === 'canceled')
}
