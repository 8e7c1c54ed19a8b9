import { Badge, Body1, Button, Caption1, Field as FluentField, Select, Subtitle2, Switch } from '@fluentui/react-components'
import { CheckmarkRegular, DeleteRegular, DismissRegular } from '@fluentui/react-icons'
import { useMemo } from 'react'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { valueMapBetween } from '../../shared/mapping/engine'
import { stepDescriptions, stepNames, type StepName } from '../../shared/mapping/steps'
import type { Problem } from '../../shared/problems'
import { findField, isUniqueField, type Field, type Table } from '../../shared/schema/model'
import type { Client } from '../api/client'
import { perform } from '../actions/registry'
import { FilterBuilder } from '../canvas/FilterNode'
import { useCanvasStore, type Selection } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { readyTable, useFlowTables } from '../state/flow-schema'
import {
  appendStep,
  changeMapping,
  moveStep,
  newStep,
  removeEdges,
  removeMappings,
  removeStep,
  replaceFlow,
  replaceStep
} from '../state/mapping-edits'
import { useTraceStore } from '../state/trace-store'
import { LinkInspector } from './LinkInspector'
import { OptOutInspector } from './OptOutInspector'
import { StepEditor } from './StepEditor'

/**
 * The selected thing, editable: a field (its schema), a mapping (sources, steps and their
 * arguments, apply updates), a node (the filter's conditions, a table's summary) or the
 * match key. Problems that belong to it are listed where it is edited.
 */

function FieldFacts({ field, table }: { field: Field; table: Table | undefined }) {
  const facts: Array<[string, string]> = [
    ['Logical name', field.name],
    ['Type', `${field.type}${field.maxLength ? ` (max ${field.maxLength})` : ''}`],
    ['Required', field.required],
    ['Key', field.isKey || table?.primaryId === field.name ? 'yes' : 'no'],
    [
      'Writable',
      field.readOnly
        ? 'read-only'
        : field.validForCreate && field.validForUpdate
          ? 'create and update'
          : field.validForCreate
            ? 'create only'
            : 'update only'
    ]
  ]
  return (
    <dl className="ss-facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      {field.options?.length ? (
        <div>
          <dt>Options</dt>
          <dd>{field.options.map((o) => `${o.label} (${String(o.value)})`).join(', ')}</dd>
        </div>
      ) : null}
      {field.description && (
        <div>
          <dt>Description</dt>
          <dd>{field.description}</dd>
        </div>
      )}
    </dl>
  )
}

function ProblemList({ problems }: { problems: Problem[] }) {
  if (!problems.length) return null
  return (
    <ul className="ss-inspector__problems" aria-label="Problems here">
      {problems.map((p, i) => (
        <li key={i} className={`ss-inline-problem ss-inline-problem--${p.severity}`}>
          {p.message}
        </li>
      ))}
    </ul>
  )
}

