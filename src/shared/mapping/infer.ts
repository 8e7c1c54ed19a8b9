import { findField, numberTypes, textTypes, type Field, type FieldType, type SchemaCatalog, type Table } from '../schema/model'
import type { Scalar, Step } from './steps'
import { formatHasTime } from './transforms/dates'
import { navigationOf } from './transforms/lookup'

/**
 * What a field mapping produces, worked out from the source schema and the steps without
 * running anything: the type, the longest text, and the exact values when a step fixes
 * them (constant, valueMap, booleanToText, optionLabel). Validation and auto-map read it.
 */

export type DateText = 'iso' | 'campaign'

export interface Produced {
  type: FieldType | 'any'
  /** For date-times: which text form (Dynamics ISO or Campaign `YYYY-MM-DD HH:MM:SS.mmmZ`). */
  dateText?: DateText
  maxLength?: number
  /** Every value the mapping can produce, when the steps pin them down. */
  values?: Scalar[]
  /** The step index that pinned `values`. */
  valuesFrom?: number
  /** Options of the source column, while the value is still its option value. */
  options?: Field['options']
  truncated?: boolean
}

function typeOfScalar(value: Scalar): FieldType | 'any' {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'decimal'
  if (typeof value === 'boolean') return 'boolean'
  return 'any'
}

function typeOfValues(values: readonly Scalar[]): FieldType | 'any' {
  const types = new Set(values.filter((v) => v !== null).map(typeOfScalar))
  if (types.size === 1) return [...types][0]
  if (types.size === 2 && types.has('integer') && types.has('decimal')) return 'decimal'
  return 'any'
}

const longest = (values: readonly Scalar[]) => values.reduce<number>((max, v) => (typeof v === 'string' ? Math.max(max, v.length) : max), 0)

export function producedBySource(field: Field | undefined, system: 'dynamics' | 'campaign'): Produced {
  if (!field) return { type: 'any' }
  return {
    type: field.type,
    maxLength: field.maxLength,
    // A field that states its date-time behaviour holds ISO 8601 UTC instants (Dynamics, and the
    // events source, which reads Campaign's log dates into ISO); Campaign resources write their own form.
    dateText: field.type === 'datetime' ? (system === 'dynamics' || field.dateBehavior === 'userLocal' ? 'iso' : 'campaign') : undefined,
    options: field.options
  }
}

export interface InferContext {
  source?: Table
  sourceSystem: 'dynamics' | 'campaign'
  target?: Field
  catalog?: SchemaCatalog
  /** The flow reads choice columns as labels (`sync.picklists: "labels"`). */
  picklists?: 'values' | 'labels'
}

