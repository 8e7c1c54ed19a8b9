/**
 * The contacts flow at size: N contacts (default 100,000) → Campaign profiles against the
 * sandbox, with a fixed latency injected on every API answer. The sandbox runs in a child
 * process (`sync-studio sandbox`, so its CPU is not ours); the flow runs here through the
 * real connectors, runner and journal.
 *
 * The bound: with at most C Campaign calls in flight (the connector's limiter) and L ms
 * per answer, no client can make more than C / L calls per second, and — at one call per
 * record, the best Campaign allows (it has no batch API) — no more than C / L records per
 * second. Printed side by side, from one run:
 *  - `sync ratio`: Campaign calls/s ÷ (C / L) — how busy the run keeps the connection;
 *  - `records ratio`: records/s ÷ (C / L) — goal ≥ 0.85 for 100,000 new profiles;
 *  - `calls per record`: the Campaign API requests the sandbox answered (its own count,
 *    printed when it stops; setup calls included) ÷ records.
 *
 *   npm run bench -- sync [--records N] [--latency MS] [--concurrency C] [--json]
 *
 * `--json` prints one line with the figures (bench/sync-memory.ts reads it).
 * Needs the built CLI (npm run build, or npx vite build -c vite.cli.config.mts).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { SandboxInfo } from '../src/main/sandbox'
import { CampaignConnector } from '../src/main/connectors/campaign/connector'
import { ImsTokenProvider } from '../src/main/connectors/campaign/auth'
import { DynamicsConnector } from '../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../src/main/connectors/token-provider'
import { SyncJournal } from '../src/main/sync/journal'
import { runFlow } from '../src/main/sync/runner'
import { recordsFlowParts } from '../src/main/sync/flows/records-flow'
import type { RecordsFlow } from '../src/shared/mapping/document'
import { contactsFlow } from '../tests/support/sync-flows'
import { dynamicsToken } from '../tests/support/dynamics-token'

const { values } = parseArgs({
  options: { records: { type: 'string' }, latency: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' } }
})
const records = Number(values.records ?? 100_000)
const latencyMs = Number(values.latency ?? 50)
const concurrency = Number(values.concurrency ?? 32)
const root = resolve(__dirname, '..')
// tsx runs this file in a process of its own: expose gc here rather than trusting the flag reached it.
setFlagsFromString('--expose-gc')
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? runInNewContext('gc')

const flow: RecordsFlow = { ...contactsFlow, sync: { mode: 'full' } }

interface ChildSandbox {
  info: SandboxInfo
  /** Stops it; resolves with the API requests it answered (its own count). */
  stop: () => Promise<{ dynamics: number; campaign: number } | undefined>
}

