import { closest, type PathSegment, type Problem } from '../problems'
import { findField, isUniqueField, textTypes, type Field, type SchemaCatalog, type System, type Table } from '../schema/model'
import { fieldLabel } from '../schema/target-rules'
import { campaignEventTable } from '../schema/campaign-events'
import { FlowCompileError, compileFlow } from './compile'
import type { Flow, MappingDocument, RecordsFlow, EventsFlow, OptOutFlow, FieldMapping } from './document'
import type { Filter } from './filter'
import { kindOfType, kindOfValue } from './filters/kinds'
import { inferStep, isNumberType, producedBySource, type InferContext, type Produced } from './infer'
import { requiredLinks } from './links'
import type { Scalar, Step } from './steps'
import { fold } from './transforms/runtime'

/**
 * Checks a flow against the two schemas: everything that can be known before a record is
 * read. Each problem's path points into the document so the canvas can focus it, and each
 * message says what to do. Rules for the document's shape (duplicate targets, missing
 * "from") live in document.ts and are not repeated here.
 */

/** Adobe's documented limits for the integration it replaces (https://experienceleague.adobe.com/en/docs/campaign-standard/using/integrating-with-adobe-cloud/campaign-and-microsoft-dynamics-365/d365-acs-notices-and-recommendations). */
export const adobeLimits = {
  customResources: 20,
  columnsPerCustomResource: 50,
  linkedColumnsPerCustomResource: 5,
  /** table1 → table2 → table3: two links deep. */
  linkDepth: 2
} as const

export interface Fix {
  severity: 'error' | 'warning'
  message: string
  /** Steps that would fix it, appended to the field's steps. */
  steps?: Step[]
}

const q = (name: string) => `"${name}"`
const systemName = (system: System) => (system === 'dynamics' ? 'Dynamics' : 'Campaign')

function isCustomResource(table: Table | undefined, name: string): boolean {
  return table?.custom ?? /^cus[A-Z0-9]/.test(name)
}

/** A value map from the source's option labels to the target's enumeration values, matched by label or name. */
export function valueMapBetween(source: Field, target: Field): Step | undefined {
  if (!source.options?.length || !target.options?.length) return undefined
  const map: Record<string, Scalar> = {}
  for (const option of source.options) {
    const match = target.options.find((t) => fold(t.label) === fold(option.label) || fold(String(t.value)) === fold(option.label))
    if (match) map[String(option.value)] = match.value as Scalar
  }
  if (Object.keys(map).length === 0) return undefined
  const fallback = target.options.find(
    (t) => ['unknown', 'none', 'unspecified'].includes(fold(String(t.value))) || ['unknown', 'unspecified', 'none'].includes(fold(t.label))
  )
  return fallback ? { fn: 'valueMap', map, otherwise: fallback.value as Scalar } : { fn: 'valueMap', map }
}

/**
 * Whether what a mapping produces fits the target field, and the steps that would make it
 * fit. `source` is the mapping's first source field, for value maps between option sets.
 */
