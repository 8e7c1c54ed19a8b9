/**
 * What a progress display may say about a running sync, shared by the CLI's bar and the app.
 * A percentage is records finished over the source's total; with no total there is none, and
 * while the run is still going it never reads 100 % (the total is the source's estimate).
 */
export interface ProgressFigures {
  phase: string
  /** Records finished: read and neither pending nor deferred. */
  finished: number
  total?: number
}

export function progressPercent(progress: ProgressFigures): number | undefined {
  const { total, finished, phase } = progress
  if (total === undefined || !(total > 0)) return undefined
  const share = Math.floor((Math.max(0, finished) / total) * 100)
  return phase === 'done' ? Math.min(100, share) : Math.min(99, share)
}
