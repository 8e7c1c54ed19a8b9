import { ConnectorError, type ServiceName } from './errors'
import { redactUrl } from './redact'

/**
 * The records of one page of a listing: Dataverse's `value`, Campaign's `content`. A 200
 * answer without that list (a proxy's `{}`, an object, a text) is a protocol error on this
 * call, never an empty page: an empty page ends the listing, so every record after it would
 * be silently missing from the run.
 */
export function pageRecords<T>(body: unknown, list: 'value' | 'content', service: ServiceName, request: string): T[] {
  const records = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[list] : undefined
  if (Array.isArray(records)) return records as T[]
  const found = records === undefined ? 'no such key' : records === null ? 'null' : `a ${typeof records}`
  throw new ConnectorError({
    kind: 'protocol',
    service,
    message: `A page of records came without its "${list}" list (${found}).`,
    hint: 'The run stopped here so that no record after this page is missed; run it again, and if this repeats, check the proxy or gateway between you and the service.',
    request: `GET ${redactUrl(request)}`
  })
}