export function inferStep(input: Produced, step: Step, index: number, from: readonly string[], ctx: InferContext): Produced {
  const text = (maxLength: number | undefined): Produced => ({
    type: input.type !== 'any' && textTypes.has(input.type as FieldType) ? input.type : 'string',
    maxLength
  })
  switch (step.fn) {
    case 'trim':
    case 'lower':
    case 'upper':
    case 'titleCase':
    case 'split':
      return text(input.maxLength)
    case 'join': {
      const lengths = from.map((name) => (ctx.source ? findField(ctx.source, name)?.maxLength : undefined))
      const all = lengths.every((l) => l !== undefined)
      const separator = step.separator ?? ' '
      return {
        type: 'string',
        maxLength:
          all && lengths.length ? lengths.reduce<number>((a, b) => a + (b ?? 0), 0) + separator.length * (lengths.length - 1) : undefined
      }
    }
    case 'substring':
      return text(
        step.length === undefined ? input.maxLength : input.maxLength === undefined ? step.length : Math.min(input.maxLength, step.length)
      )
    case 'replace':
      return text(step.replacement === '' ? input.maxLength : undefined)
    case 'pad':
      return text(input.maxLength === undefined ? undefined : Math.max(input.maxLength, step.length))
    case 'default': {
      const extra = typeof step.value === 'string' ? step.value.length : 0
      return {
        ...input,
        // A default longer than the cut before it: the cut no longer decides the length.
        ...(input.truncated && input.maxLength !== undefined && extra > input.maxLength ? { truncated: false } : {}),
        maxLength: input.maxLength === undefined ? undefined : Math.max(input.maxLength, extra),
        values: input.values ? [...input.values, step.value] : undefined
      }
    }
    case 'coalesce': {
      const fields = from.map((name) => (ctx.source ? findField(ctx.source, name) : undefined))
      const first = producedBySource(fields[0], ctx.sourceSystem)
      const lengths = fields.map((f) => f?.maxLength)
      return {
        ...first,
        options: undefined,
        maxLength: lengths.every((l) => l !== undefined) && lengths.length ? Math.max(...(lengths as number[])) : undefined
      }
    }
    case 'constant':
      return {
        type: typeOfScalar(step.value),
        maxLength: typeof step.value === 'string' ? step.value.length : undefined,
        values: [step.value],
        valuesFrom: index
      }
    case 'valueMap': {
      if (step.keepUnmatched && step.otherwise === undefined) {
        const mapped = Object.values(step.map)
        return { type: input.type, maxLength: input.maxLength === undefined ? undefined : Math.max(input.maxLength, longest(mapped)) }
      }
      const values = [...Object.values(step.map), ...(step.otherwise !== undefined ? [step.otherwise] : [])]
      return { type: typeOfValues(values), maxLength: longest(values), values, valuesFrom: index }
    }
    case 'parseNumber':
      return { type: 'decimal' }
    case 'formatNumber':
      return { type: 'string' }
    case 'toBoolean':
      return { type: 'boolean' }
    case 'booleanToText': {
      const values = [step.whenTrue, step.whenFalse]
      return { type: typeOfValues(values), maxLength: longest(values), values, valuesFrom: index }
    }
    case 'parseDate': {
      if (step.format !== undefined) return formatHasTime(step.format) ? { type: 'datetime', dateText: 'iso' } : { type: 'dateonly' }
      return input.type === 'dateonly' ? { type: 'dateonly' } : { type: 'datetime', dateText: 'iso' }
    }
    case 'formatDate':
      if (step.format === 'date') return { type: 'dateonly', maxLength: 10 }
      if (step.format === 'dateTime') return { type: 'datetime', dateText: 'campaign', maxLength: 24 }
      if (step.format === 'iso')
        return input.type === 'dateonly' ? { type: 'dateonly', maxLength: 10 } : { type: 'datetime', dateText: 'iso' }
      return { type: 'string' }
    case 'optionLabel': {
      const labels = step.labels ? Object.values(step.labels) : (input.options ?? []).map((o) => o.label)
      return {
        type: 'string',
        maxLength: labels.length ? longest(labels) : undefined,
        values: labels.length ? labels : undefined,
        valuesFrom: index
      }
    }
    case 'optionValue': {
      const values = step.values ? Object.values(step.values) : (ctx.target?.options ?? input.options ?? []).map((o) => o.value as Scalar)
      return { type: values.length ? typeOfValues(values) : 'any', values: values.length ? values : undefined, valuesFrom: index }
    }
    case 'email':
      return { type: 'email', maxLength: input.maxLength }
    case 'phone':
      return { type: 'phone', maxLength: input.maxLength === undefined ? undefined : Math.max(16, input.maxLength) }
    case 'lookup': {
      const column = from[0] ? (ctx.source ? findField(ctx.source, from[0]) : undefined) : undefined
      const related = column?.targets?.length === 1 && ctx.catalog ? ctx.catalog.find('dynamics', column.targets[0]) : undefined
      const field = related ? findField(related, step.field.split(/[./]/)[0]) : undefined
      return field ? producedBySource(field, 'dynamics') : { type: 'any' }
    }
    case 'truncate': {
      // Cut at its length, or the target's; never longer than what comes in (a cut at 100 of 50 characters is 50).
      const cut = step.length ?? ctx.target?.maxLength ?? input.maxLength
      const maxLength = cut !== undefined && input.maxLength !== undefined ? Math.min(cut, input.maxLength) : (cut ?? input.maxLength)
      return { ...text(maxLength), truncated: true }
    }
    case 'expression':
      return { type: 'any' }
  }
}

/** The navigation property of a lookup step's column (exported for messages). */
export { navigationOf }

export function isNumberType(type: FieldType | 'any'): boolean {
  return type !== 'any' && numberTypes.has(type)
}
