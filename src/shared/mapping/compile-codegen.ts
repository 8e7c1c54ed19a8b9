import type { RecordTest } from './filters'
import type { CompiledStep, EngineWarning, RunState, SourceRecord } from './transforms'

/**
 * Code generation of a flow's per-record function (the fast path of compile.ts).
 *
 * Why: the closure path reads `record[key]` and writes `node[leaf] = v` at a handful of
 * shared sites with a different key on every field; with 30 fields those keyed accesses go
 * megamorphic in V8 and the record costs several times a hand-written function. Emitting
 * one function per flow, with every property name as a string literal at its own site,
 * makes each access monomorphic — the same shape a hand-written mapping has.
 *
 * What is generated, and why it is safe (docs/transforms.md, "Code generation"):
 *   - only from a compiled, schema-validated flow — never from text a user wrote as code;
 *     a JSONata `expression` step stays a sandboxed JSONata closure;
 *   - the only user text in the source is property names (source columns, target paths),
 *     each emitted through `JSON.stringify` (plus U+2028/2029 escapes) as a string literal
 *     in `record["…"]` or `{"…": v}` — a literal cannot end early or run anything, whatever
 *     it holds (quotes, backslashes, star-slash, `${}`, newlines). Anything that is not a string
 *     refuses code generation (the closure path runs instead);
 *   - every step, target check, the filter and every message are pre-built closures or
 *     values passed in as parameters (steps by index from an array): the generated code only
 *     reads properties, calls those closures in order and builds the target literal;
 *   - `__proto__` as a target key is written with a computed key (`["__proto__"]: v`), which
 *     defines an own property, as `defineValue` does on the closure path: no prototype is
 *     ever set or reached. Every target node is a fresh object literal.
 *
 * Where it runs: wherever `new Function` is allowed (Electron main, Node, the CLI). Under a
 * CSP without 'unsafe-eval' (the renderer) the probe fails once and the closures run.
 */

export type CodegenMode = 'auto' | 'never'

let probed: boolean | undefined

/** Whether this realm may compile code from strings (false under a CSP without 'unsafe-eval'). Probed once. */
export function codegenAvailable(): boolean {
  if (probed === undefined) {
    try {
      // Stryker disable next-line ConditionalExpression: where new Function runs at all, this function returns 1
      probed = new Function('return 1')() === 1
      // Stryker disable next-line BlockStatement,BooleanLiteral: undefined reads as false too, and a wrong "true" is caught again where the runner is built (the closures run)
    } catch {
      probed = false
    }
  }
  return probed
}

/** One field as the generated code sees it: where to read, which closures to call. */
export interface FieldPlan {
  /** Source properties read (after the schema's read names); none, one or several. */
  readKeys: readonly string[]
  steps: readonly CompiledStep[]
  /** The target check, when the target field has one. */
  check: ((value: unknown) => unknown) | undefined
  async: boolean
}

export interface RunnerPlan {
  fields: readonly FieldPlan[]
  /** Target paths (dotted = nested): one per field, then the match target when `addKey`. */
  targets: readonly string[]
  addKey: boolean
  /** The source property holding the match key, when the flow has one. */
  matchKey: string | undefined
  filter: RecordTest | undefined
  isAsync: boolean
}

/** What the generated function calls or returns as is: built by compile.ts, shared with the closure path. */
export interface RunnerHelpers<R> {
  skipReason: string
  missingKey: (record: SourceRecord) => R
  failure: (error: unknown, key: string | undefined, fieldIndex: number) => R
  noWarnings: readonly EngineWarning[]
  createOnly: readonly string[]
  /** The synchronous path's one state object (synchronous runs never overlap). */
  shared: RunState
}

export type SyncRunner<R> = (record: SourceRecord) => R
export type AsyncRunner<R> = (record: SourceRecord) => Promise<R>

/** Thrown while emitting when the plan holds something the generator will not emit; the closures run instead. */
class NotGenerated extends Error {}

const LINE_SEPARATOR = /\u2028/g
const PARAGRAPH_SEPARATOR = /\u2029/g

