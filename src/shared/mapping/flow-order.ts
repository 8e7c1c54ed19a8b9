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
    state.set(flow.id, 'visiting')
    if (flow.kind === 'records') {
      for (const link of flow.links ?? []) {
        const parent = byId.get(link.parentFlow)
        if (parent) visit(parent)
      }
    }
    state.set(flow.id, 'done')
    out.push(flow)
  }
  const rank = (f: Flow) => (f.kind === 'records' ? 0 : f.kind === 'optOut' ? 1 : 2)
  for (const flow of [...flows].sort((a, b) => rank(a) - rank(b))) visit(flow)
  return out
}