function MappingInspector({
  document,
  flow,
  target,
  selection,
  source,
  targetTable,
  problems
}: {
  document: MappingDocument
  flow: Flow
  target: string
  selection: Selection
  source: Table | undefined
  targetTable: Table | undefined
  problems: Problem[]
}) {
  const edit = useDocumentStore((state) => state.edit)
  const select = useCanvasStore((state) => state.select)
  const trace = useTraceStore((state) => (state.flowId === flow.id ? state.trace : undefined))
  if (flow.kind === 'optOut') return null
  const index = flow.fields.findIndex((f) => f.target === target)
  const mapping = flow.fields[index]
  if (!mapping) return <Body1 className="ss-quiet">This mapping is gone (undone or removed).</Body1>
  const flowIndex = document.flows.indexOf(flow)
  const here = problems.filter((p) => p.path[0] === 'flows' && p.path[1] === flowIndex && p.path[2] === 'fields' && p.path[3] === index)
  const targetField = targetTable ? findField(targetTable, target) : undefined
  const sourceField = source && mapping.from?.[0] ? findField(source, mapping.from[0]) : undefined
  const traced = trace?.fields.find((f) => f.target === target)
  const steps = mapping.steps ?? []
  const selectedStep = selection.kind === 'step' ? selection.index : undefined
  return (
    <div className="ss-inspector__section">
      <Subtitle2>
        Mapping → <span className="ss-mono">{target}</span>
      </Subtitle2>
      {targetField && (
        <Caption1 className="ss-quiet">
          {targetField.displayName} · {targetField.type}
          {targetField.maxLength ? `(${targetField.maxLength})` : ''}
        </Caption1>
      )}
      <ProblemList problems={here} />
      <FluentField label="From" size="small">
        <ul className="ss-from">
          {(mapping.from ?? []).map((from) => (
            <li key={from}>
              <span className="ss-mono">{from}</span>
              <Button
                size="small"
                appearance="subtle"
                icon={<DismissRegular />}
                aria-label={`Remove source ${from}`}
                onClick={() => edit(`Remove ${from} → ${target}`, (doc) => removeEdges(doc, flow.id, [{ target, from }]))}
              />
            </li>
          ))}
          {!mapping.from?.length && <Caption1 className="ss-quiet">No source: the first step makes the value.</Caption1>}
        </ul>
      </FluentField>
      {traced && (
        <Caption1 className="ss-step__trace">
          Traced input {JSON.stringify(traced.input)} → output {traced.error ? `✕ ${traced.error.reason}` : JSON.stringify(traced.output)}
        </Caption1>
      )}
      <Switch
        label="Apply updates (off: write only when the record is created)"
        checked={mapping.applyUpdates !== false}
        onChange={(_e, d) =>
          edit(d.checked ? `Apply updates to ${target}` : `Write ${target} on create only`, (doc) =>
            changeMapping(doc, flow.id, target, (m) => {
              const { applyUpdates: _a, ...rest } = m
              return d.checked ? rest : { ...rest, applyUpdates: false }
            })
          )
        }
      />
      <Subtitle2 className="ss-inspector__sub">Steps</Subtitle2>
      {steps.length === 0 && <Caption1 className="ss-quiet">No steps: the value is written as read.</Caption1>}
      <ol className="ss-steps">
        {steps.map((step, i) => (
          <StepEditor
            key={`${i}-${step.fn}`}
            step={step}
            index={i}
            count={steps.length}
            target={target}
            source={sourceField}
            targetField={targetField}
            selected={selectedStep === i}
            traceOutput={traced?.steps.find((s) => s.index === i)}
            onSelect={() => selectedStep !== i && select({ kind: 'step', target, index: i }, useCanvasStore.getState().selectedEdges)}
            onChange={(next) => edit(`Change ${next.fn} of ${target}`, (doc) => replaceStep(doc, flow.id, target, i, next))}
            onRemove={() => {
              edit(`Remove ${step.fn} from ${target}`, (doc) => removeStep(doc, flow.id, target, i))
              select({ kind: 'edge', target, from: mapping.from?.[0] ?? '' })
            }}
            onMove={(by) => edit(`Move ${step.fn}`, (doc) => moveStep(doc, flow.id, target, i, by))}
          />
        ))}
      </ol>
      <FluentField label="Add a step" size="small">
        <Select
          size="small"
          aria-label={`Add a step to ${target}`}
          value=""
          onChange={(_e, d) => {
            const fn = d.value as StepName
            if (!fn) return
            const step =
              fn === 'valueMap' && sourceField && targetField ? (valueMapBetween(sourceField, targetField) ?? newStep(fn)) : newStep(fn)
            edit(`Add ${fn} to ${target}`, (doc) => appendStep(doc, flow.id, target, step))
            select({ kind: 'step', target, index: steps.length }, useCanvasStore.getState().selectedEdges)
          }}
        >
          <option value="">Choose a transform…</option>
          {stepNames.map((fn) => (
            <option key={fn} value={fn} title={stepDescriptions[fn]}>
              {fn}
            </option>
          ))}
        </Select>
      </FluentField>
      <Button
        icon={<DeleteRegular />}
        onClick={() => {
          edit(`Remove mapping ${target}`, (doc) => removeMappings(doc, flow.id, [target]))
          select({ kind: 'none' })
        }}
      >
        Remove this mapping
      </Button>
    </div>
  )
}

