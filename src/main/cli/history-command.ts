import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { failedStepText, failureReasonText } from '../../shared/mapping/failure-reasons'
import { writeFileAtomic } from '../files/atomic-write'
import { RunHistory } from '../sync/history'
import { isRunId, SyncJournal, type RunSummary } from '../sync/journal'
import { integerFlag, shellWord, UsageError, type CliIO, type Command } from './command'
import { countsText, seconds } from './run-command'
import { defaultJournalFolder } from './sync-setup'

const usage = 'sync-studio history [RUN] [--journal DIR] [--flow ID] [--limit N] [--errors-csv FILE] [--json]'

/**
 * `sync-studio history`: what the app's History tab shows, on the command line — the runs of a
 * journal, newest first, or one run with its failed records (and `--errors-csv FILE`, the same
 * CSV the app exports). A run with failed records names the command that shows them: this is
 * where a headless run's errors are read. It opens the journal as the app does (a crashed run is
 * summarised from its file; a run another process still writes is left alone: run-owner.ts). A shard's runs are in its own folder (`--journal DIR/shard-i-of-n`, docs/scale.md).
 */
export const historyCommand: Command = {
  name: 'history',
  summary: "List a journal's runs, or show one run's counts and failed records (--errors-csv FILE exports them).",
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        journal: { type: 'string' },
        flow: { type: 'string' },
        limit: { type: 'string' },
        'errors-csv': { type: 'string' },
        json: { type: 'boolean' }
      },
      allowPositionals: true
    })
    if (positionals.length > 1) throw new UsageError(`one run at a time, not ${positionals.length}`)
    const runId = positionals[0]
    if (runId !== undefined && !isRunId(runId))
      throw new UsageError(`"${runId}" is not a run id (they read like 20261208T004358Z-sends-8cc073: the runs list them)`)
    if (values['errors-csv'] && runId === undefined) throw new UsageError('--errors-csv exports the errors of one run: name it')
    const limit = integerFlag('limit', values.limit, 1, 1_000_000) ?? 20
    const folder = resolve(values.journal ?? defaultJournalFolder())
    // Opening a journal makes its folders: a mistyped path is said, not created.
    if (!(await stat(join(folder, 'runs')).catch(() => undefined)))
      throw new UsageError(
        `no run journal in ${folder} — pass the --journal the runs used (a --sandbox run's, or a shard's DIR/shard-i-of-n)`
      )
    const history = new RunHistory(await SyncJournal.open(folder, { signal: io.signal }))
    const runs = await history.list(values.flow ? { flowId: values.flow } : {})

    if (runId === undefined) {
      if (values.json) io.out(JSON.stringify({ journal: folder, runs: runs.slice(0, limit) }, null, 2))
      else {
        io.out(`${runs.length} run(s) in ${folder}${values.flow ? ` of flow "${values.flow}"` : ''}, newest first:`)
        for (const run of runs.slice(0, limit)) io.out(runLine(run))
        if (runs.length > limit) io.out(`… ${runs.length - limit} more (--limit N)`)
      }
      return 0
    }

    const run = runs.find((r) => r.runId === runId)
    if (!run) {
      io.err(
        `sync-studio history: there is no run "${runId}" in ${folder}${values.flow ? ` for flow "${values.flow}"` : ''} — it may have been compacted away, or be in another journal`
      )
      return 2
    }
    const errors = await history.errors(runId, { limit })
    const conflicts = await history.conflicts(runId, { limit: 0 })
    if (values['errors-csv']) {
      const file = resolve(values['errors-csv'])
      await writeFileAtomic(file, await history.errorsCsv(runId))
      io.err(`${run.errorCount} failed record(s) of run ${runId} written to ${file}`)
    }
    if (values.json) {
      io.out(JSON.stringify({ run, errors, conflicts: conflicts.total }, null, 2))
      return 0
    }
    io.out(runLine(run))
    io.out(`  ${countsText(run.counts, run.dryRun)}`)
    if (run.error) io.out(`  error (${run.error.code}): ${run.error.message}`)
    if (conflicts.total) io.out(`  ${conflicts.total} opt-out conflict(s) settled (the app's History lists each, with its label)`)
    if (run.resumable) io.out(`  resumable: the next run of flow "${run.flowId}" continues it`)
    if (run.errorCount === 0) io.out('  no failed record')
    else {
      io.out(
        `  ${run.errorCount} failed record(s)${run.errorCount > errors.length ? `, the first ${errors.length} (--limit N, or --errors-csv FILE for all)` : ''}:`
      )
      for (const error of errors) {
        const where = [error.stage === 'transform' ? 'mapping' : 'target', error.field, failedStepText(error.step, error.stepName)]
          .filter(Boolean)
          .join(' · ')
        io.out(`  ${error.key ?? error.id}  ${where}  ${failureReasonText(error.code)}: ${error.message}`)
      }
      if (!run.dryRun)
        io.out(
          `  retry them: sync-studio run <mapping.json> --retry-failed ${runId}${values.journal ? ` --journal ${shellWord(folder)}` : ''}`
        )
    }
    return 0
  }
}

/** One run as the History tab lists it: start, flow, mode, status, counts, duration, errors. */
function runLine(run: RunSummary): string {
  const started = new Date(run.startedAt)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z')
  const status = `${run.status}${run.resumable ? ', resumable' : ''}`
  const kind = `${run.mode}${run.dryRun ? ' dry run' : ''}${run.retryOf ? ` of ${run.retryOf}` : ''}`
  return `${run.runId}  ${started}  ${run.flowId}  ${kind}  ${status}  ${countsText(run.counts, run.dryRun)}  ${seconds(run.durationMs)}  ${run.errorCount} error(s)`
}
