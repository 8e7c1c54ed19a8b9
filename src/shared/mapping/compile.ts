import type { Problem } from '../problems'
import { generateRunner, type AsyncRunner, type CodegenMode, type FieldPlan, type SyncRunner } from './compile-codegen'
import { findField, type Field, type SchemaCatalog, type System, type Table } from '../schema/model'
import { fieldRule } from '../schema/target-rules'
import type { EventsFlow, FieldMapping, RecordsFlow } from './document'
import { stepFailureCode, targetRulesStep } from './failure-reasons'
import type { Filter } from './filter'
import { compileFilter, describeFilter, translateFilter, type FilterTranslation, type RecordTest } from './filters'
import { navigationOf } from './transforms/lookup'
import {
  compileStep,
  ExpressionStopped,
  show,
  StepConfigError,
  StepFailure,
  type CompiledStep,
  type EngineWarning,
  type ExpressionEvaluator,
  type RunState,
  type SourceRecord,
  type StepContext
} from './transforms'
import { PatternBudget } from './transforms/regex'

/**
 * A flow is compiled once into closures: each step's arguments are read, its regex built,
 * its value table indexed, its expression parsed, before the first record. Running a record
 * is then a loop over per-field functions, with no look at the mapping document.
 *
 * Where `new Function` is allowed (main, Node, CLI), the per-record function itself is then
 * generated from the compiled flow (compile-codegen.ts): the same closures, called in the
 * same order, but each property read and write at its own site with a literal name, which
 * brings it close to a hand-written mapping (bench/engine.ts). Under the renderer's CSP,
 * or with `codegen: 'never'`, the closure loop below runs; both give identical results.
 *
 * Flows with a JSONata "expression" step are async (JSONata 2 evaluates asynchronously);
 * all others run synchronously, and `runSync` works only on those. `run` works on both.
 */

export type TargetRecord = Record<string, unknown>

export type RecordResult =
  | {
      kind: 'ok'
      /** The match key's value (the source record's id), as text. */
      key: string | undefined
      /** Dotted target fields are nested: `location.city` → `{ location: { city } }`. */
      target: TargetRecord
      warnings: readonly EngineWarning[]
      /** Target fields with applyUpdates: false — the sink writes them only when it creates the record. */
      createOnly: readonly string[]
    }
  | {
      kind: 'skipped'
      key: string | undefined
      reason: string
      /** Skipped for another reason than the flow's filter (an event without a contact): not "filtered out", never deleted for it. */
      notFiltered?: true
    }
  | {
      kind: 'error'
      key: string | undefined
      /** The target field whose mapping failed (or the match target when the key is missing). */
      field: string
      /** The failing step's index in that field's steps; undefined for a field-level check. */
      step: number | undefined
      /** The failing step's name (`valueMap`), `targetRules` for the target's check after the steps. */
      stepName?: string
      /** What failed, for the errors view's reason filter (failure-reasons.ts): `valueNotMapped`, `requiredMissing`… */
      code: string
      reason: string
      input: unknown
    }

export interface CompileOptions {
  source?: Table
  target?: Table
  /** For lookups into related tables. */
  catalog?: SchemaCatalog
  /**
   * Which part of the flow's filter the engine evaluates: all of it (default), only what
   * Dataverse cannot (`remainder`, when the source applied `pushdown.odata`), or none.
   */
  filter?: 'full' | 'remainder' | 'none'
  /** Clock for lastXDays, epoch ms. */
  now?: () => number
  /**
   * Read choice columns as their values (default) or their labels: the formatted value
   * Dataverse sends with each choice when asked (`<column>@OData.Community.Display.V1.FormattedValue`,
   * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/format-results#formatted-values).
   * Default: the flow's `sync.picklists`.
   */
  picklists?: 'values' | 'labels'
  /** The flow's index in the document, for problem paths. Default 0. */
  flowIndex?: number
  /**
   * Generate the per-record function (`auto`, the default: wherever `new Function` is
   * allowed) or always run the closures (`never`). Results are identical either way.
   */
  codegen?: CodegenMode
  /**
   * Where "expression" steps run. Main passes a worker with a time and memory budget
   * (src/main/expressions); without one they run in-process (tests, the renderer's checks).
   */
  expressions?: ExpressionEvaluator
}

