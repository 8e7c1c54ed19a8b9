import type { CampaignConnector } from '../connectors/campaign/connector'
import type { DynamicsConnector } from '../connectors/dynamics/connector'
import { HttpClient } from '../connectors/http/client'
import { ConnectorError, isConnectorError } from '../connectors/http/errors'
import type { Network } from '../connectors/http/network'
import type { ConnectionTestReport } from '../../shared/contract'
import { campaignBaseUrl, type CampaignConnection, type ConnectionProfile, type DynamicsConnection } from '../../shared/connections'

/** The report's shape is the contract's zod schema (connections/test); these types are derived from it. */
export type { ConnectionTestReport }
export type ConnectionTestStep = ConnectionTestReport['steps'][number]
export type TestStepName = ConnectionTestStep['step']

const stepLabel: Record<TestStepName, string> = {
  reach: 'Reaching the service',
  signIn: 'Signing in',
  metadata: 'Reading metadata',
  count: 'Counting rows'
}

/** What a test uses of a connection: its network and its connectors. */
export interface ConnectionParts {
  network(profile: ConnectionProfile): Network
  dynamics(profile: DynamicsConnection): Promise<DynamicsConnector>
  campaign(profile: CampaignConnection): Promise<CampaignConnector>
}

/**
 * Reach the service, sign in, read one table's metadata, count its rows. Stops at the
 * first failure and says what failed (DNS, TLS, refused, 401, 403, throttled) and what to do.
 */
export async function testConnection(
  profile: ConnectionProfile,
  parts: ConnectionParts,
  options: { signal?: AbortSignal; table?: string } = {}
): Promise<ConnectionTestReport> {
  const steps: ConnectionTestStep[] = []
  const report = (): ConnectionTestReport => {
    const failed = steps.find((s) => !s.ok)
    const summary = failed
      ? `${stepLabel[failed.step]} failed${failed.error?.status ? ` (HTTP ${failed.error.status}${failed.error.code ? `, ${failed.error.code}` : ''})` : failed.error?.code ? ` (${failed.error.code})` : ''}: ${failed.error?.message ?? 'unknown error'} — ${failed.error?.hint ?? ''}`.trim()
      : `Connected: ${steps
          .map((s) => s.detail)
          .filter(Boolean)
          .join('; ')}.`
    return { connectionId: profile.id, name: profile.name, system: profile.system, ok: !failed, steps, summary }
  }
  const run = async (step: TestStepName, action: () => Promise<string>): Promise<boolean> => {
    const started = Date.now()
    try {
      const detail = await action()
      steps.push({ step, ok: true, ms: Date.now() - started, detail })
      return true
    } catch (error) {
      const info = isConnectorError(error)
        ? error.toJSON()
        : new ConnectorError({
            kind: 'protocol',
            service: 'http',
            message: error instanceof Error ? error.message : String(error)
          }).toJSON()
      steps.push({ step, ok: false, ms: Date.now() - started, error: info })
      return false
    }
  }
  const { signal } = options
  if (profile.system === 'dynamics') {
    const apiUrl = (profile.apiUrl ?? `${new URL(profile.environmentUrl).origin}/api/data/v9.2/`).replace(/\/?$/, '/')
    if (!(await run('reach', () => reach(apiUrl, 'dynamics', parts.network(profile), signal)))) return report()
    let connector: DynamicsConnector
    if (
      !(await run('signIn', async () => {
        connector = await parts.dynamics(profile)
        const me = await connector.whoAmI(signal)
        return `signed in (user ${me.userId}${me.dopHint ? `, recommended parallelism ${me.dopHint}` : ''})`
      }))
    )
      return report()
    const table = options.table ?? profile.testTable
    if (!(await run('metadata', async () => `${table}: ${(await connector.getTable(table, signal)).fields.length} fields`))) return report()
    await run('count', async () => {
      const { count, limitExceeded } = await connector.count(table, { signal })
      if (count === undefined) return 'row count unknown (the answer had no @odata.count)'
      return `${limitExceeded ? 'at least ' : ''}${count.toLocaleString('en-US')} rows`
    })
    return report()
  }
  const baseUrl = campaignBaseUrl(profile)
  if (!(await run('reach', () => reach(baseUrl, 'campaign', parts.network(profile), signal)))) return report()
  let connector: CampaignConnector
  if (
    !(await run('signIn', async () => {
      connector = await parts.campaign(profile)
      const resources = await connector.listResources(signal)
      return `signed in (${resources.length} resources)`
    }))
  )
    return report()
  const resource = options.table ?? profile.testResource
  if (!(await run('metadata', async () => `${resource}: ${(await connector.getResource(resource, signal)).fields.length} fields`)))
    return report()
  await run('count', async () => {
    const count = await connector.count(resource, { signal })
    return count === undefined
      ? 'Campaign answered without a count (the number of records is unknown)'
      : `${count.toLocaleString('en-US')} records`
  })
  return report()
}

/** An unauthenticated GET: any HTTP answer proves DNS, TLS (and the proxy) are right. */
async function reach(url: string, service: 'dynamics' | 'campaign', network: Network, signal?: AbortSignal): Promise<string> {
  const client = new HttpClient({ service, retry: { maxAttempts: 2, baseDelayMs: 100 }, timeoutMs: 15_000, fetch: network.fetch })
  const response = await client.request({ method: 'GET', url, signal, accept: [400, 401, 403, 404, 405, 500] })
  const route = await network.route(url)
  return `${new URL(url).host} answered (HTTP ${response.status}${route.proxy ? `, through the proxy ${route.proxy}` : ''})`
}