function MatchInspector({ flow, source, target }: { flow: Flow; source: Table | undefined; target: Table | undefined }) {
  const edit = useDocumentStore((state) => state.edit)
  if (flow.kind !== 'records') return null
  const keysOf = (table: Table | undefined, current: string) => {
    const names = table
      ? table.fields
          .filter((f) => f.isKey || f.name === table.primaryId || table.keys.some((k) => k.fields.includes(f.name)))
          .map((f) => f.name)
      : []
    return names.includes(current) ? names : [current, ...names]
  }
  // A new target field is a new claim: its confirmation does not carry over.
  const set = (side: 'source' | 'target', value: string) =>
    edit(`Match on ${value}`, (doc) =>
      replaceFlow(doc, flow.id, (f) => {
        if (f.kind !== 'records') return f
        if (side === 'source') return { ...f, match: { ...f.match, source: value } }
        const { identificationKey: _dropped, ...rest } = f.match
        return { ...f, match: { ...rest, target: value } }
      })
    )
  const known = target ? isUniqueField(target, flow.match.target) : false
  const confirm = (checked: boolean) =>
    edit(checked ? `Confirm ${flow.match.target} as identification key` : `Unconfirm ${flow.match.target}`, (doc) =>
      replaceFlow(doc, flow.id, (f) => {
        if (f.kind !== 'records') return f
        const { identificationKey: _old, ...rest } = f.match
        return { ...f, match: checked ? { ...rest, identificationKey: true } : rest }
      })
    )
  return (
    <div className="ss-inspector__section">
      <Subtitle2>Match key</Subtitle2>
      <Caption1 className="ss-quiet">Records are upserted by this key: the target field holds the Dynamics id.</Caption1>
      <FluentField label="Source id column" size="small">
        <Select size="small" value={flow.match.source} onChange={(_e, d) => set('source', d.value)}>
          {keysOf(source, flow.match.source).map((n) => (
            <option key={n}>{n}</option>
          ))}
        </Select>
      </FluentField>
      <FluentField label="Target identification key" size="small">
        <Select size="small" value={flow.match.target} onChange={(_e, d) => set('target', d.value)}>
          {targetKeyChoices(target, flow.match.target).map((n) => (
            <option key={n}>{n}</option>
          ))}
        </Select>
      </FluentField>
      {known ? (
        <Caption1 className="ss-quiet">
          {flow.match.target} is a key of {target?.name}: records are read by the key in the URL.
        </Caption1>
      ) : (
        <Switch
          label={`${flow.match.target} is an identification key in Campaign`}
          checked={flow.match.identificationKey === true}
          onChange={(_e, d) => confirm(d.checked)}
        />
      )}
      {!known && (
        <Caption1 className="ss-quiet">
          Campaign&apos;s metadata does not say which fields are keys. Confirmed: records are read by the key in the URL. Not confirmed:
          through the by-filter of the field.
        </Caption1>
      )}
    </div>
  )
}

/** Any writable text field can be the identification key: Campaign's metadata does not mark keys. */
function targetKeyChoices(table: Table | undefined, current: string): string[] {
  const names = table
    ? table.fields
        .filter((f) => !f.readOnly && ['string', 'memo', 'email', 'phone', 'url', 'uniqueidentifier', 'unknown'].includes(f.type))
        .map((f) => f.name)
    : []
  return names.includes(current) ? names : [current, ...names]
}