export interface CompiledField {
  index: number
  target: string
  from: readonly string[]
  applyUpdates: boolean
  async: boolean
  /** The value before the first step. */
  read: (record: SourceRecord) => unknown
  steps: readonly CompiledStep[]
  /** The target's rules on the final value (target-rules.ts); returns the value to write, throws a StepFailure. */
  check: (value: unknown) => unknown
  /** read → steps → check; a Promise when `async`. */
  run: (record: SourceRecord, rt: RunState) => unknown
}

export interface Expansion {
  /** The navigation property to $expand (`parentcustomerid`; polymorphic ones per target table). */
  navigation: string
  column: string
  fields: string[]
}

export interface CompiledFlow {
  flowId: string
  isAsync: boolean
  fields: readonly CompiledField[]
  /** The filter the engine applies (after `options.filter`), if any. */
  filter: RecordTest | undefined
  /** The flow's filter split for Dataverse; pass `odata` to the source and compile with filter: 'remainder'. */
  pushdown: FilterTranslation
  createOnly: readonly string[]
  expansions: readonly Expansion[]
  /** A records flow's match key of a source record, as its results carry it (undefined: none, or an events flow). */
  keyOf(record: SourceRecord): string | undefined
  /** Whether records run through a generated function (else through the closures). */
  codegen: boolean
  runSync(record: SourceRecord): RecordResult
  run(record: SourceRecord): Promise<RecordResult>
  runAll(records: Iterable<SourceRecord>): Promise<RecordResult[]>
}

export class FlowCompileError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => p.message).join('; '))
  }
}

const NO_WARNINGS: readonly EngineWarning[] = Object.freeze([])

function reader(keys: readonly string[]): (record: SourceRecord) => unknown {
  if (keys.length === 0) return () => null
  if (keys.length === 1) {
    const key = keys[0]
    return (record) => {
      const v = record[key]
      return v === undefined ? null : v
    }
  }
  const n = keys.length
  return (record) => {
    // Stryker disable next-line ArrayDeclaration: pre-sizing only; every slot is written below
    const values = new Array<unknown>(n)
    for (let i = 0; i < n; i++) {
      const v = record[keys[i]]
      values[i] = v === undefined ? null : v
    }
    return values
  }
}

function pipeline(
  read: CompiledField['read'],
  key: string | undefined,
  steps: readonly CompiledStep[],
  check: CompiledField['check'],
  hasCheck: boolean
) {
  const fns = steps.map((s) => s.run as (v: unknown, r: SourceRecord, rt: RunState) => unknown)
  if (steps.some((s) => s.async)) {
    return async (record: SourceRecord, rt: RunState) => {
      let v = read(record)
      for (const fn of fns) v = await fn(v, record, rt)
      return hasCheck ? check(v) : v
    }
  }
  // Unrolled for the common short chains, with a single source read inline; a loop beyond.
  const [a, b] = fns
  let body: (record: SourceRecord, rt: RunState) => unknown
  if (fns.length === 0) body = read
  else if (fns.length === 1 && key !== undefined) {
    body = (r, rt) => {
      const v = r[key]
      // Stryker disable next-line ConditionalExpression: every step reads undefined as it reads null
      return a(v === undefined ? null : v, r, rt)
    }
    // Stryker disable next-line ConditionalExpression: false is a shortcut skipped, and the loop below gives the same (true is caught by the three-step tests)
  } else if (fns.length === 2 && key !== undefined) {
    body = (r, rt) => {
      const v = r[key]
      // Stryker disable next-line ConditionalExpression: every step reads undefined as it reads null
      return b(a(v === undefined ? null : v, r, rt), r, rt)
    }
  } else {
    body = (r, rt) => {
      let v = read(r)
      for (let i = 0; i < fns.length; i++) v = fns[i](v, r, rt)
      return v
    }
  }
  if (!hasCheck) return body
  return (r: SourceRecord, rt: RunState) => check(body(r, rt))
}

