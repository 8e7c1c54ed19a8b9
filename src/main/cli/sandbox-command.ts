import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startSandbox, type FaultSettings, type RunningSandbox, type SandboxInfo, type SandboxOptions } from '../sandbox'
import { integerFlag, UsageError, type CliIO, type Command } from './command'

const usage =
  'sync-studio sandbox [--port N] [--seed N] [--contacts N] [--profiles N] [--deliveries N] [--snapshot FILE] [--latency MS] [--throttle-rate R] [--error-rate R] [--json]'

/** More new deliveries than this at once is a typo, not a demo. */
export const maxDeliveries = 100

/** The highest contact count the Dataverse simulator is built and benchmarked for. */
const maxContacts = 1_000_000

function rate(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`--${name} is a share of requests from 0 to 1 (e.g. 0.05 for 5 %), not "${text}"`)
  }
  return value
}

/** Reads the command line into startSandbox options; every mistake is a UsageError (exit 2). */
export function parseSandboxArgs(args: string[]): { options: SandboxOptions; json: boolean; deliveries: number } {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      contacts: { type: 'string' },
      profiles: { type: 'string' },
      deliveries: { type: 'string' },
      snapshot: { type: 'string' },
      latency: { type: 'string' },
      'throttle-rate': { type: 'string' },
      'error-rate': { type: 'string' },
      json: { type: 'boolean' }
    },
    allowPositionals: false
  })
  const faults: Partial<FaultSettings> = {}
  const latency = integerFlag('latency', values.latency, 0, 60_000)
  const throttleRate = rate('throttle-rate', values['throttle-rate'])
  const errorRate = rate('error-rate', values['error-rate'])
  if (latency !== undefined) faults.latencyMs = latency
  if (throttleRate !== undefined) faults.throttleRate = throttleRate
  if (errorRate !== undefined) faults.serverErrorRate = errorRate
  if ((throttleRate ?? 0) + (errorRate ?? 0) > 1) throw new UsageError('--throttle-rate and --error-rate together cannot exceed 1')
  if (values.snapshot !== undefined && values.snapshot.trim() === '') throw new UsageError('--snapshot needs a file name')
  const options: SandboxOptions = {
    port: integerFlag('port', values.port, 0, 65_535) ?? 0,
    seed: integerFlag('seed', values.seed, 0, 2 ** 31 - 1),
    contacts: integerFlag('contacts', values.contacts, 0, maxContacts),
    profiles: integerFlag('profiles', values.profiles, 0, 100_000),
    snapshotFile: values.snapshot === undefined ? undefined : resolve(values.snapshot),
    // The same faults on both services: a connector must cope with them on either side.
    faults: Object.keys(faults).length ? { dynamics: faults, campaign: faults } : undefined
  }
  return { options, json: values.json === true, deliveries: integerFlag('deliveries', values.deliveries, 0, maxDeliveries) ?? 0 }
}

function describe(info: SandboxInfo, origin: string, options: SandboxOptions, restored: boolean): string[] {
  const d = info.dynamics
  const c = info.campaign
  const faults = options.faults?.dynamics
  return [
    `Sync Studio sandbox is running on ${origin} — press Ctrl+C to stop.`,
    'The credentials below are fake: they open this local sandbox and nothing else.',
    '',
    'Dynamics 365 (Dataverse Web API v9.2)',
    `  URL            ${d.url}`,
    `  Token URL      ${d.tokenUrl}`,
    `  Authority      ${d.authority}   (https with a per-launch certificate: use --json for its PEM, "ca")`,
    `  Scope          ${new URL(d.url).origin}/.default`,
    `  Tenant id      ${d.tenantId}`,
    `  Client id      ${d.clientId}`,
    `  Client secret  ${d.clientSecret}`,
    `  (plain HTTP token route, e.g. for curl: ${new URL(d.url).origin}/${d.tenantId}/oauth2/v2.0/token)`,
    '',
    'Adobe Campaign Standard',
    `  URL            ${c.url}`,
    `  IMS token URL  ${c.imsUrl}`,
    `  Client id      ${c.clientId}   (also the X-Api-Key header)`,
    `  Client secret  ${c.clientSecret}`,
    `  Scopes         ${c.scopes.join(',')}`,
    `  Org id         ${c.orgId}`,
    '',
    ...(faults
      ? [
          `Faults on both services: latency ${faults.latencyMs ?? 0} ms, throttle rate ${faults.throttleRate ?? 0}, error rate ${faults.serverErrorRate ?? 0}`
        ]
      : []),
    options.snapshotFile
      ? `Snapshot: ${options.snapshotFile} (${restored ? 'restored' : 'new'}; saved when the sandbox stops)`
      : 'No snapshot: changes are lost when the sandbox stops (use --snapshot FILE to keep them).'
  ]
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((done) => signal.addEventListener('abort', () => done(), { once: true }))
}

export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'Run the Dynamics 365 + Adobe Campaign sandbox on 127.0.0.1 and print its URLs and (fake) credentials.',
  usage,
  async run(args: string[], io: CliIO) {
    const { options, json, deliveries } = parseSandboxArgs(args)
    const existed = options.snapshotFile ? await fileExists(options.snapshotFile) : false
    const sandbox = await startSandbox(options)
    const made = simulateDeliveries(sandbox, deliveries)
    // Only the JSON goes to stdout with --json: a script reads one line and parses it.
    if (json) io.out(JSON.stringify(sandbox.info))
    else for (const line of describe(sandbox.info, sandbox.origin, options, existed)) io.out(line)
    if (made.length && json) io.err(deliveriesLine(made))
    else if (made.length) io.out(deliveriesLine(made))
    await untilAborted(io.signal)
    const say = (line: string) => (json ? io.err(line) : io.out(line))
    try {
      await sandbox.close()
    } catch (error) {
      io.err(`sync-studio sandbox: stopped, but ${(error as Error).message}`)
      return 2
    }
    say(options.snapshotFile ? `Sandbox stopped; state saved to ${options.snapshotFile}` : 'Sandbox stopped.')
    // The API calls each service answered (tokens not counted): what a run cost, as the services saw it (bench/sync.ts reads this line).
    const requests = sandbox.requests()
    say(`API requests answered: Dynamics ${requests.dynamics}, Campaign ${requests.campaign}`)
    return 0
  }
}

/** `--deliveries N`: N new email deliveries over the current profiles, on top of the history the sandbox already has. */
export function simulateDeliveries(sandbox: RunningSandbox, count: number): Array<{ deliveryId: string; events: number }> {
  return Array.from({ length: count }, () => sandbox.campaign.simulateDelivery({}))
}

export function deliveriesLine(made: ReadonlyArray<{ events: number }>): string {
  const events = made.reduce((n, d) => n + d.events, 0)
  return `Campaign: ${made.length} new email deliver${made.length === 1 ? 'y' : 'ies'} simulated — ${events} events (sends, bounces, opens, clicks) in the marketing history.`
}

function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false
  )
}
