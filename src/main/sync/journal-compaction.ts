import { writeFileAtomic } from '../files/atomic-write'
import {
  encodeEntry,
  type CheckpointEntry,
  type JournalEntry,
  type OutcomeItem,
  type OutcomesEntry,
  type StartEntry
} from './journal-format'
import { outcomeId } from './journal-recovery'
import { scanFile } from './journal-run-file'

/**
 * Compaction: an old finished run's file rewritten to its start, its failed records, its last
 * checkpoint with what followed it, and its end — enough for the history, the error export,
 * retry and resume; the per-record successes are gone. Returns false for a file without a
 * start (left as it is).
 */
export async function compactRunFile(path: string): Promise<boolean> {
  const failures = new Map<string, OutcomeItem>()
  let afterCheckpoint: JournalEntry[] = []
  let checkpoint: CheckpointEntry | undefined
  let start: StartEntry | undefined
  await scanFile(path, (entry) => {
    if (entry.t === 'start') start = entry
    else if (entry.t === 'checkpoint') {
      checkpoint = entry
      for (const e of afterCheckpoint) if (e.t === 'outcomes') collectFailures(e, failures)
      afterCheckpoint = []
    } else afterCheckpoint.push(entry)
  })
  if (!start) return false
  const entries: JournalEntry[] = [start]
  if (failures.size) entries.push({ t: 'outcomes', at: start.at, page: 0, items: [...failures.values()], d: {} })
  if (checkpoint) entries.push(checkpoint)
  entries.push(...afterCheckpoint)
  await writeFileAtomic(path, entries.map(encodeEntry).join(''))
  return true
}

function collectFailures(entry: OutcomesEntry, into: Map<string, OutcomeItem>): void {
  for (const item of entry.items) {
    const id = outcomeId(item)
    if (item.o === 'failed') into.set(id, item)
    else if (item.o !== 'deferred') into.delete(id)
  }
}
