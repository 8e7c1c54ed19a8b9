import type { Flow } from './document'

/**
 * The order a document's flows run in: records flows with their parents first (by
 * `links`), then opt-outs, then events. Main runs them so; the run dialog lists them so.
 */
export function orderFlows(flows: readonly Flow[]): Flow[] {
  const byId = new Map(flows.map((f) => [f.id, f]))
  const out: Flow[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (flow: Flow) => {
    if (state.has(flow.id)) return
    // Stryker disable next-line StringLiteral: only whether a flow has a state is read, never which one
    state.set(flow.id, 'visiting')
    // Stryker disable next-line ConditionalExpression: only records flows have links; for the others there is nothing to visit either way
    if (flow.kind === 'records') {
      // Stryker disable next-line ArrayDeclaration: an element that is not a link names no parent flow, so it is skipped like a missing parent
      for (const link of flow.links ?? []) {
        const parent = byId.get(link.parentFlow)
        if (parent) visit(parent)
      }
    }
    // Stryker disable next-line StringLiteral: only whether a flow has a state is read, never which one
    state.set(flow.id, 'done')
    out.push(flow)
  }
  const rank = (f: Flow) => (f.kind === 'records' ? 0 : f.kind === 'optOut' ? 1 : 2)
  for (const flow of [...flows].sort((a, b) => rank(a) - rank(b))) visit(flow)
  return out
}
