import type { Page } from '@playwright/test'

/**
 * Waits until the screen is at rest, for the moments a test needs it so (a measure, a
 * screenshot, "nothing else happens"), instead of a fixed sleep: every finite CSS transition
 * and animation has finished (Fluent fades its buttons in), and the canvas — its viewport,
 * its host's size, every node's box and every edge's path — has stayed the same for `frames`
 * animation frames in a row (a fit runs two frames after a resize, a row budget one more).
 */
export async function settled(page: Page, frames = 4): Promise<void> {
  await page.evaluate(async (needed) => {
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
    const finite = () =>
      document.getAnimations().filter((animation) => {
        const end = animation.effect?.getComputedTiming().endTime
        return animation.playState === 'running' && typeof end === 'number' && Number.isFinite(end)
      })
    const picture = () => {
      const parts: string[] = [document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? '']
      for (const element of document.querySelectorAll('.ss-canvas-host, .react-flow__node')) {
        const r = element.getBoundingClientRect()
        parts.push(`${r.x},${r.y},${r.width},${r.height}`)
      }
      for (const path of document.querySelectorAll('path.react-flow__edge-path')) parts.push(path.getAttribute('d') ?? '')
      return parts.join('|')
    }
    const deadline = performance.now() + 10_000
    let last = ''
    let still = 0
    while (still < needed) {
      if (performance.now() > deadline) throw new Error('the page did not come to rest within 10 s')
      await Promise.all(finite().map((animation) => animation.finished.catch(() => undefined)))
      await frame()
      const now = picture()
      still = now === last ? still + 1 : 0
      last = now
    }
  }, frames)
}
