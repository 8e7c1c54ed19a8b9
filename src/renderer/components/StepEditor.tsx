import { Button, Caption1, Field as FluentField, Select, Switch } from '@fluentui/react-components'
import { ArrowDownRegular, ArrowUpRegular, DeleteRegular } from '@fluentui/react-icons'
import type { z } from 'zod'
import { stepDescriptions, stepSchemas, type Step } from '../../shared/mapping/steps'
import type { Field } from '../../shared/schema/model'
import { DraftInput, formatScalar, parseScalar } from './DraftInput'
import { ValueMapEditor } from './ValueMapEditor'

/**
 * One step of a mapping with its arguments, each edited by the input its schema asks for
 * (read from the same zod schema the file format uses, so a new argument shows up here).
 */

type Def = { type: string; innerType?: z.ZodType; entries?: Record<string, string>; options?: z.ZodType[]; element?: z.ZodType }
const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def

function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let current = schema
  let optional = false
  while (defOf(current).type === 'optional' || defOf(current).type === 'default') {
    optional = true
    current = defOf(current).innerType!
  }
  return { schema: current, optional }
}

function ArgEditor({
  name,
  schema,
  value,
  label,
  onChange
}: {
  name: string
  schema: z.ZodType
  value: unknown
  label: string
  onChange: (value: unknown) => void
}) {
  const { schema: inner, optional } = unwrap(schema)
  const def = defOf(inner)
  const hint = optional ? 'optional' : undefined
  switch (def.type) {
    case 'boolean':
      return (
        <Switch
          label={name}
          checked={value === true}
          onChange={(_e, d) => onChange(d.checked ? true : optional ? undefined : false)}
          aria-label={label}
        />
      )
    case 'enum': {
      const options = Object.values(def.entries ?? {})
      return (
        <FluentField label={name} hint={hint} size="small">
          <Select
            size="small"
            aria-label={label}
            value={value === undefined ? '' : String(value)}
            onChange={(_e, d) => onChange(d.value === '' ? undefined : d.value)}
          >
            {optional && <option value="">(default)</option>}
            {options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </Select>
        </FluentField>
      )
    }
    case 'number':
      return (
        <FluentField label={name} hint={hint} size="small">
          <DraftInput
            size="small"
            type="number"
            aria-label={label}
            value={value === undefined ? '' : String(value)}
            onCommit={(t) => onChange(t.trim() === '' ? undefined : Number(t))}
          />
        </FluentField>
      )
    case 'string':
      return (
        <FluentField label={name} hint={hint} size="small">
          <DraftInput
            size="small"
            aria-label={label}
            value={typeof value === 'string' ? value : ''}
            onCommit={(t) => onChange(t === '' && optional ? undefined : t)}
          />
        </FluentField>
      )
    case 'array':
      return (
        <FluentField label={name} hint="comma separated" size="small">
          <DraftInput
            size="small"
            aria-label={label}
            value={Array.isArray(value) ? value.join(', ') : ''}
            onCommit={(t) => {
              const list = t
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean)
              onChange(list.length ? list : undefined)
            }}
          />
        </FluentField>
      )
    case 'record':
      return (
        <FluentField label={name} hint='JSON object, e.g. {"1": "Gold"}' size="small">
          <DraftInput
            size="small"
            aria-label={label}
            value={value === undefined ? '' : JSON.stringify(value)}
            onCommit={(t) => {
              if (t.trim() === '') return onChange(undefined)
              try {
                onChange(JSON.parse(t))
              } catch {
                /* left as it was: the text is not JSON */
              }
            }}
          />
        </FluentField>
      )
    default:
      // A scalar (text, number, true/false or null).
      return (
        <FluentField label={name} hint='text; 12, true, false, null keep their type; "12" is text' size="small">
          <DraftInput
            size="small"
            aria-label={label}
            value={formatScalar(value)}
            onCommit={(t) => onChange(t === '' && optional ? undefined : parseScalar(t))}
          />
        </FluentField>
      )
  }
}

export function StepEditor({
  step,
  index,
  count,
  target,
  source,
  targetField,
  selected,
  traceOutput,
  onChange,
  onRemove,
  onMove,
  onSelect
}: {
  step: Step
  index: number
  count: number
  target: string
  source: Field | undefined
  targetField: Field | undefined
  selected: boolean
  traceOutput: { output?: unknown; error?: string } | undefined
  onChange: (step: Step) => void
  onRemove: () => void
  onMove: (by: -1 | 1) => void
  onSelect: () => void
}) {
  const schema = stepSchemas.find((s) => s.shape.fn.value === step.fn)
  const shape = (schema?.shape ?? {}) as Record<string, z.ZodType>
  const args = Object.entries(shape).filter(([key]) => key !== 'fn' && !(step.fn === 'valueMap' && (key === 'map' || key === 'otherwise')))
  const set = (key: string, value: unknown) => {
    const next: Record<string, unknown> = { ...step }
    if (value === undefined) delete next[key]
    else next[key] = value
    onChange(next as Step)
  }
  return (
    <li
      className={`ss-step${selected ? ' ss-step--selected' : ''}`}
      aria-label={`Step ${index + 1}: ${step.fn}`}
      onFocus={onSelect}
      onClick={onSelect}
    >
      <div className="ss-step__head">
        <span className="ss-chip">
          {index + 1}. {step.fn}
        </span>
        <span className="ss-step__actions">
          <Button
            size="small"
            appearance="subtle"
            icon={<ArrowUpRegular />}
            aria-label={`Move step ${index + 1} up`}
            disabled={index === 0}
            onClick={() => onMove(-1)}
          />
          <Button
            size="small"
            appearance="subtle"
            icon={<ArrowDownRegular />}
            aria-label={`Move step ${index + 1} down`}
            disabled={index === count - 1}
            onClick={() => onMove(1)}
          />
          <Button
            size="small"
            appearance="subtle"
            icon={<DeleteRegular />}
            aria-label={`Remove step ${index + 1} (${step.fn}) of ${target}`}
            onClick={onRemove}
          />
        </span>
      </div>
      <Caption1 className="ss-quiet">{stepDescriptions[step.fn]}</Caption1>
      {args.map(([key, argSchema]) => (
        <ArgEditor
          key={key}
          name={key}
          schema={argSchema}
          value={(step as Record<string, unknown>)[key]}
          label={`${key} of step ${index + 1}`}
          onChange={(value) => set(key, value)}
        />
      ))}
      {step.fn === 'valueMap' && <ValueMapEditor step={step} source={source} target={targetField} onChange={onChange} />}
      {traceOutput && (
        <Caption1 className={`ss-step__trace${traceOutput.error ? ' ss-step__trace--error' : ''}`}>
          {traceOutput.error ? `✕ ${traceOutput.error}` : `→ ${JSON.stringify(traceOutput.output)}`}
        </Caption1>
      )}
    </li>
  )
}
