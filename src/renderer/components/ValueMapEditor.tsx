import { Button, Caption1, Select } from '@fluentui/react-components'
import { AddRegular, DeleteRegular, SparkleRegular } from '@fluentui/react-icons'
import { valueMapBetween } from '../../shared/mapping/engine'
import type { Scalar, Step } from '../../shared/mapping/steps'
import type { Field } from '../../shared/schema/model'
import { DraftInput, formatScalar, parseScalar } from './DraftInput'

type ValueMapStep = Extract<Step, { fn: 'valueMap' }>

/**
 * A value map as a table: one row per source option (its label shown), the target value
 * picked from the target's enumeration, plus what unmatched values become. Without option
 * lists on either side, keys and values are typed.
 */
export function ValueMapEditor({
  step,
  source,
  target,
  onChange
}: {
  step: ValueMapStep
  source: Field | undefined
  target: Field | undefined
  onChange: (step: ValueMapStep) => void
}) {
  const sourceOptions = source?.options ?? []
  const targetOptions = target?.options ?? []
  const keys = [...new Set([...sourceOptions.map((o) => String(o.value)), ...Object.keys(step.map)])]
  const labelOf = (key: string) => sourceOptions.find((o) => String(o.value) === key)?.label
  const setEntry = (key: string, value: Scalar | undefined) => {
    const map = { ...step.map }
    if (value === undefined) delete map[key]
    else map[key] = value
    onChange({ ...step, map })
  }
  const renameKey = (from: string, to: string) => {
    if (!to || to === from) return
    const map: Record<string, Scalar> = {}
    for (const [k, v] of Object.entries(step.map)) map[k === from ? to : k] = v
    onChange({ ...step, map })
  }
  const targetPicker = (value: Scalar | undefined, label: string, set: (v: Scalar | undefined) => void, emptyLabel: string) =>
    targetOptions.length ? (
      <Select
        size="small"
        aria-label={label}
        value={value === undefined ? '' : String(value)}
        onChange={(_e, d) => set(d.value === '' ? undefined : (targetOptions.find((o) => String(o.value) === d.value)?.value as Scalar))}
      >
        <option value="">{emptyLabel}</option>
        {value !== undefined && !targetOptions.some((o) => String(o.value) === String(value)) && (
          <option value={String(value)}>{String(value)} (not an option)</option>
        )}
        {targetOptions.map((o) => (
          <option key={String(o.value)} value={String(o.value)}>
            {String(o.value) === o.label ? o.label : `${o.label} (${String(o.value)})`}
          </option>
        ))}
      </Select>
    ) : (
      <DraftInput
        size="small"
        aria-label={label}
        placeholder={emptyLabel}
        value={formatScalar(value)}
        onCommit={(t) => set(t === '' ? undefined : parseScalar(t))}
      />
    )
  const suggestion = source && target ? valueMapBetween(source, target) : undefined
  return (
    <div className="ss-valuemap">
      <table aria-label={`Value map${source ? ` from ${source.name}` : ''}${target ? ` to ${target.name}` : ''}`}>
        <thead>
          <tr>
            <th scope="col">Source value</th>
            <th scope="col">Target value</th>
            <th scope="col" aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key}>
              <td>
                {labelOf(key) !== undefined ? (
                  <span>
                    {labelOf(key)} <span className="ss-mono ss-quiet">{key}</span>
                  </span>
                ) : (
                  <DraftInput size="small" aria-label={`Source value ${key}`} value={key} onCommit={(t) => renameKey(key, t)} />
                )}
              </td>
              <td>{targetPicker(step.map[key], `Target value for ${labelOf(key) ?? key}`, (v) => setEntry(key, v), '(unmapped)')}</td>
              <td>
                {key in step.map && (
                  <Button
                    size="small"
                    appearance="subtle"
                    icon={<DeleteRegular />}
                    aria-label={`Remove the entry for ${labelOf(key) ?? key}`}
                    onClick={() => setEntry(key, undefined)}
                  />
                )}
              </td>
            </tr>
          ))}
          <tr>
            <td>
              <Caption1>Anything else</Caption1>
            </td>
            <td>
              {targetPicker(
                step.otherwise,
                'Value for unmatched source values',
                (v) => {
                  const next = { ...step }
                  if (v === undefined) delete next.otherwise
                  else next.otherwise = v
                  onChange(next)
                },
                step.keepUnmatched ? '(kept as is)' : '(fails the record)'
              )}
            </td>
            <td />
          </tr>
        </tbody>
      </table>
      <div className="ss-valuemap__actions">
        {!sourceOptions.length && (
          <Button size="small" icon={<AddRegular />} onClick={() => setEntry(`value${Object.keys(step.map).length + 1}`, '')}>
            Add entry
          </Button>
        )}
        {suggestion?.fn === 'valueMap' && (
          <Button
            size="small"
            icon={<SparkleRegular />}
            onClick={() =>
              onChange({ ...step, map: { ...suggestion.map, ...step.map }, otherwise: step.otherwise ?? suggestion.otherwise })
            }
          >
            Fill by matching labels
          </Button>
        )}
      </div>
    </div>
  )
}
