import type { RunCounts } from './contract'

/** A run's counts before anything is read: the journal, the sync service and the Run dialog start from it. */
export function zeroCounts(): RunCounts {
  return { read: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, deleted: 0, deferred: 0, pending: 0, filteredOut: 0 }
}
