/**
 * Work that grows with changes, not table size: N contacts (default 1,000,000) and as many
 * linked profiles, 1 % changed, one incremental run of every flow kind, API calls counted
 * where the service sees them (the sandbox's request listener; token requests excluded).
 *
 *   incremental calls ratio = API calls ÷ (changed records + pages), goal ≤ 1.1
 *   reads ratio             = reads (GET) ÷ (changed records + pages)
 *
 * "Changed records" is what the bench changed that the flow must see (ground truth, not what
 * the flow says it read); "pages" is the pages the flow's source yielded. Writes (a PATCH per
 * changed profile, a lookup before it) are the sinks' business and are printed apart.
 *
 * Each flow starts from the position a completed run of it would have stored (the
 * change-tracking delta link, the opt-outs' delta link and profile watermark, the export
 * files done): taking that position reads the tables once, which is not measured.
 *
 *   npm run bench -- incremental [--contacts N] [--changed 0.01]
 *   INCREMENTAL_CONTACTS=100000 npm run bench -- incremental     (a quicker run)
 *
 * The sandbox runs in this process (its request listener counts), so 1,000,000 contacts and
 * profiles need a heap of several GB: the bench re-starts itself with a larger one.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { getHeapStatistics } from 'node:v8'
import { ImsTokenProvider } from '../src/main/connectors/campaign/auth'
import { CampaignConnector } from '../src/main/connectors/campaign/connector'
import { DynamicsConnector } from '../src/main/connectors/dynamics/connector'
import type { TokenProvider } from '../src/main/connectors/token-provider'
import { startSandbox, type RunningSandbox } from '../src/main/sandbox'
import { eventsFlowParts } from '../src/main/sync/flows/events-flow'
import { optOutFlowParts, optOutMappingKey } from '../src/main/sync/flows/opt-out-flow'
import { recordsFlowParts } from '../src/main/sync/flows/records-flow'
import { SyncJournal } from '../src/main/sync/journal'
import type { RecordSource, SourceCursor, SourcePage } from '../src/main/sync/ports'
import { runFlow } from '../src/main/sync/runner'
import type { EventsFlow, OptOutFlow, RecordsFlow } from '../src/shared/mapping/document'
import { contactsFlow, everyFlowDocument, optOutFlow, sendsFlow, vehiclesFlow } from '../tests/support/sync-flows'
import { dynamicsToken } from '../tests/support/dynamics-token'
import { StoreSink } from './incremental/store-sink'

const heapMb = 14_000
if (getHeapStatistics().heap_size_limit < heapMb * 0.9 * 1024 * 1024 && !process.env.INCREMENTAL_BENCH_CHILD) {
  const result = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, INCREMENTAL_BENCH_CHILD: '1' }
  })
  process.exit(result.status ?? 1)
}

const { values } = parseArgs({ options: { contacts: { type: 'string' }, changed: { type: 'string' } } })
const contacts = Number(values.contacts ?? process.env.INCREMENTAL_CONTACTS ?? 1_000_000)
const share = Number(values.changed ?? 0.01)

const document = everyFlowDocument

/** Counts the pages a source yields, and keeps its last cursor. */
class CountedSource implements RecordSource {
  pages_ = 0
  last: SourceCursor | undefined
  constructor(private readonly inner: RecordSource) {}
  get kind(): 'full' | 'incremental' {
    return this.inner.kind
  }
  async *pages(cursor: SourceCursor | undefined, signal: AbortSignal): AsyncIterable<SourcePage> {
    for await (const page of this.inner.pages(cursor, signal)) {
      this.pages_++
      this.last = page.cursor
      yield page
    }
  }
}

/** The last cursor of a source read to its end (the position a completed run stores). */
async function endCursor(source: RecordSource, cursor?: SourceCursor, stopWhen?: (c: SourceCursor) => boolean): Promise<SourceCursor> {
  let last: SourceCursor | undefined
  const controller = new AbortController()
  for await (const page of source.pages(cursor, controller.signal)) {
    last = page.cursor
    if (stopWhen?.(page.cursor)) break
  }
  return last!
}

/**
 * The sandbox's Dataverse token, asked again every 30 minutes (and when the connector forces a
 * refresh): at 1,000,000 contacts on a loaded machine the bench outlives a token's hour.
 */
function renewingDynamicsToken(info: RunningSandbox['info']): TokenProvider {
  let token: Promise<string> | undefined
  let at = 0
  return {
    method: 'client secret',
    getToken(options) {
      if (!token || options?.forceRefresh || performance.now() - at > 30 * 60_000) {
        at = performance.now()
        token = dynamicsToken(info)
      }
      return token
    }
  }
}

/** Memory now and the process's peak resident set (sandbox and client share this process). */
function memory(): string {
  const now = process.memoryUsage()
  return `rss ${(now.rss / 1e9).toFixed(2)} GB (peak ${(process.resourceUsage().maxRSS / 1e6).toFixed(2)} GB), heap ${(now.heapUsed / 1e9).toFixed(2)} GB`
}

