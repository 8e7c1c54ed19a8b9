import { Button, Caption1, Select } from '@fluentui/react-components'
import { DescriptionTooltip } from '../components/DescriptionTooltip'
import { AddRegular, DeleteRegular, EditRegular, FilterRegular } from '@fluentui/react-icons'
import { Position, type Node, type NodeProps } from '@xyflow/react'
import { PassiveHandle } from './PassiveHandle'
import { memo, useMemo } from 'react'
import type { Condition, Filter, FilterOp } from '../../shared/mapping/filter'
import { describeFilter, translateFilter } from '../../shared/mapping/engine'
import { filterPlacement } from '../../shared/mapping/filter-placement'
import { kindOfType, type Kind } from '../../shared/mapping/filters'
import type { Scalar } from '../../shared/mapping/steps'
import { findField, type Field, type Table } from '../../shared/schema/model'
import { DraftInput, formatScalar, parseScalar } from '../components/DraftInput'
import { setFilter } from '../state/mapping-edits'
import { useDocumentStore } from '../state/document-store'
import type { Severity } from '../state/flow-schema'
import { useCanvasStore } from '../state/canvas-store'
import { useLayoutStore } from '../state/layout-store'
import { NODE_WIDTH } from './FieldNode'

/**
 * The flow's filter, attached to the source: a list of conditions that must all hold, each
 * offering the operators its field's type allows, and what Dataverse is asked ($filter)
 * versus what stays local, straight from the engine's translation.
 */

export interface FilterNodeData extends Record<string, unknown> {
  flowId: string
  filter: Filter | undefined
  table: Table | undefined
  severity: Severity | undefined
}
export type FilterNodeType = Node<FilterNodeData, 'filter'>

const opLabels: Record<FilterOp, string> = {
  eq: 'equals',
  ne: 'does not equal',
  gt: 'greater than',
  ge: 'at least',
  lt: 'less than',
  le: 'at most',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
  in: 'is one of',
  notIn: 'is none of',
  null: 'does not contain data',
  notNull: 'contains data',
  lastXDays: 'in the last … days',
  between: 'between'
}

/** The operators a field of this kind can be filtered with. */
export function opsFor(kind: Kind): FilterOp[] {
  switch (kind) {
    case 'string':
      return ['eq', 'ne', 'contains', 'startsWith', 'endsWith', 'in', 'notIn', 'null', 'notNull']
    case 'number':
      return ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'between', 'in', 'notIn', 'null', 'notNull']
    case 'boolean':
      return ['eq', 'ne', 'null', 'notNull']
    case 'datetime':
    case 'dateonly':
      return ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'between', 'lastXDays', 'null', 'notNull']
    case 'guid':
      return ['eq', 'ne', 'in', 'notIn', 'null', 'notNull']
    default:
      return ['eq', 'ne', 'null', 'notNull']
  }
}

export function partsOf(filter: Filter | undefined): Filter[] {
  if (!filter) return []
  if ('all' in filter) return filter.all
  return [filter]
}

const isCondition = (filter: Filter): filter is Condition => 'op' in filter

function initialValue(field: Field | undefined): Scalar {
  if (!field) return ''
  if (field.options?.length) return field.options[0].value as Scalar
  const kind = kindOfType(field.type)
  return kind === 'number'
    ? 0
    : kind === 'boolean'
      ? false
      : kind === 'dateonly' || kind === 'datetime'
        ? new Date().toISOString().slice(0, 10)
        : ''
}

/** A condition moved to another operator keeps what it can of its value. */
export function withOp(condition: Condition, op: FilterOp, field: Field | undefined): Condition {
  const value: Scalar =
    'value' in condition
      ? condition.value
      : 'values' in condition
        ? condition.values[0]
        : 'from' in condition
          ? condition.from
          : initialValue(field)
  switch (op) {
    case 'null':
    case 'notNull':
      return { field: condition.field, op }
    case 'in':
    case 'notIn':
      return { field: condition.field, op, values: [value] }
    case 'lastXDays':
      return { field: condition.field, op, days: 30 }
    case 'between':
      return { field: condition.field, op, from: value, to: value }
    default:
      return { field: condition.field, op, value }
  }
}

