import { describe, expect, it } from 'vitest'
import { LABEL_GAP, placeLabels, pointAlong, type LabelRequest, type Rect } from '../../src/renderer/canvas/label-placement'

/** Two nodes side by side as the canvas lays them out: 260 wide, 200 apart. */
const source: Rect = { x: 0, y: 0, width: 260, height: 400 }
const target: Rect = { x: 460, y: 0, width: 260, height: 400 }
const rowY = (row: number) => 120 + row * 32

const boxOf = (request: LabelRequest, at: { x: number; y: number }): Rect => ({
  x: at.x - request.width / 2,
  y: at.y - request.height / 2,
  width: request.width,
  height: request.height
})
const overlaps = (a: Rect, b: Rect) =>
  Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0

function edge(id: string, from: number, to: number, width: number, height = 20): LabelRequest {
  return { id, sx: 262, sy: rowY(from), tx: 458, ty: rowY(to), width, height, prefer: 0.68 }
}

describe('edge label placement', () => {
  it('keeps a lone label on its edge at the point it prefers when that point is free', () => {
    const request = edge('a', 0, 2, 60)
    const at = placeLabels([request], [source, target]).get('a')!
    const [x, y] = pointAlong(request.sx, request.sy, request.tx, request.ty, 0.68)
    expect(at).toEqual({ x, y })
  })

  it('moves a label that would lie on a node off the node, keeping it by its edge', () => {
    // 0.68 along, a 170 px label runs into the target node.
    const request = edge('link', 1, 4, 170)
    const at = placeLabels([request], [source, target]).get('link')!
    const box = boxOf(request, at)
    expect(overlaps(box, source)).toBe(false)
    expect(overlaps(box, target)).toBe(false)
    expect(box.x).toBeGreaterThanOrEqual(source.x + source.width + LABEL_GAP - 0.01)
    expect(box.x + box.width).toBeLessThanOrEqual(target.x - LABEL_GAP + 0.01)
  })

  it('gives chips of edges converging on neighbouring rows distinct places, none on another or on a node', () => {
    // Six mappings from rows far apart into six neighbouring rows: their chips would pile up where the edges converge.
    const requests = [0, 1, 2, 3, 4, 5].map((row) => edge(`m${row}`, 5 - row, row, 70))
    requests.push(edge('wide', 2, 3, 150))
    const placed = placeLabels(requests, [source, target])
    expect(placed.size).toBe(requests.length)
    const boxes = requests.map((r) => boxOf(r, placed.get(r.id)!))
    for (const [i, box] of boxes.entries()) {
      expect(overlaps(box, source), `${requests[i].id} on the source`).toBe(false)
      expect(overlaps(box, target), `${requests[i].id} on the target`).toBe(false)
      for (const other of boxes.slice(i + 1)) expect(overlaps(box, other), `${requests[i].id} on another label`).toBe(false)
    }
  })

  it('places the selected label first, at the spot it prefers', () => {
    const a = edge('a', 0, 0, 80)
    const b = { ...edge('b', 0, 0, 80), first: true }
    const placed = placeLabels([a, b], [source, target])
    const [x, y] = pointAlong(b.sx, b.sy, b.tx, b.ty, 0.68)
    expect(placed.get('b')).toEqual({ x, y })
    expect(placed.get('a')).not.toEqual({ x, y })
  })

  it('is the same for the same input whatever the order the edges come in', () => {
    const requests = [0, 1, 2, 3].map((row) => edge(`m${row}`, 3 - row, row, 90))
    const one = placeLabels(requests, [source, target])
    const two = placeLabels([...requests].reverse(), [source, target])
    expect([...two.entries()].sort()).toEqual([...one.entries()].sort())
  })
})
