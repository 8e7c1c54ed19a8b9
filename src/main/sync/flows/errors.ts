import { isConnectorError, type ConnectorError } from '../../connectors/http/errors'
import { isAbortError, SyncFatalError, type WriteOutcome } from '../ports'

/**
 * Connector errors → the runner's vocabulary. A refused sign-in or a missing table/resource
 * stops the run (`SyncFatalError`); anything that concerns one record becomes that record's
 * `failed` outcome, retryable when trying again later in the run can help.
 */

const transientKinds = new Set(['throttled', 'server', 'network', 'timeout'])

/** Rethrows what must stop the run; returns quietly for record-level problems. */
export function rethrowFatal(error: unknown, where: string): void {
  if (isAbortError(error)) throw error
  if (error instanceof SyncFatalError) throw error
  if (!isConnectorError(error)) return
  if (error.kind === 'canceled') throw error
  if (error.kind === 'unauthorized' || error.kind === 'forbidden') {
    throw new SyncFatalError('auth', `${where}: ${error.message} ${error.hint ?? ''}`.trim(), { cause: error })
  }
  if (error.kind === 'dns' || error.kind === 'tls') {
    throw new SyncFatalError('unreachable', `${where}: ${error.message} ${error.hint ?? ''}`.trim(), { cause: error })
  }
}

/**
 * A record's failed outcome from a connector error (after `rethrowFatal`). `sent` is what was
 * written: when the service's message quotes a value instead of naming the field ("The email
 * address 'x' is not valid."), the field of `sent` that holds that value is the one refused.
 */
export function failedOutcome(key: string, error: unknown, fallbackCode = 'failed', sent?: Record<string, unknown>): WriteOutcome {
  if (isConnectorError(error)) {
    const e = error as ConnectorError
    const field = fieldOf(e.message) ?? fieldHolding(e.message, sent)
    return {
      key,
      outcome: 'failed',
      code: e.code ? `${e.kind}:${e.code}` : e.kind,
      message: e.message,
      retryable: transientKinds.has(e.kind),
      ...(field ? { field } : {})
    }
  }
  return { key, outcome: 'failed', code: fallbackCode, message: (error as Error)?.message ?? String(error), retryable: false }
}

/** Campaign and Dataverse name the offending field in their messages: `'x' property`, `@gender field`, `attribute 'x'`. */
function fieldOf(message: string): string | undefined {
  return (
    /'([A-Za-z_][\w.]*)' property/.exec(message)?.[1] ??
    /of the '@?([A-Za-z_][\w.]*)' field/.exec(message)?.[1] ??
    /property named '([A-Za-z_][\w.]*)'/.exec(message)?.[1] ??
    undefined
  )
}

/** The one field of `sent` (nested objects as dotted paths) whose text is quoted in the message; none when no field or several match. */
export function fieldHolding(message: string, sent: Record<string, unknown> | undefined): string | undefined {
  if (!sent) return undefined
  const quoted = new Set([...message.matchAll(/'([^']+)'/g)].map((m) => m[1]))
  if (!quoted.size) return undefined
  const found: string[] = []
  const visit = (value: unknown, path: string, depth: number) => {
    if (typeof value === 'string' || typeof value === 'number') {
      if (quoted.has(String(value))) found.push(path)
    } else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
      for (const [name, inner] of Object.entries(value)) visit(inner, path ? `${path}.${name}` : name, depth + 1)
    }
  }
  visit(sent, '', 0)
  return found.length === 1 ? found[0] : undefined
}

export function isKind(error: unknown, ...kinds: string[]): boolean {
  return isConnectorError(error) && kinds.includes(error.kind)
}

/**
 * Whether a failed read of a Campaign page link a stopped run kept (its position) means the
 * position expired — the service then says so and reads everything again — rather than a
 * failure the run resumes from once it is over: Campaign refused the link (not found, a bad
 * request: a `_lineStart` it no longer honours), or the link leads where the connection no longer
 * is (a host or port of an earlier session, kept whole by a version before positions were kept
 * relative: `CampaignConnector.positionOf`). A network error, a timeout, a throttle or a server
 * error on a link under the connection's base is the service's trouble of the moment: the run
 * fails resumable, and keeps its position.
 */
export function positionExpired(error: unknown, link: string, base: { positionOf(href: string): string }): boolean {
  if (!isConnectorError(error)) return false
  if (error.kind === 'notFound' || error.kind === 'badRequest') return true
  const elsewhere = /^https?:\/\//i.test(link) && base.positionOf(link) === link
  return elsewhere && (error.kind === 'network' || error.kind === 'dns' || error.kind === 'timeout')
}

/** Runs `fn` over items, at most `limit` at once, collecting results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (!failure && next < items.length) {
      const index = next++
      try {
        out[index] = await fn(items[index], index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure) throw failure.error
  return out
}

/** A small least-recently-used map: caches stay bounded at any table size. */
export class LruMap<K, V> {
  private readonly map = new Map<K, V>()
  constructor(private readonly max: number) {}
  get(key: K): V | undefined {
    const value = this.map.get(key)
    if (value !== undefined) {
      this.map.delete(key)
      this.map.set(key, value)
    }
    return value
  }
  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
  }
  delete(key: K): void {
    this.map.delete(key)
  }
  get size(): number {
    return this.map.size
  }
}
