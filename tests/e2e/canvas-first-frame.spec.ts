import { expect, test } from './canvas-support'

/**
 * A canvas is never painted empty or with another flow's nodes. The flows' canvases share one
 * React Flow store (App.tsx), and React Flow takes a new canvas's nodes in an effect after the
 * canvas is first rendered: a frame painted in between would show the last flow's nodes, or
 * none, under the new flow's name.
 */

interface Frame {
  /** The canvas shown in this frame, by its accessible name. */
  canvas: string | null
  /** The nodes it shows, by their accessible names ("Source contact", "Target profile"). */
  nodes: string
  /** Where it shows them: the viewport's transform. */
  view: string
  /** React Flow shows a node once it has measured it (until then it is rendered hidden). */
  visible: boolean
}

test('a flow’s canvas shows its nodes, in its fitted view, from its first frame, on opening a mapping and on switching flows', async ({
  page,
  app
}) => {
  // Every animation frame records what it is about to paint: callbacks run after the tasks
  // that changed the page and before the frame's layout and paint.
  await page.addInitScript(() => {
    const frames: Frame[] = []
    Object.assign(window, { __FRAMES__: frames })
    const record = () => {
      const canvas = document.querySelector('.react-flow')
      const nodes = Array.from(canvas?.querySelectorAll('.react-flow__node [role="group"]') ?? [], (node) =>
        node.getAttribute('aria-label')
      )
      const view = canvas?.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform ?? ''
      const shownNodes = Array.from(canvas?.querySelectorAll('.react-flow__node') ?? [])
      const visible = shownNodes.length > 0 && shownNodes.every((node) => getComputedStyle(node).visibility === 'visible')
      frames.push({ canvas: canvas?.getAttribute('aria-label') ?? null, nodes: nodes.sort().join(', '), view, visible })
      requestAnimationFrame(record)
    }
    requestAnimationFrame(record)
  })
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles('examples/custom-tables.mapping.json')
  const tabs = page.getByRole('tablist', { name: 'Flows' }).getByRole('tab')
  await expect(tabs).toHaveCount(3)
  for (let index = 0; index < 3; index++) {
    await tabs.nth(index).click()
    await expect(page.locator('.react-flow__node[data-id="target"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
  }

  const frames = await page.evaluate(() => (window as unknown as { __FRAMES__: Frame[] }).__FRAMES__)
  // (Before the import the app shows its empty canvas, which has no nodes.)
  const shown = frames.filter((frame) => frame.canvas?.startsWith('Canvas of flow'))
  // What each canvas shows once settled: its own source and target (three flows, three pairs).
  const settledNodes = new Map(shown.map((frame) => [frame.canvas, frame.nodes]))
  expect(settledNodes.size).toBe(3)
  for (const nodes of settledNodes.values()) expect(nodes).toMatch(/^Filter, Source .+, Target .+$/)
  expect(new Set(settledNodes.values()).size).toBe(3)
  // Every frame of a canvas, its first included, shows those nodes: none empty, none another flow's.
  const wrong = shown.filter((frame) => frame.nodes !== settledNodes.get(frame.canvas))
  expect(wrong, `frames that painted a canvas without its own nodes: ${JSON.stringify(wrong.slice(0, 3))}`).toEqual([])
  // …and where it keeps them: the view is fitted before the first frame, not moved to the fit a few frames later.
  const seen = shown.filter((frame) => frame.visible)
  const settledView = new Map(seen.map((frame) => [frame.canvas, frame.view]))
  expect(settledView.size).toBe(3)
  const moved = seen.filter((frame) => frame.view !== settledView.get(frame.canvas))
  expect(moved, `frames that painted a canvas before its view was fitted: ${JSON.stringify(moved.slice(0, 3))}`).toEqual([])
})

test('the canvas is its own layer only while the view keeps moving: not when it opens, during a pan, not once still', async ({
  page,
  app
}) => {
  // A layer that may move is painted 4,000 px around what is in view (ViewLayers.tsx): every
  // animation frame records whether the viewport is one.
  await page.addInitScript(() => {
    const frames: boolean[] = []
    Object.assign(window, { __LAYERED__: frames })
    const record = () => {
      const viewport = document.querySelector('.react-flow__viewport')
      if (viewport) frames.push(viewport.classList.contains('ss-viewport--moving'))
      requestAnimationFrame(record)
    }
    requestAnimationFrame(record)
  })
  const layered = () => page.evaluate(() => (window as unknown as { __LAYERED__: boolean[] }).__LAYERED__)
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles('examples/contacts.mapping.json')
  await expect(page.locator('.react-flow__node[data-id="target"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
  await expect.poll(() => page.locator('.react-flow__edge path.react-flow__edge-path').count()).toBeGreaterThan(3)
  const opening = await layered()
  // The canvas opened, fitted its view (a jump of the view) and drew its edges.
  expect(opening.length).toBeGreaterThan(3)
  expect(opening.filter(Boolean).length, 'frames of the opening painted as a moving layer').toBe(0)

  // A pan: the pointer drags an empty point of the pane over several frames.
  const pane = (await page.locator('.ss-canvas-host').boundingBox())!
  const start = { x: pane.x + pane.width - 30, y: pane.y + pane.height - 30 }
  await expect(page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.classList.contains('react-flow__pane'), start)).resolves.toBe(
    true
  )
  const before = (await layered()).length
  await page.mouse.move(start.x, start.y)
  await page.mouse.down()
  for (let step = 1; step <= 12; step++) {
    await page.mouse.move(start.x - step * 10, start.y - step * 6)
    await page.evaluate(() => new Promise(requestAnimationFrame))
  }
  const panning = (await layered()).slice(before)
  expect(panning.some(Boolean), 'the viewport is a layer while the pan goes on').toBe(true)
  await page.mouse.up()
  // Still again: it goes back to an ordinary layer, so text is rastered sharp.
  await expect(page.locator('.react-flow__viewport')).not.toHaveClass(/ss-viewport--moving/)
})