async function startChildSandbox(): Promise<ChildSandbox> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/sync-studio.cjs'),
      'sandbox',
      '--json',
      '--contacts',
      String(records),
      '--profiles',
      '0',
      '--latency',
      String(latencyMs)
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let errText = ''
  child.stderr.on('data', (chunk) => {
    errText += chunk
    if (!/API requests answered/.test(String(chunk))) process.stderr.write(chunk)
  })
  const info = await new Promise<SandboxInfo>((done, fail) => {
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
      const line = text.split('\n')[0]
      if (text.includes('\n')) done(JSON.parse(line))
    })
    child.on('exit', (code) => fail(new Error(`the sandbox exited (${code}) — build the CLI first: npx vite build -c vite.cli.config.mts`)))
  })
  const stop = () =>
    new Promise<{ dynamics: number; campaign: number } | undefined>((done) => {
      child.on('exit', () => {
        const match = /API requests answered: Dynamics (\d+), Campaign (\d+)/.exec(errText)
        done(match ? { dynamics: Number(match[1]), campaign: Number(match[2]) } : undefined)
      })
      child.kill('SIGTERM')
    })
  return { info, stop }
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-sync-'))
  const sandbox = await startChildSandbox()
  let peakHeap = 0
  let peakRss = 0
  const sample = () => {
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed)
    peakRss = Math.max(peakRss, m.rss)
  }
  const sampler = setInterval(sample, 50)
  // Live heap: what the run retains (after a full GC every 2 s), free of when V8 chooses to collect.
  let peakLive = 0
  const liveSampler = setInterval(() => {
    gc()
    peakLive = Math.max(peakLive, process.memoryUsage().heapUsed)
  }, 2000)
  let stopped = false
  try {
    const dynamics = new DynamicsConnector({
      environmentUrl: new URL(sandbox.info.dynamics.url).origin,
      apiUrl: sandbox.info.dynamics.url,
      tokenProvider: new StaticTokenProvider(await dynamicsToken(sandbox.info))
    })
    const campaign = new CampaignConnector({
      baseUrl: sandbox.info.campaign.url,
      apiKey: sandbox.info.campaign.clientId,
      tokenProvider: new ImsTokenProvider({
        imsUrl: sandbox.info.campaign.imsUrl,
        clientId: sandbox.info.campaign.clientId,
        clientSecret: sandbox.info.campaign.clientSecret,
        scopes: sandbox.info.campaign.scopes
      }),
      concurrency
    })
    const parts = await recordsFlowParts({
      flow,
      dynamics,
      campaign,
      full: true,
      pageSize: 2000,
      limits: { maxBatch: 25, concurrency: Math.ceil(concurrency / 8) + 2, lookupBatch: 25 }
    })
    const journal = await SyncJournal.open(join(folder, 'journal'))
    gc()
    sample()
    const started = performance.now()
    const result = await runFlow({ flow, source: parts.source, sink: parts.sink, transform: parts.transform, journal, retryPasses: 0 })
    const seconds = (performance.now() - started) / 1000
    sample()
    const byKind = parts.sink.calls
    const calls = byKind.count + byKind.index + byKind.lookup + byKind.create + byKind.update + byKind.delete + byKind.parent
    const callBound = concurrency / (latencyMs / 1000)
    const ratio = latencyMs > 0 ? calls / seconds / callBound : Number.NaN
    const answered = await sandbox.stop()
    stopped = true
    const sandboxCalls = answered?.campaign ?? Number.NaN
    const figures = {
      records,
      latencyMs,
      concurrency,
      status: result.status,
      counts: result.counts,
      seconds,
      recordsPerSecond: result.counts.read / seconds,
      campaignCalls: calls,
      callsPerSecond: calls / seconds,
      callBound,
      recordBound: callBound,
      ratio,
      recordsRatio: latencyMs > 0 ? result.counts.read / seconds / callBound : Number.NaN,
      lookupStrategy: parts.sink.lookupStrategy,
      callsByKind: byKind,
      sandboxCampaignCalls: sandboxCalls,
      callsPerRecord: sandboxCalls / result.counts.read,
      peakHeapBytes: peakHeap,
      peakLiveHeapBytes: peakLive,
      peakRssBytes: peakRss
    }
    if (values.json) console.log(JSON.stringify(figures))
    else {
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`
      console.log(
        `contacts flow: ${records.toLocaleString('en-US')} contacts, ${latencyMs} ms latency per answer, ${concurrency} Campaign calls in flight at most`
      )
      console.log(
        `  ${result.status}: ${result.counts.read} read, ${result.counts.created} created, ${result.counts.failed} failed (bad records: refused by the mapping's rules or by Campaign), ${result.counts.skipped} skipped in ${seconds.toFixed(1)} s`
      )
      console.log(
        `  ${figures.recordsPerSecond.toFixed(0)} records/s; ${calls} Campaign calls = ${figures.callsPerSecond.toFixed(0)} calls/s; bound ${callBound.toFixed(0)} calls/s (${figures.recordBound.toFixed(0)} records/s at one call per record)`
      )
      console.log(
        `  lookups: ${figures.lookupStrategy}; calls by kind ${JSON.stringify(byKind)}; the sandbox answered ${sandboxCalls} Campaign API requests (setup included)`
      )
      console.log(
        `  peak live heap (after GC) ${mb(peakLive)}, peak heap ${mb(peakHeap)}, peak RSS ${mb(peakRss)} (this process; the sandbox runs in its own)`
      )
      console.log(`sync ratio: ${ratio.toFixed(3)}`)
      console.log(`records ratio: ${figures.recordsRatio.toFixed(3)}`)
      console.log(`calls per record: ${figures.callsPerRecord.toFixed(4)}`)
    }
  } finally {
    clearInterval(sampler)
    clearInterval(liveSampler)
    if (!stopped) await sandbox.stop()
    await rm(folder, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
