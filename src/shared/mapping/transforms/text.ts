import { MAX_PAD_LENGTH, type Step } from '../steps'
import { lengthIn } from '../../schema/target-rules'
import { cutText, StepConfigError, sync, toText, warn, type CompiledStep, type StepContext } from './runtime'

type StepOf<F extends Step['fn']> = Extract<Step, { fn: F }>

export function trim(_step: StepOf<'trim'>, ctx: StepContext): CompiledStep {
  return sync((v) => toText(v, ctx)?.trim() ?? null)
}

export function lower(_step: StepOf<'lower'>, ctx: StepContext): CompiledStep {
  return sync((v) => toText(v, ctx)?.toLowerCase() ?? null)
}

export function upper(_step: StepOf<'upper'>, ctx: StepContext): CompiledStep {
  return sync((v) => toText(v, ctx)?.toUpperCase() ?? null)
}

// A word starts at the beginning, after white space, a hyphen or an apostrophe: "o'brien-smith" → "O'Brien-Smith".
const wordStart = /(^|[\s\-'’])(\p{L})/gu
export function titleCase(_step: StepOf<'titleCase'>, ctx: StepContext): CompiledStep {
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    return text.toLowerCase().replace(wordStart, (_m, before: string, letter: string) => before + letter.toUpperCase())
  })
}

export function join(step: StepOf<'join'>, ctx: StepContext): CompiledStep {
  const separator = step.separator ?? ' '
  return sync((v) => {
    const parts = Array.isArray(v) ? v : [v]
    let out: string | null = null
    for (const part of parts) {
      const text = toText(part, ctx)
      if (text === null || text === '') continue
      out = out === null ? text : out + separator + text
    }
    return out
  })
}

export function split(step: StepOf<'split'>, ctx: StepContext): CompiledStep {
  if (step.separator === '') throw new StepConfigError('the separator is empty — give the text that separates the parts', ['separator'])
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    const parts = text.split(step.separator)
    const index = step.index < 0 ? parts.length + step.index : step.index
    return index >= 0 && index < parts.length ? parts[index] : null
  })
}

export function substring(step: StepOf<'substring'>, ctx: StepContext): CompiledStep {
  const { start, length } = step
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    // Code points, so a start or end never falls inside an emoji or other astral character.
    const points = Array.from(text)
    return points.slice(start, length === undefined ? undefined : start + length).join('')
  })
}

export function pad(step: StepOf<'pad'>, ctx: StepContext): CompiledStep {
  // The schema refuses it when a document is read; this guards steps built in code.
  if (step.length > MAX_PAD_LENGTH)
    throw new StepConfigError(`pad to at most ${MAX_PAD_LENGTH} characters (here ${step.length}) — no text column holds more`, ['length'])
  const char = step.char ?? ' '
  const end = step.side === 'end'
  return sync((v) => {
    const text = toText(v, ctx)
    if (text === null) return null
    return end ? text.padEnd(step.length, char) : text.padStart(step.length, char)
  })
}

export function truncate(step: StepOf<'truncate'>, ctx: StepContext): CompiledStep {
  const length = step.length ?? ctx.targetField?.maxLength
  if (length === undefined) {
    throw new StepConfigError(
      ctx.targetField
        ? `"${ctx.targetField.name}" has no length limit — give "length", or remove the step`
        : 'the target field\'s length is not known here — give "length"',
      ['length']
    )
  }
  // Counted as the target counts (Campaign: characters; Dataverse: UTF-16 units), so a value
  // that fits is kept whole: 50 emoji fit a 50-character Campaign field (docs/validation.md).
  const system = ctx.targetSystem ?? 'campaign'
  const measure = (text: string) => lengthIn(system, text)
  return sync((v, _record, rt) => {
    const text = toText(v, ctx)
    if (text === null || text.length <= length) return text
    const size = measure(text)
    if (size <= length) return text
    const cut = cutText(text, length, system === 'dynamics' ? 'units' : 'codePoints')
    warn(rt, ctx, `cut from ${size} to ${measure(cut)} characters`)
    return cut
  })
}
