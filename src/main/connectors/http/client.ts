import { whenAborted } from './abort-fanout'
import {
  classifyNetworkError,
  ConnectorError,
  kindForStatus,
  networkHint,
  type ErrorKind,
  type NetworkFailure,
  type ServiceName
} from './errors'
import { parseErrorBody, type ParsedErrorBody } from './error-body'
import type { AdaptiveLimiter } from './limiter'
import { redactUrl } from './redact'
import { abortError, backoffDelay, defaultRetryPolicy, parseRetryAfter, sleep, type RetryPolicy } from './retry'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  url: string
  headers?: Record<string, string>
  body?: string
  /**
   * Safe to send twice (default: every method but POST). A non-idempotent request is retried
   * only when the failure proves it was not applied: a 429, a 401 before processing, or a
   * connection that could not be opened (DNS, refused, TLS).
   */
  idempotent?: boolean
  signal?: AbortSignal
  timeoutMs?: number
  /**
   * Send again after a timeout (default: when idempotent). False for long writes (bulk
   * messages, `$batch`): the service may still be working on the first, and a second copy
   * would only race it; the caller reports the outcome as unknown instead.
   */
  resendAfterTimeout?: boolean
  /** Statuses that are answers, not errors (404 for "is it there?"). */
  accept?: number[]
}

export interface HttpResponse {
  status: number
  headers: Headers
  text: string
  url: string
  json<T = unknown>(): T
}

export type HttpEvent =
  | {
      type: 'retry'
      reason: 'throttled' | 'server' | 'network' | 'timeout' | 'unauthorized'
      waitMs: number
      attempt: number
      method: string
      url: string
      status?: number
    }
  | { type: 'response'; method: string; url: string; status: number; ms: number }

export interface HttpClientOptions {
  service: ServiceName
  /** Headers that authenticate a request; `forceRefresh` after the service said the token is not valid. */
  authorize?: (forceRefresh: boolean, signal?: AbortSignal) => Promise<Record<string, string>>
  /** Whether a 401 means "get a new token and try again" (default: any 401, once). */
  isTokenRejected?: (response: HttpResponse) => boolean
  limiter?: AdaptiveLimiter
  retry?: Partial<RetryPolicy>
  /** Per-request timeout (default 60 s, adobe.io's own gateway limit). */
  timeoutMs?: number
  fetch?: typeof fetch
  onEvent?: (event: HttpEvent) => void
  /** Service-specific meaning of an error response (e.g. Dataverse's expired delta token). */
  classify?: (response: HttpResponse, parsed: ParsedErrorBody, request: HttpRequest) => { kind?: ErrorKind; hint?: string } | undefined
  /** Sees every response (Dataverse reads x-ms-dop-hint here). */
  onResponse?: (response: HttpResponse) => void
}

const noop = () => undefined

/**
 * fetch with the discipline both connectors share: timeouts, cancellation, Retry-After on
 * 429, jittered backoff on 5xx and dropped connections, adaptive concurrency, one token
 * refresh on 401, and every failure turned into a ConnectorError without secrets.
 */
export class HttpClient {
  readonly service: ServiceName
  private readonly policy: RetryPolicy
  private readonly fetchImpl: typeof fetch

  constructor(private readonly options: HttpClientOptions) {
    this.service = options.service
    this.policy = { ...defaultRetryPolicy, ...options.retry }
    this.fetchImpl = options.fetch ?? globalThis.fetch
  }

