import type { LayoutRequest } from './column-layout'

/** Asks the layout worker for positions; one worker for the session, started on first use. */
let worker: Worker | undefined
let nextId = 1
const waiting = new Map<number, (positions: Record<string, [number, number]>) => void>()

export function layoutInWorker(request: LayoutRequest): Promise<Record<string, [number, number]>> {
  if (!worker) {
    worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<{ id: number; positions: Record<string, [number, number]> }>) => {
      waiting.get(event.data.id)?.(event.data.positions)
      waiting.delete(event.data.id)
    }
  }
  const id = nextId++
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id)
      reject(new Error('the layout worker did not answer'))
    }, 5000)
    waiting.set(id, (positions) => {
      clearTimeout(timer)
      resolve(positions)
    })
    worker!.postMessage({ id, ...request })
  })
}