function ValueInput({
  field,
  value,
  label,
  onCommit
}: {
  field: Field | undefined
  value: Scalar
  label: string
  onCommit: (value: Scalar) => void
}) {
  const kind = field ? kindOfType(field.type) : 'unknown'
  if (field?.options?.length) {
    return (
      <Select
        size="small"
        aria-label={label}
        value={String(value)}
        onChange={(_e, d) => onCommit(field.options!.find((o) => String(o.value) === d.value)?.value as Scalar)}
      >
        {!field.options.some((o) => String(o.value) === String(value)) && <option value={String(value)}>{String(value)}</option>}
        {field.options.map((o) => (
          <option key={String(o.value)} value={String(o.value)}>
            {o.label} ({String(o.value)})
          </option>
        ))}
      </Select>
    )
  }
  if (kind === 'boolean') {
    return (
      <Select size="small" aria-label={label} value={String(value)} onChange={(_e, d) => onCommit(d.value === 'true')}>
        <option value="true">true</option>
        <option value="false">false</option>
      </Select>
    )
  }
  return (
    <DraftInput
      size="small"
      aria-label={label}
      value={kind === 'number' ? String(value ?? '') : typeof value === 'string' ? value : formatScalar(value)}
      onCommit={(text) =>
        onCommit(
          kind === 'number'
            ? Number.isFinite(Number(text)) && text.trim() !== ''
              ? Number(text)
              : text
            : kind === 'string' || kind === 'guid' || kind === 'dateonly' || kind === 'datetime'
              ? text
              : parseScalar(text)
        )
      }
    />
  )
}

function ConditionEditor({
  condition,
  table,
  index,
  onChange,
  onRemove
}: {
  condition: Condition
  table: Table | undefined
  index: number
  onChange: (c: Condition) => void
  onRemove: () => void
}) {
  const field = table ? findField(table, condition.field) : undefined
  const kind = field ? kindOfType(field.type) : 'unknown'
  const ops = opsFor(kind)
  const fields = useMemo(
    () => (table ? [...table.fields].filter((f) => f.type !== 'collection').sort((a, b) => a.name.localeCompare(b.name)) : []),
    [table]
  )
  const n = index + 1
  return (
    <div className="ss-condition" role="group" aria-label={`Condition ${n}`}>
      <div className="ss-condition__line">
        <Select
          size="small"
          aria-label={`Field of condition ${n}`}
          value={condition.field}
          onChange={(_e, d) => {
            const next = table ? findField(table, d.value) : undefined
            const nextOps = opsFor(next ? kindOfType(next.type) : 'unknown')
            const base: Condition = { field: d.value, op: 'notNull' }
            onChange(
              withOp(
                base,
                nextOps.includes(condition.op) && condition.op !== 'eq' ? condition.op : nextOps.includes('eq') ? 'eq' : 'notNull',
                next
              )
            )
          }}
        >
          {!field && <option value={condition.field}>{condition.field}</option>}
          {fields.map((f) => (
            <option key={f.name} value={f.name}>
              {f.name}
            </option>
          ))}
        </Select>
        <Select
          size="small"
          aria-label={`Operator of condition ${n}`}
          value={condition.op}
          onChange={(_e, d) => onChange(withOp(condition, d.value as FilterOp, field))}
        >
          {!ops.includes(condition.op) && <option value={condition.op}>{opLabels[condition.op]}</option>}
          {ops.map((op) => (
            <option key={op} value={op}>
              {opLabels[op]}
            </option>
          ))}
        </Select>
        <Button size="small" appearance="subtle" icon={<DeleteRegular />} aria-label={`Remove condition ${n}`} onClick={onRemove} />
      </div>
      {'value' in condition && (
        <ValueInput
          field={field}
          value={condition.value}
          label={`Value of condition ${n}`}
          onCommit={(value) => onChange({ ...condition, value })}
        />
      )}
      {'values' in condition && (
        <DraftInput
          size="small"
          aria-label={`Values of condition ${n} (comma separated)`}
          value={condition.values.map((v) => String(v)).join(', ')}
          onCommit={(text) => {
            const values = text
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean)
              .map((t) => (kind === 'number' && Number.isFinite(Number(t)) ? Number(t) : t))
            if (values.length) onChange({ ...condition, values })
          }}
        />
      )}
      {'days' in condition && (
        <DraftInput
          size="small"
          type="number"
          aria-label={`Days of condition ${n}`}
          value={String(condition.days)}
          onCommit={(t) => Number(t) >= 1 && onChange({ ...condition, days: Math.round(Number(t)) })}
        />
      )}
      {'from' in condition && (
        <div className="ss-condition__line">
          <ValueInput
            field={field}
            value={condition.from}
            label={`From of condition ${n}`}
            onCommit={(from) => onChange({ ...condition, from })}
          />
          <ValueInput field={field} value={condition.to} label={`To of condition ${n}`} onCommit={(to) => onChange({ ...condition, to })} />
        </div>
      )}
    </div>
  )
}