/**
 * A JS string literal for `text`. JSON.stringify escapes quotes, backslashes and control
 * characters (and lone surrogates); U+2028/2029 are legal in literals since ES2019 but are
 * escaped too, so the source stays one line per statement in any engine.
 */
export function literal(text: unknown): string {
  // Stryker disable next-line StringLiteral: the reason is for debugging only: generateRunner catches it and the closures run
  if (typeof text !== 'string') throw new NotGenerated(`a name is not text (${typeof text})`)
  return JSON.stringify(text).replace(LINE_SEPARATOR, '\\u2028').replace(PARAGRAPH_SEPARATOR, '\\u2029')
}

type TreeNode = Map<string, { leaf: number } | { node: TreeNode }>

/**
 * The target's nesting, keys in first-seen order (the closure path's template order), each
 * leaf holding the last field that writes it (a later write wins there too). A path that is
 * both a value and a parent (`a` and `a.b`) is left to the closure path.
 */
function targetTree(targets: readonly string[]): TreeNode {
  const root: TreeNode = new Map()
  targets.forEach((target, t) => {
    // Stryker disable next-line StringLiteral: the reason is for debugging only: generateRunner catches it and the closures run
    if (typeof target !== 'string') throw new NotGenerated('a target is not text')
    const path = target.split('.')
    let node = root
    for (let i = 0; i < path.length - 1; i++) {
      const entry = node.get(path[i])
      if (entry === undefined) {
        const child: TreeNode = new Map()
        node.set(path[i], { node: child })
        node = child
      } else if ('node' in entry) node = entry.node
      // Stryker disable next-line StringLiteral: the reason is for debugging only: generateRunner catches it and the closures run
      else throw new NotGenerated(`"${target}" nests under a field that is also written as a value`)
    }
    const last = path[path.length - 1]
    const entry = node.get(last)
    // Stryker disable next-line StringLiteral: the reason is for debugging only: generateRunner catches it and the closures run
    if (entry !== undefined && 'node' in entry) throw new NotGenerated(`"${target}" is also the parent of other fields`)
    node.set(last, { leaf: t })
  })
  return root
}

function emitTarget(node: TreeNode, value: (t: number) => string): string {
  const parts: string[] = []
  for (const [key, entry] of node) {
    const v = 'leaf' in entry ? value(entry.leaf) : emitTarget(entry.node, value)
    // A plain `"__proto__": v` in a literal would set the prototype; a computed key defines an own property.
    parts.push(key === '__proto__' ? `[${literal(key)}]: ${v}` : `${literal(key)}: ${v}`)
  }
  return `{${parts.join(', ')}}`
}

let generated = 0

