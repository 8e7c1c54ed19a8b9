import { screen, type BrowserWindow, type Rectangle } from 'electron'
import { z } from 'zod'
import type { KeyValueStore } from '../workspace/store'

const KEY = 'windowState'
const WindowState = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().min(400),
  height: z.number().min(300),
  maximized: z.boolean()
})
type WindowState = z.infer<typeof WindowState>

/** The last window bounds, if they still fit on a connected display (a laptop undocked from a monitor). */
export function restoreWindowState(store: KeyValueStore): Partial<WindowState> {
  const parsed = WindowState.safeParse(store.get(KEY))
  if (!parsed.success) return { width: 1440, height: 900 }
  const state = parsed.data
  const visible = screen.getAllDisplays().some((display) => intersects(display.workArea, state))
  return visible ? state : { width: state.width, height: state.height, maximized: state.maximized }
}

function intersects(area: Rectangle, bounds: Rectangle): boolean {
  return (
    bounds.x < area.x + area.width &&
    bounds.x + bounds.width > area.x &&
    bounds.y < area.y + area.height &&
    bounds.y + bounds.height > area.y
  )
}

/** Remembers size and position as the user moves the window (debounced) and on close. */
export function trackWindowState(window: BrowserWindow, store: KeyValueStore): void {
  let timer: NodeJS.Timeout | undefined
  const save = () => {
    if (window.isDestroyed() || window.isMinimized()) return
    const bounds = window.getNormalBounds()
    void store.set(KEY, { ...bounds, maximized: window.isMaximized() })
  }
  const later = () => {
    clearTimeout(timer)
    timer = setTimeout(save, 500)
  }
  window.on('resize', later)
  window.on('move', later)
  window.on('close', () => {
    clearTimeout(timer)
    save()
  })
}
