/**
 * A small deterministic layout for a flow: the filter above the source it narrows, the
 * target to the right of the source with a wide gutter so the edges and their step chips
 * have room; anything else in further columns. Two columns keep source, filter and target
 * on a laptop's canvas at a readable size. Same input, same positions.
 */
export interface LayoutRequest {
  nodes: Array<{ id: string; width: number; height: number }>
}

const ABOVE = 40
// As wide as the default gap between source and target (canvas/model.ts NODE_GAP): a link naming its parent flow fits on one line.
const GUTTER = 200

export function columnLayout({ nodes }: LayoutRequest): Record<string, [number, number]> {
  const byId = new Map(nodes.map((n) => [n.id, n]))
  const positions: Record<string, [number, number]> = {}
  const source = byId.get('source')
  // The source sits at (0, 0) so the file's positions stay small and stable whatever the filter's size.
  if (source) positions.source = [0, 0]
  const filter = byId.get('filter')
  if (filter) positions.filter = [0, -Math.round(filter.height + ABOVE)]
  let x = source ? source.width + GUTTER : 0
  const rest = nodes
    .filter((n) => n.id !== 'source' && n.id !== 'filter')
    .sort((a, b) => (a.id === 'target' ? -1 : b.id === 'target' ? 1 : a.id.localeCompare(b.id)))
  for (const node of rest) {
    positions[node.id] = [Math.round(x), 0]
    x += node.width + GUTTER
  }
  return positions
}