interface Figure {
  flow: string
  changed: number
  pages: number
  /** Calls of the flow's source alone (the read side: changes and their counterparts). */
  sourceReads: number
  reads: number
  writes: number
  seconds: number
  status: string
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-incremental-'))
  const began = performance.now()
  const sandbox: RunningSandbox = await startSandbox({
    contacts,
    profiles: contacts,
    deliveries: 0,
    port: 0,
    seed: 1,
    exportFolder: join(folder, 'exports')
  })
  console.log(
    `sandbox: ${contacts.toLocaleString('en-US')} contacts and profiles in ${((performance.now() - began) / 1000).toFixed(0)} s, ${memory()}`
  )
  try {
    const info = sandbox.info
    const dynamics = new DynamicsConnector({
      environmentUrl: new URL(info.dynamics.url).origin,
      apiUrl: info.dynamics.url,
      tokenProvider: renewingDynamicsToken(info)
    })
    const campaign = new CampaignConnector({
      baseUrl: info.campaign.url,
      apiKey: info.campaign.clientId,
      tokenProvider: new ImsTokenProvider({
        imsUrl: info.campaign.imsUrl,
        clientId: info.campaign.clientId,
        clientSecret: info.campaign.clientSecret,
        scopes: info.campaign.scopes
      }),
      concurrency: 16
    })
    const journal = await SyncJournal.open(join(folder, 'journal'))
    const limits = { maxBatch: 25, concurrency: 4 }
    const connections = { dynamics: async () => dynamics, campaign: async () => campaign }
    const build = async (flow: RecordsFlow | OptOutFlow | EventsFlow) => {
      if (flow.kind === 'records') {
        const parts = await recordsFlowParts({ flow, dynamics, campaign, full: false, pageSize: 5000, limits })
        return { ...parts, runnerFlow: flow }
      }
      const options = { document, connections, full: false, pageSize: 500, limits, eventsFolder: join(folder, 'exports') }
      if (flow.kind === 'optOut') return optOutFlowParts({ ...options, flow, dynamics, campaign })
      return eventsFlowParts({ ...options, flow, dynamics, campaign })
    }

    // ---- the positions completed runs would have stored (not measured) ----
    const t0 = performance.now()
    const start = new Map<string, SourceCursor>()
    // The records flows: a completed full run each — the real Dataverse source over HTTP, the real
    // compiled flow and runner — that stores the change-tracking position and, per key, the digest
    // of the payload sent (what the next incremental run compares with). Its writes go straight
    // into the sandbox's Campaign store (StoreSink: the same validation, no HTTP): a million POSTs
    // the bench does not measure would take the better part of an hour on a shared machine.
    for (const flow of [contactsFlow, vehiclesFlow]) {
      const t = performance.now()
      const parts = await recordsFlowParts({ flow, dynamics, campaign, full: true, pageSize: 5000, limits })
      const sink = new StoreSink(sandbox.campaign, flow)
      const result = await runFlow({ flow, source: parts.source, sink, transform: parts.transform, journal, retryPasses: 0 })
      console.log(
        `${flow.id}: full run ${result.status} in ${((performance.now() - t) / 1000).toFixed(0)} s (writes into the store), ${JSON.stringify(result.counts)}, ${memory()}`
      )
      if (result.status !== 'completed') throw new Error(`the ${flow.id} full run ended ${result.status}: ${result.error?.message ?? ''}`)
      start.set(flow.id, result.nextCursor!)
    }
    // The opt-outs: the contacts' delta link (its first phase), and profiles changed from now on.
    const optOutStart = (await endCursor((await build(optOutFlow)).source, undefined, (c) => (c as { p?: string }).p === 'walk')) as {
      d: unknown
      until: string
    }
    start.set(optOutFlow.id, {
      t: 'optOut',
      m: optOutMappingKey(optOutFlow),
      p: 'dynamics',
      d: optOutStart.d,
      since: new Date().toISOString()
    } as SourceCursor)
    console.log(
      `starting positions taken in ${((performance.now() - t0) / 1000).toFixed(0)} s (full runs and reads, not measured), ${memory()}`
    )

    // ---- 1 % changes on each side ----
    const changedContacts = Math.round(contacts * share)
    const step = Math.floor(1 / share)
    const vehicles = Math.floor(contacts * 0.3)
    const changedVehicles = Math.round(vehicles * share)
    const optOutKeys = new Set<string>()
    for (let i = 0; i < changedContacts; i++) {
      const id = sandbox.dynamics.idOf('contact', i * step)
      // Half change a name (contacts flow), half flip an opt-out too (both flows see every touched contact).
      sandbox.dynamics.touch('contact', id, i % 2 ? { lastname: `Changed ${i}` } : { lastname: `Changed ${i}`, donotbulkemail: true })
      optOutKeys.add(id)
    }
    for (let i = 0; i < changedVehicles; i++)
      sandbox.dynamics.touch('new_vehicle', sandbox.dynamics.idOf('new_vehicle', i * step), { new_name: `Changed vehicle ${i}` })
    // Campaign side: other profiles opt out there (a profile i carries contact i's id).
    let campaignEdits = 0
    for (let i = 0; campaignEdits < changedContacts && i < contacts; i++) {
      const id = sandbox.dynamics.idOf('contact', (i * step + Math.floor(step / 2)) % contacts)
      if (optOutKeys.has(id)) continue
      try {
        sandbox.campaign.editProfile(id, { blackListPhone: true })
      } catch {
        continue // not every seeded profile carries a Dynamics id
      }
      optOutKeys.add(id)
      campaignEdits++
    }
    // Events: a delivery to 1 % of the profiles, exported by the Campaign workflow.
    sandbox.campaign.simulateDelivery({ share })
    await sandbox.campaign.exportLogs()

    // ---- one incremental run per flow, calls counted at the service ----
    const figures: Figure[] = []
    for (const flow of [contactsFlow, vehiclesFlow, optOutFlow, sendsFlow]) {
      // The read side alone: the flow's source from the same position, nothing written.
      const probe = await build(flow)
      let sourceReads = 0
      const stopSource = sandbox.onRequest((request) => void (request.service !== 'other' && sourceReads++))
      await endCursor(probe.source, start.get(flow.id))
      stopSource()
      const parts = await build(flow)
      const source = new CountedSource(parts.source)
      let reads = 0
      let writes = 0
      const stop = sandbox.onRequest((request) => {
        if (request.service === 'other') return
        if (request.method === 'GET') reads++
        else writes++
      })
      const t = performance.now()
      const result = await runFlow({
        flow: parts.runnerFlow,
        source,
        sink: parts.sink,
        transform: parts.transform,
        ...('keyOf' in parts && parts.keyOf ? { keyOf: parts.keyOf } : {}),
        journal,
        ...(start.has(flow.id) ? { cursor: start.get(flow.id) } : {}),
        retryPasses: 0
      })
      stop()
      const changed =
        flow.id === 'contacts'
          ? changedContacts
          : flow.id === 'vehicles'
            ? changedVehicles
            : flow.id === 'optouts'
              ? optOutKeys.size
              : result.counts.read
      figures.push({
        flow: flow.id,
        changed,
        pages: source.pages_,
        sourceReads,
        reads,
        writes,
        seconds: (performance.now() - t) / 1000,
        status: result.status
      })
      const f = figures[figures.length - 1]
      console.log(
        `${f.flow.padEnd(9)} ${f.status}: ${f.changed.toLocaleString('en-US')} changed, ${f.pages} pages → source ${f.sourceReads.toLocaleString('en-US')} calls; run ${f.reads.toLocaleString('en-US')} reads (source + sink lookups) + ${f.writes.toLocaleString('en-US')} writes in ${f.seconds.toFixed(0)} s; ${JSON.stringify(result.counts)}${'calls' in parts.sink ? ` sink ${JSON.stringify(parts.sink.calls)}` : ''}\n` +
          `          ratio split (÷ ${(f.changed + f.pages).toLocaleString('en-US')}): source reads ${(f.sourceReads / (f.changed + f.pages)).toFixed(3)} + sink lookups ${(Math.max(0, f.reads - f.sourceReads) / (f.changed + f.pages)).toFixed(3)} + writes ${(f.writes / (f.changed + f.pages)).toFixed(3)}; reads ratio: ${(f.reads / (f.changed + f.pages)).toFixed(3)}, incremental calls ratio: ${((f.reads + f.writes) / (f.changed + f.pages)).toFixed(3)}`
      )
    }
    const sum = (pick: (f: Figure) => number) => figures.reduce((n, f) => n + pick(f), 0)
    const base = sum((f) => f.changed) + sum((f) => f.pages)
    console.log(`table size: ${contacts.toLocaleString('en-US')} contacts and profiles, ${vehicles.toLocaleString('en-US')} vehicles`)
    console.log(`source reads ratio: ${(sum((f) => f.sourceReads) / base).toFixed(3)}`)
    console.log(`sink lookups ratio: ${(sum((f) => Math.max(0, f.reads - f.sourceReads)) / base).toFixed(3)}`)
    console.log(`writes ratio: ${(sum((f) => f.writes) / base).toFixed(3)}`)
    console.log(`reads ratio: ${(sum((f) => f.reads) / base).toFixed(3)}`)
    console.log(`incremental calls ratio: ${((sum((f) => f.reads) + sum((f) => f.writes)) / base).toFixed(3)}`)
    console.log(
      `machine: load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(
          ' '
        )}, ${memory()}, ${((performance.now() - began) / 1000).toFixed(0)} s in all (measured runs ${sum((f) => f.seconds).toFixed(0)} s)`
    )
  } finally {
    await sandbox.close()
    await rm(folder, { recursive: true, force: true })
  }
}

void main().catch((error) => {
  console.error(error)
  process.exit(1)
})
