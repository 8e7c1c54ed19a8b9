import { Badge, Body1, Caption1, Field as FluentField, Select, Subtitle2 } from '@fluentui/react-components'
import { ArrowRightRegular } from '@fluentui/react-icons'
import type { OptOutFlow } from '../../shared/mapping/document'
import { optOutModes, type OptOutDirectionName } from '../../shared/mapping/opt-out-modes'
import type { Table } from '../../shared/schema/model'
import { findField } from '../../shared/schema/model'
import { useDocumentStore } from '../state/document-store'
import './opt-out-inspector.css'
import { replaceFlow } from '../state/mapping-edits'

/**
 * The opt-out flow in words: the direction (each way values move), the conflict rule as the
 * sync applies it, and the fields compared — the selected pair first. The texts come from
 * `optOutModes`, the same ones the run notes and the mapping file's schema use.
 */

const directions: OptOutDirectionName[] = ['off', 'toCampaign', 'toDynamics', 'both']

function label(table: Table | undefined, name: string): string {
  const field = table ? findField(table, name) : undefined
  return field && field.displayName !== name ? `${field.displayName} (${name})` : name
}

export function OptOutInspector({
  flow,
  selected,
  source,
  target
}: {
  flow: OptOutFlow
  selected?: { dynamics: string; campaign: string }
  source: Table | undefined
  target: Table | undefined
}) {
  const edit = useDocumentStore((state) => state.edit)
  const mode = optOutModes[flow.direction]
  const pairs = selected
    ? [selected, ...flow.pairs.filter((p) => p.campaign !== selected.campaign || p.dynamics !== selected.dynamics)]
    : flow.pairs
  return (
    <div className="ss-inspector__section" data-testid="opt-out-inspector">
      <Subtitle2>Opt-outs: {mode.title}</Subtitle2>
      <Caption1 className="ss-quiet">
        Dynamics {flow.source.table} ↔ Campaign {flow.target.resource}, paired by {flow.match.source} = {flow.match.target}
      </Caption1>
      <FluentField label="Direction" size="small">
        <Select
          size="small"
          value={flow.direction}
          aria-label="Opt-out direction"
          onChange={(_event, data) => {
            const direction = data.value as OptOutDirectionName
            edit(`Opt-outs: ${optOutModes[direction].title}`, (doc) =>
              replaceFlow(doc, flow.id, (f) => (f.kind === 'optOut' ? { ...f, direction } : f))
            )
          }}
        >
          {directions.map((d) => (
            <option key={d} value={d}>
              {optOutModes[d].title}
            </option>
          ))}
        </Select>
      </FluentField>
      <div role="list" aria-label="Directions">
        {mode.ways.length === 0 && <Body1 className="ss-quiet">No direction: nothing is written.</Body1>}
        {mode.ways.map((way) => (
          <div role="listitem" key={`${way.from}-${way.to}`} className="ss-optout-way">
            <Badge appearance="tint" color="brand">
              {way.from}
            </Badge>
            <ArrowRightRegular aria-label="to" />
            <Badge appearance="tint" color="brand">
              {way.to}
            </Badge>
          </div>
        ))}
      </div>
      <div>
        <Caption1>
          <strong>{flow.direction === 'both' ? 'Conflict rule' : 'Rule'}</strong>
        </Caption1>
        <p className="ss-optout-rule" data-testid="opt-out-rule">
          {mode.rule}
        </p>
      </div>
      <div>
        <Caption1>
          <strong>Fields compared</strong>
        </Caption1>
        <dl className="ss-facts" aria-label="Fields compared">
          {pairs.map((pair, index) => (
            <div key={`${pair.dynamics}-${pair.campaign}`} className={index === 0 && selected ? 'ss-optout-pair--selected' : undefined}>
              <dt>{label(source, pair.dynamics)}</dt>
              <dd>
                ↔ {label(target, pair.campaign)}
                {flow.direction === 'both' && (
                  <span className="ss-quiet"> · times: the contact's modifiedon vs {pair.campaign}LastModified</span>
                )}
              </dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  )
}