export function checkFit(produced: Produced, target: Field, targetSystem: System, source?: Field): Fix | undefined {
  const s = produced.type
  const t = target.type
  if (s === 'any' || t === 'unknown') return undefined
  const where = `${q(target.name)} is ${t}`
  if (t === 'collection')
    return { severity: 'error', message: `${q(target.name)} is a collection and cannot be written — map another field` }
  if (t === 'link' || (t === 'lookup' && targetSystem === 'campaign')) {
    return { severity: 'warning', message: `${q(target.name)} is a link: set it through the flow's "links" rather than a field mapping` }
  }
  if (t === 'enumeration' || (t === 'picklist' && targetSystem === 'dynamics') || t === 'multipicklist') {
    if (produced.values) return undefined // checked value by value elsewhere
    // A schema may describe a choice without its values (metadata read without them, a hand-made schema).
    const listed = (target.options ?? []).map((o) => JSON.stringify(o.value)).join(', ')
    const unlisted = ', which the schema does not list (check them in the target system)'
    if (s === 'picklist' || s === 'boolean' || s === 'multipicklist' || isNumberType(s)) {
      const map = source ? valueMapBetween(source, target) : undefined
      return {
        severity: 'error',
        message: `a ${s} feeds the ${t} ${q(target.name)} without a value map — add a "valueMap" from ${source ? q(source.name) : 'the source'}'s values to ${q(target.name)}'s${listed ? ` (${listed})` : unlisted}`,
        steps: [map ?? { fn: 'valueMap', map: {} }]
      }
    }
    if (t === 'picklist')
      return {
        severity: 'warning',
        message: `${where}: text is written as a label — add "optionValue" to turn labels into values`,
        steps: [{ fn: 'optionValue' }]
      }
    // Without listed values, "optionValue" has no labels to look up: a value map is the only fix.
    if (!listed)
      return {
        severity: 'warning',
        message: `${where}: only its own values are accepted${unlisted} — add a "valueMap"`,
        steps: [{ fn: 'valueMap', map: {} }]
      }
    return {
      severity: 'warning',
      message: `${where}: only ${listed} are accepted — add a "valueMap" or "optionValue"`,
      steps: [{ fn: 'optionValue' }]
    }
  }
  if (textTypes.has(t)) {
    if (s === 'picklist')
      return {
        severity: 'warning',
        message: `the option's number is written into ${q(target.name)} — add "optionLabel" to write its label instead`,
        steps: [{ fn: 'optionLabel' }]
      }
    if (s === 'boolean')
      return {
        severity: 'warning',
        message: `true/false is written into the text field ${q(target.name)} — add "booleanToText"`,
        steps: [{ fn: 'booleanToText', whenTrue: 'yes', whenFalse: 'no' }]
      }
    if (isNumberType(s))
      return {
        severity: 'warning',
        message: `a number is written into the text field ${q(target.name)} — add "formatNumber" to choose its form`,
        steps: [{ fn: 'formatNumber' }]
      }
    if (s === 'datetime')
      return {
        severity: 'warning',
        message: `a date-time is written as text into ${q(target.name)} — add "formatDate" to choose its form`,
        steps: [{ fn: 'formatDate', format: targetSystem === 'campaign' ? 'dateTime' : 'iso' }]
      }
    return undefined
  }
  if (isNumberType(t)) {
    if (isNumberType(s) || s === 'picklist') {
      if ((t === 'integer' || t === 'bigint') && (s === 'decimal' || s === 'money' || s === 'double')) {
        return {
          severity: 'warning',
          message: `${where}: fractions from the ${s} source are cut or refused — round them in an "expression" or map to a decimal field`
        }
      }
      return undefined
    }
    if (s === 'boolean')
      return {
        severity: 'error',
        message: `${where}, the source is a boolean — add a "valueMap" true → 1, false → 0`,
        steps: [{ fn: 'valueMap', map: { true: 1, false: 0 } }]
      }
    if (textTypes.has(s as never) || s === 'string')
      return { severity: 'error', message: `${where}, the value is text — add "parseNumber"`, steps: [{ fn: 'parseNumber' }] }
    return { severity: 'error', message: `${where}, the value is ${s} — convert it first (an "expression" can)` }
  }
  if (t === 'boolean') {
    if (s === 'boolean') return undefined
    if (textTypes.has(s as never) || isNumberType(s) || s === 'picklist') {
      return {
        severity: 'error',
        message: `${where}, the value is ${s} — add "toBoolean" (it reads yes/no, true/false, 1/0)`,
        steps: [{ fn: 'toBoolean' }]
      }
    }
    return { severity: 'error', message: `${where}, the value is ${s} — map it with "valueMap" to true and false` }
  }
  if (t === 'dateonly') {
    if (s === 'dateonly') return undefined
    if (s === 'datetime')
      return {
        severity: 'error',
        message: `${where} (YYYY-MM-DD), the value is a date-time — add "formatDate" with format "date" (the day in UTC, or set a zone)`,
        steps: [{ fn: 'formatDate', format: 'date' }]
      }
    if (textTypes.has(s as never))
      return {
        severity: 'error',
        message: `${where}, the value is text — add "parseDate" (with its format) and "formatDate" with format "date"`,
        steps: [{ fn: 'parseDate' }, { fn: 'formatDate', format: 'date' }]
      }
    return { severity: 'error', message: `${where}, the value is ${s}` }
  }
  if (t === 'datetime') {
    const want = targetSystem === 'campaign' ? 'campaign' : 'iso'
    const format = want === 'campaign' ? 'dateTime' : 'iso'
    if (s === 'datetime') {
      if ((produced.dateText ?? 'iso') === want) return undefined
      return {
        severity: 'warning',
        message: `${systemName(targetSystem)} writes date-times as ${want === 'campaign' ? '"YYYY-MM-DD HH:MM:SS.mmmZ"' : 'ISO 8601'} — add "formatDate" with format "${format}"`,
        steps: [{ fn: 'formatDate', format }]
      }
    }
    if (s === 'dateonly')
      return {
        severity: 'warning',
        message: `${where}, the value is a calendar date — add "formatDate" with format "${format}" (midnight UTC, or set a zone)`,
        steps: [{ fn: 'formatDate', format }]
      }
    if (textTypes.has(s as never))
      return {
        severity: 'error',
        message: `${where}, the value is text — add "parseDate" and "formatDate" with format "${format}"`,
        steps: [{ fn: 'parseDate' }, { fn: 'formatDate', format }]
      }
    return { severity: 'error', message: `${where}, the value is ${s}` }
  }
  if (t === 'uniqueidentifier' || t === 'lookup') {
    if (s === 'uniqueidentifier' || s === 'lookup' || textTypes.has(s as never)) return undefined
    return { severity: 'error', message: `${where}, the value is ${s} — map an id column` }
  }
  return undefined
}