  get limiter(): AdaptiveLimiter | undefined {
    return this.options.limiter
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const { signal } = request
    const idempotent = request.idempotent ?? request.method !== 'POST'
    // Redacting parses the URL and runs the secret patterns: only on the paths that report it.
    let whereText: string | undefined
    const whereOf = () => (whereText ??= `${request.method} ${redactUrl(request.url)}`)
    let failures = 0
    let throttles = 0
    let refreshed = false
    let forceRefresh = false
    for (;;) {
      if (signal?.aborted) throw abortError(signal, this.service)
      const release = this.options.limiter ? await this.options.limiter.acquire(signal) : noop
      const attempt = new RequestSignal(request.timeoutMs ?? this.options.timeoutMs ?? 60_000, signal)
      const combined = attempt.signal
      const started = Date.now()
      let response: HttpResponse
      try {
        const auth = this.options.authorize ? await this.options.authorize(forceRefresh, signal) : {}
        forceRefresh = false
        const raw = await this.fetchImpl(request.url, {
          method: request.method,
          headers: { ...request.headers, ...auth },
          body: request.body,
          signal: combined,
          redirect: 'follow'
        })
        const text = await raw.text()
        const service = this.service
        response = {
          status: raw.status,
          headers: raw.headers,
          text,
          url: request.url,
          json<T>() {
            try {
              return JSON.parse(text) as T
            } catch (error) {
              throw new ConnectorError({
                kind: 'protocol',
                service,
                message: `${whereOf()} answered ${raw.status} with a body that is not JSON: ${text.slice(0, 120)}`,
                cause: error
              })
            }
          }
        }
      } catch (error) {
        attempt.dispose()
        release()
        if (error instanceof ConnectorError) throw error
        if (signal?.aborted) throw abortError(signal, this.service)
        const failure: NetworkFailure = attempt.timedOut
          ? {
              kind: 'timeout',
              code: 'ETIMEDOUT',
              beforeSend: false,
              message: `no answer within ${request.timeoutMs ?? this.options.timeoutMs ?? 60_000} ms`
            }
          : classifyNetworkError(error)
        const retryable =
          (failure.kind === 'network' || failure.kind === 'timeout' || failure.code === 'EAI_AGAIN') &&
          (idempotent || failure.beforeSend) &&
          !(failure.kind === 'timeout' && request.resendAfterTimeout === false) &&
          failures + 1 < this.policy.maxAttempts
        if (retryable) {
          failures++
          const waitMs = backoffDelay(failures, this.policy)
          this.emit({
            type: 'retry',
            reason: failure.kind === 'timeout' ? 'timeout' : 'network',
            waitMs,
            attempt: failures,
            method: request.method,
            url: redactUrl(request.url)
          })
          await sleep(waitMs, signal)
          continue
        }
        const notApplied = failure.beforeSend
          ? ''
          : !idempotent
            ? ' It may or may not have been applied; it was not retried because creating twice would duplicate the record.'
            : failure.kind === 'timeout' && request.resendAfterTimeout === false
              ? ' It may or may not have been applied (the service may still be at work); it was not sent again.'
              : ''
        throw new ConnectorError({
          kind: failure.kind,
          service: this.service,
          code: failure.code,
          message: `${whereOf()} failed: ${failure.message}.${notApplied}`,
          hint: networkHint(failure, this.service),
          request: whereOf(),
          cause: error
        })
      }
      attempt.dispose()
      release()
      if (this.options.onEvent)
        this.emit({
          type: 'response',
          method: request.method,
          url: redactUrl(request.url),
          status: response.status,
          ms: Date.now() - started
        })
      this.options.onResponse?.(response)
      const { status } = response
      if (status < 400 || request.accept?.includes(status)) {
        this.options.limiter?.success()
        return response
      }
      if (status === 401 && this.options.authorize && !refreshed && (this.options.isTokenRejected?.(response) ?? true)) {
        // The token was refused before any processing: safe to resend even a create.
        refreshed = true
        forceRefresh = true
        this.emit({
          type: 'retry',
          reason: 'unauthorized',
          waitMs: 0,
          attempt: 1,
          method: request.method,
          url: redactUrl(request.url),
          status
        })
        continue
      }
      if (status === 429) {
        const retryAfterMs =
          parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(throttles + 1, { baseDelayMs: 1000, maxDelayMs: 60_000 })
        this.options.limiter?.throttled(retryAfterMs)
        if (throttles < this.policy.throttleAttempts && retryAfterMs <= this.policy.maxRetryAfterMs) {
          throttles++
          this.emit({
            type: 'retry',
            reason: 'throttled',
            waitMs: retryAfterMs,
            attempt: throttles,
            method: request.method,
            url: redactUrl(request.url),
            status
          })
          await sleep(retryAfterMs, signal)
          continue
        }
      } else if (
        isTransient(status, request.method, idempotent) &&
        failures + 1 < this.policy.maxAttempts &&
        !this.refusedByData(response, request)
      ) {
        failures++
        const waitMs = parseRetryAfter(response.headers.get('retry-after')) ?? backoffDelay(failures, this.policy)
        this.emit({
          type: 'retry',
          reason: 'server',
          waitMs,
          attempt: failures,
          method: request.method,
          url: redactUrl(request.url),
          status
        })
        await sleep(waitMs, signal)
        continue
      }
      throw this.toError(response, request, whereOf())
    }
  }

