/**
 * A problem is an error a person can act on: where it is (a path into a JSON document or
 * a mapping), what is wrong, and what to do. Validation collects all of them at once.
 */
export type PathSegment = string | number

export interface Problem {
  severity: 'error' | 'warning'
  path: PathSegment[]
  message: string
}

/** `['flows', 0, 'fields', 3, 'steps', 1, 'fn']` → `flows[0].fields[3].steps[1].fn` */
export function formatPath(path: readonly PathSegment[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text ? `.${segment}` : segment
    else text += `[${JSON.stringify(segment)}]`
  }
  return text || '(document)'
}

export function formatProblem(problem: Problem): string {
  return `${formatPath(problem.path)}: ${problem.message}`
}

/** Edit distance with transpositions ("form" is one edit from "from"), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1)
    }
    rows.push(row)
  }
  return rows[a.length][b.length]
}

/** Longer words get no "did you mean": nobody misspells a 65-character name by a few letters. */
export const MAX_SUGGESTION_LENGTH = 64

/**
 * The closest candidate, if it is close enough to be a likely typo. Bounded: a word longer
 * than MAX_SUGGESTION_LENGTH is not compared at all, and a candidate whose length differs by
 * more than the allowed distance is skipped (the distance is at least the length difference),
 * so one call costs at most candidates × 64² steps, whatever the document holds.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > MAX_SUGGESTION_LENGTH) return undefined
  const allowed = Math.max(1, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  const lower = word.toLowerCase()
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > allowed) continue
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= allowed ? best : undefined
}

/** A name quoted for a message, cut to a readable length. */
export function quoted(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text)
}