/** The produced value after every step, for validation and the inspector. */
export function inferMapping(mapping: FieldMapping, ctx: InferContext): Produced[] {
  const from = mapping.from ?? []
  const first = ctx.source && from[0] ? findField(ctx.source, from[0]) : undefined
  let current: Produced = from.length === 0 ? { type: 'any' } : producedBySource(first, ctx.sourceSystem)
  if (ctx.picklists === 'labels' && (first?.type === 'picklist' || first?.type === 'multipicklist')) {
    // Read as its label (the formatted value): text, one of the option labels; value maps may key on the labels.
    current = {
      type: 'string',
      ...(first.type === 'picklist' && first.options?.length ? { values: first.options.map((o) => o.label) } : {}),
      options: first.options
    }
  }
  if (from.length > 1) current = { type: 'any' }
  const chain = [current]
  ;(mapping.steps ?? []).forEach((step, index) => {
    current = inferStep(current, step, index, from, ctx)
    chain.push(current)
  })
  return chain
}

interface FlowContext {
  base: PathSegment[]
  problems: Problem[]
  source?: Table
  target?: Table
  catalog: SchemaCatalog
  picklists?: 'values' | 'labels'
}

function add(ctx: FlowContext, severity: Problem['severity'], path: PathSegment[], message: string) {
  ctx.problems.push({ severity, path: [...ctx.base, ...path], message })
}

function unknownField(table: Table, name: string): string {
  const guess = closest(
    name,
    table.fields.map((f) => f.name)
  )
  const guessed = guess ? findField(table, guess) : undefined
  return `${q(name)} is not a field of ${systemName(table.system)} ${q(table.name)}${guessed ? ` — did you mean ${fieldLabel(guessed)}?` : ''}`
}

function resolveTable(ctx: FlowContext, system: System, name: string, path: PathSegment[]): Table | undefined {
  const table = ctx.catalog.find(system, name)
  if (table) return table
  const names = ctx.catalog.names?.(system)
  if (names) {
    const guess = closest(name, names)
    add(
      ctx,
      'error',
      path,
      `${systemName(system)} has no ${system === 'dynamics' ? 'table' : 'resource'} ${q(name)}${guess ? ` — did you mean ${q(guess)}?` : ''}`
    )
  } else {
    add(ctx, 'warning', path, `the schema of ${systemName(system)} ${q(name)} is not loaded — connect to check its fields`)
  }
  return undefined
}

const combining = new Set(['join', 'coalesce', 'expression', 'constant'])

