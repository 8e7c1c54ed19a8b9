import type { RunCounts } from './contract'

/** A run's counts before anything is read: the journal, the sync service and the Run dialog start from it. */
export function zeroCounts(): RunCounts {
  return {
    read: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
    unknown: 0,
    deleted: 0,
    deferred: 0,
    pending: 0,
    filteredOut: 0,
    sourceDeletions: 0
  }
}

/** A run changed the target, or may have (a write with no answer may have landed). */
export function wroteAny(c: RunCounts): boolean {
  return c.created + c.updated + c.deleted + c.unknown > 0
}

/**
 * Of the records read, those the flow's filter kept: not the ones it dropped, and not the
 * deletions the source reported — a deletion has no fields for a filter to look at.
 */
export function keptByFilter(c: RunCounts): number {
  return c.read - c.filteredOut - c.sourceDeletions
}

/**
 * What follows "N read" wherever a run's counts are shown (the Run dialog, the plan, the CLI):
 * " (7 kept by the filter, 2 deleted in the source)", either part only when there is one, or "".
 * `format` writes a number (the app: the user's locale; the CLI: plain digits).
 */
export function readNote(c: RunCounts, format: (n: number) => string = String): string {
  const parts: string[] = []
  if (c.filteredOut) parts.push(`${format(keptByFilter(c))} kept by the filter`)
  if (c.sourceDeletions) parts.push(`${format(c.sourceDeletions)} deleted in the source`)
  return parts.length ? ` (${parts.join(', ')})` : ''
}

/**
 * The code of a record whose write got no answer from the target (a bulk write or `$batch`
 * that timed out or lost its connection): counted in `unknown`, not `failed`, and listed with
 * the errors. Only the Dynamics sinks report it: the Dataverse connector does not resend such a
 * write (the service may still be at work on it, and a create would land twice).
 */
export const OUTCOME_UNKNOWN = 'outcomeUnknown'

/** What follows "N unknown" wherever a run's counts are shown: what it means and what to do, in a few words. */
export const unknownNote = ' (no answer from Dynamics — retry checks each by key)'

/** What "unknown" means and what to do, whole (a tooltip, the session's warning). */
export const unknownExplanation =
  'Dynamics gave no answer to these writes: each may or may not be written. None was sent twice; Retry failed records looks each up by key and writes only what is missing or different.'

/** "3 unknown (no answer from Dynamics — retry checks each by key)"; `format` writes the number. */
export function unknownText(n: number, format: (n: number) => string = String): string {
  return `${format(n)} unknown${unknownNote}`
}

/** Records the errors list holds for a run: those that failed and those whose outcome is unknown. */
export function errorsListed(c: RunCounts): number {
  return c.failed + c.unknown
}
