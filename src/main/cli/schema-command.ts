import { parseArgs } from 'node:util'
import type { Field, Table } from '../../shared/schema'
import { isConnectorError } from '../connectors/http/errors'
import { envConnectionProblems, ENV_CAMPAIGN_ID, ENV_DYNAMICS_ID } from '../connections/environment-profiles'
import { SANDBOX_CAMPAIGN_ID, SANDBOX_DYNAMICS_ID } from '../connections/sandbox-profiles'
import { UsageError, type CliIO, type Command } from './command'
import { openWorkspace } from './sync-setup'

interface Row {
  name: string
  displayName: string
  address: string
  changeTracking?: boolean
  custom?: boolean
}

export const schemaCommand: Command = {
  name: 'schema',
  summary: "List the tables (Dynamics) or resources (Campaign) of a connection, or one table's fields.",
  usage: 'sync-studio schema dynamics|campaign [--table NAME] [--json] [--sandbox] [--connection NAME]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { table: { type: 'string' }, json: { type: 'boolean' }, sandbox: { type: 'boolean' }, connection: { type: 'string' } },
      allowPositionals: true
    })
    const system = positionals[0]
    if (system !== 'dynamics' && system !== 'campaign') throw new UsageError('say which system: dynamics or campaign')
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`)

    // --sandbox: a fresh built-in sandbox, no snapshot (the schemas do not depend on its data).
    const workspace = await openWorkspace({ sandbox: values.sandbox === true, flags: { contacts: 500 }, io })
    const { connections } = workspace
    try {
      const name =
        values.connection ??
        (values.sandbox
          ? system === 'dynamics'
            ? SANDBOX_DYNAMICS_ID
            : SANDBOX_CAMPAIGN_ID
          : system === 'dynamics'
            ? ENV_DYNAMICS_ID
            : ENV_CAMPAIGN_ID)
      try {
        connections.resolve(name)
      } catch {
        if (values.connection) throw new UsageError(`no connection named '${values.connection}' (see docs/connections.md)`)
        const problems = values.sandbox ? [] : envConnectionProblems(process.env)
        throw new UsageError(
          problems.length
            ? `the ${system} connection from environment variables is not usable: ${problems.join('; ')} (docs/connections.md)`
            : `no ${system} connection: pass --connection NAME, --sandbox, or set SYNC_STUDIO_${system.toUpperCase()}_URL and its credentials (docs/connections.md)`
        )
      }
      try {
        if (values.table) {
          const table =
            system === 'dynamics'
              ? await (await connections.dynamics(name)).getTable(values.table, io.signal)
              : await (await connections.campaign(name)).getResource(values.table, io.signal)
          if (values.json) io.out(JSON.stringify(table, null, 2))
          else printTable(table, io)
          return 0
        }
        const rows: Row[] =
          system === 'dynamics'
            ? (await (await connections.dynamics(name)).listTables(io.signal)).map((t) => ({
                name: t.name,
                displayName: t.displayName,
                address: t.entitySetName,
                changeTracking: t.changeTracking,
                custom: t.custom
              }))
            : (await (await connections.campaign(name)).listResources(io.signal)).map((r) => ({
                name: r.name,
                displayName: r.displayName,
                address: r.href,
                custom: r.custom
              }))
        if (values.json) io.out(JSON.stringify(rows, null, 2))
        else printRows(rows, system, io)
        return 0
      } catch (error) {
        if (!isConnectorError(error)) throw error
        io.err(`sync-studio schema: ${error.message}${error.status ? ` (HTTP ${error.status}${error.code ? `, ${error.code}` : ''})` : ''}`)
        io.err(`  ${error.hint}`)
        return 1
      }
    } finally {
      await workspace.close()
    }
  }
}

function pad(values: string[][]): string[] {
  const widths = values[0].map((_, i) => Math.max(...values.map((row) => row[i].length)))
  return values.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  )
}

function printRows(rows: Row[], system: string, io: CliIO): void {
  const header =
    system === 'dynamics' ? ['TABLE', 'ENTITY SET', 'TRACKING', 'DISPLAY NAME'] : ['RESOURCE', 'PATH', 'CUSTOM', 'DISPLAY NAME']
  const body = rows.map((r) =>
    system === 'dynamics'
      ? [r.name, r.address, r.changeTracking ? 'yes' : 'no', r.displayName]
      : [r.name, r.address, r.custom ? 'yes' : 'no', r.displayName]
  )
  for (const line of pad([header, ...body])) io.out(line)
  io.out(`${rows.length} ${system === 'dynamics' ? 'tables' : 'resources'}`)
}

function optionsText(field: Field): string {
  if (field.targets?.length) return `-> ${field.targets.join(', ')}`
  if (!field.options?.length) return ''
  const shown = field.options.slice(0, 6).map((o) => (String(o.value) === o.label ? o.label : `${String(o.value)}=${o.label}`))
  return shown.join(', ') + (field.options.length > 6 ? `, … (${field.options.length})` : '')
}

function printTable(table: Table, io: CliIO): void {
  io.out(
    `${table.displayName} (${table.name})${table.entitySetName ? ` — entity set ${table.entitySetName}` : ''}${table.href ? ` — ${table.href}` : ''}`
  )
  io.out(
    `keys: ${table.keys.map((k) => `${k.name} [${k.fields.join(', ')}]`).join('; ') || 'none'}; change tracking: ${table.changeTracking ? 'yes' : 'no'}`
  )
  // Listed by Dynamics, not enforced: not a key until its index is built (docs/validation.md, "Match keys").
  if (table.inactiveKeys?.length)
    io.out(`keys not active: ${table.inactiveKeys.map((k) => `${k.name} [${k.fields.join(', ')}] — index ${k.indexStatus}`).join('; ')}`)
  const rows = table.fields.map((f) => [
    f.name,
    f.type,
    f.maxLength ? String(f.maxLength) : '',
    f.required === 'none' ? '' : f.required,
    f.isKey ? 'key' : f.readOnly ? 'read-only' : '',
    optionsText(f)
  ])
  for (const line of pad([['FIELD', 'TYPE', 'LENGTH', 'REQUIRED', 'KEY', 'OPTIONS / TARGETS'], ...rows])) io.out(line)
  io.out(`${table.fields.length} fields`)
}