function checkFields(
  ctx: FlowContext,
  fields: readonly FieldMapping[],
  sourceSystem: System,
  targetSystem: System,
  createOnlyKey?: string
) {
  const { source, target } = ctx
  fields.forEach((mapping, index) => {
    const at: PathSegment[] = ['fields', index]
    const from = mapping.from ?? []
    const steps = mapping.steps ?? []
    if (source) {
      from.forEach((name, i) => {
        if (!findField(source, name)) add(ctx, 'error', [...at, 'from', i], unknownField(source, name))
      })
    }
    if (from.length > 1 && !steps.some((s, i) => combining.has(s.fn) && (s.fn !== 'constant' || i === 0))) {
      add(
        ctx,
        'error',
        [...at, 'from'],
        `${from.length} source fields feed ${q(mapping.target)}, and a field takes one value — add a "join" or "coalesce" step, or keep one source`
      )
    }
    const targetField = target ? findField(target, mapping.target) : undefined
    if (target && !targetField) {
      add(ctx, 'error', [...at, 'target'], unknownField(target, mapping.target))
      return
    }
    if (targetField) {
      if (targetField.readOnly || (!targetField.validForCreate && !targetField.validForUpdate)) {
        add(
          ctx,
          'error',
          [...at, 'target'],
          `${fieldLabel(targetField)} is read-only in ${systemName(targetSystem)} (${systemName(targetSystem)} sets it) — map another field`
        )
        return
      }
      if (!targetField.validForUpdate && mapping.applyUpdates !== false && mapping.target !== createOnlyKey) {
        add(
          ctx,
          'warning',
          [...at, 'applyUpdates'],
          `${fieldLabel(targetField)} can be set only when a record is created — set "applyUpdates" to false`
        )
      }
      if (!targetField.validForCreate)
        add(ctx, 'warning', [...at, 'target'], `${q(mapping.target)} cannot be set on create; new records get it only on their next update`)
    }
    const sourceField = source && from[0] ? findField(source, from[0]) : undefined
    const chain = inferMapping(mapping, {
      source,
      sourceSystem: sourceSystem,
      target: targetField,
      catalog: ctx.catalog,
      picklists: ctx.picklists
    })
    const produced = chain[chain.length - 1]
    const stepPath = steps.length ? [...at, 'steps', steps.length - 1] : [...at]

    // Value maps against the source's options.
    steps.forEach((step, stepIndex) => {
      if (step.fn !== 'valueMap') return
      const before = chain[stepIndex]
      if (!before.options?.length) return
      const known = new Set(
        before.options.flatMap((o) => [String(o.value), ...(o.value === 1 ? ['true'] : o.value === 0 ? ['false'] : [])])
      )
      const unknownKeys = Object.keys(step.map).filter(
        (k) => !known.has(k.trim()) && !before.options!.some((o) => fold(o.label) === fold(k))
      )
      if (unknownKeys.length) {
        add(
          ctx,
          'warning',
          [...at, 'steps', stepIndex, 'map'],
          `${unknownKeys.map((k) => JSON.stringify(k)).join(', ')} ${unknownKeys.length === 1 ? 'is not an option' : 'are not options'} of ${q(from[0] ?? 'the source')} (${before.options.map((o) => `${o.value} ${o.label}`).join(', ')}) — check the keys`
        )
      }
      if (step.otherwise === undefined && !step.keepUnmatched && before.type !== 'boolean') {
        const missing = before.options.filter(
          (o) => !(String(o.value) in step.map) && !Object.keys(step.map).some((k) => fold(k) === fold(o.label))
        )
        if (missing.length) {
          add(
            ctx,
            'warning',
            [...at, 'steps', stepIndex, 'map'],
            `records with ${missing.map((o) => `${o.value} "${o.label}"`).join(', ')} will fail: no replacement — add ${missing.length === 1 ? 'it' : 'them'}, or set "otherwise"`
          )
        }
      }
      if (step.otherwise !== undefined && step.keepUnmatched) {
        add(
          ctx,
          'warning',
          [...at, 'steps', stepIndex, 'keepUnmatched'],
          '"otherwise" and "keepUnmatched" are both set; "otherwise" wins — remove one'
        )
      }
    })

    if (!targetField) return
    // Exact values against the target's options.
    if (produced.values && targetField.options?.length && (targetField.type === 'enumeration' || targetField.type === 'picklist')) {
      const allowed = new Set(targetField.options.map((o) => o.value))
      const bad = produced.values.filter((v) => v !== null && !allowed.has(v as string))
      if (bad.length) {
        add(
          ctx,
          'error',
          produced.valuesFrom !== undefined ? [...at, 'steps', produced.valuesFrom] : stepPath,
          `${bad.map((v) => JSON.stringify(v)).join(', ')} ${bad.length === 1 ? 'is not a value' : 'are not values'} of ${fieldLabel(targetField)} — use ${targetField.options.map((o) => JSON.stringify(o.value)).join(', ')}`
        )
      }
    }
    const fit = checkFit(produced, targetField, targetSystem, sourceField)
    if (fit) {
      const fixText = fit.steps?.length ? ` (suggested: ${fit.steps.map((s) => JSON.stringify(s)).join(', ')})` : ''
      add(ctx, fit.severity, stepPath, fit.message + fixText)
    }
    // Length.
    const max = targetField.maxLength
    if (max !== undefined && textTypes.has(targetField.type) && produced.maxLength !== undefined && produced.maxLength > max) {
      // A truncate step longer than the field cuts nothing that would fit: it is no fix.
      add(
        ctx,
        'warning',
        stepPath,
        produced.truncated
          ? `the "truncate" step cuts at ${produced.maxLength} characters and ${q(targetField.name)} holds ${max}; values longer than ${max} will fail — truncate at ${max}`
          : `values can be ${produced.maxLength} characters and ${q(targetField.name)} holds ${max}; longer records will fail — add a "truncate" step to cut them (with a warning)`
      )
    }
  })
}