export function FilterBuilder({ flowId, filter, table }: { flowId: string; filter: Filter | undefined; table: Table | undefined }) {
  const edit = useDocumentStore((state) => state.edit)
  // Only a Dynamics source is asked with $filter; Campaign events are filtered by the app as they are read.
  const fromDynamics = useDocumentStore((state) => state.document?.flows.find((f) => f.id === flowId)?.source.system !== 'campaign')
  const parts = partsOf(filter)
  const translation = useMemo(() => translateFilter(filter, { table }), [filter, table])
  const deleteWhenFilteredOut = useDocumentStore((state) => {
    const flow = state.document?.flows.find((f) => f.id === flowId)
    return flow?.kind === 'records' ? (flow.deletes?.deleteWhenFilteredOut ?? false) : false
  })
  const placement = useMemo(() => filterPlacement(filter, { table, deleteWhenFilteredOut }), [filter, table, deleteWhenFilteredOut])
  const write = (action: string, next: Filter[]) => edit(action, (doc) => setFilter(doc, flowId, next.length ? { all: next } : undefined))
  const add = () => {
    const field = table ? (findField(table, 'statecode') ?? table.fields[0]) : undefined
    const name = field?.name ?? 'statecode'
    const condition: Condition =
      field?.options?.length || (field && kindOfType(field.type) !== 'unknown')
        ? { field: name, op: 'eq', value: initialValue(field) }
        : { field: name, op: 'notNull' }
    write('Add filter condition', [...parts, condition])
  }
  return (
    <div className="ss-filter">
      {parts.length === 0 && <Caption1 className="ss-quiet">No conditions: every record is read.</Caption1>}
      {parts.map((part, index) =>
        isCondition(part) ? (
          <ConditionEditor
            key={index}
            index={index}
            condition={part}
            table={table}
            onChange={(next) =>
              write(
                'Change filter condition',
                parts.map((p, i) => (i === index ? next : p))
              )
            }
            onRemove={() =>
              write(
                'Remove filter condition',
                parts.filter((_, i) => i !== index)
              )
            }
          />
        ) : (
          <div key={index} className="ss-condition ss-condition--group">
            <span className="ss-mono">{describeFilter(part)}</span>
            <Button
              size="small"
              appearance="subtle"
              icon={<DeleteRegular />}
              aria-label={`Remove condition ${index + 1}`}
              onClick={() =>
                write(
                  'Remove filter condition',
                  parts.filter((_, i) => i !== index)
                )
              }
            />
          </div>
        )
      )}
      <Button size="small" icon={<AddRegular />} onClick={add} className="ss-filter__add">
        Add condition
      </Button>
      {fromDynamics ? (
        <div className="ss-filter__odata" aria-label="OData $filter">
          <Caption1>As a Dataverse $filter</Caption1>
          <code data-testid="odata-filter">{translation.odata ?? '(none — every record is read)'}</code>
        </div>
      ) : (
        <div className="ss-filter__odata" aria-label="Where the filter runs">
          <Caption1>Campaign events</Caption1>
          <code data-testid="odata-filter">{filter ? 'evaluated by Sync Studio on each event read' : '(none — every event is read)'}</code>
        </div>
      )}
      {filter && (
        <div className="ss-filter__placement" data-testid="filter-placement">
          <Caption1>
            <strong>In a sync run: </strong>
            {placement.allHere
              ? 'every condition is checked here'
              : placement.odata
                ? `Dataverse is sent $filter=${placement.odata}`
                : 'nothing is sent to Dataverse'}
          </Caption1>
          {placement.allHere && <Caption1 className="ss-filter__why">Why: {placement.allHere}.</Caption1>}
          <ul className="ss-filter__explain" aria-label="Where each condition is evaluated">
            {placement.conditions.map((c, i) => (
              <li key={i} data-where={c.where}>
                <span className="ss-mono">{c.text}</span> → {c.where === 'service' ? 'Dataverse' : 'here'} ({c.why})
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}

/** Height of the filter node: it sits above the source, and the source's rows get the rest of the canvas. */
export const FILTER_NODE_HEIGHT = 118
/**
 * Lines the node's list of conditions has room for: as many conditions, or one fewer and "and N
 * more" (the Inspector shows them all). A third line pushed the $filter below the card's edge.
 */
const CONDITION_LINES = 2

function sayValue(field: Field | undefined, value: Scalar): string {
  const option = field?.options?.find((o) => String(o.value) === String(value))
  return option ? option.label : typeof value === 'string' ? `"${value}"` : String(value)
}

/** A condition in the user's words: the field's display name, the operator as the builder names it, the value's label. */
function sayCondition(part: Filter, table: Table | undefined): string {
  if (!isCondition(part)) return describeFilter(part)
  const field = table ? findField(table, part.field) : undefined
  const name = field?.displayName ?? part.field
  const op = opLabels[part.op]
  if ('value' in part) return `${name} ${op} ${sayValue(field, part.value)}`
  if ('values' in part) return `${name} ${op} ${part.values.map((v) => sayValue(field, v)).join(', ')}`
  if ('days' in part) return `${name} in the last ${part.days} days`
  if ('from' in part) return `${name} between ${sayValue(field, part.from)} and ${sayValue(field, part.to)}`
  return `${name} ${op}`
}

/**
 * On the canvas the filter is a compact card above the source — its conditions in words and
 * what Dataverse is sent — so source, filter and target fit a laptop's canvas at a readable
 * size; its conditions are edited in the Inspector ("Edit conditions" selects it).
 */
function FilterNodeView({ data }: NodeProps<FilterNodeType>) {
  const select = useCanvasStore((state) => state.select)
  const rightOpen = useLayoutStore((state) => state.rightOpen)
  const toggle = useLayoutStore((state) => state.toggle)
  const fromDynamics = useDocumentStore((state) => state.document?.flows.find((f) => f.id === data.flowId)?.source.system !== 'campaign')
  const parts = partsOf(data.filter)
  const odata = useMemo(() => translateFilter(data.filter, { table: data.table }).odata, [data.filter, data.table])
  const said = parts.map((part) => sayCondition(part, data.table))
  const shown = said.length <= CONDITION_LINES ? said.length : CONDITION_LINES - 1
  const sent = fromDynamics
    ? (odata ?? '(none — every record is read)')
    : data.filter
      ? 'evaluated by Sync Studio on each event read'
      : '(none — every event is read)'
  return (
    <div
      className={`ss-node ss-node--filter${data.severity ? ` ss-node--${data.severity}` : ''}`}
      role="group"
      aria-label="Filter"
      style={{ width: NODE_WIDTH, height: FILTER_NODE_HEIGHT }}
    >
      <div className="ss-node__header">
        <FilterRegular />
        <div className="ss-node__titles">
          <div className="ss-node__title">Filter</div>
          <div className="ss-node__subtitle">
            {parts.length === 0
              ? `Every ${fromDynamics ? 'record' : 'event'} is read`
              : `${parts.length} condition${parts.length === 1 ? '' : 's'}, all must hold`}
          </div>
        </div>
        <DescriptionTooltip content="Edit the conditions in the Inspector">
          <Button
            size="small"
            appearance="transparent"
            className="ss-node__collapse nodrag"
            icon={<EditRegular />}
            aria-label="Edit conditions"
            onClick={() => {
              select({ kind: 'node', node: 'filter' })
              if (!rightOpen) toggle('rightOpen')
            }}
          />
        </DescriptionTooltip>
        <PassiveHandle id="filter" type="source" position={Position.Bottom} className="ss-handle ss-handle--edge" />
      </div>
      <div className="nodrag ss-filter-node__body">
        <ul className="ss-filter-node__conditions" aria-label="Conditions">
          {said.slice(0, shown).map((text, index) => (
            <li key={index} title={text}>
              {text}
            </li>
          ))}
          {said.length > shown && <li className="ss-quiet">and {said.length - shown} more</li>}
          {said.length === 0 && <li className="ss-quiet">No conditions.</li>}
        </ul>
        <div className="ss-filter-node__foot">
          <code className="ss-filter-node__sent" data-testid="odata-filter" title={fromDynamics ? `Dataverse $filter: ${sent}` : sent}>
            {sent}
          </code>
        </div>
      </div>
    </div>
  )
}

export const FilterNode = memo(FilterNodeView)
