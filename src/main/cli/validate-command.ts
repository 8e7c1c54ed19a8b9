import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { parseDocumentText } from '../../shared/mapping/document-io'
import { formatProblem } from '../../shared/problems'
import type { Command } from './command'

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check mapping files and print every problem with its JSON path.',
  usage: 'sync-studio validate <mapping.json>... [--json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true })
    if (positionals.length === 0) {
      io.err(`usage: ${this.usage}`)
      return 2
    }
    let failed = 0
    const report: Array<{ file: string; ok: boolean; problems: unknown[] }> = []
    for (const file of positionals) {
      let text: string
      try {
        text = await readFile(file, 'utf8')
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        const problem = { severity: 'error' as const, path: [], message: `cannot read the file (${code === 'ENOENT' ? 'it does not exist' : code}) — check the path` }
        failed++
        report.push({ file, ok: false, problems: [problem] })
        if (!values.json) io.err(`${file}: ${problem.message}`)
        continue
      }
      const result = parseDocumentText(text)
      if (result.ok) {
        report.push({ file, ok: true, problems: [] })
        if (!values.json) io.out(`${file}: valid (${result.document.flows.length} flow${result.document.flows.length === 1 ? '' : 's'})`)
      } else {
        failed++
        report.push({ file, ok: false, problems: result.problems })
        if (!values.json) {
          for (const problem of result.problems) io.err(`${file}: ${formatProblem(problem)}`)
          io.err(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`)
        }
      }
    }
    if (values.json) io.out(JSON.stringify(report))
    return failed === 0 ? 0 : 1
  }
}
