import type { Locator, Page } from '@playwright/test'
import { expect, flowEdge, test } from './canvas-support'
import { settled } from './settle'

/**
 * The canvas reads on a 1440×900 laptop and on a projector: the nodes fit between the side
 * panels at 12 px text or more, nothing floats over a node, every connector is whole and
 * takes a drag anywhere on it, and the app toolbar stays on one row at 1280 px.
 */

const screens = '.test-output/screens'
type Box = { x: number; y: number; width: number; height: number }

const overlap = (a: Box, b: Box) =>
  Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - 0.5 &&
  inner.y >= outer.y - 0.5 &&
  inner.x + inner.width <= outer.x + outer.width + 0.5 &&
  inner.y + inner.height <= outer.y + outer.height + 0.5

/** The part of a node the canvas shows (the canvas clips what lies beyond its edge). */
function clip(a: Box, to: Box): Box | undefined {
  const x = Math.max(a.x, to.x)
  const y = Math.max(a.y, to.y)
  const width = Math.min(a.x + a.width, to.x + to.width) - x
  const height = Math.min(a.y + a.height, to.y + to.height) - y
  return width > 0 && height > 0 ? { x, y, width, height } : undefined
}

async function box(locator: Locator): Promise<Box> {
  const b = await locator.boundingBox()
  expect(b, 'element has a box').not.toBeNull()
  return b!
}

async function openContactsExample(page: Page) {
  await page.getByTestId('import-file').setInputFiles('examples/contacts.mapping.json')
  // The schemas are in when the key rows show; then the view fits once more.
  // (A busy machine can take a while to serve the first schemas.)
  await expect(page.getByLabel('Source contact').locator('[data-field="contactid"]')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByLabel('Target profile').locator('[data-field="PKey"]')).toBeVisible({ timeout: 30_000 })
  await expect(page.locator('.react-flow__viewport')).not.toHaveAttribute('style', /translate\(0px, 0px\)/)
  await settled(page)
}

/** The smallest text on the nodes and edge labels as drawn on screen (font size × canvas zoom). */
async function smallestText(page: Page): Promise<{ size: number; text: string }> {
  return page.evaluate(() => {
    const viewport = document.querySelector<HTMLElement>('.react-flow__viewport')!
    const zoom = new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a
    let smallest = { size: Infinity, text: '' }
    const walker = document.createTreeWalker(document.querySelector('.react-flow')!, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim()
      const element = node.parentElement
      if (!text || !element || !element.closest('.react-flow__node, .ss-edge-label')) continue
      const rect = element.getBoundingClientRect()
      if (rect.width === 0 || rect.height === 0) continue
      const size = parseFloat(getComputedStyle(element).fontSize) * zoom
      if (size < smallest.size) smallest = { size, text }
    }
    return smallest
  })
}

const examples = [
  { file: 'contacts.mapping.json', flows: 1 },
  { file: 'custom-tables.mapping.json', flows: 3 },
  { file: 'email-events.mapping.json', flows: 4 },
  { file: 'opt-outs.mapping.json', flows: 1 }
]