  /**
   * A 5xx the connector's classifier calls a record error (Campaign's engine refusing this
   * record's values, XTK-170036…): sending it again would fail the same way, so it is not retried.
   */
  private refusedByData(response: HttpResponse, request: HttpRequest): boolean {
    const kind = this.options.classify?.(response, parseErrorBody(response.text), request)?.kind
    return kind === 'badRequest' || kind === 'conflict' || kind === 'notFound'
  }

  /** Turns an error response into a ConnectorError (exposed for $batch parts). */
  toError(response: HttpResponse, request: HttpRequest, where = `${request.method} ${redactUrl(request.url)}`): ConnectorError {
    const parsed = parseErrorBody(response.text)
    const special = this.options.classify?.(response, parsed, request)
    const kind = special?.kind ?? kindForStatus(response.status)
    const retryAfterMs = response.status === 429 ? parseRetryAfter(response.headers.get('retry-after')) : undefined
    return new ConnectorError({
      kind,
      service: this.service,
      status: response.status,
      code: parsed.code,
      message: parsed.message ? parsed.message : `HTTP ${response.status} with no error details`,
      hint: special?.hint,
      request: where,
      retryAfterMs,
      requestId:
        response.headers.get('req_id') ??
        response.headers.get('x-request-id') ??
        response.headers.get('x-ms-service-request-id') ??
        undefined
    })
  }

  private emit(event: HttpEvent): void {
    try {
      this.options.onEvent?.(event)
    } catch {
      // a listener's bug must not break a request
    }
  }
}

/**
 * One attempt's signal: the caller's signal plus a timeout, torn down when the attempt ends.
 *
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: Node 20 keeps a WeakRef to every
 * signal combined from a long-lived one (the run's) in that signal's dependants set and never
 * prunes it (nodejs/node#55351), so a run grew by ~50 bytes per request — memory in
 * proportion to the records synced. And every `AbortSignal.timeout` keeps a 60 s timer (and
 * its signal) alive long after the answer came. Here the timer is cleared and the listener on
 * the caller's signal removed as soon as the attempt is over: nothing outlives the request.
 */
class RequestSignal {
  private readonly controller = new AbortController()
  private readonly timer: ReturnType<typeof setTimeout>
  private readonly unfollow: (() => void) | undefined
  timedOut = false

  constructor(timeoutMs: number, parent: AbortSignal | undefined) {
    this.timer = setTimeout(() => {
      this.timedOut = true
      this.controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    }, timeoutMs)
    this.timer.unref?.()
    if (parent) {
      if (parent.aborted) this.controller.abort(parent.reason)
      else this.unfollow = whenAborted(parent, () => this.controller.abort(parent.reason))
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  dispose(): void {
    clearTimeout(this.timer)
    this.unfollow?.()
  }
}

/**
 * 502/503/504 are gateway or availability failures: retry anything that is safe to resend.
 * 500 is often a deterministic engine error (Campaign validation): retry only reads.
 */
function isTransient(status: number, method: string, idempotent: boolean): boolean {
  if (status === 502 || status === 503 || status === 504) return idempotent
  if (status === 500) return method === 'GET'
  return false
}