/** The generated source (for tests and debugging): a function body taking (S, C, H) and returning the runner. */
export function runnerSource(plan: RunnerPlan): string {
  const { fields, isAsync } = plan
  const tree = targetTree(plan.targets)
  const lines: string[] = ["'use strict';"]
  // Closures by index: S = steps (flat), C = target checks, H = helpers.
  let s = 0
  const stepNames: string[][] = fields.map((f) =>
    f.steps.map(() => {
      const name = `s${s}`
      lines.push(`const ${name} = S[${s++}];`)
      return name
    })
  )
  let c = 0
  const checkNames = fields.map((f) => {
    if (!f.check) return undefined
    const name = `c${c}`
    lines.push(`const ${name} = C[${c++}];`)
    return name
  })
  lines.push(
    'const filter = H.filter, skipReason = H.skipReason, missingKey = H.missingKey, failure = H.failure;',
    'const noWarnings = H.noWarnings, createOnly = H.createOnly, shared = H.shared;'
  )

  const body: string[] = []
  if (plan.matchKey !== undefined) {
    body.push(
      `let key = r[${literal(plan.matchKey)}];`,
      // As compile.ts `keyOf`: text of spaces alone is no key.
      'key = typeof key === "string" ? (key.trim() === "" ? undefined : key) : typeof key === "number" ? String(key) : undefined;'
    )
  } else body.push('const key = undefined;')
  if (plan.filter) body.push('if (!filter(r)) return { kind: "skipped", key: key, reason: skipReason };')
  if (plan.matchKey !== undefined) body.push('if (key === undefined) return missingKey(r);')
  if (isAsync) body.push('const rt = { warnings: null };')
  else body.push('const rt = shared;', 'rt.warnings = null;')
  if (fields.length > 0) body.push(`let i = 0, ${fields.map((_, k) => `v${k}`).join(', ')};`)
  body.push('try {')
  const read = (key: string) => `r[${literal(key)}]`
  fields.forEach((f, k) => {
    const v = `v${k}`
    const out: string[] = [`i = ${k};`]
    if (f.readKeys.length === 0) out.push(`${v} = null;`)
    else if (f.readKeys.length === 1) out.push(`${v} = ${read(f.readKeys[0])};`, `if (${v} === undefined) ${v} = null;`)
    else {
      out.push(`${v} = [${f.readKeys.map(read).join(', ')}];`)
      f.readKeys.forEach((_, j) => out.push(`if (${v}[${j}] === undefined) ${v}[${j}] = null;`))
    }
    // An async field awaits every step, as the closure pipeline does.
    const wait = f.async ? 'await ' : ''
    for (const step of stepNames[k]) out.push(`${v} = ${wait}${step}(${v}, r, rt);`)
    const check = checkNames[k]
    if (check) out.push(`${v} = ${check}(${v});`)
    body.push('  ' + out.join(' '))
  })
  body.push('} catch (e) {', `  return failure(e, key, ${fields.length > 0 ? 'i' : 0});`, '}')
  const target = emitTarget(tree, (t) => (t < fields.length ? `v${t}` : 'key'))
  body.push(`const target = ${target};`)
  if (isAsync) body.push('return { kind: "ok", key: key, target: target, warnings: rt.warnings ?? noWarnings, createOnly: createOnly };')
  else
    body.push(
      'const warnings = rt.warnings ?? noWarnings;',
      'rt.warnings = null;',
      'return { kind: "ok", key: key, target: target, warnings: warnings, createOnly: createOnly };'
    )

  lines.push(`return ${isAsync ? 'async ' : ''}function runRecord(r) {`, ...body.map((l) => '  ' + l), '};')
  // A name for profiles and stack traces; a counter, never user text.
  lines.push(`//# sourceURL=sync-studio-mapping-${++generated}.js`)
  return lines.join('\n')
}

/**
 * The runner for a plan, or undefined when code generation is off, not allowed here, or the
 * plan holds something the generator does not emit (the caller keeps its closures).
 */
export function generateRunner<R>(
  plan: RunnerPlan,
  helpers: RunnerHelpers<R>,
  // Stryker disable next-line StringLiteral: compile.ts always passes the mode
  mode: CodegenMode = 'auto'
): SyncRunner<R> | AsyncRunner<R> | undefined {
  if (mode === 'never' || !codegenAvailable()) return undefined
  let source: string
  try {
    source = runnerSource(plan)
    // Stryker disable next-line BlockStatement: runnerSource throws only NotGenerated; with no source, new Function builds a runner factory that returns undefined, so the closures run all the same
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: runnerSource throws only NotGenerated
    if (error instanceof NotGenerated) return undefined
    throw error
  }
  const steps = plan.fields.flatMap((f) => f.steps.map((step) => step.run))
  const checks = plan.fields.flatMap((f) => (f.check ? [f.check] : []))
  const H = { ...helpers, filter: plan.filter }
  // The source holds property names as JSON string literals and nothing else from the flow.
  let factory: (S: unknown[], C: unknown[], h: typeof H) => SyncRunner<R> | AsyncRunner<R>
  try {
    factory = new Function('S', 'C', 'H', source) as typeof factory
  } catch {
    // Refused after all (a policy applied after the probe, a function too large): the closures are always right.
    return undefined
  }
  return factory(steps, checks, H)
}
