import { writeFileAtomic } from '../files/atomic-write'
import {
  encodeEntry,
  isListedError,
  type CheckpointEntry,
  type JournalEntry,
  type OutcomeItem,
  type OutcomesEntry,
  type StartEntry
} from './journal-format'
import type { Failure } from './journal-failures'
import { noteLastFailure, outcomeId } from './journal-recovery'
import { scanFile } from './journal-run-file'

/**
 * Compaction: an old finished run's file rewritten to its start, the conflicts it settled, its
 * failed records, its deferred records (held deletes, writes waiting for a retry pass), its last
 * checkpoint with what followed it, and its end — enough for the history, the conflicts a
 * consultant shows a client, the error export, retry, and the state a resume starts from; the
 * other per-record successes are gone. Returns false for a file without a start (left as it is).
 */
export async function compactRunFile(path: string): Promise<boolean> {
  const failures = new Map<string, Failure>()
  const conflicts = new Map<string, OutcomeItem>()
  const deferred = new Map<string, OutcomeItem>()
  let afterCheckpoint: JournalEntry[] = []
  let checkpoint: CheckpointEntry | undefined
  let start: StartEntry | undefined
  await scanFile(path, (entry) => {
    if (entry.t === 'start') start = entry
    else if (entry.t === 'checkpoint') {
      checkpoint = entry
      for (const e of afterCheckpoint) if (e.t === 'outcomes') collect(e, failures, conflicts, deferred)
      afterCheckpoint = []
    } else afterCheckpoint.push(entry)
  })
  if (!start) return false
  const entries: JournalEntry[] = [start]
  // `d: {}`: these lines change no count (the checkpoint holds them); conflicts first, so a
  // record that settled a conflict and failed later in the run still reads as failed.
  if (conflicts.size) entries.push({ t: 'outcomes', at: start.at, page: 0, items: [...conflicts.values()], d: {} })
  entries.push(...failureLines(failures.values(), start.at))
  // After the failures: a record that failed and was then deferred again (older journals) is deferred, as before.
  if (deferred.size) entries.push({ t: 'outcomes', at: start.at, page: 0, items: [...deferred.values()], d: {} })
  if (checkpoint) entries.push(checkpoint)
  entries.push(...afterCheckpoint)
  await writeFileAtomic(path, entries.map(encodeEntry).join(''))
  return true
}

/**
 * Failed records as journal lines that change no count (`d: {}`: counted already) — in the order
 * they failed, each on its page (the errors list shows it): one line per run of failures of one
 * page. A compacted run keeps its failures so; the plan of a resume starts its own errors list so.
 */
export function failureLines(failures: Iterable<Failure>, at: number): OutcomesEntry[] {
  const lines: OutcomesEntry[] = []
  for (const { item, page } of failures) {
    const last = lines.at(-1)
    if (last?.page === page) last.items.push(item)
    else lines.push({ t: 'outcomes', at, page, items: [item], d: {} })
  }
  return lines
}

/**
 * Each record's last word, as the history and recovery read it: its failure (a later success
 * clears it), its deferred write (any later line of it clears it), and the conflicts of its last successful write (a later write without conflicts clears them;
 * RunHistory.conflicts reads the same way).
 */
function collect(
  entry: OutcomesEntry,
  failures: Map<string, Failure>,
  conflicts: Map<string, OutcomeItem>,
  deferred: Map<string, OutcomeItem>
): void {
  for (const item of entry.items) {
    const id = outcomeId(item)
    // What recovery reads as deferred: a record's deferred write, until any later line of that key.
    if (item.k !== undefined) {
      if (item.o === 'deferred' && item.pending) deferred.set(item.k, item)
      else deferred.delete(item.k)
    }
    noteLastFailure(failures, item, () => ({ item, page: entry.page }))
    if (isListedError(item.o) || item.o === 'deferred' || item.k === undefined) continue
    // Only what the conflicts need: the record, its outcome and the labelled conflicts.
    if (item.conflicts?.length) conflicts.set(id, { k: item.k, o: item.o, ...(item.op ? { op: item.op } : {}), conflicts: item.conflicts })
    else conflicts.delete(id)
  }
}