/** Opens an example and waits until both nodes list their fields and the view has fitted them. */
async function openExample(page: Page, file: string) {
  await page.getByTestId('import-file').setInputFiles(`examples/${file}`)
  await expect(page.locator('.react-flow__node[data-id="source"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
  await expect(page.locator('.react-flow__node[data-id="target"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
  await expect(page.locator('.react-flow__viewport')).not.toHaveAttribute('style', /translate\(0px, 0px\)/, { timeout: 15_000 })
  await settled(page)
}

/** Every field connector of the nodes is whole inside its node, at least 16 × 24 px, and takes the pointer on all of it. */
async function checkConnectors(page: Page) {
  for (const side of ['source', 'target']) {
    const node = page.locator(`.react-flow__node[data-id="${side}"]`)
    const nodeBox = await box(node)
    // Opt-out pairs are fixed: their nodes have no connectors to drag.
    const handles = await node.locator('.ss-row .react-flow__handle.connectable').all()
    for (const handle of handles) {
      const b = await box(handle)
      expect(b.width).toBeGreaterThanOrEqual(16)
      expect(b.height).toBeGreaterThanOrEqual(24)
      expect(inside(b, nodeBox), `a ${side} connector lies inside its node`).toBe(true)
      const hits = await page.evaluate((r) => {
        const points = [
          [r.x + 1, r.y + 1],
          [r.x + r.width - 1, r.y + 1],
          [r.x + 1, r.y + r.height - 1],
          [r.x + r.width - 1, r.y + r.height - 1],
          [r.x + r.width / 2, r.y + r.height / 2]
        ]
        return points
          .map(([x, y]) => document.elementFromPoint(x, y))
          .filter((hit) => !hit?.closest('.react-flow__handle'))
          .map((hit) => hit?.outerHTML.slice(0, 120))
      }, b)
      const field = await handle.getAttribute('data-handleid')
      expect(hits, `every part of the ${side} connector of ${field} takes the pointer`).toEqual([])
    }
  }
}

/** A node's titles and field names show whole, or (cut to fit the node) carry their whole text as a tooltip. */
async function checkNamesWhole(page: Page, where: string) {
  const cut = await page.evaluate(() =>
    [
      ...document.querySelectorAll<HTMLElement>(
        '.react-flow__node .ss-node__title, .react-flow__node .ss-node__subtitle, .react-flow__node .ss-row__display, .react-flow__node .ss-row__logical'
      )
    ]
      .filter((element) => element.scrollWidth > element.clientWidth + 1)
      .filter(
        (element) =>
          !(element.closest('[title]')?.getAttribute('title') ?? '').includes(element.textContent?.replace('*', '').trim() ?? '-')
      )
      .map((element) => element.textContent)
  )
  expect(cut, `${where}: names cut without a tooltip`).toEqual([])
}

/** The checks of one flow on screen: nodes whole on the canvas and apart, labels inside, text 12 px or more, nothing floating, connectors whole. */
async function checkFlowLayout(page: Page, where: string) {
  const pane = await box(page.locator('.ss-canvas-host'))
  const nodes = page.locator('.react-flow__node')
  const boxes: Box[] = []
  for (const node of await nodes.all()) {
    const b = await box(node)
    const name = await node.getAttribute('data-id')
    expect(inside(b, pane), `${where}: the ${name} node is whole on the canvas`).toBe(true)
    for (const other of boxes) expect(overlap(b, other), `${where}: the ${name} node overlaps no other node`).toBe(false)
    boxes.push(b)
  }
  // The steps between them: every edge label on screen lies in the canvas.
  for (const label of await page.locator('.ss-edge-label').all()) expect(inside(await box(label), pane)).toBe(true)
  const smallest = await smallestText(page)
  expect(smallest.size, `${where}: smallest text on the canvas: "${smallest.text}"`).toBeGreaterThanOrEqual(12)
  // Toolbars, zoom controls and the overview live beside the canvas, never over it.
  expect(await page.locator('.react-flow .react-flow__panel').count(), 'no panel floats inside the canvas').toBe(0)
  expect(overlap(await box(page.getByRole('region', { name: 'Canvas tools' })), pane)).toBe(false)
  await checkConnectors(page)
  await checkNamesWhole(page, where)
}

for (const example of examples) {
  test(`${example.file} at 1440×900 and 1280×800 with both side panels open: every node of every flow fits at 12 px text or more, nothing covers a node, connectors whole`, async ({
    page,
    app
  }) => {
    // Every flow at two window sizes: more than one test's worth of steps on a busy machine.
    test.setTimeout(180_000)
    await page.goto(app.launchUrl)
    await openExample(page, example.file)
    await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeVisible()
    await expect(page.getByRole('complementary', { name: 'Inspector and problems' })).toBeVisible()
    const tabs = page.getByRole('tablist', { name: 'Flows' }).getByRole('tab')
    await expect(tabs).toHaveCount(example.flows)
    const name = example.file.replace('.mapping.json', '')
    for (const [width, height] of [
      [1440, 900],
      [1280, 800]
    ]) {
      await page.setViewportSize({ width, height })
      for (let index = 0; index < example.flows; index++) {
        await tabs.nth(index).click()
        await expect(page.locator('.react-flow__node[data-id="source"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
        await expect(page.locator('.react-flow__node[data-id="target"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
        await settled(page)
        // Both side panels stay open: the two columns fit between them.
        await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeVisible()
        await expect(page.getByRole('complementary', { name: 'Inspector and problems' })).toBeVisible()
        await checkFlowLayout(page, `${width}×${height}, flow ${index + 1}`)
        await page.screenshot({ path: `${screens}/canvas-${width}-${name}-${index + 1}.png` })
      }
    }
  })
}

/** Every edge label on screen lies on no node and on no other label (a node's border counts as the node). */
async function checkLabels(page: Page, where: string) {
  const nodes: Array<{ name: string; box: Box }> = []
  for (const node of await page.locator('.react-flow__node').all())
    nodes.push({ name: (await node.getAttribute('data-id')) ?? '?', box: await box(node) })
  const labels: Array<{ text: string; box: Box }> = []
  for (const label of await page.locator('.ss-edge-label').all()) {
    if (!(await label.isVisible())) continue
    const text = (await label.textContent()) ?? ''
    const b = await box(label)
    for (const node of nodes) expect(overlap(b, node.box), `${where}: the label "${text}" lies on the ${node.name} node`).toBe(false)
    for (const other of labels) expect(overlap(b, other.box), `${where}: the labels "${text}" and "${other.text}" overlap`).toBe(false)
    labels.push({ text, box: b })
  }
  return labels.length
}

for (const example of examples) {
  test(`${example.file}: every edge label and step chip sits where its edge is free, on no node and on no other label`, async ({
    page,
    app
  }) => {
    test.setTimeout(120_000)
    await page.goto(app.launchUrl)
    await openExample(page, example.file)
    // The preview closed and only the mapped fields listed: every mapping's rows are in view, so every label shows.
    await page.getByRole('button', { name: 'Hide preview' }).click()
    const tabs = page.getByRole('tablist', { name: 'Flows' }).getByRole('tab')
    let shown = 0
    for (let index = 0; index < example.flows; index++) {
      await tabs.nth(index).click()
      await expect(page.locator('.react-flow__node[data-id="target"] .ss-row').first()).toBeVisible({ timeout: 30_000 })
      await settled(page)
      await checkLabels(page, `flow ${index + 1}, all fields`)
      for (const side of ['source', 'target'])
        await page.locator(`.react-flow__node[data-id="${side}"] .ss-node__mode select`).selectOption('mapped')
      await settled(page)
      shown += await checkLabels(page, `flow ${index + 1}, mapped fields`)
      await page.screenshot({ path: `${screens}/labels-1440-${example.file.replace('.mapping.json', '')}-${index + 1}.png` })
    }
    // The check looked at labels: the examples' steps, links and match keys show as labels once their rows are in view.
    expect(shown).toBeGreaterThanOrEqual(example.flows)
  })
}

test('the overview sits beside the canvas, never over a node', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await openContactsExample(page)
  await page.getByRole('button', { name: 'Overview' }).click()
  const minimap = await box(page.getByRole('complementary', { name: 'Overview' }))
  const paneWithOverview = await box(page.locator('.ss-canvas-host'))
  expect(overlap(minimap, paneWithOverview), 'the overview sits beside the canvas').toBe(false)
  for (const node of await page.locator('.react-flow__node').all()) {
    const shown = clip(await box(node), paneWithOverview)
    if (shown) expect(overlap(shown, minimap)).toBe(false)
  }
  await page.getByRole('button', { name: 'Overview' }).click()
  await page.getByRole('button', { name: 'Fit View' }).click()
  await settled(page)
  await page.screenshot({ path: `${screens}/canvas-1440-panels-open.png` })
})

test('a filter the fit leaves above the view takes no rows: the field nodes fill the canvas down to its edge', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  // Its target sits far to the right: at 1440×900 with both panels open the view shows the source and the target only.
  await page.getByTestId('import-file').setInputFiles('tests/fixtures/mappings/good/contacts-to-profiles.json')
  // Both schemas in (until then a node lists only its mapped fields).
  await expect(page.locator('.react-flow__node[data-id="source"]')).toContainText('/160 mapped', { timeout: 30_000 })
  await expect(page.locator('.react-flow__node[data-id="target"]')).toContainText('/50 mapped', { timeout: 30_000 })
  await expect(page.locator('.react-flow__viewport')).not.toHaveAttribute('style', /translate\(0px, 0px\)/, { timeout: 15_000 })
  await settled(page)
  const pane = await box(page.locator('.ss-canvas-host'))
  const filter = await box(page.locator('.react-flow__node[data-id="filter"]'))
  const source = await box(page.locator('.react-flow__node[data-id="source"]'))
  expect(filter.y + filter.height, 'the filter is above the view').toBeLessThanOrEqual(pane.y)
  expect(source.y + source.height, 'the source node is whole').toBeLessThanOrEqual(pane.y + pane.height)
  // Less than a row (32 px) and the margins (2 × 12) are left under it.
  expect(pane.y + pane.height - (source.y + source.height)).toBeLessThan(32 + 24)
})

test('every connector is whole inside its row and takes a drag on any part of it', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await openContactsExample(page)
  const sourceNode = page.getByLabel('Source contact')
  const targetNode = page.getByLabel('Target profile')
  const nodeBox = await box(sourceNode)
  const handles = sourceNode.locator('.ss-row .react-flow__handle')
  expect(await handles.count()).toBeGreaterThanOrEqual(5)
  for (const handle of await handles.all()) {
    const b = await box(handle)
    expect(b.width).toBeGreaterThanOrEqual(16)
    expect(b.height).toBeGreaterThanOrEqual(24)
    expect(inside(b, nodeBox), 'the connector lies inside its node').toBe(true)
  }
  // Every part of a connector is hit-testable as the connector (nothing clips or covers it).
  const first = await box(handles.first())
  const hits = await page.evaluate((b) => {
    const points = [
      [b.x + 1, b.y + 1],
      [b.x + b.width - 1, b.y + 1],
      [b.x + 1, b.y + b.height - 1],
      [b.x + b.width - 1, b.y + b.height - 1],
      [b.x + b.width / 2, b.y + b.height / 2]
    ]
    return points.map(([x, y]) =>
      document.elementFromPoint(x, y)?.closest('.react-flow__handle') ? true : document.elementFromPoint(x, y)?.outerHTML.slice(0, 200)
    )
  }, first)
  expect(hits).toEqual([true, true, true, true, true])

  // A drag from the outer edge of a source connector to the outer edge of a target connector maps the fields.
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('telephone1')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('mobilePhone')
  const from = await box(sourceNode.locator('[data-field="telephone1"] .react-flow__handle'))
  const to = await box(targetNode.locator('[data-field="mobilePhone"] .react-flow__handle'))
  await page.mouse.move(from.x + from.width - 2, from.y + 2)
  await page.mouse.down()
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 })
  await page.mouse.move(to.x + 2, to.y + to.height - 3, { steps: 4 })
  await page.mouse.up()
  await expect(flowEdge(page, 'mobilePhone', 'telephone1')).toHaveCount(1)
})

test('the app toolbar stays on one row at 1280 px, with the mapping name readable', async ({ page, app }) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.goto(app.launchUrl)
  await openContactsExample(page)
  const toolbar = await box(page.getByRole('toolbar', { name: 'Mapping' }))
  const file = await box(page.getByRole('button', { name: 'File', exact: true }))
  const name = await box(page.getByRole('textbox', { name: 'Mapping name' }))
  const run = await box(page.getByRole('button', { name: 'Run', exact: true }))
  expect(toolbar.height).toBeLessThan(file.height + 16)
  expect(Math.abs(name.y + name.height / 2 - (file.y + file.height / 2))).toBeLessThan(4)
  expect(Math.abs(run.y - file.y)).toBeLessThan(4)
  // The whole name shows: the field is as wide as its text.
  const nameField = page.getByRole('textbox', { name: 'Mapping name' })
  await page.screenshot({ path: `${screens}/toolbar-1280.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } })
  expect(await nameField.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true)

  expect(name.x + name.width).toBeLessThanOrEqual(1280)
  await page.screenshot({ path: `${screens}/toolbar-1280.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } })
})

test('focus mode and the presentation zoom: the canvas alone, text 18 px or more, the panels come back', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await openContactsExample(page)
  await page.getByRole('button', { name: 'Presentation' }).click()
  await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeHidden()
  await expect(page.getByRole('complementary', { name: 'Inspector and problems' })).toBeHidden()
  await expect(page.getByRole('status', { name: 'Zoom level' })).toHaveText('150%')
  await settled(page)
  const pane = await box(page.locator('.ss-canvas-host'))
  expect(inside(await box(page.getByLabel('Source contact')), pane)).toBe(true)
  expect(inside(await box(page.getByLabel('Target profile')), pane)).toBe(true)
  expect((await smallestText(page)).size).toBeGreaterThanOrEqual(18)
  await page.screenshot({ path: `${screens}/canvas-presentation.png` })
  await page.getByRole('button', { name: 'Presentation' }).click()
  await expect(page.getByRole('complementary', { name: 'Inspector and problems' })).toBeVisible()
  await expect(page.getByRole('status', { name: 'Zoom level' })).toHaveText('100%')

  // Focus mode: the canvas alone at the reading zoom; the whole flow, filter included, fits.
  await page.getByRole('button', { name: 'Focus mode' }).click()
  await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeHidden()
  await settled(page)
  const wide = await box(page.locator('.ss-canvas-host'))
  for (const node of await page.locator('.react-flow__node').all()) expect(inside(await box(node), wide)).toBe(true)
  await page.getByRole('button', { name: 'Focus mode' }).click()
  await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeVisible()
  // One panel at a time, remembered across a reload.
  await page.getByRole('button', { name: 'Tables panel' }).click()
  await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeHidden()
  await page.reload()
  await expect(page.getByRole('toolbar', { name: 'Mapping' })).toBeVisible()
  await expect(page.getByRole('complementary', { name: 'Tables and resources' })).toBeHidden()
})