function checkFilter(ctx: FlowContext, filter: Filter, path: PathSegment[]) {
  if ('all' in filter) return filter.all.forEach((f, i) => checkFilter(ctx, f, [...path, 'all', i]))
  if ('any' in filter) return filter.any.forEach((f, i) => checkFilter(ctx, f, [...path, 'any', i]))
  if ('not' in filter) return checkFilter(ctx, filter.not, [...path, 'not'])
  const table = ctx.source
  if (!table) return
  const field = findField(table, filter.field)
  if (!field) {
    if (!/[./]/.test(filter.field)) add(ctx, 'error', [...path, 'field'], unknownField(table, filter.field))
    return
  }
  const kind = kindOfType(field.type)
  const op = filter.op
  if ((op === 'contains' || op === 'startsWith' || op === 'endsWith') && kind !== 'string') {
    add(ctx, 'error', [...path, 'op'], `${op} compares text, and ${q(field.name)} is ${field.type} — use eq, in or a range`)
  }
  if ((op === 'gt' || op === 'ge' || op === 'lt' || op === 'le' || op === 'between') && (kind === 'boolean' || kind === 'guid')) {
    add(ctx, 'error', [...path, 'op'], `${q(field.name)} is ${field.type} and has no order — use eq or ne`)
  }
  if (op === 'lastXDays' && kind !== 'datetime' && kind !== 'dateonly')
    add(ctx, 'error', [...path, 'op'], `lastXDays needs a date, and ${q(field.name)} is ${field.type}`)
  const values: Array<[PathSegment[], Scalar]> =
    'value' in filter
      ? [[['value'], filter.value]]
      : 'values' in filter
        ? filter.values.map((v, i) => [['values', i], v])
        : 'from' in filter
          ? [
              [['from'], filter.from],
              [['to'], filter.to]
            ]
          : []
  if (op === 'contains' || op === 'startsWith' || op === 'endsWith') return
  for (const [at, value] of values) {
    if (value === null) continue
    const valueKind = kindOfValue(value)
    const fits =
      kind === 'unknown' ||
      valueKind === kind ||
      (kind === 'string' && typeof value === 'string') ||
      (kind === 'datetime' && valueKind === 'dateonly')
    if (!fits) {
      const example = {
        number: '42',
        boolean: 'true',
        datetime: '"2024-01-31T00:00:00Z"',
        dateonly: '"2024-01-31"',
        guid: '"00000000-0000-0000-0000-000000000000"',
        string: '"text"',
        unknown: ''
      }[kind]
      add(ctx, 'error', [...path, ...at], `${JSON.stringify(value)} does not fit ${q(field.name)} (${field.type}) — write it as ${example}`)
    } else if (kind === 'number' && field.options?.length && typeof value === 'number' && !field.options.some((o) => o.value === value)) {
      add(
        ctx,
        'warning',
        [...path, ...at],
        `${value} is not an option of ${q(field.name)} (${field.options.map((o) => `${o.value} ${o.label}`).join(', ')})`
      )
    }
  }
}

function linkDepth(document: MappingDocument, flow: RecordsFlow): number {
  let depth = 0
  let current: RecordsFlow | undefined = flow
  const seen = new Set<string>()
  while (current?.links?.length && !seen.has(current.id)) {
    seen.add(current.id)
    depth++
    const parentId: string = current.links[0].parentFlow
    current = document.flows.find((f): f is RecordsFlow => f.id === parentId && f.kind === 'records')
  }
  return depth
}

/**
 * ": its alternate key … is not active in Dynamics (…)" when `field` is the column of a key
 * Dynamics lists but does not enforce — its index not built, a failed one most often on
 * duplicate values (docs/validation.md, "Match keys"); else nothing.
 */
function inactiveKeyNote(table: Table, field: string): string {
  const key = table.inactiveKeys?.find((k) => k.fields.length === 1 && k.fields[0] === field)
  if (!key) return ''
  const todo =
    key.indexStatus === 'Failed'
      ? ', most often because the column holds duplicate values: remove them and reactivate the key'
      : ': wait until it is Active'
  return `: its alternate key ${q(key.name)} is not active in Dynamics (index ${key.indexStatus}${todo}; docs/validation.md)`
}