/**
 * The target's rules for this field (src/shared/schema/target-rules.ts), as the last stage of
 * its pipeline: a value the service would refuse fails the record here, with the field and the
 * reason, before any write; a value the rule normalises (an empty email → null) is what is written.
 */
function targetChecks(
  field: Field | undefined,
  system: System | undefined,
  location: StepContext['location']
): { check: (v: unknown) => unknown; has: boolean } {
  const rule = field && system ? fieldRule(field, system) : undefined
  if (!rule) return { check: (v) => v, has: false }
  return {
    has: true,
    check: (v) => {
      const verdict = rule(v)
      if (!verdict.ok) throw new StepFailure(verdict.reason, v, { ...location, stepIndex: -1 }, verdict.code)
      return verdict.value
    }
  }
}

function compileField(
  mapping: FieldMapping,
  index: number,
  options: CompileOptions,
  problems: Problem[],
  basePath: Array<string | number>,
  patterns: PatternBudget
): { field: CompiledField; plan: FieldPlan } {
  const from = mapping.from ?? []
  const sourceFields = from.map((name) => (options.source ? findField(options.source, name) : undefined))
  const readKeys = from.map((name, i) => {
    const field = sourceFields[i]
    const key = field?.readName ?? name
    return options.picklists === 'labels' && (field?.type === 'picklist' || field?.type === 'multipicklist')
      ? `${key}${formattedValueSuffix}`
      : key
  })
  const targetField = options.target ? findField(options.target, mapping.target) : undefined
  const steps: CompiledStep[] = []
  ;(mapping.steps ?? []).forEach((step, stepIndex) => {
    const ctx: StepContext = {
      location: { fieldIndex: index, stepIndex, target: mapping.target },
      path: [...basePath, 'fields', index, 'steps', stepIndex],
      expressions: options.expressions,
      from: readKeys,
      sourceField: sourceFields[0],
      targetField,
      ...(options.target ? { targetSystem: options.target.system } : {}),
      sourceTable: options.source,
      catalog: options.catalog,
      patterns
    }
    try {
      steps.push(compileStep(step, ctx))
    } catch (error) {
      if (!(error instanceof StepConfigError)) throw error
      problems.push({ severity: 'error', path: [...basePath, 'fields', index, 'steps', stepIndex, ...error.at], message: error.message })
    }
  })
  const read = reader(readKeys)
  const { check, has } = targetChecks(targetField, options.target?.system, { fieldIndex: index, stepIndex: -1, target: mapping.target })
  const compiled: CompiledField = {
    index,
    target: mapping.target,
    from,
    applyUpdates: mapping.applyUpdates !== false,
    async: steps.some((s) => s.async),
    read,
    steps,
    check,
    run: pipeline(read, readKeys.length === 1 ? readKeys[0] : undefined, steps, check, has)
  }
  if (readKeys.length === 1) readKeyMemo.set(compiled, readKeys[0])
  return { field: compiled, plan: { readKeys, steps, check: has ? check : undefined, async: compiled.async } }
}

/**
 * Target records are built by cloning a template that already has every target key (in
 * mapping order), then filling it: a clone of a JSON.parse'd object keeps V8's fast,
 * pre-sized layout, which is several times faster than growing an empty object key by key.
 * Dotted targets (`location.city`) live in nested objects, each cloned from its own template.
 */
interface Shape {
  /** A new target record with its nested objects; `nodes[g]` receives nested object g. */
  fresh: (nodes: TargetRecord[]) => TargetRecord
  /** Per target: the nested object it goes into (-1 = the record itself) and its key there. */
  group: Int32Array
  leaf: string[]
  groups: number
}

