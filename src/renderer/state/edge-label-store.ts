import { create } from 'zustand'
import { placeLabels, type LabelRequest, type Placement, type Rect } from '../canvas/label-placement'

/**
 * The edge labels on the canvas and where each one goes. Each edge tells the size of its label
 * and where its ends are, the edges tell the nodes' boxes; the places are worked out for all
 * labels together so that none sits on a node or on another label (canvas/label-placement.ts).
 */

interface EdgeLabelState {
  requests: ReadonlyMap<string, LabelRequest>
  obstacles: readonly Rect[]
  placed: ReadonlyMap<string, Placement>
  request(label: LabelRequest): void
  withdraw(id: string): void
  setObstacles(rects: readonly Rect[]): void
}

const sameRequest = (a: LabelRequest | undefined, b: LabelRequest) =>
  a !== undefined &&
  a.sx === b.sx &&
  a.sy === b.sy &&
  a.tx === b.tx &&
  a.ty === b.ty &&
  a.width === b.width &&
  a.height === b.height &&
  a.prefer === b.prefer &&
  a.first === b.first

const sameRects = (a: readonly Rect[], b: readonly Rect[]) =>
  a.length === b.length && a.every((r, i) => r.x === b[i].x && r.y === b[i].y && r.width === b[i].width && r.height === b[i].height)

export const useEdgeLabelStore = create<EdgeLabelState>((set, get) => {
  // The edges of one render tell their labels one after another: the places are worked out once, after all of them.
  let pending = false
  const schedule = () => {
    if (pending) return
    pending = true
    queueMicrotask(() => {
      pending = false
      const { requests, obstacles } = get()
      set({ placed: placeLabels([...requests.values()], obstacles) })
    })
  }
  return {
    requests: new Map(),
    obstacles: [],
    placed: new Map(),
    request(label) {
      const { requests } = get()
      if (sameRequest(requests.get(label.id), label)) return
      set({ requests: new Map(requests).set(label.id, label) })
      schedule()
    },
    withdraw(id) {
      const { requests } = get()
      if (!requests.has(id)) return
      const next = new Map(requests)
      next.delete(id)
      set({ requests: next })
      schedule()
    },
    setObstacles(rects) {
      if (sameRects(get().obstacles, rects)) return
      set({ obstacles: rects })
      schedule()
    }
  }
})
