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
import { historyCommand } from './cli/history-command'

/**
 * sync-studio: the headless command line over the same services as the app.
 * Exit codes: 0 all good, 1 the input has problems (or some records failed), 2 the
 * command itself failed or was used wrongly.
 */
export const commands: Command[] = [validateCommand, webCommand, sandboxCommand, schemaCommand, runCommand, historyCommand, previewCommand]

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
    // A DOMException's code is a number (an abort's is 20): only Node's string codes are parse errors.
    const code = (error as { code?: unknown } | undefined)?.code
    if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.err(`sync-studio ${command.name}: ${(error as Error).message}\nUsage: ${command.usage}`)
      return 2
    }
    if (io.signal.aborted && (error as { name?: unknown } | undefined)?.name === 'AbortError') {
      io.err(`sync-studio ${command.name}: The operation was canceled.`)
      return 2
    }
    io.err(`sync-studio ${command.name}: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
}

/** How long a signal waits for the command to end by itself before the process ends anyway (docs/cli.md). */
const STOP_GRACE_MS = Number(process.env.SYNC_STUDIO_STOP_GRACE_MS) > 0 ? Number(process.env.SYNC_STUDIO_STOP_GRACE_MS) : 10_000

/** Entry point when run as a program (bin/sync-studio.cjs). */
export function main(): void {
  const controller = new AbortController()
  // Ctrl+C cancels everything: each flow's run and every request made outside a run (schemas,
  // sign-in) listens to this one signal, so a mapping with four flows passes Node's default of 10.
  setMaxListeners(0, controller.signal)
  // A signal cancels; what cannot end at once (a write in flight, a wait for another process's
  // file lock, a file system call that never returns) gets a few seconds, then the process ends
  // anyway — as a kill would, which a run resumes from its journal (docs/sync.md). A second
  // Ctrl+C ends it at once.
  let stopping = false
  // Ends the process as the signal does by default, at once (the shell sees 130 or 143): `process.exit`
  // first waits for the file system calls in flight, and one that never returns (a hung network
  // share, a pipe no one writes) would keep it waiting forever.
  const end = (signal: 'SIGINT' | 'SIGTERM', exitCode: number) => {
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
    process.exit(exitCode) // where a signal cannot end it so (Windows)
  }
  const stop = (signal: 'SIGINT' | 'SIGTERM', exitCode: number) => {
    if (stopping) end(signal, exitCode)
    stopping = true
    controller.abort()
    setTimeout(() => {
      process.stderr.write(
        `sync-studio: still stopping after ${STOP_GRACE_MS / 1000} s — ended now; a run resumes from its last checkpoint\n`
      )
      end(signal, exitCode)
    }, STOP_GRACE_MS).unref()
  }
  process.on('SIGINT', () => stop('SIGINT', 130))
  process.on('SIGTERM', () => stop('SIGTERM', 143))
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
