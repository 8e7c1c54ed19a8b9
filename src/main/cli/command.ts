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

/**
 * A whole-number option (`--limit 50`): digits only, from `min` to `max` — Number() alone
 * would take "0x50" as 80, "1e3" as 1000 and "" as 0. Undefined when the option is absent.
 */
export function integerFlag(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined
  const value = /^\d{1,16}$/.test(text.trim()) ? Number(text.trim()) : NaN
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max.toLocaleString('en-US')}, not "${text}"`)
  return value
}

/** A path as a shell reads it back (a command a line suggests): quoted when it holds anything but plain characters. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}
