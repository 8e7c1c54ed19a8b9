/**
 * A small deterministic layout for a flow: columns from left to right in reading order —
 * filter, source, target — top-aligned, with a wide gutter between source and target so
 * the edges and their step chips have room. Same input, same positions.
 */
export interface LayoutRequest {
  nodes: Array<{ id: string; width: number; height: number }>
}

const order = ['filter', 'source', 'target']
const gutter: Record<string, number> = { source: 40, target: 160 }

export function columnLayout({ nodes }: LayoutRequest): Record<string, [number, number]> {
  const sorted = [...nodes].sort((a, b) => (order.indexOf(a.id) + 1 || 99) - (order.indexOf(b.id) + 1 || 99) || a.id.localeCompare(b.id))
  const positions: Record<string, [number, number]> = {}
  const sourceIndex = sorted.findIndex((n) => n.id === 'source')
  let x = 0
  sorted.forEach((node, index) => {
    if (index > 0) x += gutter[node.id] ?? 120
    positions[node.id] = [Math.round(x), 0]
    x += node.width
  })
  // The source sits at x = 0 so the file's positions stay small and stable whatever the filter's width.
  const shift = sourceIndex >= 0 ? positions.source[0] : 0
  for (const id of Object.keys(positions)) positions[id] = [positions[id][0] - shift, positions[id][1]]
  return positions
}
