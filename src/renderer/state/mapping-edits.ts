import type { EventsFlow, FieldMapping, Flow, MappingDocument, RecordsFlow } from '../../shared/mapping/document'
import type { Filter } from '../../shared/mapping/filter'
import type { Step, StepName } from '../../shared/mapping/steps'

/**
 * Pure edits of the mapping document, one per thing a user does on the canvas. Each takes
 * a document and returns the next one (or the same object when nothing changes, which
 * `edit()` then leaves out of the history). The canvas, the inspector and the shortcuts
 * all go through these, so every change is one named, undoable action.
 */

export type FieldsFlow = RecordsFlow | EventsFlow

export function hasFields(flow: Flow): flow is FieldsFlow {
  return flow.kind !== 'optOut'
}

export function replaceFlow(document: MappingDocument, flowId: string, change: (flow: Flow) => Flow): MappingDocument {
  let changed = false
  const flows = document.flows.map((flow) => {
    if (flow.id !== flowId) return flow
    const next = change(flow)
    if (next !== flow) changed = true
    return next
  })
  return changed ? { ...document, flows } : document
}

function changeFields(
  document: MappingDocument,
  flowId: string,
  change: (fields: FieldMapping[], flow: FieldsFlow) => FieldMapping[] | undefined
): MappingDocument {
  return replaceFlow(document, flowId, (flow) => {
    if (!hasFields(flow)) return flow
    const fields = change(flow.fields, flow)
    return fields ? ({ ...flow, fields } as Flow) : flow
  })
}

/**
 * A dragged connection from a source field to a target field. Without `append`, the target
 * takes this one source (its steps are kept: the user is re-pointing a mapping, not
 * rebuilding it); with `append` (Alt held), the source is added to the mapping's `from`.
 */
export function connectFields(document: MappingDocument, flowId: string, source: string, target: string, append: boolean): MappingDocument {
  return changeFields(document, flowId, (fields) => {
    const index = fields.findIndex((f) => f.target === target)
    if (index < 0) return [...fields, { target, from: [source] }]
    const current = fields[index]
    const from = current.from ?? []
    if (append ? from.includes(source) : from.length === 1 && from[0] === source) return undefined
    const next: FieldMapping = { ...current, from: append ? [...from, source] : [source] }
    return fields.map((f, i) => (i === index ? next : f))
  })
}

/** Removes edges: each is one source of one target's mapping; a mapping left with no source (and no constant) goes. */
export function removeEdges(
  document: MappingDocument,
  flowId: string,
  edges: ReadonlyArray<{ target: string; from: string }>
): MappingDocument {
  if (edges.length === 0) return document
  return changeFields(document, flowId, (fields) => {
    const next: FieldMapping[] = []
    for (const field of fields) {
      const removed = new Set(edges.filter((e) => e.target === field.target).map((e) => e.from))
      if (removed.size === 0) {
        next.push(field)
        continue
      }
      const from = (field.from ?? []).filter((f) => !removed.has(f))
      const makesOwnValue = field.steps?.[0]?.fn === 'constant' || field.steps?.[0]?.fn === 'expression'
      if (from.length > 0) next.push({ ...field, from })
      else if (makesOwnValue) {
        const { from: _dropped, ...rest } = field
        next.push(rest)
      }
    }
    return next
  })
}

export function removeMappings(document: MappingDocument, flowId: string, targets: readonly string[]): MappingDocument {
  const drop = new Set(targets)
  return changeFields(document, flowId, (fields) =>
    fields.some((f) => drop.has(f.target)) ? fields.filter((f) => !drop.has(f.target)) : undefined
  )
}

export function changeMapping(
  document: MappingDocument,
  flowId: string,
  target: string,
  change: (mapping: FieldMapping) => FieldMapping
): MappingDocument {
  return changeFields(document, flowId, (fields) => {
    const index = fields.findIndex((f) => f.target === target)
    if (index < 0) return undefined
    const next = change(fields[index])
    return next === fields[index] ? undefined : fields.map((f, i) => (i === index ? next : f))
  })
}

function withSteps(mapping: FieldMapping, steps: Step[]): FieldMapping {
  if (steps.length > 0) return { ...mapping, steps }
  const { steps: _dropped, ...rest } = mapping
  return rest
}

export function appendStep(document: MappingDocument, flowId: string, target: string, step: Step): MappingDocument {
  return changeMapping(document, flowId, target, (m) => withSteps(m, [...(m.steps ?? []), step]))
}

