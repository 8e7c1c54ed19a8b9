import type { Scalar, Step } from '../steps'
import { fail, isEmpty, show, sync, type CompiledStep, type StepContext } from './runtime'

type StepOf<F extends Step['fn']> = Extract<Step, { fn: F }>

export function defaultValue(step: StepOf<'default'>): CompiledStep {
  const fallback = step.value
  return sync((v) => (isEmpty(v) ? fallback : v))
}

export function coalesce(_step: StepOf<'coalesce'>): CompiledStep {
  return sync((v) => {
    if (!Array.isArray(v)) return isEmpty(v) ? null : v
    for (const item of v) if (!isEmpty(item)) return item
    return null
  })
}

export function constant(step: StepOf<'constant'>): CompiledStep {
  const value = step.value
  return sync(() => value)
}

/**
 * The table is keyed by text in the file ("1": "male"), while records carry numbers and
 * booleans. Each key is entered under every form a record may carry, so the lookup is one
 * Map.get with no conversion; text also matches loosely (trimmed, case-insensitive).
 */
export function buildValueTable(map: Record<string, Scalar>): { exact: Map<unknown, Scalar>; loose: Map<string, Scalar> } {
  const exact = new Map<unknown, Scalar>()
  const loose = new Map<string, Scalar>()
  for (const [key, value] of Object.entries(map)) {
    exact.set(key, value)
    const trimmed = key.trim()
    if (trimmed !== '' && Number.isFinite(Number(trimmed))) {
      if (!exact.has(Number(trimmed))) exact.set(Number(trimmed), value)
    }
    if (trimmed === 'true' || trimmed === 'false') exact.set(trimmed === 'true', value)
    if (key === '') exact.set(null, value)
    const folded = trimmed.toLowerCase()
    if (!loose.has(folded)) loose.set(folded, value)
  }
  return { exact, loose }
}

export function valueMap(step: StepOf<'valueMap'>, ctx: StepContext): CompiledStep {
  const { exact, loose } = buildValueTable(step.map)
  const otherwise = step.otherwise
  const keep = step.keepUnmatched === true
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null)
    const input = v === undefined ? null : v
    const hit = exact.get(input)
    if (hit !== undefined) return hit
    if (typeof input === 'string') {
      const looseHit = loose.get(input.trim().toLowerCase())
      if (looseHit !== undefined) return looseHit
    }
    if (otherwise !== undefined) return otherwise
    if (keep || input === null) return input
    return fail(ctx, `no replacement for ${show(input)} — add it to the map, or set "otherwise" or "keepUnmatched"`, input)
  })
}
