import type { Option } from '../../schema/model'
import type { Step } from '../steps'
import { fail, fold, show, StepConfigError, sync, type CompiledStep, type StepContext } from './runtime'

type StepOf<F extends Step['fn']> = Extract<Step, { fn: F }>

/**
 * Choices travel as values (Dynamics: 1, 2; Campaign: "male") and are shown as labels. The
 * options come from the step when given, else from the schema: optionLabel reads the source
 * column's options; optionValue writes the target's (a Dynamics choice or a Campaign
 * enumeration), falling back to the source's.
 */

function labelTable(options: readonly Option[] | undefined, given: Record<string, string> | undefined): Map<unknown, string> | undefined {
  const table = new Map<unknown, string>()
  if (given) {
    for (const [key, label] of Object.entries(given)) {
      table.set(key, label)
      if (key.trim() !== '' && Number.isFinite(Number(key))) table.set(Number(key), label)
    }
    return table
  }
  if (!options || options.length === 0) return undefined
  for (const option of options) {
    table.set(option.value, option.label)
    table.set(String(option.value), option.label)
    // Boolean columns list their options as 1/0.
    if (option.value === 1) table.set(true, option.label)
    if (option.value === 0) table.set(false, option.label)
  }
  return table
}

export function optionLabel(step: StepOf<'optionLabel'>, ctx: StepContext): CompiledStep {
  const table = labelTable(ctx.sourceField?.options, step.labels)
  if (!table) {
    throw new StepConfigError(
      ctx.sourceField
        ? `"${ctx.sourceField.name}" has no options — give "labels", or remove the step`
        : 'the source field\'s options are not known here — give "labels"',
      ['labels']
    )
  }
  const multi = ctx.sourceField?.type === 'multipicklist'
  const one = (value: unknown, input: unknown): string => {
    const label = table.get(value)
    if (label === undefined)
      return fail(ctx, `${show(value)} is not an option of "${ctx.from[0] ?? 'the source'}" — add it to "labels"`, input)
    return label
  }
  return sync((v) => {
    // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null and '' are caught by the nothing-in tests
    if (v === null || v === undefined || v === '') return null
    // Dynamics returns a multi-select choice as "1,3".
    if (multi && typeof v === 'string')
      return (
        v
          .split(',')
          // Stryker disable next-line MethodExpression: Number reads the digits with the spaces around them all the same; the trim says what is meant
          .map((part) => one(Number(part.trim()), v))
          .join('; ')
      )
    return one(v, v)
  })
}

export function optionValue(step: StepOf<'optionValue'>, ctx: StepContext): CompiledStep {
  const table = new Map<string, number | string | boolean>()
  const exact = new Map<unknown, number | string | boolean>()
  if (step.values) {
    for (const [label, value] of Object.entries(step.values)) {
      table.set(fold(label), value)
      exact.set(value, value)
    }
  } else {
    const options = ctx.targetField?.options?.length ? ctx.targetField.options : ctx.sourceField?.options
    if (!options?.length) {
      throw new StepConfigError('the options are not known here (neither the target nor the source field has any) — give "values"', [
        'values'
      ])
    }
    for (const option of options) {
      if (!table.has(fold(option.label))) table.set(fold(option.label), option.value)
      exact.set(option.value, option.value)
      // A value given as its API name or stored code is already a value.
      if (typeof option.value === 'string' && !table.has(fold(option.value))) table.set(fold(option.value), option.value)
    }
  }
  return sync((v) => {
    if (v === null || v === undefined || v === '') return null
    const same = exact.get(v)
    if (same !== undefined) return same
    if (typeof v !== 'string') return fail(ctx, `${show(v)} is not a label`, v)
    const value = table.get(fold(v))
    if (value === undefined) return fail(ctx, `no option is labelled ${show(v)} — add it to "values", or map it with "valueMap"`, v)
    return value
  })
}