function FlowInspector({ flow }: { flow: Flow }) {
  const edit = useDocumentStore((state) => state.edit)
  if (flow.kind !== 'records') return <Body1 className="ss-quiet">Select a field, an edge or a step to edit it.</Body1>
  const mapped = flow.fields.length
  return (
    <div className="ss-inspector__section">
      <Subtitle2>Flow {flow.name ?? flow.id}</Subtitle2>
      <Caption1 className="ss-quiet">
        {mapped} field mapping{mapped === 1 ? '' : 's'}. Select a field, an edge or a step to edit it; drag a source field onto a target
        field to map it.
      </Caption1>
      <FluentField label="Sync mode" size="small">
        <Select
          size="small"
          value={flow.sync?.mode ?? 'incremental'}
          onChange={(_e, d) =>
            edit(`Sync mode ${d.value}`, (doc) =>
              replaceFlow(doc, flow.id, (f) =>
                f.kind === 'records' ? { ...f, sync: { ...(f.sync ?? {}), mode: d.value as 'incremental' | 'full' } } : f
              )
            )
          }
        >
          <option value="incremental">incremental (changes since the last run)</option>
          <option value="full">full (replay everything)</option>
        </Select>
      </FluentField>
      {(['applySourceDeletes', 'deleteWhenFilteredOut'] as const).map((key) => (
        <Switch
          key={key}
          label={key === 'applySourceDeletes' ? 'Apply Dynamics deletes' : 'Delete records that leave the filter'}
          checked={flow.deletes?.[key] ?? false}
          onChange={(_e, d) =>
            edit(`${key} ${d.checked ? 'on' : 'off'}`, (doc) =>
              replaceFlow(doc, flow.id, (f) =>
                f.kind === 'records'
                  ? { ...f, deletes: { applySourceDeletes: false, deleteWhenFilteredOut: false, ...(f.deletes ?? {}), [key]: d.checked } }
                  : f
              )
            )
          }
        />
      ))}
    </div>
  )
}

function Suggestions({ flowId }: { flowId: string }) {
  const proposals = useCanvasStore((state) => (state.proposals?.flowId === flowId ? state.proposals.items : undefined))
  if (!proposals?.length) return null
  const answer = (target: string, accept: boolean) => perform(accept ? 'acceptSuggestion' : 'rejectSuggestion', { target })
  return (
    <div className="ss-inspector__section ss-suggestions" aria-label="Suggested mappings" role="region">
      <Subtitle2>Suggested mappings ({proposals.length})</Subtitle2>
      <Caption1 className="ss-quiet">
        Dashed on the canvas. Accept or reject each, or all at once above the canvas; existing mappings are never changed.
      </Caption1>
      <ul className="ss-suggestions__list">
        {proposals.map((p) => (
          <li key={p.target} title={p.reason}>
            <span className="ss-mono ss-suggestions__pair">
              {p.from.join(', ')} → {p.target}
            </span>
            <span className="ss-quiet">
              {Math.round(p.confidence * 100)}%{p.steps?.length ? ` · ${p.steps.map((s) => s.fn).join(' → ')}` : ''}
            </span>
            <span className="ss-suggestions__buttons">
              <Button
                size="small"
                appearance="subtle"
                icon={<CheckmarkRegular />}
                aria-label={`Accept ${p.from.join(', ')} → ${p.target}`}
                onClick={() => answer(p.target, true)}
              />
              <Button
                size="small"
                appearance="subtle"
                icon={<DismissRegular />}
                aria-label={`Reject ${p.from.join(', ')} → ${p.target}`}
                onClick={() => answer(p.target, false)}
              />
            </span>
          </li>
        ))}
      </ul>
    </div>
  )
}

