import type { MappingDocument, RecordsFlow } from '../../shared/mapping/document'
import { replaceFlow } from './mapping-edits'

/**
 * Pure edits of a flow's links (a child record → its parent in the target), the way the
 * canvas makes them: a lookup or id field dropped on a link field links it; the parent flow
 * can be changed in the Inspector; deleting the edge removes the link.
 */

function changeLinks(
  document: MappingDocument,
  flowId: string,
  change: (links: NonNullable<RecordsFlow['links']>) => RecordsFlow['links'] | undefined
): MappingDocument {
  return replaceFlow(document, flowId, (flow) => {
    if (flow.kind !== 'records') return flow
    const next = change(flow.links ?? [])
    if (!next) return flow
    const { links: _old, ...rest } = flow
    return next.length ? { ...rest, links: next } : rest
  })
}

/** Links `target` (a link field) through the source lookup `source` to the records of `parentFlow`; replaces an earlier link of that field. */
export function connectLink(
  document: MappingDocument,
  flowId: string,
  source: string,
  target: string,
  parentFlow: string
): MappingDocument {
  return changeLinks(document, flowId, (links) => {
    const current = links.find((l) => l.target === target)
    if (current && current.source === source && current.parentFlow === parentFlow) return undefined
    const link = { target, source, parentFlow }
    return current ? links.map((l) => (l === current ? link : l)) : [...links, link]
  })
}

export function setLinkParent(document: MappingDocument, flowId: string, target: string, parentFlow: string): MappingDocument {
  return changeLinks(document, flowId, (links) => {
    const current = links.find((l) => l.target === target)
    if (!current || current.parentFlow === parentFlow) return undefined
    return links.map((l) => (l === current ? { ...l, parentFlow } : l))
  })
}

/** Removes the links drawn by these edges (an edge that is a field mapping is left to `removeEdges`). */
export function removeLinks(
  document: MappingDocument,
  flowId: string,
  edges: ReadonlyArray<{ target: string; from: string }>
): MappingDocument {
  return changeLinks(document, flowId, (links) => {
    const next = links.filter((l) => !edges.some((e) => e.target === l.target && e.from === l.source))
    return next.length === links.length ? undefined : next
  })
}
