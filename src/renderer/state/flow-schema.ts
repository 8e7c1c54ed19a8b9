import { useMemo } from 'react'
import { validateMapping, validateFlow } from '../../shared/mapping/engine'
import type { Flow, MappingDocument } from '../../shared/mapping/document'
import type { Problem } from '../../shared/problems'
import { campaignEventTable } from '../../shared/schema/campaign-events'
import { catalogOf, type System, type Table } from '../../shared/schema/model'
import type { Client } from '../api/client'
import { tableKey, useSchemaStore, useTable, type Loadable } from './schema-store'

/** The connection names a document reads its schemas from ("Sandbox" unless it names others). */
export function connectionsOf(document: MappingDocument | undefined): { dynamics: string; campaign: string } {
  return { dynamics: document?.connections?.dynamics ?? 'Sandbox', campaign: document?.connections?.campaign ?? 'Sandbox' }
}

export type End = { system: System; name: string } | { system: 'campaign'; event: string }

export function endsOf(flow: Flow): { source: End; target: End } {
  const end = (e: Flow['source'] | Flow['target']): End =>
    'table' in e
      ? { system: e.system, name: e.table }
      : 'resource' in e
        ? { system: e.system, name: e.resource }
        : { system: 'campaign', event: e.event }
  return { source: end(flow.source), target: end(flow.target) }
}

/**
 * The source and target schemas of a flow. Campaign publishes no metadata for marketing events,
 * so an events flow's source is the one event shape the sync reads (shared/schema/campaign-events.ts):
 * every event field shows on the canvas with its type, mapped or not.
 */
export function useFlowTables(
  client: Client,
  document: MappingDocument,
  flow: Flow
): { source: Loadable<Table> | undefined; target: Loadable<Table> | undefined } {
  const connections = connectionsOf(document)
  const { source, target } = endsOf(flow)
  const name = (end: End) => ('name' in end ? end.name : undefined)
  const fetchedSource = useTable(client, source.system, connections[source.system], name(source))
  const event = 'event' in source ? source.event : undefined
  const eventSource = useMemo<Loadable<Table> | undefined>(
    () => (event === undefined ? undefined : { status: 'ready', value: campaignEventTable(event) }),
    [event]
  )
  return {
    source: eventSource ?? fetchedSource,
    target: useTable(client, target.system, connections[target.system], name(target))
  }
}

export const readyTable = (entry: Loadable<Table> | undefined): Table | undefined => (entry?.status === 'ready' ? entry.value : undefined)

/**
 * Every problem to show: the document's own (shape, cross references) and the engine's
 * validation against the schemas loaded so far. A flow whose tables are not loaded yet is
 * not validated against schemas (its tables would look unknown), only by shape.
 */
export function useProblems(document: MappingDocument | undefined, documentProblems: Problem[]): Problem[] {
  const tables = useSchemaStore((state) => state.tables)
  return useMemo(() => {
    if (!document) return documentProblems
    const connections = connectionsOf(document)
    const loaded: Table[] = []
    const ready = document.flows.map((flow) => {
      const { source, target } = endsOf(flow)
      let ok = true
      for (const end of [source, target]) {
        if (!('name' in end)) continue
        const entry = tables[tableKey(end.system, connections[end.system], end.name)]
        if (entry?.status === 'ready') loaded.push(entry.value)
        else ok = false
      }
      return ok
    })
    const catalog = catalogOf(loaded)
    let engine: Problem[]
    try {
      engine = ready.every(Boolean)
        ? validateMapping(document, catalog)
        : document.flows.flatMap((_, index) => (ready[index] ? validateFlow(document, index, catalog) : []))
    } catch (error) {
      // A document that fails its own shape check can trip the engine; the shape problems say what to fix.
      engine = documentProblems.length
        ? []
        : [{ severity: 'error', path: [], message: `validation failed: ${error instanceof Error ? error.message : String(error)}` }]
    }
    const seen = new Set<string>()
    const all: Problem[] = []
    for (const problem of [...documentProblems, ...engine]) {
      const key = `${problem.path.join('.')}\u0000${problem.message}`
      if (seen.has(key)) continue
      seen.add(key)
      all.push(problem)
    }
    return all.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
  }, [document, documentProblems, tables])
}

export type Severity = 'error' | 'warning'

/** Problems of one flow, by where they show on the canvas. */
export interface FlowProblems {
  byTarget: Map<string, { severity: Severity; messages: string[] }>
  filter: Severity | undefined
  match: Severity | undefined
}

export function flowProblemsOf(document: MappingDocument, flow: Flow, problems: Problem[]): FlowProblems {
  const index = document.flows.indexOf(flow)
  const result: FlowProblems = { byTarget: new Map(), filter: undefined, match: undefined }
  const worst = (a: Severity | undefined, b: Severity): Severity => (a === 'error' || b === 'error' ? 'error' : 'warning')
  for (const problem of problems) {
    if (problem.path[0] !== 'flows' || problem.path[1] !== index) continue
    const where = problem.path[2]
    if (where === 'fields' && typeof problem.path[3] === 'number' && flow.kind !== 'optOut') {
      const mapping = flow.fields[problem.path[3]]
      if (!mapping) continue
      const entry = result.byTarget.get(mapping.target) ?? { severity: problem.severity, messages: [] }
      entry.severity = worst(entry.severity, problem.severity)
      entry.messages.push(problem.message)
      result.byTarget.set(mapping.target, entry)
    } else if (where === 'filter') result.filter = worst(result.filter, problem.severity)
    else if (where === 'match') result.match = worst(result.match, problem.severity)
  }
  return result
}
