/**
 * Where each edge label goes: on its own edge where the edge is free — never on a node, never
 * on another label. Labels are placed one after another (the selected one first, then from the
 * top down); each takes the free spot nearest the point of its edge it prefers (along the edge,
 * nudged sideways, just above or below it, then whole label heights away), and when nothing is
 * free the spot that covers the least. Pure: the canvas gives the edges' ends, the labels' measured sizes and
 * the nodes' boxes, all in flow coordinates.
 */

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface LabelRequest {
  id: string
  /** The edge's ends: a right-hand source handle and a left-hand target handle. */
  sx: number
  sy: number
  tx: number
  ty: number
  width: number
  height: number
  /** Where along the edge the label would rather sit (0 = source, 1 = target). */
  prefer: number
  /** Placed before the others (the selected edge keeps its spot). */
  first?: boolean
}

export interface Placement {
  /** The label's centre. */
  x: number
  y: number
}

/** Space kept between a label and a node or another label. */
export const LABEL_GAP = 6

/** A point on React Flow's bezier between a right-hand source and a left-hand target (as `getBezierPath` draws it with curvature 0.35). */
export function pointAlong(sx: number, sy: number, tx: number, ty: number, t: number): [number, number] {
  const offset = tx >= sx ? 0.5 * (tx - sx) : 0.35 * 25 * Math.sqrt(sx - tx)
  const c1 = sx + offset
  const c2 = tx - offset
  const u = 1 - t
  const x = u * u * u * sx + 3 * u * u * t * c1 + 3 * u * t * t * c2 + t * t * t * tx
  const y = u * u * u * sy + 3 * u * u * t * sy + 3 * u * t * t * ty + t * t * t * ty
  return [x, y]
}

function overlapArea(a: Rect, b: Rect, gap: number): number {
  const w = Math.min(a.x + a.width, b.x + b.width + gap) - Math.max(a.x, b.x - gap)
  const h = Math.min(a.y + a.height, b.y + b.height + gap) - Math.max(a.y, b.y - gap)
  return w > 0 && h > 0 ? w * h : 0
}

interface Offset {
  t: number
  dx: number
  dy: number
}
const templates = new Map<string, Offset[]>()

/**
 * Spots for a label, best first, as offsets from its edge: on the edge near the preferred point,
 * nudged sideways (a label about as wide as the gap between two nodes fits at one spot across),
 * a little above or below (still touching the edge), then whole label heights away. They depend
 * only on the label's height and preferred point, so they are worked out once for each.
 */
function offsets(prefer: number, height: number): Offset[] {
  const key = `${prefer}|${height}`
  const known = templates.get(key)
  if (known) return known
  const ts: number[] = [prefer]
  for (let step = 0.05; step <= 0.6; step += 0.05) for (const t of [prefer + step, prefer - step]) if (t >= 0.08 && t <= 0.92) ts.push(t)
  const shifts = [0]
  for (let dy = 4; dy <= height / 2; dy += 4) shifts.push(dy, -dy)
  for (let k = 1; k <= 6; k++) shifts.push(k * (height + LABEL_GAP), -k * (height + LABEL_GAP))
  const nudges = [0, 3, -3, 6, -6, 12, -12, 24, -24, 48, -48]
  const all: Array<Offset & { score: number }> = []
  for (const t of ts)
    for (const dy of shifts)
      for (const dx of nudges) all.push({ t, dx, dy, score: Math.abs(dy) + Math.abs(dx) + 150 * Math.abs(t - prefer) })
  const sorted = all.sort((a, b) => a.score - b.score).map(({ t, dx, dy }) => ({ t, dx, dy }))
  templates.set(key, sorted)
  return sorted
}

export function placeLabels(requests: readonly LabelRequest[], obstacles: readonly Rect[]): Map<string, Placement> {
  const ordered = [...requests].sort(
    (a, b) => Number(Boolean(b.first)) - Number(Boolean(a.first)) || a.ty - b.ty || a.sy - b.sy || a.id.localeCompare(b.id)
  )
  const placed = new Map<string, Placement>()
  const taken: Rect[] = []
  const costOf = (box: Rect) => {
    // A label on a node hides the node's fields: that costs more than one label on another.
    let cost = 0
    for (const node of obstacles) cost += 4 * overlapArea(box, node, LABEL_GAP)
    for (const other of taken) cost += overlapArea(box, other, LABEL_GAP)
    return cost
  }
  const boxAt = (request: LabelRequest, x: number, y: number): Rect => ({
    x: x - request.width / 2,
    y: y - request.height / 2,
    width: request.width,
    height: request.height
  })
  for (const request of ordered) {
    // The preferred point is the first spot of every list: when it is free (most labels), the
    // list of spots (thousands, sorted) is not needed — which matters on the canvas's first render.
    const [px, py] = pointAlong(request.sx, request.sy, request.tx, request.ty, request.prefer)
    if (costOf(boxAt(request, px, py)) === 0) {
      placed.set(request.id, { x: px, y: py })
      taken.push(boxAt(request, px, py))
      continue
    }
    let best: { x: number; y: number; cost: number } | undefined
    const along = new Map<number, [number, number]>()
    for (const { t, dx, dy } of offsets(request.prefer, request.height)) {
      let point = along.get(t)
      if (!point) along.set(t, (point = pointAlong(request.sx, request.sy, request.tx, request.ty, t)))
      const x = point[0] + dx
      const y = point[1] + dy
      const cost = costOf(boxAt(request, x, y))
      if (!best || cost < best.cost) best = { x, y, cost }
      if (cost === 0) break
    }
    if (!best) continue
    placed.set(request.id, { x: best.x, y: best.y })
    taken.push(boxAt(request, best.x, best.y))
  }
  return placed
}
