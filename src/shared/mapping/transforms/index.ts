import type { Step, StepName } from '../steps'
import { email, phone } from './contact'
import { formatDate, parseDate } from './dates'
import { expression } from './expression'
import { lookup } from './lookup'
import { booleanToText, formatNumber, parseNumber, toBoolean } from './numbers'
import { optionLabel, optionValue } from './options'
import { replace } from './regex'
import type { CompiledStep, StepContext } from './runtime'
import { join, lower, pad, split, substring, titleCase, trim, truncate, upper } from './text'
import { coalesce, constant, defaultValue, valueMap } from './values'

export * from './runtime'

type Factory<F extends StepName> = (step: Extract<Step, { fn: F }>, ctx: StepContext) => CompiledStep

/** One implementation per step name; the type makes a step added to steps.ts fail to compile here. */
export const stepFactories: { [F in StepName]: Factory<F> } = {
  trim,
  lower,
  upper,
  titleCase,
  join,
  split,
  substring,
  replace,
  pad,
  default: defaultValue,
  coalesce,
  constant,
  valueMap,
  parseNumber,
  formatNumber,
  toBoolean,
  booleanToText,
  parseDate,
  formatDate,
  optionLabel,
  optionValue,
  email,
  phone,
  lookup,
  truncate,
  expression
}

/** Compile one step; throws StepConfigError when its arguments cannot work. */
export function compileStep(step: Step, ctx: StepContext): CompiledStep {
  const factory = stepFactories[step.fn] as Factory<StepName>
  return factory(step as never, ctx)
}
