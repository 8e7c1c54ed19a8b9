import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { isConnectorError } from '../connectors/http/errors'
import { createPreviews } from '../composition-root'
import { SchemaProblemsError } from '../sync/schema-check'
import { printSchemaProblems } from './run-command'
import { integerFlag, UsageError, type CliIO, type Command } from './command'
import { defaultJournalFolder, openWorkspace, readMapping } from './sync-setup'

const usage = 'sync-studio preview <mapping.json> [--flow ID] [--limit N] [--json] [--sandbox] [--journal DIR]'

function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 39)}…` : text
}

/**
 * `sync-studio preview`: reads a few source records, runs them through the flow and prints
 * the target records (or why each was skipped or failed) — nothing is written. It is the
 * app's preview (PreviewService), on the command line.
 */
export const previewCommand: Command = {
  name: 'preview',
  summary: 'Show what a flow makes of the first N source records (nothing is written).',
  usage,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      options: {
        flow: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        sandbox: { type: 'boolean' },
        journal: { type: 'string' }
      },
      allowPositionals: true
    })
    if (positionals.length !== 1) throw new UsageError('give one mapping file to preview')
    const document = await readMapping(positionals[0], io)
    if (!document) return 2
    const flowId = values.flow ?? document.flows.find((f) => f.kind === 'records')?.id
    if (!flowId)
      throw new UsageError(
        'the mapping has no records flow to preview (events and opt-out flows are previewed with: sync-studio run --dry-run)'
      )
    const limit = integerFlag('limit', values.limit, 1, 5000) ?? 10
    const workspace = await openWorkspace({
      sandbox: values.sandbox === true,
      journalFolder: resolve(values.journal ?? defaultJournalFolder()),
      io
    })
    try {
      const service = createPreviews(workspace.connections)
      const { query, preview } = await service.preview(document, flowId, limit, io.signal)
      if (values.json) {
        io.out(JSON.stringify({ flowId, query, preview }))
        return preview.counts.error > 0 ? 1 : 0
      }
      io.out(`${flowId}: ${query.odataFilter ? `$filter=${query.odataFilter}` : 'no $filter sent to Dataverse'}`)
      for (const line of query.explanation) io.out(`  ${line}`)
      const header = ['KEY', 'STATUS', ...preview.columns]
      const rows = preview.rows.map((row) => [
        row.key ?? '',
        row.status === 'ok' ? 'ok' : `${row.status}: ${row.reason ?? ''}`,
        ...preview.columns.map((c) => (row.cells[c]?.error ? `! ${row.cells[c].error!.reason}` : cell(row.cells[c]?.value)))
      ])
      const widths = header.map((_, i) => Math.min(48, Math.max(...[header, ...rows].map((r) => String(r[i]).length))))
      for (const row of [header, ...rows])
        io.out(
          row
            .map((c, i) => String(c).slice(0, 48).padEnd(widths[i]))
            .join('  ')
            .trimEnd()
        )
      io.out(
        `${preview.rows.length} record(s): ${preview.counts.ok} ok, ${preview.counts.skipped} skipped, ${preview.counts.error} with errors`
      )
      return preview.counts.error > 0 ? 1 : 0
    } catch (error) {
      if (error instanceof SchemaProblemsError) {
        printSchemaProblems(positionals[0], error, io, values.json === true)
        return 1
      }
      if (isConnectorError(error)) {
        io.err(`sync-studio preview: ${error.message}${error.hint ? `\n  ${error.hint}` : ''}`)
        return 2
      }
      throw error
    } finally {
      await workspace.close()
    }
  }
}
