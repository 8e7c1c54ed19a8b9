import { Caption1, MessageBar, MessageBarBody, ToggleButton } from '@fluentui/react-components'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { RunConflict } from '../../shared/contract'
import type { Client } from '../api/client'
import { DataGrid, type GridColumn } from '../panels/DataGrid'
import { messageOf } from '../panels/format'

const LIMIT = 1000
type Kept = RunConflict['kept'] | 'all'
type Loaded = { status: 'loading' } | { status: 'ready'; conflicts: RunConflict[]; total: number } | { status: 'error'; message: string }

const sideWords: Record<RunConflict['kept'], string> = { dynamics: 'Dynamics', campaign: 'Campaign' }
const ruleWords: Record<RunConflict['rule'], string> = {
  campaignNewer: "Campaign's change newer",
  dynamicsNewer: "Dynamics' change newer: opt-out wins",
  sameTime: 'same time: opt-out wins',
  timeMissing: 'a time missing: opt-out wins',
  oneWay: 'one way: the source side written'
}

function side(value: boolean, changedAt: string | undefined): string {
  return `${value} · ${changedAt ? `${changedAt.replace('T', ' ').replace(/(\.000)?Z$/, '')} UTC` : 'time unknown'}`
}

const columns: Array<GridColumn<RunConflict>> = [
  { id: 'key', header: 'Contact', value: (c) => c.key, size: 130, minSize: 80, className: () => 'ssp-mono ssp-grid__cell' },
  { id: 'field', header: 'Opt-out', value: (c) => c.field, size: 180, minSize: 80 },
  { id: 'dynamics', header: 'Dynamics', value: (c) => side(c.dynamics.value, c.dynamics.changedAt), size: 180, minSize: 80 },
  { id: 'campaign', header: 'Campaign', value: (c) => side(c.campaign.value, c.campaign.changedAt), size: 180, minSize: 80 },
  {
    id: 'kept',
    header: 'Kept',
    value: (c) => `${sideWords[c.kept]} (${c.kept === 'dynamics' ? c.dynamics.value : c.campaign.value})`,
    // The decision itself, whole at 1440×900: "Campaign (false)".
    size: 140,
    minSize: 60
  },
  { id: 'rule', header: 'Rule', value: (c) => ruleWords[c.rule], size: 150, minSize: 80, title: (c) => c.label }
]

/**
 * The opt-out conflicts a run settled (`run/conflicts`), in the app's grid: both sides' values
 * and change times, the side kept and the rule — the labels its dry run planned. A click shows
 * the label in full.
 */
export function ConflictsView(props: { client: Client; runId: string; optOut: boolean }) {
  const { client, runId, optOut } = props
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' })
  const [kept, setKept] = useState<Kept>('all')
  const [opened, setOpened] = useState<string>()

  useEffect(() => {
    let current = true
    setLoaded({ status: 'loading' })
    client.call('run/conflicts', { runId, limit: LIMIT }).then(
      ({ conflicts, total }) => current && setLoaded({ status: 'ready', conflicts, total }),
      (error) => current && setLoaded({ status: 'error', message: messageOf(error) })
    )
    return () => {
      current = false
    }
  }, [client, runId])

  const conflicts = useMemo(() => (loaded.status === 'ready' ? loaded.conflicts : []), [loaded])
  const counts = useMemo(() => {
    const out = { dynamics: 0, campaign: 0 }
    for (const c of conflicts) out[c.kept]++
    return out
  }, [conflicts])
  const show = useCallback((c: RunConflict) => kept === 'all' || c.kept === kept, [kept])
  const idOf = (c: RunConflict) => `${c.key}/${c.field}`
  const openedConflict = conflicts.find((c) => idOf(c) === opened)

  if (loaded.status === 'loading') return null
  if (loaded.status === 'error')
    return (
      <MessageBar intent="error">
        <MessageBarBody>The conflicts of this run could not be read: {loaded.message}</MessageBarBody>
      </MessageBar>
    )
  // Records and events flows have no conflicts: say nothing about them.
  if (loaded.total === 0 && !optOut) return null

  const button = (value: Kept, label: string, count: number) => (
    <ToggleButton
      size="small"
      appearance="subtle"
      checked={kept === value}
      aria-pressed={kept === value}
      disabled={value !== 'all' && count === 0}
      onClick={() => setKept(value)}
    >
      {label} {count}
    </ToggleButton>
  )

  return (
    <section className="ssr-errors ssr-conflicts" aria-label={`Conflicts of run ${runId}`}>
      <div className="ssr-errors__bar">
        <Caption1 data-testid="conflicts-count">
          {loaded.total === 0
            ? 'No opt-out conflict in this run: Dynamics and Campaign held the same value wherever both were read.'
            : `${loaded.total} opt-out conflict${loaded.total === 1 ? '' : 's'} resolved: ${counts.campaign} kept Campaign's value, ${counts.dynamics} kept Dynamics'${loaded.total > conflicts.length ? ` (first ${conflicts.length} shown)` : ''}`}
        </Caption1>
        <span className="ssp-grow" />
        {conflicts.length > 0 && (
          <div role="toolbar" aria-label="Show conflicts" className="ssp-grid__filters">
            {button('all', 'All', conflicts.length)}
            {button('campaign', 'Campaign kept', counts.campaign)}
            {button('dynamics', 'Dynamics kept', counts.dynamics)}
          </div>
        )}
      </div>
      {conflicts.length > 0 && (
        <DataGrid
          rows={conflicts}
          columns={columns}
          rowKey={idOf}
          show={show}
          filterKey={kept}
          isSelected={(c) => idOf(c) === opened}
          onSelect={(c) => setOpened(opened === idOf(c) ? undefined : idOf(c))}
          rowHeight={28}
          className="ssr-errors__list ssr-conflicts__list"
          aria-label="Resolved conflicts"
        />
      )}
      {openedConflict && (
        <Caption1 className="ssr-conflicts__label" data-testid="conflict-label">
          {openedConflict.label}
        </Caption1>
      )}
    </section>
  )
}