export function appendSteps(
  document: MappingDocument,
  flowId: string,
  targets: readonly string[],
  steps: readonly Step[]
): MappingDocument {
  return targets.reduce(
    (doc, target) => changeMapping(doc, flowId, target, (m) => withSteps(m, [...(m.steps ?? []), ...steps.map((s) => structuredClone(s))])),
    document
  )
}

export function replaceStep(document: MappingDocument, flowId: string, target: string, index: number, step: Step): MappingDocument {
  return changeMapping(document, flowId, target, (m) =>
    withSteps(
      m,
      (m.steps ?? []).map((s, i) => (i === index ? step : s))
    )
  )
}

export function removeStep(document: MappingDocument, flowId: string, target: string, index: number): MappingDocument {
  return changeMapping(document, flowId, target, (m) =>
    withSteps(
      m,
      (m.steps ?? []).filter((_, i) => i !== index)
    )
  )
}

export function moveStep(document: MappingDocument, flowId: string, target: string, index: number, by: -1 | 1): MappingDocument {
  return changeMapping(document, flowId, target, (m) => {
    const steps = [...(m.steps ?? [])]
    const to = index + by
    if (to < 0 || to >= steps.length) return m
    ;[steps[index], steps[to]] = [steps[to], steps[index]]
    return withSteps(m, steps)
  })
}

export function setFilter(document: MappingDocument, flowId: string, filter: Filter | undefined): MappingDocument {
  return replaceFlow(document, flowId, (flow) => {
    if (flow.kind === 'optOut') return flow
    if (filter === undefined) {
      if (flow.filter === undefined) return flow
      const { filter: _dropped, ...rest } = flow
      return rest as Flow
    }
    return { ...flow, filter } as Flow
  })
}

export function setNodePositions(document: MappingDocument, flowId: string, positions: Record<string, [number, number]>): MappingDocument {
  const layout = document.layout ?? {}
  const flowLayout = layout[flowId] ?? { nodes: {} }
  const nodes = { ...flowLayout.nodes }
  let changed = false
  for (const [id, point] of Object.entries(positions)) {
    const rounded: [number, number] = [Math.round(point[0]), Math.round(point[1])]
    if (nodes[id]?.[0] === rounded[0] && nodes[id]?.[1] === rounded[1]) continue
    nodes[id] = rounded
    changed = true
  }
  return changed ? { ...document, layout: { ...layout, [flowId]: { ...flowLayout, nodes } } } : document
}

/** Arguments a new step starts with: what its schema requires, set to something harmless the user then edits. */
export function newStep(fn: StepName): Step {
  switch (fn) {
    case 'split':
      return { fn, separator: ' ', index: 0 }
    case 'substring':
      return { fn, start: 0 }
    case 'replace':
      return { fn, pattern: '\\s+', replacement: ' ', flags: 'g' }
    case 'pad':
      return { fn, length: 10 }
    case 'default':
      return { fn, value: '' }
    case 'constant':
      return { fn, value: '' }
    case 'valueMap':
      return { fn, map: {} }
    case 'booleanToText':
      return { fn, whenTrue: 'yes', whenFalse: 'no' }
    case 'formatDate':
      return { fn, format: 'date' }
    case 'lookup':
      return { fn, field: 'name' }
    case 'expression':
      return { fn, expr: '$' }
    default:
      return { fn } as Step
  }
}

/** A flow id not used yet in the document, from a name. */
export function freeFlowId(document: MappingDocument, base: string): string {
  const stem =
    (
      base
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^[^A-Za-z]+/, '')
        .slice(0, 48) || 'flow'
    ).replace(/-+$/, '') || 'flow'
  const used = new Set(document.flows.map((f) => f.id))
  if (!used.has(stem)) return stem
  for (let i = 2; ; i++) if (!used.has(`${stem}-${i}`)) return `${stem}-${i}`
}

export function addFlow(document: MappingDocument, flow: Flow, positions?: Record<string, [number, number]>): MappingDocument {
  const next = { ...document, flows: [...document.flows, flow] }
  return positions ? { ...next, layout: { ...(next.layout ?? {}), [flow.id]: { nodes: positions } } } : next
}

export function removeFlow(document: MappingDocument, flowId: string): MappingDocument {
  if (!document.flows.some((f) => f.id === flowId)) return document
  const layout = { ...(document.layout ?? {}) }
  delete layout[flowId]
  const next: MappingDocument = { ...document, flows: document.flows.filter((f) => f.id !== flowId) }
  if (Object.keys(layout).length > 0) next.layout = layout
  else delete next.layout
  return next
}

export function renameFlow(document: MappingDocument, flowId: string, name: string): MappingDocument {
  return replaceFlow(document, flowId, (flow) => (flow.name === name ? flow : { ...flow, name }))
}
