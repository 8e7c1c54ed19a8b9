import { MarkerType, type Edge, type Node } from '@xyflow/react'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import type { MappingProposal } from '../../shared/mapping/engine'
import { findField, type Table } from '../../shared/schema/model'
import { edgeId, ghostEdgeId, matchEdgeId } from '../state/canvas-store'
import type { FlowProblems } from '../state/flow-schema'
import type { Loadable } from '../state/schema-store'
import { NODE_WIDTH, type FieldNodeData } from './FieldNode'
import { FILTER_NODE_HEIGHT, type FilterNodeData } from './FilterNode'
import type { MappingEdgeData } from './MappingEdge'

/**
 * The canvas as a function of the document: nodes for the filter, the source and the
 * target, an edge per source field of every mapping, the match key, and the proposals
 * under review. Nothing here is state; the canvas recomputes it when the document changes.
 */

export interface Trace {
  fields: Array<{ target: string; from: readonly string[]; input: unknown; output?: unknown; error?: { step?: number; reason: string } }>
}

export interface CanvasInput {
  document: MappingDocument
  flow: Flow
  source: Loadable<Table> | undefined
  target: Loadable<Table> | undefined
  problems: FlowProblems
  proposals: MappingProposal[] | undefined
  trace: Trace | undefined
}

/** Room between the source and the target for the edges' labels (step chips, links): a link naming its parent flow fits on one line. */
export const NODE_GAP = 200

/** The filter sits above the source it narrows (so the three fit a laptop's canvas side by side panels); the target to the right. */
export const defaultPositions: Record<string, [number, number]> = {
  filter: [0, -(FILTER_NODE_HEIGHT + 40)],
  source: [0, 0],
  target: [NODE_WIDTH + NODE_GAP, 0]
}

function describe(flow: Flow, side: 'source' | 'target'): { title: string; subtitle: string } {
  const end = flow[side]
  if (end.system === 'dynamics') return { title: end.table, subtitle: 'Dynamics 365 table' }
  if ('resource' in end) return { title: end.resource, subtitle: 'Campaign resource' }
  return { title: `${end.event} events`, subtitle: 'Campaign marketing events' }
}

interface Pair {
  target: string
  from: string[]
  steps: string[]
  applyUpdates: boolean
}

function pairsOf(flow: Flow): Pair[] {
  if (flow.kind === 'optOut')
    return flow.pairs.map((p) => ({ target: p.campaign, from: [p.dynamics], steps: [flow.direction], applyUpdates: true }))
  return flow.fields.map((f) => ({
    target: f.target,
    from: f.from ?? [],
    steps: (f.steps ?? []).map((s) => s.fn),
    applyUpdates: f.applyUpdates !== false
  }))
}

