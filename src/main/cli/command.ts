/** What a command of the sync-studio command line looks like. */
export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  /** Whether stdout is a terminal (progress bars) or a pipe (plain lines). */
  isTerminal: boolean
  /** Aborted on Ctrl+C: long commands stop cleanly. */
  signal: AbortSignal
}

export interface Command {
  name: string
  summary: string
  usage: string
  /** Returns the exit code. */
  run(args: string[], io: CliIO): Promise<number>
}

/** A usage error: the command line itself is wrong. Exit code 2. */
export class UsageError extends Error {}