function checkRecordsFlow(ctx: FlowContext, document: MappingDocument, flow: RecordsFlow) {
  ctx.picklists = flow.sync?.picklists
  ctx.source = resolveTable(ctx, 'dynamics', flow.source.table, ['source', 'table'])
  ctx.target = resolveTable(ctx, 'campaign', flow.target.resource, ['target', 'resource'])
  const { source, target } = ctx
  // Deletions are known only through change tracking: without it Dataverse keeps no trace of a
  // deleted row, and a run reads what is there (docs/sync.md, "Dynamics source"). Matched on an
  // alternate key a deletion is applied by the key the flow last read for the row (source-keys.ts).
  if (source && flow.deletes?.applySourceDeletes && !source.changeTracking)
    add(
      ctx,
      'warning',
      ['deletes', 'applySourceDeletes'],
      `records deleted in Dynamics are not deleted from Campaign: ${q(source.name)} has no change tracking, and without it Dynamics keeps no trace of a deleted row — turn on "Track changes" for the table in Dynamics to apply them`
    )
  // Match key.
  if (source) {
    const field = findField(source, flow.match.source)
    if (!field) add(ctx, 'error', ['match', 'source'], unknownField(source, flow.match.source))
    else if (!isUniqueField(source, flow.match.source)) {
      add(
        ctx,
        'error',
        ['match', 'source'],
        `${q(flow.match.source)} is not unique in ${q(source.name)}${inactiveKeyNote(source, flow.match.source)} — match on ${q(source.primaryId ?? 'the primary id')} or an alternate key`
      )
    }
  }
  if (target) {
    const field = findField(target, flow.match.target)
    if (!field) add(ctx, 'error', ['match', 'target'], unknownField(target, flow.match.target))
    else {
      // Campaign's metadata does not say which fields are identification keys: the user confirms it.
      if (!isUniqueField(target, flow.match.target) && flow.match.identificationKey !== true) {
        add(
          ctx,
          'warning',
          ['match', 'target'],
          `${q(flow.match.target)} is not known to be an identification key of ${q(target.name)} — Campaign's metadata does not say. If it is one (unique, set on create), confirm it (Inspector → Match key, or "identificationKey": true); until then records are looked up through the filter by${flow.match.target.replace(/^cus/, '').replace(/^./, (c) => c.toUpperCase())}, which must exist`
        )
      }
      if (field.readOnly) add(ctx, 'error', ['match', 'target'], `${q(flow.match.target)} is read-only — the key must be written on create`)
      if (!textTypes.has(field.type) && field.type !== 'unknown')
        add(ctx, 'warning', ['match', 'target'], `${q(flow.match.target)} is ${field.type}; a Dynamics id is text — use a text field`)
    }
  }
  const keyMapping = flow.fields.findIndex((f) => f.target === flow.match.target)
  if (keyMapping >= 0) {
    const mapping = flow.fields[keyMapping]
    if (mapping.from?.length !== 1 || mapping.from[0] !== flow.match.source || (mapping.steps?.length ?? 0) > 0) {
      add(
        ctx,
        'warning',
        ['fields', keyMapping],
        `${q(flow.match.target)} is the match key and is set from ${q(flow.match.source)}; this mapping writes something else — remove it`
      )
    }
  }
  checkFields(ctx, flow.fields, 'dynamics', 'campaign', flow.match.target)
  // Required target fields.
  if (target) {
    const mapped = new Set([...flow.fields.map((f) => f.target), flow.match.target])
    for (const field of target.fields) {
      // Links are set by the flow's links (checked below), not by field mappings.
      if (field.required === 'required' && field.type !== 'link' && !field.readOnly && field.validForCreate && !mapped.has(field.name)) {
        add(
          ctx,
          'error',
          ['fields'],
          `${fieldLabel(field)} is required in ${q(target.name)} and nothing maps to it — add a mapping (a "constant" will do)`
        )
      }
    }
  }
  if (flow.filter) checkFilter(ctx, flow.filter, ['filter'])
  // Required links: a record of the resource cannot exist without its parent (e.g. "Vehicle owner").
  if (target) {
    const linked = new Set((flow.links ?? []).map((l) => l.target))
    for (const field of requiredLinks(target)) {
      if (linked.has(field.name)) continue
      const lookups =
        source?.fields.filter((f) => f.type === 'lookup' && (f.targets ?? []).includes('contact')).map((f) => f.readName ?? f.name) ?? []
      add(
        ctx,
        'error',
        ['links'],
        `${fieldLabel(field)} is a required link of ${q(target.name)} and nothing sets it — drop ${lookups.length ? `the lookup ${q(lookups[0])}` : "the source's lookup or id field"} on it on the canvas to link each record to its parent flow`
      )
    }
  }
  // Links.
  flow.links?.forEach((link, i) => {
    if (source && !findField(source, link.source)) add(ctx, 'error', ['links', i, 'source'], unknownField(source, link.source))
    if (target) {
      const field = findField(target, link.target)
      if (!field) add(ctx, 'error', ['links', i, 'target'], unknownField(target, link.target))
      else if (field.type !== 'link') add(ctx, 'error', ['links', i, 'target'], `${q(link.target)} is ${field.type}, not a link`)
    }
    const parent = document.flows.find((f) => f.id === link.parentFlow)
    if (!parent) {
      const guess = closest(
        link.parentFlow,
        document.flows.map((f) => f.id)
      )
      add(
        ctx,
        'error',
        ['links', i, 'parentFlow'],
        `no flow has the id ${q(link.parentFlow)}${guess ? ` — did you mean ${q(guess)}?` : ' — give the id of the flow that writes the parent records'}`
      )
    } else if (parent.id === flow.id)
      add(ctx, 'error', ['links', i, 'parentFlow'], 'a flow cannot be its own parent — link to the flow that writes the parent records')
    else if (parent.kind !== 'records')
      add(
        ctx,
        'error',
        ['links', i, 'parentFlow'],
        `${q(parent.id)} is ${parent.kind === 'events' ? 'an events' : 'an opt-out'} flow; a parent must be a records flow`
      )
  })
  // Adobe's documented limits.
  if (isCustomResource(target, flow.target.resource)) {
    const columns = new Set([...flow.fields.map((f) => f.target), flow.match.target]).size
    if (columns > adobeLimits.columnsPerCustomResource) {
      add(
        ctx,
        'warning',
        ['fields'],
        `${columns} columns: Adobe documents at most ${adobeLimits.columnsPerCustomResource} per custom resource — split the resource or map fewer fields`
      )
    }
    if ((flow.links?.length ?? 0) > adobeLimits.linkedColumnsPerCustomResource) {
      add(
        ctx,
        'warning',
        ['links'],
        `${flow.links!.length} links: Adobe documents at most ${adobeLimits.linkedColumnsPerCustomResource} linked columns per custom resource, each with a performance cost`
      )
    }
  }
  const depth = linkDepth(document, flow)
  if (depth > adobeLimits.linkDepth) {
    add(
      ctx,
      'warning',
      ['links'],
      `links go ${depth} levels deep; Adobe documents at most ${adobeLimits.linkDepth} (table1 → table2 → table3) — link to a nearer parent`
    )
  }
}

