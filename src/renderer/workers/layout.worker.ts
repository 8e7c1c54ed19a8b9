/// <reference lib="webworker" />
import { columnLayout, type LayoutRequest } from './column-layout'

/**
 * Auto-layout off the main thread: the canvas posts the nodes' sizes, the worker answers
 * with positions. The layout itself is a pure function (column-layout.ts) so it is the
 * same in a test as here.
 */
self.onmessage = (event: MessageEvent<LayoutRequest & { id: number }>) => {
  const { id, ...request } = event.data
  self.postMessage({ id, positions: columnLayout(request) })
}
