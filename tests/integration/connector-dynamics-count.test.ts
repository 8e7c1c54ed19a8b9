import { afterAll, describe, expect, it } from 'vitest'
import { DynamicsConnector } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * `$count=true` is capped at 5,000; whether a count of exactly 5,000 is the true number is
 * what `@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded` says
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows).
 */
const servers: LocalDataverseServer[] = []
afterAll(() => Promise.all(servers.map((s) => s.close())))

async function countContacts(contacts: number) {
  const local = await startLocalDataverseServer({ seed: 11, contacts })
  servers.push(local)
  const connector = new DynamicsConnector({
    environmentUrl: local.baseUrl,
    tokenProvider: new StaticTokenProvider(await local.accessToken())
  })
  return connector.count('contact')
}

describe('count at the 5,000 cap', () => {
  it('exactly 5,000 rows is 5,000, not "more than"', async () => {
    expect(await countContacts(5000)).toEqual({ count: 5000, limitExceeded: false })
  })

  it('5,001 rows is 5,000 with the limit exceeded', async () => {
    expect(await countContacts(5001)).toEqual({ count: 5000, limitExceeded: true })
  })
})