function shapeOf(targets: readonly string[]): Shape {
  // Prototype-less shapes: a "__proto__" key is then an own key in its place (not a prototype
  // change), so the templates keep it where the mapping has it, as the generated code does.
  const bare = () => Object.create(null) as Record<string, null>
  const top: Record<string, null> = bare()
  const groupIndex = new Map<string, number>()
  const groupShapes: Array<{ parent: number; key: string; shape: Record<string, null> }> = []
  const group = new Int32Array(targets.length)
  const leaf: string[] = []
  targets.forEach((target, t) => {
    const path = target.split('.')
    let parent = -1
    let node = top
    for (let i = 0; i < path.length - 1; i++) {
      // The group's whole path as its key: empty segments (`a..b`, `.a`) stay distinct.
      const prefix = JSON.stringify(path.slice(0, i + 1))
      let index = groupIndex.get(prefix)
      if (index === undefined) {
        index = groupShapes.length
        groupIndex.set(prefix, index)
        groupShapes.push({ parent, key: path[i], shape: bare() })
        node[path[i]] = null
      }
      parent = index
      node = groupShapes[index].shape
    }
    node[path[path.length - 1]] = null
    group[t] = parent
    leaf.push(path[path.length - 1])
  })
  const clone = (shape: Record<string, null>) => JSON.parse(JSON.stringify(shape)) as TargetRecord
  const topTemplate = clone(top)
  const templates = groupShapes.map((g) => ({ parent: g.parent, key: g.key, template: clone(g.shape) }))
  const fresh =
    templates.length === 0
      ? // Stryker disable next-line ObjectLiteral: the template only pre-sizes the record; every key is then written in mapping order
        () => ({ ...topTemplate })
      : (nodes: TargetRecord[]) => {
          const out = { ...topTemplate }
          for (let g = 0; g < templates.length; g++) {
            const { parent, key, template } = templates[g]
            const child = { ...template }
            defineValue(parent < 0 ? out : nodes[parent], key, child)
            nodes[g] = child
          }
          return out
        }
  return { fresh, group, leaf, groups: templates.length }
}

/** Plain assignment, except for "__proto__", which must not reach the prototype. */
function defineValue(node: TargetRecord, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true })
  else node[key] = value
}

/** The related columns the source must $expand for the flow's lookup steps. */
export function expansionsOf(flow: Pick<RecordsFlow, 'fields'>, source?: Table): Expansion[] {
  const byNavigation = new Map<string, Expansion>()
  for (const mapping of flow.fields) {
    const column = mapping.from?.[0]
    if (!column) continue
    for (const step of mapping.steps ?? []) {
      if (step.fn !== 'lookup') continue
      const readName = (source && findField(source, column)?.readName) ?? column
      const navigation = navigationOf(readName)
      const entry = byNavigation.get(navigation) ?? { navigation, column: readName, fields: [] }
      const first = step.field.split(/[./]/)[0]
      if (!entry.fields.includes(first)) entry.fields.push(first)
      byNavigation.set(navigation, entry)
    }
  }
  return [...byNavigation.values()]
}

type CompilableFlow = RecordsFlow | EventsFlow

const readKeyMemo = new WeakMap<CompiledField, string>()
function readKeyOf(field: CompiledField): string | undefined {
  return readKeyMemo.get(field)
}

/** The annotation Dataverse adds to a choice column for its label, when asked with `Prefer: odata.include-annotations`. */
export const formattedValueSuffix = '@OData.Community.Display.V1.FormattedValue'