export function toCanvas({ document, flow, source, target, problems, proposals, trace }: CanvasInput): { nodes: Node[]; edges: Edge[] } {
  const positions = { ...defaultPositions, ...(document.layout?.[flow.id]?.nodes ?? {}) }
  // A mapping or link may name a lookup as Dataverse returns it (`_new_contactid_value`); its row and
  // handle are the field's name (`new_contactid`), so the edge starts at the lookup's row and the row shows as mapped.
  const sourceTable = source?.status === 'ready' ? source.value : undefined
  const handleOf = (name: string) => (sourceTable ? (findField(sourceTable, name)?.name ?? name) : name)
  const pairs = pairsOf(flow)
  const match = 'source' in flow.match ? flow.match : undefined
  const sourceLinked = new Set<string>(pairs.flatMap((p) => p.from.map(handleOf)))
  const targetLinked = new Set<string>(pairs.filter((p) => p.from.length > 0).map((p) => p.target))
  for (const proposal of proposals ?? []) {
    proposal.from.forEach((f) => sourceLinked.add(handleOf(f)))
    targetLinked.add(proposal.target)
  }
  if (match) {
    sourceLinked.add(match.source)
    targetLinked.add(match.target)
  }
  const links = flow.kind === 'records' ? (flow.links ?? []) : []
  for (const link of links) {
    sourceLinked.add(handleOf(link.source))
    targetLinked.add(link.target)
  }
  const severities: Record<string, 'error' | 'warning'> = {}
  for (const [name, entry] of problems.byTarget) severities[name] = entry.severity
  const byTarget = new Map(trace?.fields.map((f) => [f.target, f]))
  const inputs: Record<string, unknown> = {}
  const outputs: Record<string, unknown> = {}
  for (const field of trace?.fields ?? []) {
    if (field.from.length === 1) inputs[handleOf(field.from[0])] = field.input
    if (!field.error) outputs[field.target] = field.output
  }
  const connectable = flow.kind !== 'optOut'
  const mappedSource = [...new Set([...pairs.flatMap((p) => p.from), ...links.map((l) => l.source)].map(handleOf))]
  const mappedTarget = [...pairs.map((p) => p.target), ...links.map((l) => l.target)]
  const fieldNode = (side: 'source' | 'target', table: Loadable<Table> | undefined, linked: Set<string>): Node<FieldNodeData> => ({
    id: side,
    type: 'fields',
    position: { x: positions[side][0], y: positions[side][1] },
    deletable: false,
    dragHandle: '.ss-node__header',
    data: {
      flowId: flow.id,
      side,
      ...describe(flow, side),
      table,
      fallbackFields: [...linked, ...(side === 'target' ? pairs.filter((p) => p.from.length === 0).map((p) => p.target) : [])],
      linked: [...linked],
      mapped: side === 'source' ? mappedSource : mappedTarget,
      keyField: side === 'source' ? match?.source : match?.target,
      severities: side === 'target' ? severities : {},
      values: trace ? (side === 'source' ? inputs : outputs) : undefined,
      connectable
    }
  })
  const nodes: Node[] = [fieldNode('source', source, sourceLinked), fieldNode('target', target, targetLinked)]
  const edges: Edge[] = []
  if (flow.kind !== 'optOut') {
    nodes.unshift({
      id: 'filter',
      type: 'filter',
      position: { x: positions.filter[0], y: positions.filter[1] },
      deletable: false,
      dragHandle: '.ss-node__header',
      data: {
        flowId: flow.id,
        filter: flow.filter,
        table: source?.status === 'ready' ? source.value : undefined,
        severity: problems.filter
      } satisfies FilterNodeData
    })
    edges.push({
      id: 'filter-edge',
      source: 'filter',
      sourceHandle: 'filter',
      target: 'source',
      targetHandle: '__filter',
      ariaLabel: 'Filter of the source',
      selectable: false,
      deletable: false,
      className: 'ss-edge--filter',
      style: { strokeDasharray: '2 4' }
    })
  }
  const base = {
    source: 'source',
    target: 'target',
    type: 'mapping' as const,
    markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 }
  }
  if (match) {
    edges.push({
      ...base,
      id: matchEdgeId,
      ariaLabel: `Match key ${match.source} → ${match.target}`,
      sourceHandle: match.source,
      targetHandle: match.target,
      deletable: false,
      data: {
        kind: 'match',
        target: match.target,
        from: match.source,
        primary: true,
        steps: [],
        severity: problems.match,
        message: undefined,
        applyUpdates: true,
        trace: undefined
      } satisfies MappingEdgeData
    })
  }
  for (const pair of pairs) {
    const problem = problems.byTarget.get(pair.target)
    const traced = byTarget.get(pair.target)
    pair.from.forEach((from, index) => {
      edges.push({
        ...base,
        id: edgeId(pair.target, from),
        ariaLabel: `Mapping ${from} → ${pair.target}`,
        sourceHandle: handleOf(from),
        targetHandle: pair.target,
        deletable: connectable,
        data: {
          kind: 'mapping',
          target: pair.target,
          from,
          primary: index === 0,
          steps: pair.steps,
          severity: problem?.severity,
          message: problem?.messages.join('\n'),
          applyUpdates: pair.applyUpdates,
          trace: traced ? { value: traced.output, error: traced.error?.reason } : undefined
        } satisfies MappingEdgeData
      })
    })
  }
  // A link is drawn from the lookup to the link field, naming the flow that syncs the parents.
  for (const link of links) {
    const parent = document.flows.find((f) => f.id === link.parentFlow)
    const problem = problems.byTarget.get(link.target)
    edges.push({
      ...base,
      id: edgeId(link.target, link.source),
      ariaLabel: `Link ${link.source} → ${link.target}, parent flow ${parent ? (parent.name ?? parent.id) : link.parentFlow}`,
      sourceHandle: handleOf(link.source),
      targetHandle: link.target,
      deletable: true,
      data: {
        kind: 'link',
        target: link.target,
        from: link.source,
        primary: true,
        steps: [],
        severity: parent ? problem?.severity : 'error',
        message: parent ? problem?.messages.join('\n') : `no flow has the id "${link.parentFlow}"`,
        applyUpdates: true,
        trace: undefined,
        parentFlow: parent ? (parent.name ?? parent.id) : `${link.parentFlow} (missing)`
      } satisfies MappingEdgeData
    })
  }
  for (const proposal of proposals ?? []) {
    edges.push({
      ...base,
      id: ghostEdgeId(proposal.target),
      ariaLabel: `Suggested mapping ${proposal.from[0]} → ${proposal.target}`,
      sourceHandle: handleOf(proposal.from[0]),
      targetHandle: proposal.target,
      deletable: false,
      data: {
        kind: 'proposal',
        target: proposal.target,
        from: proposal.from[0],
        primary: true,
        steps: (proposal.steps ?? []).map((s) => s.fn),
        severity: undefined,
        message: undefined,
        applyUpdates: true,
        trace: undefined,
        reason: proposal.reason,
        confidence: proposal.confidence
      } satisfies MappingEdgeData
    })
  }
  return { nodes, edges }
}
