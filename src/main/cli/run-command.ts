import { copyFile, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { formatProblem } from '../../shared/problems'
import { parseArgs } from 'node:util'
import { readNote, unknownText } from '../../shared/run-counts'
import { progressPercent } from '../../shared/run-progress'
import { parseShard, shardLabel, type Shard } from '../../shared/shard'
import type { RunCounts } from '../sync/journal-format'
import type { PlanEntry } from '../sync/runner'
import { SchemaProblemsError } from '../sync/schema-check'
import { type SyncEvent, type SyncRequest, type SyncResult } from '../sync/sync-service'
import { createSync } from '../composition-root'
import { integerFlag, shellWord, UsageError, type CliIO, type Command } from './command'
import { deliveriesLine, maxDeliveries, simulateDeliveries } from './sandbox-command'
import { defaultJournalFolder, openWorkspace, readMapping } from './sync-setup'
import { JsonLog } from './json-log'

const usage =
  'sync-studio run <mapping.json> [--flow ID]... [--dry-run] [--full] [--retry-failed RUN] [--plan-limit N] [--allow-deletes N] [--json | --log json] [--shard i/n] [--journal DIR] [--events DIR] [--sandbox [--contacts N] [--profiles N] [--deliveries N] [--latency MS]]'

/** A shard's journal: its own folder under the journal folder, so two shards never share a position or a resumable run. */
export function shardJournalFolder(journalFolder: string, shard: Shard | undefined): string {
  return shard ? join(journalFolder, `shard-${shard.index}-of-${shard.count}`) : journalFolder
}

/**
 * `sync-studio run`: runs the flows of a mapping file (parents first), with a progress bar
 * on a terminal and plain lines otherwise, then a summary. Exit 0: every record synced;
 * 1: some records failed (see the errors in the history / the CSV); 2: a flow failed or
 * was canceled, or the command was used wrongly. Ctrl+C cancels cleanly: the next run of
 * the same mapping resumes from the last checkpoint.
 *
 * The delete guard: a run that would delete more than 10 % of the records a flow manages,
 * or more than 100, stops before its first delete (exit 2) and says how many; run it again
 * with `--allow-deletes N` to confirm up to N deletes per flow.
 */
export const runCommand: Command = {
  name: 'run',
  summary: "Run a mapping's sync flows (or plan them with --dry-run) and print a summary.",
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        flow: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        full: { type: 'boolean' },
        json: { type: 'boolean' },
        sandbox: { type: 'boolean' },
        journal: { type: 'string' },
        events: { type: 'string' },
        contacts: { type: 'string' },
        profiles: { type: 'string' },
        deliveries: { type: 'string' },
        latency: { type: 'string' },
        'plan-limit': { type: 'string' },
        'allow-deletes': { type: 'string' },
        shard: { type: 'string' },
        log: { type: 'string' },
        'retry-failed': { type: 'string' }
      },
      allowPositionals: true
    })
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length === 0 ? 'give the mapping file to run' : `one mapping file at a time, not ${positionals.length}`
      )
    if (!values.sandbox && (values.contacts || values.profiles || values.deliveries || values.latency)) {
      throw new UsageError('--contacts, --profiles, --deliveries and --latency set up the sandbox: use them with --sandbox')
    }
    let shard: Shard | undefined
    if (values.shard !== undefined) {
      const parsed = parseShard(values.shard)
      if (!parsed.ok) {
        // The value is wrong, not the command: exit 1, like any other bad input.
        io.err(`sync-studio run: ${parsed.message}\nUsage: ${usage}`)
        return 1
      }
      shard = parsed.shard
      if (values.sandbox && shard.count > 1)
        throw new UsageError(
          '--shard splits one shared service between runs; --sandbox starts a private sandbox in each run. Start one with `sync-studio sandbox` and point the connection environment variables at it (docs/scale.md)'
        )
    }
    if (values.log !== undefined && values.log !== 'json' && values.log !== 'text')
      throw new UsageError(`--log takes json (one JSON object per line, for log collectors) or text (the default), not "${values.log}"`)
    const jsonLog = values.log === 'json'
    if (jsonLog && values.json) throw new UsageError('--json prints one result at the end and --log json a line per event: choose one')
    const retryOf = values['retry-failed']
    if (retryOf !== undefined && (values.flow?.length || values.full))
      throw new UsageError('--retry-failed runs the failed and unknown records of that run, in its own flow: not with --flow or --full')
    const deliveries = integerFlag('deliveries', values.deliveries, 0, maxDeliveries) ?? 0
    const file = positionals[0]
    const document = await readMapping(file, io)
    if (!document) return 2
    const baseJournal = resolve(values.journal ?? defaultJournalFolder())
    const journalFolder = shardJournalFolder(baseJournal, shard)
    const dryRun = values['dry-run'] === true
    // The text summary lists the first 20 changes; --json (for tools) keeps up to 1000 per flow, as the runner does (docs/cli.md).
    const planLimit = integerFlag('plan-limit', values['plan-limit'], 0, 1_000_000) ?? (values.json ? 1000 : 20)
    const allowDeletes = integerFlag('allow-deletes', values['allow-deletes'], 0, 100_000_000)
    const events = values.events ? resolve(values.events) : undefined
    const workspace = await openWorkspace({
      sandbox: values.sandbox === true,
      journalFolder,
      io,
      flags: {
        contacts: integerFlag('contacts', values.contacts, 0, 1_000_000),
        profiles: integerFlag('profiles', values.profiles, 0, 100_000),
        latencyMs: integerFlag('latency', values.latency, 0, 60_000),
        exportFolder: events
      }
    })
    const log = jsonLog ? new JsonLog(io, shard ? { shard } : {}) : undefined
    const display = values.json || log ? undefined : new ProgressDisplay(io)
    let scratch: string | undefined
    // A dry run's deliveries are for its plan only: the sandbox is put back before it is saved, so
    // the run with the same --deliveries makes the same deliveries (a function of the data) and does what was planned.
    let beforeDeliveries: unknown
    try {
      if (workspace.sandbox && deliveries) {
        if (dryRun) beforeDeliveries = workspace.sandbox.campaign.snapshot()
        const made = simulateDeliveries(workspace.sandbox, deliveries)
        if (!dryRun) await workspace.saveSandbox?.()
        const line = `${deliveriesLine(made)}${dryRun ? ' For this plan only: none is kept, and the run with the same --deliveries makes them.' : ''}`
        // With --json only the result goes to stdout.
        if (values.json) io.err(line)
        else if (log) log.write('notice', { message: line })
        else io.out(line)
      }
      let eventsFolder = events
      if (workspace.sandbox && events) {
        // The sandbox's Campaign has made deliveries only if asked; export what it has so the events flows find files.
        if (dryRun) {
          // A dry run writes nothing: the export goes to a scratch folder beside links to DIR's
          // files (not copies: DIR holds every export so far), and the sandbox forgets it exported
          // (the real run then exports the same events into DIR).
          scratch = await mkdtemp(join(tmpdir(), 'sync-studio-events-'))
          const existing = await readdir(events).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return []
            throw error
          })
          // A copy where links need a privilege (Windows without developer mode).
          for (const name of existing)
            await symlink(join(events, name), join(scratch, name)).catch(() => copyFile(join(events, name), join(scratch!, name)))
          const before = workspace.sandbox.campaign.snapshot()
          await workspace.sandbox.campaign.exportLogs(scratch)
          workspace.sandbox.campaign.restore(before)
          eventsFolder = scratch
        } else await workspace.sandbox.campaign.exportLogs(events)
      }
      const service = createSync(workspace.connections, {
        journalFolder,
        ...(eventsFolder ? { eventsFolder } : {}),
        ...(workspace.saveSandbox ? { afterWrite: workspace.saveSandbox } : {}),
        ...(shard ? { shard } : {})
      })
      if (log) log.write('run.start', { file, mapping: document.name, dryRun, full: values.full === true, journal: journalFolder })
      else if (!values.json) {
        io.out(
          `${dryRun ? 'Planning' : 'Running'} ${document.name} (${file})${shard ? ` as shard ${shardLabel(shard)}` : ''}${workspace.sandbox ? ` against the sandbox (snapshot ${resolve(journalFolder, 'sandbox.json')})` : ''}; journal ${journalFolder}`
        )
      }
      let result: SyncResult
      try {
        const request = {
          dryRun,
          ...(allowDeletes !== undefined ? { allowDeletes } : {}),
          signal: io.signal,
          planLimit,
          mappingVersion: file,
          onProgress: (event) => (log ? log.sync(event) : display?.event(event)),
          ...(log
            ? {
                onRecord: (flowId, outcome) => {
                  if (outcome.action === 'error') log.recordError(flowId, outcome)
                },
                onPlan: (flowId, entry) => {
                  if (entry.action === 'error') log.recordError(flowId, entry)
                }
              }
            : {})
        } satisfies SyncRequest
        // A retry reads only the run's failed and unknown records, each looked up by key before any write.
        result =
          retryOf !== undefined
            ? await service.retryFailed(document, retryOf, request)
            : await service.run(document, {
                ...request,
                ...(values.flow?.length ? { flowIds: values.flow } : {}),
                full: values.full === true
              })
      } catch (error) {
        if (log) {
          if (error instanceof SchemaProblemsError) {
            log.write('refused', { file, problems: error.problems })
            return 1
          }
          log.write('run.failed', { message: error instanceof Error ? error.message : String(error) })
          return 2
        }
        if (!(error instanceof SchemaProblemsError)) throw error
        display?.end()
        printSchemaProblems(file, error, io, values.json === true)
        return 1
      }
      display?.end()
      if (log) log.end(result, exitCode(result))
      else if (values.json) io.out(JSON.stringify(result))
      else
        printSummary(result, io, dryRun, planLimit, values.journal !== undefined || shard ? ` --journal ${shellWord(journalFolder)}` : '')
      return exitCode(result)
    } finally {
      display?.end()
      if (beforeDeliveries !== undefined) workspace.sandbox?.campaign.restore(beforeDeliveries)
      await workspace.close()
      if (scratch) await rm(scratch, { recursive: true, force: true })
    }
  }
}

