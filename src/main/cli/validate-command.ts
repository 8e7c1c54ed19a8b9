import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseDocumentText } from '../../shared/mapping/document-io'
import { formatProblem, type Problem } from '../../shared/problems'
import { schemaProblems } from '../sync/schema-check'
import { UsageError, type Command } from './command'
import { defaultJournalFolder, openWorkspace, type Workspace } from './sync-setup'

interface FileReport {
  file: string
  ok: boolean
  problems: Problem[]
  /** checked: against the connected schemas; offline: format only (asked); unreachable: format only (could not connect). */
  schemas: 'checked' | 'offline' | 'unreachable' | 'notChecked'
  notes: string[]
}

/**
 * `sync-studio validate`: the file's format, then — unless `--offline` — the document against
 * the schemas of its connections (saved profiles, or `--sandbox` for the built-in one): the
 * same rules the window shows. Exit 0: no errors (warnings allowed); 1: errors; 2: usage.
 */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check mapping files (format, and the connected schemas) and print every problem with its JSON path.',
  usage: 'sync-studio validate <mapping.json>... [--sandbox | --offline] [--journal DIR] [--json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, sandbox: { type: 'boolean' }, offline: { type: 'boolean' }, journal: { type: 'string' } },
      allowPositionals: true
    })
    if (positionals.length === 0) {
      io.err(`usage: ${this.usage}`)
      return 2
    }
    if (values.sandbox && values.offline)
      throw new UsageError('--sandbox checks against the built-in sandbox and --offline checks nothing online: give one of them')
    let failed = 0
    const report: FileReport[] = []
    let workspace: Workspace | undefined
    try {
      for (const file of positionals) {
        let text: string
        try {
          text = await readFile(file, 'utf8')
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          const problem: Problem = {
            severity: 'error',
            path: [],
            message: `cannot read the file (${code === 'ENOENT' ? 'it does not exist' : code}) — check the path`
          }
          failed++
          report.push({ file, ok: false, problems: [problem], schemas: 'notChecked', notes: [] })
          if (!values.json) io.err(`${file}: ${problem.message}`)
          continue
        }
        const result = parseDocumentText(text)
        if (!result.ok) {
          failed++
          report.push({
            file,
            ok: false,
            problems: result.problems,
            schemas: 'notChecked',
            notes: ['the schemas are checked once the format is valid']
          })
          if (!values.json) {
            for (const problem of result.problems) io.err(`${file}: ${formatProblem(problem)}`)
            io.err(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`)
          }
          continue
        }
        const flows = `${result.document.flows.length} flow${result.document.flows.length === 1 ? '' : 's'}`
        if (values.offline) {
          report.push({ file, ok: true, problems: [], schemas: 'offline', notes: ['--offline: the schemas were not checked'] })
          if (!values.json) io.out(`${file}: format valid (${flows}); schemas not checked (--offline)`)
          continue
        }
        workspace ??= await openWorkspace({
          sandbox: values.sandbox === true,
          journalFolder: resolve(values.journal ?? defaultJournalFolder()),
          io
        })
        // A missing connection is an error among the problems (a run of this file fails before a
        // record is read); an unreachable one a note below.
        const { problems, unreachable, missing } = await schemaProblems(result.document, workspace.connections, io.signal)
        const errors = problems.filter((p) => p.severity === 'error')
        const schemas = unreachable.length || missing.length ? 'unreachable' : 'checked'
        const notes = unreachable.map(
          (u) =>
            `schemas not checked — ${u}${values.sandbox ? '' : ' (--sandbox checks against the built-in sandbox; --offline skips this)'}`
        )
        if (errors.length) failed++
        report.push({ file, ok: errors.length === 0, problems, schemas, notes })
        if (values.json) continue
        for (const problem of problems)
          (problem.severity === 'error' ? io.err : io.out)(
            `${file}: ${problem.severity === 'warning' ? 'warning: ' : ''}${formatProblem(problem)}`
          )
        for (const note of notes) io.err(`${file}: ${note}`)
        const warnings = problems.length - errors.length
        const counts = `${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`
        if (errors.length)
          io.err(
            `${file}: ${counts} ${missing.length ? `— ${missing.length === 1 ? 'a connection it names is' : 'connections it names are'} not defined here` : `against the ${values.sandbox ? 'sandbox' : 'connected'} schemas`}`
          )
        else
          io.out(
            `${file}: valid (${flows}; ${schemas === 'checked' ? `checked against the ${values.sandbox ? 'sandbox' : 'connected'} schemas, ${counts}` : 'format only — the schemas could not be reached'})`
          )
      }
    } finally {
      await workspace?.close()
    }
    if (values.json) io.out(JSON.stringify(report))
    return failed === 0 ? 0 : 1
  }
}
