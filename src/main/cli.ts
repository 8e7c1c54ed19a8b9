import { setMaxListeners } from 'node:events'
import type { CliIO, Command } from './cli/command'
import { UsageError } from './cli/command'
import { sandboxCommand } from './cli/sandbox-command'
import { validateCommand } from './cli/validate-command'
import { webCommand } from './cli/web-command'
import { schemaCommand } from './cli/schema-command'
import { appVersion } from './services'
import { runCommand } from './cli/run-command'
import { previewCommand } from './cli/preview-command'

/**
 * sync-studio: the headless command line over the same services as the app.
 * Exit codes: 0 all good, 1 the input has problems (or some records failed), 2 the
 * command itself failed or was used wrongly.
 */
export const commands: Command[] = [validateCommand, webCommand, sandboxCommand, schemaCommand, runCommand, previewCommand]

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    `Sync Studio ${appVersion()} — map and sync Dynamics 365 with Adobe Campaign Standard.`,
    '',
    'Usage: sync-studio <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    "  --help, -h     Show this help (or a command's: sync-studio <command> --help)",
    '  --version, -v  Print the version',
    '',
    'Docs: docs/cli.md'
  ].join('\n')
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(help())
    return 0
  }
  if (first === '--version' || first === '-v') {
    io.out(appVersion())
    return 0
  }
  const command = commands.find((c) => c.name === first)
  if (!command) {
    io.err(`sync-studio: unknown command "${first}". Run sync-studio --help for the list.`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}`)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`sync-studio ${command.name}: ${(error as Error).message}\nUsage: ${command.usage}`)
      return 2
    }
    io.err(`sync-studio ${command.name}: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
}

/** Entry point when run as a program (bin/sync-studio.cjs). */
export function main(): void {
  const controller = new AbortController()
  // Ctrl+C cancels everything: each flow's run and every request made outside a run (schemas,
  // sign-in) listens to this one signal, so a mapping with four flows passes Node's default of 10.
  setMaxListeners(0, controller.signal)
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130)
    interrupted = true
    controller.abort()
  })
  process.on('SIGTERM', () => controller.abort())
  const io: CliIO = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTerminal: Boolean(process.stdout.isTTY),
    signal: controller.signal
  }
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code
    },
    (error) => {
      process.stderr.write(`sync-studio: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 2
    }
  )
}

if (require.main === module) main()
