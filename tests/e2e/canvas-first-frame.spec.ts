import { expect, newContactsMapping, test } from './canvas-support'

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

test('a field node renders the rows it keeps from its first render: the row budget is set before React Flow takes the nodes in', async ({
  page,
  app
}) => {
  // Every batch of changes to the page's elements: how many field rows it added to each node and
  // how many it took away. A node first rendered with a default number of rows, then again with
  // the number that fits the canvas, adds rows in a later batch.
  await page.addInitScript(() => {
    const batches: Array<{ added: Record<string, number>; removed: number }> = []
    Object.assign(window, { __ROWS__: batches })
    const rowsIn = (node: Node) =>
      node instanceof Element ? (node.matches('.ss-row') ? 1 : 0) + node.querySelectorAll('.ss-row').length : 0
    new MutationObserver((records) => {
      const added: Record<string, number> = {}
      let removed = 0
      for (const record of records) {
        const side = (record.target as Element).closest?.('.react-flow__node')?.getAttribute('data-id')
        for (const node of Array.from(record.addedNodes)) {
          const where = side ?? (node instanceof Element ? node.closest('.react-flow__node')?.getAttribute('data-id') : undefined)
          const count = rowsIn(node)
          if (count && where) added[where] = (added[where] ?? 0) + count
        }
        for (const node of Array.from(record.removedNodes)) removed += rowsIn(node)
      }
      if (Object.keys(added).length || removed) batches.push({ added, removed })
    }).observe(document, { childList: true, subtree: true })
  })
  const batches = () =>
    page.evaluate(() => (window as unknown as { __ROWS__: Array<{ added: Record<string, number>; removed: number }> }).__ROWS__)
  await page.goto(app.launchUrl)
  const before = (await batches()).length
  await newContactsMapping(page, { keepSuggestions: true })
  const rows = page.locator('.react-flow__node[data-id="source"] .ss-row')
  await expect(rows.first()).toBeVisible({ timeout: 30_000 })
  await expect.poll(() => page.locator('.react-flow__edge path.react-flow__edge-path').count()).toBeGreaterThan(0)
  // A few frames for anything that would still render the rows again.
  for (let frame = 0; frame < 10; frame++) await page.evaluate(() => new Promise(requestAnimationFrame))

  const opening = (await batches()).slice(before)
  const kept = await rows.count()
  // The flow's nodes are added once, with their rows: no later batch adds rows to a node or takes rows away.
  const first = opening.findIndex((batch) => batch.added.source)
  expect(first, JSON.stringify(opening)).toBeGreaterThanOrEqual(0)
  expect(opening[first].added.source, 'rows the source node showed first').toBe(kept)
  const later = opening.slice(first + 1)
  expect(later, `batches that rendered a node's rows again after its first render: ${JSON.stringify(later)}`).toEqual([])
})