function checkEventsFlow(ctx: FlowContext, flow: EventsFlow) {
  ctx.target = resolveTable(ctx, 'dynamics', flow.target.table, ['target', 'table'])
  // Campaign publishes no metadata for its event logs: the events source's one shape stands in.
  ctx.source = ctx.catalog.find('campaign', flow.source.event) ?? campaignEventTable(flow.source.event)
  const { target } = ctx
  if (target) {
    if (!findField(target, flow.match.target)) add(ctx, 'error', ['match', 'target'], unknownField(target, flow.match.target))
    else if (flow.match.target === target.primaryId || !isUniqueField(target, flow.match.target)) {
      // Each event is an upsert addressed by this alternate key (src/main/sync/flows/activity-sink.ts):
      // without an active one on it, Dataverse refuses every write the plan and the preview showed.
      const written = `each event is written to ${q(target.name)} addressed by ${q(flow.match.target)} (a replayed event updates its activity)`
      const inactive = inactiveKeyNote(target, flow.match.target)
      add(
        ctx,
        'error',
        ['match', 'target'],
        inactive
          ? `${written}${inactive}`
          : `${written}, and it is not an alternate key of ${q(target.name)} — add one on it in Dynamics (docs/validation.md)`
      )
    }
    const regarding = findField(target, flow.contact.regarding)
    if (!regarding && !target.fields.some((f) => f.type === 'lookup' && flow.contact.regarding.startsWith(f.name))) {
      add(ctx, 'error', ['contact', 'regarding'], unknownField(target, flow.contact.regarding))
    }
  }
  checkFields(ctx, flow.fields, 'campaign', 'dynamics')
}

function checkOptOutFlow(ctx: FlowContext, flow: OptOutFlow) {
  const dynamics = resolveTable(ctx, 'dynamics', flow.source.table, ['source', 'table'])
  const campaign = resolveTable(ctx, 'campaign', flow.target.resource, ['target', 'resource'])
  flow.pairs.forEach((pair, i) => {
    for (const [table, name, key] of [
      [dynamics, pair.dynamics, 'dynamics'],
      [campaign, pair.campaign, 'campaign']
    ] as const) {
      if (!table) continue
      const field = findField(table, name)
      if (!field) add(ctx, 'error', ['pairs', i, key], unknownField(table, name))
      else if (field.type !== 'boolean') add(ctx, 'error', ['pairs', i, key], `${q(name)} is ${field.type}; opt-outs pair boolean fields`)
    }
  })
}