export function Inspector({
  client,
  document,
  flow,
  problems
}: {
  client: Client
  document: MappingDocument
  flow: Flow
  problems: Problem[]
}) {
  const selection = useCanvasStore((state) => state.selection)
  const selectedEdges = useCanvasStore((state) => state.selectedEdges)
  const tables = useFlowTables(client, document, flow)
  const source = readyTable(tables.source)
  const target = readyTable(tables.target)
  const usedBy = useMemo(() => {
    if (selection.kind !== 'field' || flow.kind === 'optOut') return []
    // A link counts as mapped too: the lookup (read as `_new_contactid_value`) sets the link field.
    const links = flow.kind === 'records' ? (flow.links ?? []) : []
    const readName = (source && findField(source, selection.field)?.readName) ?? selection.field
    const linkWords = (parentFlow: string) => `link, parent flow ${parentFlow}`
    return selection.side === 'source'
      ? [
          ...flow.fields.filter((f) => f.from?.includes(selection.field) || f.from?.includes(readName)).map((f) => f.target),
          ...links
            .filter((l) => l.source === readName || l.source === selection.field)
            .map((l) => `${l.target} (${linkWords(l.parentFlow)})`)
        ]
      : [
          ...flow.fields.filter((f) => f.target === selection.field).flatMap((f) => f.from ?? []),
          ...links.filter((l) => l.target === selection.field).map((l) => `${l.source} (${linkWords(l.parentFlow)})`)
        ]
  }, [selection, flow, source])

  let body
  if (selection.kind === 'field') {
    const table = selection.side === 'source' ? source : target
    const field = table ? findField(table, selection.field) : undefined
    body = (
      <div className="ss-inspector__section">
        <Subtitle2>{field?.displayName ?? selection.field}</Subtitle2>
        <Caption1 className="ss-quiet">
          {selection.side === 'source' ? 'Source' : 'Target'} field of {table?.displayName ?? '…'}
        </Caption1>
        {field ? <FieldFacts field={field} table={table} /> : <Body1 className="ss-quiet">No schema for this field.</Body1>}
        <Caption1>
          {usedBy.length ? `${selection.side === 'source' ? 'Mapped to' : 'Mapped from'}: ${usedBy.join(', ')}` : 'Not mapped.'}
          {selection.side === 'source' ? ' Press Enter on a target field to map it from this one.' : ''}
        </Caption1>
      </div>
    )
  } else if (flow.kind === 'optOut' && (selection.kind === 'edge' || selection.kind === 'none')) {
    const pair =
      selection.kind === 'edge' ? flow.pairs.find((p) => p.campaign === selection.target && p.dynamics === selection.from) : undefined
    body = <OptOutInspector flow={flow} selected={pair} source={source} target={target} />
  } else if (
    selection.kind === 'edge' &&
    flow.kind === 'records' &&
    flow.links?.some((l) => l.target === selection.target && l.source === selection.from)
  ) {
    body = <LinkInspector document={document} flow={flow} target={selection.target} targetTable={target} />
  } else if (selection.kind === 'edge' || selection.kind === 'step') {
    body = (
      <>
        {selectedEdges.length > 1 && (
          <Badge appearance="tint">{selectedEdges.length} edges selected — Delete removes them, Ctrl+V pastes steps into each</Badge>
        )}
        <MappingInspector
          document={document}
          flow={flow}
          target={selection.target}
          selection={selection}
          source={source}
          targetTable={target}
          problems={problems}
        />
      </>
    )
  } else if (selection.kind === 'node' && selection.node === 'filter' && flow.kind !== 'optOut') {
    body = (
      <div className="ss-inspector__section">
        <Subtitle2>Filter</Subtitle2>
        <FilterBuilder flowId={flow.id} filter={flow.filter} table={source} />
      </div>
    )
  } else if (selection.kind === 'node' && selection.node !== 'filter') {
    const table = selection.node === 'source' ? source : target
    body = (
      <div className="ss-inspector__section">
        <Subtitle2>{table?.displayName ?? selection.node}</Subtitle2>
        <Caption1 className="ss-quiet">
          {table
            ? `${table.system === 'dynamics' ? 'Dynamics 365 table' : 'Campaign resource'} ${table.name} · ${table.fields.length} fields · ${table.keys.length} key${table.keys.length === 1 ? '' : 's'}${table.changeTracking ? ' · change tracking on' : ''}`
            : 'Loading…'}
        </Caption1>
      </div>
    )
  } else if (selection.kind === 'match') {
    body = <MatchInspector flow={flow} source={source} target={target} />
  } else body = <FlowInspector flow={flow} />

  return (
    <section className="ss-panel ss-inspector" aria-label="Inspector">
      <header className="ss-panel__header">
        <Subtitle2>Inspector</Subtitle2>
      </header>
      {body}
      <Suggestions flowId={flow.id} />
    </section>
  )
}
