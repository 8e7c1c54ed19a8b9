import type { z } from 'zod'
import { closest, quoted, type PathSegment, type Problem } from '../problems'
import { secretAdvice, secretKeyPattern } from './document-policy'

/**
 * Turns zod's issues into problems in the user's words: the JSON path, what is wrong, and
 * what to do. zod reports every issue at once, so the user fixes a file in one pass.
 */

const kindOfThing: Record<string, string> = { fn: 'transform', op: 'filter operator', kind: 'flow kind', system: 'system' }

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node: unknown = root
  for (const segment of path) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<PathSegment, unknown>)[segment]
  }
  return node
}

/** What was found instead, for a value that is there (a missing one is reported as missing). */
function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  return `${typeof value} ${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`
}

function hint(word: string, candidates: readonly string[]): string {
  const guess = closest(word, candidates)
  return guess ? ` — did you mean "${guess}"?` : ` — use one of: ${candidates.map((c) => `"${c}"`).join(', ')}`
}

type Issue = z.core.$ZodIssue

function issueToProblems(issue: Issue, input: unknown, base: PathSegment[], keysAt: KeysAt): Problem[] {
  const path = [...base, ...(issue.path as PathSegment[])]
  const problem = (message: string, at: PathSegment[] = path): Problem => ({ severity: 'error', path: at, message })
  switch (issue.code) {
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const key = issue.discriminator as string
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String)
        const value = valueAt(input, path)
        const what = kindOfThing[key] ?? key
        if (value === undefined) return [problem(`missing "${key}" — use one of: ${options.map((o) => `"${o}"`).join(', ')}`)]
        return [problem(`unknown ${what} ${quoted(String(value))}${hint(String(value), options)}`)]
      }
      // Several shapes were possible (a filter node, say): report the branch that came closest.
      const branches = (issue as { errors?: Issue[][] }).errors ?? []
      if (branches.length === 0) return [problem(issue.message)]
      // A branch that misses a key the input lacks (or finds keys it does not know) is the
      // wrong shape; among the right shapes, the one with the fewest issues wins.
      const wrongShape = (branch: Issue[]) =>
        branch.reduce((count, inner) => {
          if (inner.path.length > 1) return count
          if (inner.code === 'unrecognized_keys') return count + inner.keys.length
          const missing = valueAt(input, [...path, ...(inner.path as PathSegment[])]) === undefined
          return count + ((inner.code === 'invalid_type' || inner.code === 'invalid_union') && missing ? 1 : 0)
        }, 0)
      const score = (branch: Issue[]) => wrongShape(branch) * 1000 + branch.length
      const best = branches.reduce((a, b) => (score(b) < score(a) ? b : a))
      return best.flatMap((inner) => issueToProblems(inner, input, path, keysAt))
    }
    case 'unrecognized_keys': {
      const here = keysAt(path)
      const value = valueAt(input, path)
      const kept = value !== null && typeof value === 'object' ? Object.keys(value).filter((k) => !issue.keys.includes(k)) : []
      return issue.keys.map((key) => {
        if (secretKeyPattern.test(key)) return problem(`unknown key ${quoted(key)} — remove it: ${secretAdvice}`, [...path, key])
        // A key of another shape of this value: a records flow's "direction" is an opt-out flow's,
        // a condition's "field" beside a group's "any" makes neither.
        if (here.includes(key) && kept.length) {
          const chosen = kept.find((k) => Object.hasOwn(kindOfThing, k))
          const partner = chosen
            ? `a value with "${chosen}": ${quoted(String((value as Record<string, unknown>)[chosen]))} does not take it: remove it`
            : `it does not go with ${kept.map((k) => `"${k}"`).join(', ')}: remove one of them`
          return problem(`unknown key ${quoted(key)} — ${partner}`, [...path, key])
        }
        const guess = closest(
          key,
          here.filter((k) => k !== key)
        )
        return problem(
          `unknown key ${quoted(key)}${guess ? ` — did you mean "${guess}"?` : ' — remove it (mapping files hold only documented keys)'}`,
          [...path, key]
        )
      })
    }
    case 'invalid_type': {
      const value = valueAt(input, path)
      if (value === undefined) return [problem(`missing — add ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`)]
      return [problem(`expected ${issue.expected}, found ${describeType(value)}`)]
    }
    case 'invalid_value': {
      const value = valueAt(input, path)
      const options = issue.values.map((v) => String(v))
      if (value === undefined) return [problem(`missing — use ${options.map((o) => `"${o}"`).join(' or ')}`)]
      // A value of no allowed type (`"format": 1`) is named by its type: "1" would read as the text 1.
      if (!issue.values.some((allowed) => typeof allowed === typeof value))
        return [problem(`expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, found ${describeType(value)}`)]
      return [problem(`${quoted(String(value))} is not allowed${hint(String(value), options)}`)]
    }
    case 'too_small': {
      const minimum = Number(issue.minimum)
      if (issue.origin === 'string') return [problem(minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters long`)]
      if (issue.origin === 'array') return [problem(`needs at least ${minimum} item${minimum === 1 ? '' : 's'}`)]
      return [problem(`must be ${issue.inclusive ? 'at least' : 'more than'} ${minimum}`)]
    }
    case 'too_big': {
      const maximum = Number(issue.maximum)
      if (issue.origin === 'string') return [problem(`must be at most ${maximum} characters long`)]
      if (issue.origin === 'array') return [problem(`takes at most ${maximum} items`)]
      return [problem(`must be ${issue.inclusive ? 'at most' : 'less than'} ${maximum}`)]
    }
    case 'invalid_format':
    case 'custom':
    default:
      return [problem(issue.message)]
  }
}

/** The keys the format allows on the object at a path, for "did you mean" on a misspelt key. */
type KeysAt = (path: readonly PathSegment[]) => readonly string[]

/**
 * @param keysAt the keys allowed at a place (none known: no did-you-mean)
 */
export function problemsFromZod(error: z.ZodError, input: unknown, keysAt: KeysAt = () => []): Problem[] {
  return tightestBounds(error.issues).flatMap((issue) => issueToProblems(issue, input, [], keysAt))
}

/**
 * Of two upper bounds a number breaks, the tighter one: zod checks an integer against the
 * safe-integer range as well as the format's own limit, and "must be at most 9007199254740991"
 * beside "must be at most 10000" only adds noise.
 */
function tightestBounds(issues: readonly Issue[]): Issue[] {
  const tightest = new Map<string, number>()
  const bound = (issue: Issue) =>
    issue.code === 'too_big' && (issue.origin === 'number' || issue.origin === 'int') ? Number(issue.maximum) : undefined
  for (const issue of issues) {
    const maximum = bound(issue)
    const at = JSON.stringify(issue.path)
    if (maximum !== undefined) tightest.set(at, Math.min(maximum, tightest.get(at) ?? Infinity))
  }
  return issues.filter((issue) => {
    const maximum = bound(issue)
    return maximum === undefined || maximum === tightest.get(JSON.stringify(issue.path))
  })
}