export interface ValidateOptions {
  /** Also compile the steps (regexes, time zones, expressions, option lists). Default true. */
  compile?: boolean
}

export function validateFlow(
  document: MappingDocument,
  flowIndex: number,
  catalog: SchemaCatalog,
  options: ValidateOptions = {}
): Problem[] {
  const flow: Flow = document.flows[flowIndex]
  const ctx: FlowContext = { base: ['flows', flowIndex], problems: [], catalog }
  if (flow.kind === 'records') checkRecordsFlow(ctx, document, flow)
  else if (flow.kind === 'events') checkEventsFlow(ctx, flow)
  else checkOptOutFlow(ctx, flow)
  if (flow.kind !== 'optOut' && options.compile !== false) {
    try {
      compileFlow(flow, { source: ctx.source, target: ctx.target, catalog, flowIndex })
    } catch (error) {
      if (!(error instanceof FlowCompileError)) throw error
      ctx.problems.push(...error.problems)
    }
  }
  return ctx.problems
}

/**
 * Link cycles (a → b → a): no order runs parents first, so each flow of a cycle is an error
 * at its first link into the cycle. Self-links and unknown parents are reported per flow.
 */
export function linkCycleProblems(document: MappingDocument): Problem[] {
  const problems: Problem[] = []
  const byId = new Map(document.flows.map((f, index) => [f.id, { flow: f, index }]))
  const parentsOf = (id: string): string[] => {
    const flow = byId.get(id)?.flow
    return flow?.kind === 'records' ? (flow.links ?? []).map((l) => l.parentFlow).filter((p) => p !== id && byId.has(p)) : []
  }
  for (const { flow, index } of byId.values()) {
    if (flow.kind !== 'records') continue
    ;(flow.links ?? []).forEach((link, i) => {
      if (link.parentFlow === flow.id || !byId.has(link.parentFlow)) return
      // Is there a path from the parent back to this flow?
      const path = [flow.id, link.parentFlow]
      const seen = new Set<string>([link.parentFlow])
      const walk = (id: string): boolean => {
        for (const next of parentsOf(id)) {
          if (next === flow.id) return true
          if (seen.has(next)) continue
          seen.add(next)
          path.push(next)
          if (walk(next)) return true
          path.pop()
        }
        return false
      }
      if (walk(link.parentFlow)) {
        problems.push({
          severity: 'error',
          path: ['flows', index, 'links', i, 'parentFlow'],
          message: `the links form a cycle (${[...path, flow.id].map(q).join(' → ')}): no flow can run before its parent — remove one of the links`
        })
      }
    })
  }
  return problems
}

/** Every flow, plus the rules across flows (link cycles, Adobe's limits on custom resources and 1:1 tables). */
export function validateMapping(document: MappingDocument, catalog: SchemaCatalog, options: ValidateOptions = {}): Problem[] {
  const problems = document.flows.flatMap((_, i) => validateFlow(document, i, catalog, options))
  problems.push(...linkCycleProblems(document))
  const records = document.flows
    .map((flow, index) => ({ flow, index }))
    .filter((x): x is { flow: RecordsFlow; index: number } => x.flow.kind === 'records')
  const custom = records.filter(({ flow }) => isCustomResource(catalog.find('campaign', flow.target.resource), flow.target.resource))
  if (custom.length > adobeLimits.customResources) {
    problems.push({
      severity: 'warning',
      path: ['flows'],
      message: `${custom.length} flows write custom resources; Adobe documents at most ${adobeLimits.customResources} custom entities`
    })
  }
  const bySource = new Map<string, number>()
  const byTarget = new Map<string, number>()
  for (const { flow, index } of records) {
    const earlierSource = bySource.get(flow.source.table)
    if (earlierSource !== undefined) {
      problems.push({
        severity: 'warning',
        path: ['flows', index, 'source', 'table'],
        message: `${q(flow.source.table)} is already synced by flows[${earlierSource}]; Adobe maps each table once — make sure the two flows do not write the same records`
      })
    } else bySource.set(flow.source.table, index)
    const earlierTarget = byTarget.get(flow.target.resource)
    if (earlierTarget !== undefined) {
      problems.push({
        severity: 'warning',
        path: ['flows', index, 'target', 'resource'],
        message: `${q(flow.target.resource)} is already written by flows[${earlierTarget}] — two flows writing one resource overwrite each other's fields`
      })
    } else byTarget.set(flow.target.resource, index)
  }
  return problems
}
