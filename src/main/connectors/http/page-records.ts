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
  const fail = (message: string) =>
    new ConnectorError({
      kind: 'protocol',
      service,
      message,
      hint: 'The run stopped here so that no record after this page is missed; run it again, and if this repeats, check the proxy or gateway between you and the service.',
      request: `GET ${redactUrl(request)}`
    })
  if (!Array.isArray(records)) {
    const found = records === undefined ? 'no such key' : records === null ? 'null' : `a ${typeof records}`
    throw fail(`A page of records came without its "${list}" list (${found}).`)
  }
  // Every item is a record: a null or a text in the list would stop the run later, far from its cause.
  const bad = records.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r))
  if (bad >= 0) {
    const item = records[bad] as unknown
    throw fail(
      `Item ${bad + 1} of "${list}" in a page of records is ${item === null ? 'null' : Array.isArray(item) ? 'a list' : `a ${typeof item}`}, not a record.`
    )
  }
  return records as T[]
}
