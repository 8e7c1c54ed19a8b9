import { describe, expect, it } from 'vitest'
import { ConnectorError, type ErrorKind } from '../../src/main/connectors/http/errors'
import { positionExpired } from '../../src/main/sync/flows/errors'

// A Campaign page link a stopped run kept: when a failed read of it means the position expired
// (read everything again) and when it is the service's trouble of the moment (fail, resumable,
// keep the position). src/main/sync/flows/errors.ts.
const base = {
  positionOf: (href: string) => (href.startsWith('https://mc.adobe.io/acme/campaign/') ? href.slice('https://mc.adobe.io'.length) : href)
}
const error = (kind: ErrorKind) => new ConnectorError({ kind, service: 'campaign', message: kind })
const kept = '/acme/campaign/profileAndServicesExt/profile?_lineStart=@abc'
const earlier = 'http://127.0.0.1:41234/acme/campaign/profileAndServicesExt/profile?_lineStart=@abc'

describe('a stored Campaign page link that fails', () => {
  it('has expired when Campaign refuses it, whatever its form', () => {
    for (const link of [kept, earlier]) {
      expect(positionExpired(error('notFound'), link, base)).toBe(true)
      expect(positionExpired(error('badRequest'), link, base)).toBe(true)
    }
  })

  it('has not expired when the service is in trouble: the run fails resumable and keeps its place', () => {
    for (const kind of ['network', 'timeout', 'server', 'throttled', 'unauthorized', 'forbidden', 'canceled'] as const)
      expect(positionExpired(error(kind), kept, base), kind).toBe(false)
  })

  it('has expired when it leads where the connection no longer is (an earlier session kept it whole)', () => {
    expect(positionExpired(error('network'), earlier, base)).toBe(true)
    expect(positionExpired(error('server'), earlier, base)).toBe(false)
    expect(positionExpired(new Error('not a connector error'), earlier, base)).toBe(false)
  })
})
