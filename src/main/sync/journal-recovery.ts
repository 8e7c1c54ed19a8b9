import {
  addCounts,
  fullCounts,
  isListedError,
  zeroCounts,
  type CheckpointEntry,
  type EndEntry,
  type JournalEntry,
  type OutcomeItem,
  type OutcomeName,
  type RunCounts,
  type RunStatus,
  type StartEntry
} from './journal-format'
import type { WriteOp } from './ports'

/**
 * Recovery: what a resume (and the history) needs from a run's entries — the last committed
 * checkpoint, the records journaled after it, the deferred records, the counts, the duration.
 */

export interface DeferredRecord {
  key: string
  op: WriteOp
  code: string
  message: string
}

export interface Recovery {
  runId: string
  start: StartEntry
  status: RunStatus
  /** The last committed checkpoint; undefined when the run never reached one (start from the start cursor). */
  checkpoint: CheckpointEntry | undefined
  /** The checkpoint's counts plus every outcome journaled after it. */
  counts: RunCounts
  /** Records journaled after the checkpoint (by key, or `#page:index`): done — a resume must not redo them. */
  doneAfterCheckpoint: Map<string, OutcomeName>
  /** Records waiting for a retry pass, with the write to retry. */
  deferred: Map<string, DeferredRecord>
  /** Active time of the run's attempts so far. */
  durationMs: number
  end: EndEntry | undefined
  /** Bytes of torn tail cut off (or ignored, for a run open in this process). */
  tornBytes: number
}

/** A record's identity in the journal: its key, or `#page:index` for a record without one. */
export function outcomeId(item: Pick<OutcomeItem, 'k' | 'id'>): string {
  return item.k ?? item.id ?? '#?'
}

/**
 * A record's last failure, as the errors list, compaction and a resume read a run: a failure
 * sets it, and any later outcome of the record but a deferral (a retry still pending) clears it.
 */
export function noteLastFailure<T>(failures: Map<string, T>, item: OutcomeItem, failure: () => T): void {
  if (isListedError(item.o)) failures.set(outcomeId(item), failure())
  else if (item.o !== 'deferred') failures.delete(outcomeId(item))
}

/** Folds a run's entries, in order, into its Recovery. */
export class RecoveryBuilder {
  start: StartEntry | undefined
  checkpoint: CheckpointEntry | undefined
  sinceCheckpoint = zeroCounts()
  done = new Map<string, OutcomeName>()
  deferred = new Map<string, DeferredRecord>()
  end: EndEntry | undefined
  durationMs = 0
  /** The process of the latest attempt (its start or resume entry), when the journal says. */
  owner: string | undefined
  /** The attempt in progress: when it started and its latest entry. */
  segmentStart: number | undefined
  segmentLast = 0

  add(entry: JournalEntry): this {
    switch (entry.t) {
      case 'start':
        this.start = entry
        this.owner = entry.owner
        this.segmentStart = entry.at
        break
      case 'resume':
        this.owner = entry.owner
        // The previous attempt crashed (no end): count it up to its last entry.
        if (this.segmentStart !== undefined) this.durationMs += Math.max(0, this.segmentLast - this.segmentStart)
        this.segmentStart = entry.at
        this.end = undefined
        break
      case 'checkpoint':
        this.checkpoint = entry
        this.sinceCheckpoint = zeroCounts()
        this.done.clear()
        break
      case 'outcomes':
        addCounts(this.sinceCheckpoint, entry.d)
        for (const item of entry.items) {
          if (item.k !== undefined) {
            if (item.o === 'deferred' && item.pending) {
              this.deferred.set(item.k, { key: item.k, op: item.pending, code: item.code ?? 'deferred', message: item.message ?? '' })
            } else this.deferred.delete(item.k)
          }
          if (item.o !== 'superseded') this.done.set(outcomeId(item), item.o)
        }
        break
      case 'end':
        this.end = entry
        this.durationMs = entry.durationMs
        this.segmentStart = undefined
        break
    }
    this.segmentLast = Math.max(this.segmentLast, entry.at ?? 0)
    return this
  }

  finish(runId: string, tornBytes: number, live: boolean): Recovery {
    if (!this.start)
      throw new Error(`run ${runId}: its journal has no start entry — the file is not a run journal or was cut before its first line`)
    let durationMs = this.durationMs
    if (this.segmentStart !== undefined) durationMs += Math.max(0, this.segmentLast - this.segmentStart)
    const counts = addCounts(fullCounts(this.checkpoint?.counts), this.sinceCheckpoint)
    return {
      runId,
      start: this.start,
      status: this.end ? this.end.status : live ? 'running' : 'interrupted',
      checkpoint: this.checkpoint,
      counts,
      doneAfterCheckpoint: this.done,
      deferred: this.deferred,
      durationMs,
      end: this.end,
      tornBytes
    }
  }
}