export function compileFlow(flow: CompilableFlow, compileOptions: CompileOptions = {}): CompiledFlow {
  const picklists = compileOptions.picklists ?? (flow.kind === 'records' ? flow.sync?.picklists : undefined)
  const options: CompileOptions = picklists ? { ...compileOptions, picklists } : compileOptions
  const problems: Problem[] = []
  const basePath = ['flows', options.flowIndex ?? 0]
  // The flow's regular expressions together compile to a bounded program (regex.ts).
  const patterns = new PatternBudget()
  const compiledFields = flow.fields.map((mapping, i) => compileField(mapping, i, options, problems, basePath, patterns))
  if (problems.length > 0) throw new FlowCompileError(problems)
  const fields = compiledFields.map((c) => c.field)

  const pushdown = translateFilter(flow.filter, { table: flow.kind === 'records' ? options.source : undefined })
  const mode = options.filter ?? 'full'
  const applied: Filter | undefined = mode === 'none' ? undefined : mode === 'remainder' ? pushdown.local : flow.filter
  const filter = applied ? compileFilter(applied, { table: options.source, now: options.now }) : undefined
  const skipReason = applied ? `filtered out: ${describeFilter(applied)}` : ''

  const matchSource = flow.kind === 'records' ? flow.match.source : undefined
  const matchTarget = flow.match.target
  const matchKey = matchSource
    ? ((options.source ? findField(options.source, matchSource)?.readName : undefined) ?? matchSource)
    : undefined
  const addKey = matchSource !== undefined && !flow.fields.some((f) => f.target === matchTarget)
  const targets = addKey ? [...flow.fields.map((f) => f.target), matchTarget] : flow.fields.map((f) => f.target)
  const shape = shapeOf(targets)
  const { fresh, group, leaf } = shape
  const hasProto = leaf.includes('__proto__')
  const set = (out: TargetRecord, nodes: TargetRecord[], t: number, value: unknown) => {
    const g = group[t]
    defineValue(g < 0 ? out : nodes[g], leaf[t], value)
  }

  const createOnly = Object.freeze(fields.filter((f) => !f.applyUpdates).map((f) => f.target))
  const runs = fields.map((f) => f.run)
  // Plain copies (no steps, no target check) are read inline: no call per field.
  const copyKeys = fields.map((f, i) =>
    f.steps.length === 0 && f.run === f.read && flow.fields[i].from?.length === 1 ? readKeyOf(f) : undefined
  )
  const count = fields.length
  const isAsync = fields.some((f) => f.async)

  const keyOf = (record: SourceRecord): string | undefined => {
    if (!matchKey) return undefined
    const v = record[matchKey]
    // Only text and numbers are keys: an object or a list would read "[object Object]", one key
    // for all of them. Text of spaces alone is no key, as an empty one (all such records would
    // share one target record, keyed "   ").
    if (typeof v === 'string') return v.trim() === '' ? undefined : v
    return typeof v === 'number' ? String(v) : undefined
  }
  const missingKey = (record: SourceRecord): RecordResult => {
    const v = matchKey ? record[matchKey] : undefined
    const absent = v === null || v === undefined || (typeof v === 'string' && v.trim() === '')
    return {
      kind: 'error',
      key: undefined,
      field: matchTarget,
      step: undefined,
      code: 'noKey',
      reason: absent
        ? `the record has no "${matchSource}", the match key — it cannot be matched to a target record`
        : `"${matchSource}", the match key, is ${show(v)}, not a text or a number — it cannot be matched to a target record`,
      input: v ?? null
    }
  }
  const failure = (error: unknown, key: string | undefined, fieldIndex: number): RecordResult => {
    if (error instanceof StepFailure) {
      const step = error.location.stepIndex
      // The step by name: the reason filter tells a value map's miss from a date that did not parse.
      const stepName = step < 0 ? targetRulesStep : flow.fields[error.location.fieldIndex]?.steps?.[step]?.fn
      return {
        kind: 'error',
        key,
        field: error.location.target,
        step: step < 0 ? undefined : step,
        ...(stepName ? { stepName } : {}),
        code: error.code ?? stepFailureCode(stepName),
        reason: error.reason,
        input: error.input
      }
    }
    // A user expression over its budget stops the preview or run, with the step's path.
    if (error instanceof ExpressionStopped) throw error
    // Not a step's verdict: a bug or a library failure. Still one record, not the run.
    const message = error instanceof Error ? error.message : String(error)
    return {
      kind: 'error',
      key,
      field: fields[fieldIndex]?.target ?? matchTarget,
      step: undefined,
      code: 'unexpected',
      reason: `unexpected failure: ${message}`,
      input: null
    }
  }

  const shared: RunState = { warnings: null }
  const nodes: TargetRecord[] = []
  const runSync = (record: SourceRecord): RecordResult => {
    if (isAsync) throw new Error(`flow "${flow.id}" uses an expression step and runs asynchronously — call run()`)
    const key = keyOf(record)
    if (filter !== undefined && !filter(record)) return { kind: 'skipped', key, reason: skipReason }
    if (matchKey && key === undefined) return missingKey(record)
    // One state object per flow: synchronous runs never overlap.
    const rt = shared
    rt.warnings = null
    const out = fresh(nodes)
    let i = 0
    try {
      for (; i < count; i++) {
        const copy = copyKeys[i]
        let v: unknown
        if (copy !== undefined) {
          v = record[copy]
          if (v === undefined) v = null
        } else v = runs[i](record, rt)
        const g = group[i]
        if (hasProto) set(out, nodes, i, v)
        else (g < 0 ? out : nodes[g])[leaf[i]] = v
      }
    } catch (error) {
      return failure(error, key, i)
    }
    if (addKey) set(out, nodes, count, key)
    const warnings = rt.warnings ?? NO_WARNINGS
    rt.warnings = null
    return { kind: 'ok', key, target: out, warnings, createOnly }
  }

  const runAsync = async (record: SourceRecord): Promise<RecordResult> => {
    const key = keyOf(record)
    if (filter !== undefined && !filter(record)) return { kind: 'skipped', key, reason: skipReason }
    if (matchKey && key === undefined) return missingKey(record)
    const rt: RunState = { warnings: null }
    const own: TargetRecord[] = []
    const out = fresh(own)
    let i = 0
    try {
      for (; i < count; i++) {
        const v = runs[i](record, rt)
        set(out, own, i, fields[i].async ? await v : v)
      }
    } catch (error) {
      return failure(error, key, i)
    }
    if (addKey) set(out, own, count, key)
    return { kind: 'ok', key, target: out, warnings: rt.warnings ?? NO_WARNINGS, createOnly }
  }

  // The generated function, when allowed: same closures, same results, literal property names.
  const generated = generateRunner<RecordResult>(
    { fields: compiledFields.map((c) => c.plan), targets, addKey, matchKey, filter, isAsync },
    { skipReason, missingKey, failure, noWarnings: NO_WARNINGS, createOnly, shared },
    options.codegen ?? 'auto'
  )
  const syncRun = !isAsync && generated ? (generated as SyncRunner<RecordResult>) : runSync
  const asyncRun = isAsync && generated ? (generated as AsyncRunner<RecordResult>) : runAsync

  const run = isAsync ? asyncRun : async (record: SourceRecord) => syncRun(record)
  return {
    flowId: flow.id,
    isAsync,
    fields,
    filter,
    pushdown,
    createOnly,
    expansions: expansionsOf(flow, options.source),
    keyOf,
    codegen: generated !== undefined,
    runSync: syncRun,
    run,
    runAll: async (records) => {
      const results: RecordResult[] = []
      for (const record of records) results.push(isAsync ? await asyncRun(record) : syncRun(record))
      return results
    }
  }
}

export type CompileResult = { ok: true; flow: CompiledFlow } | { ok: false; problems: Problem[] }

export function tryCompileFlow(flow: CompilableFlow, options: CompileOptions = {}): CompileResult {
  try {
    return { ok: true, flow: compileFlow(flow, options) }
  } catch (error) {
    if (error instanceof FlowCompileError) return { ok: false, problems: error.problems }
    throw error
  }
}