/** A document refused for its schema errors: each with its JSON path, then what to run. */
export function printSchemaProblems(file: string, error: SchemaProblemsError, io: CliIO, json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ status: 'refused', file, problems: error.problems }))
    return
  }
  for (const problem of error.problems) io.err(`${file}: ${formatProblem(problem)}`)
  io.err(
    `${file}: ${error.problems.length} schema error(s) — nothing was read or written; fix them (sync-studio validate ${file} --sandbox shows them all) and run again`
  )
}

export function exitCode(result: SyncResult): number {
  if (result.status === 'failed' || result.status === 'canceled') return 2
  return result.status === 'partial' ? 1 : 0
}

/** "500 read (439 kept by the filter, 3 deleted in the source), 428 created, …"; a plan says "would create". */
export function countsText(c: RunCounts, dryRun: boolean): string {
  const verb = dryRun ? 'would ' : ''
  const parts = [`${c.read} read${readNote(c)}`]
  if (c.created) parts.push(`${c.created} ${verb}create${dryRun ? '' : 'd'}`)
  if (c.updated) parts.push(`${c.updated} ${verb}update${dryRun ? '' : 'd'}`)
  if (c.deleted) parts.push(`${c.deleted} ${verb}delete${dryRun ? '' : 'd'}`)
  if (c.unchanged) parts.push(`${c.unchanged} unchanged`)
  if (c.skipped) parts.push(`${c.skipped} skipped`)
  if (c.failed) parts.push(`${c.failed} ${dryRun ? 'would fail' : 'failed'}`)
  if (c.unknown) parts.push(unknownText(c.unknown))
  if (c.deferred) parts.push(`${c.deferred} waiting`)
  if (c.pending) parts.push(`${c.pending} pending`)
  return parts.join(', ')
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

function planLine(entry: PlanEntry): string {
  switch (entry.action) {
    case 'create':
      return `  + ${entry.key} create ${JSON.stringify(entry.target).slice(0, 160)}`
    case 'update':
      // Warnings (an opt-out conflict's label among them) follow the change, one per line, in full.
      return [
        `  ~ ${entry.key} ${entry.changes
          .map((c) => `${c.field}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`)
          .join('; ')
          .slice(0, 200)}`,
        ...entry.warnings.map((w) => `      ${w.message}`)
      ].join('\n')
    case 'delete':
      return `  - ${entry.key} delete (${entry.reason})`
    case 'error':
      return `  ! ${entry.key ?? '(no key)'} ${entry.field}: ${entry.reason}`
    case 'skipped':
      return `  · ${entry.key ?? '(no key)'} skipped: ${entry.reason}`
    default:
      return `  = ${entry.key} unchanged`
  }
}

/** `journalFlag`: what names the run's journal to a later command (empty: the default journal). */
function printSummary(result: SyncResult, io: CliIO, dryRun: boolean, planLimit: number, journalFlag: string): void {
  io.out('')
  for (const flow of result.flows) {
    const resumed = !flow.resumedFrom ? '' : flow.dryRun ? `, planned as a resume of run ${flow.resumedFrom}` : ', resumed'
    io.out(`${flow.flowId}: ${flow.status}${flow.runId ? ` (run ${flow.runId}${resumed}${flow.fullResync ? ', full resync' : ''})` : ''}`)
    if (flow.shard) io.out(`  shard ${shardLabel(flow.shard)}: ${flow.counts.read} of ${flow.counts.read + flow.shard.otherShards} records`)
    io.out(`  ${countsText(flow.counts, dryRun)} in ${seconds(flow.durationMs)}`)
    for (const line of flow.summary ?? []) io.out(`  ${line}`)
    if (flow.error) io.out(`  error (${flow.error.code}): ${flow.error.message}`)
    if (dryRun && flow.deleteGuard && flow.deleteGuard.verdict !== 'ok')
      io.out(`  the run would stop before deleting: ${flow.deleteGuard.reason}`)
    if (flow.counts.pending > 0 && !dryRun)
      io.out(`  ${flow.counts.pending} record(s) read and not written when the run stopped — the next run resumes with them`)
    if (flow.plan) {
      const shown = flow.plan.entries.filter((e) => e.action !== 'unchanged').slice(0, planLimit)
      for (const entry of shown) io.out(planLine(entry))
      const more = flow.counts.created + flow.counts.updated + flow.counts.deleted + flow.counts.failed + flow.counts.skipped - shown.length
      // --json keeps up to 1,000 per flow (or --plan-limit N): past that, only a larger limit shows them all.
      if (more > 0)
        io.out(
          `  … ${more} more change(s) (${shown.length + more > 1000 ? '--json --plan-limit N' : '--plan-limit N, or --json'} for the whole plan)`
        )
    }
    if (flow.counts.failed > 0 && flow.runId && !dryRun)
      io.out(`  ${flow.counts.failed} record(s) failed — see them: sync-studio history ${flow.runId}${journalFlag}`)
    if (flow.counts.unknown > 0 && flow.runId && !dryRun)
      io.out(
        `  ${flow.counts.unknown} record(s) got no answer from Dynamics and may or may not be written (none was sent twice) — \`--retry-failed ${flow.runId}\` looks each up by key and writes only what is missing or different`
      )
  }
  const failed = result.flows.reduce((n, f) => n + f.counts.failed, 0)
  const unknown = result.flows.reduce((n, f) => n + f.counts.unknown, 0)
  const words: Record<SyncResult['status'], string> = {
    completed: dryRun ? 'Plan complete: nothing was written.' : 'Sync complete.',
    partial: dryRun
      ? `Plan complete: nothing was written; ${failed} record(s) would fail.`
      : `Sync complete with ${[failed || !unknown ? `${failed} failed record(s)` : '', unknown ? unknownText(unknown) : ''].filter(Boolean).join(' and ')}.`,
    failed: 'Sync failed — fix the cause and run again: it resumes from the last checkpoint.',
    canceled: 'Sync canceled — run the same command again to resume from the last checkpoint.'
  }
  io.out(`${words[result.status]} (${seconds(result.durationMs)})`)
}

/** "starting a full run (id)", "resuming the full run id (started …, canceled at 291 of 500 read)". */
function startLine(event: Extract<SyncEvent, { type: 'flowStarted' }>): string {
  if (event.dryRun) return `planning (a dry run: nothing is written) (${event.runId})`
  const kind = `${event.mode === 'incremental' ? 'an' : 'a'} ${event.mode} run`
  if (!event.resumed) return `starting ${kind} (${event.runId})`
  const r = event.resumes
  const where = r
    ? ` (started ${new Date(r.startedAt).toISOString()}, ${r.status} after ${r.counts.read - r.counts.pending - r.counts.deferred} of its records were done)`
    : ''
  return `resuming the ${event.mode} run ${event.runId}${where}`
}

/** A progress bar on a terminal (one line redrawn), plain lines every few seconds otherwise. */
class ProgressDisplay {
  private lastLine = 0
  private drawn = false
  private readonly write: (text: string) => void

  constructor(private readonly io: CliIO) {
    this.write = (text) => process.stdout.write(text)
  }

  event(event: SyncEvent): void {
    if (event.type === 'notice') {
      this.clear()
      this.io.out(`${event.flowId}: ${event.message}`)
    } else if (event.type === 'flowStarted') {
      this.clear()
      this.io.out(`[${event.flowIndex + 1}/${event.flowCount}] ${event.flowId}: ${startLine(event)}`)
    } else if (event.type === 'progress') {
      const p = event.progress
      const rate = `${Math.round(p.ratePerSecond)}/s`
      if (this.io.isTerminal) {
        const width = 28
        const percent = progressPercent(p)
        const bar = percent === undefined ? '' : `[${'#'.repeat(Math.round((percent / 100) * width)).padEnd(width, '.')}] ${percent}% `
        const eta = p.etaMs !== undefined ? ` eta ${seconds(p.etaMs)}` : ''
        const written = p.counts.created + p.counts.updated + p.counts.deleted
        this.write(
          `\r\x1b[2K${event.flowId} ${bar}${p.finished}${p.total ? `/${p.total}` : ''} done, ${written} ${p.dryRun ? 'to write' : 'written'}, ${p.counts.failed} failed${p.counts.unknown ? `, ${p.counts.unknown} unknown` : ''}, ${rate}${eta} ${p.phase}`
        )
        this.drawn = true
      } else if (Date.now() - this.lastLine >= 2000 || p.phase === 'done' || p.phase === 'stopped') {
        this.lastLine = Date.now()
        this.io.out(`${event.flowId}: ${p.phase} — ${countsText(p.counts, p.dryRun)} (${rate})`)
      }
    } else if (event.type === 'flowFinished') {
      this.clear()
    }
  }

  private clear(): void {
    if (this.drawn) {
      this.write('\r\x1b[2K')
      this.drawn = false
    }
  }

  end(): void {
    this.clear()
  }
}
