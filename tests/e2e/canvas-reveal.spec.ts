import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './canvas-support'
import { settled } from './settle'

/**
 * With the preview open a node lists about five rows at 1440×900, so most mappings run from rows
 * scrolled out of view. Selecting one — from Problems, on the canvas or in the Inspector — scrolls
 * both nodes so its two rows show, and its edge and label are drawn between them. Real mouse
 * clicks and wheel scrolls only.
 */

const screens = '.test-output/screens'
const node = (page: Page, side: 'source' | 'target') => page.locator(`.react-flow__node[data-id="${side}"]`)

/** Whether a field's row is drawn inside its node's scrolled list. */
async function inView(list: Locator, field: string): Promise<boolean> {
  return list.evaluate((element, name) => {
    const row = element.querySelector(`.ss-row[data-field="${CSS.escape(name)}"]`)
    const scroller = element.querySelector('.ss-node__scroll')
    if (!row || !scroller) return false
    const r = row.getBoundingClientRect()
    const s = scroller.getBoundingClientRect()
    return r.top >= s.top - 1 && r.bottom <= s.bottom + 1
  }, field)
}

async function expectRowsInView(page: Page, source: string, target: string, shown: boolean) {
  await expect.poll(() => inView(node(page, 'source'), source), `${source} in view: ${shown}`).toBe(shown)
  await expect.poll(() => inView(node(page, 'target'), target), `${target} in view: ${shown}`).toBe(shown)
}

/** Scrolls both nodes' lists to their end with the mouse wheel, as a user looking for another field. */
async function scrollAway(page: Page) {
  for (const side of ['source', 'target'] as const) {
    const list = await node(page, side).locator('.ss-node__scroll').boundingBox()
    await page.mouse.move(list!.x + list!.width / 2, list!.y + list!.height / 2)
    await page.mouse.wheel(0, 4000)
  }
}

/** The selected edge's label lies on no node. */
async function expectLabelClear(page: Page, edgeId: string) {
  const label = page.locator(`.ss-edge-label[data-edge-id="${edgeId}"]`)
  await expect(label).toBeVisible()
  const b = (await label.boundingBox())!
  for (const each of await page.locator('.react-flow__node').all()) {
    const n = (await each.boundingBox())!
    const apart = b.x + b.width <= n.x || n.x + n.width <= b.x || b.y + b.height <= n.y || n.y + n.height <= b.y
    expect(apart, `the label of ${edgeId} lies on no node`).toBe(true)
  }
}

/**
 * Every edge ends where its field's handle is: the row's own handle, or, for a row scrolled out
 * of view, its stand-in at the top or bottom of the node (a plain element React Flow measures,
 * PassiveHandle.tsx). Returns how many edges ended at a stand-in.
 */
async function expectEdgesAtTheirHandles(page: Page, edges: number): Promise<number> {
  await expect(page.locator('.react-flow__edge')).toHaveCount(edges)
  const ends = await page.evaluate(() =>
    Array.from(document.querySelectorAll<SVGGElement>('.react-flow__edge')).map((edge) => {
      const [, target, from] = (edge.getAttribute('data-id') ?? '').split('\u241f')
      const path = edge.querySelector<SVGPathElement>('path.react-flow__edge-path')!
      const m = path.getScreenCTM()!
      const screen = (p: DOMPoint) => ({ x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f })
      const handle = (side: string, field: string) =>
        document.querySelector(`.react-flow__node[data-id="${side}"] .react-flow__handle[data-handleid="${CSS.escape(field)}"]`)
      const start = handle('source', from)
      const end = handle('target', target)
      const s = start?.getBoundingClientRect()
      const e = end?.getBoundingClientRect()
      return {
        id: edge.getAttribute('data-id'),
        kind: edge.querySelector('.ss-edge--mapping') ? 'mapping' : 'other',
        proxied: Boolean(start?.classList.contains('ss-handle--proxy') || end?.classList.contains('ss-handle--proxy')),
        drawn: { from: screen(path.getPointAtLength(0)), to: screen(path.getPointAtLength(path.getTotalLength())) },
        handles: s && e ? { from: { x: s.right, y: s.top + s.height / 2 }, to: { x: e.left, y: e.top + e.height / 2 } } : undefined
      }
    })
  )
  let proxied = 0
  for (const end of ends.filter((each) => each.kind === 'mapping')) {
    expect(end.handles, `${end.id} has a handle at both ends`).toBeDefined()
    for (const side of ['from', 'to'] as const) {
      expect(Math.abs(end.drawn[side].x - end.handles![side].x), `${end.id} ${side} x`).toBeLessThan(1.5)
      expect(Math.abs(end.drawn[side].y - end.handles![side].y), `${end.id} ${side} y`).toBeLessThan(1.5)
    }
    if (end.proxied) proxied++
  }
  return proxied
}

test('a mapping selected from Problems, on the canvas or in the Inspector brings both its rows into view while the preview is open', async ({
  page,
  app
}, testInfo) => {
  // The contacts example with a city step that does not bound its length: Problems warns about the city.
  const document = JSON.parse(readFileSync(join(__dirname, '../../examples/contacts.mapping.json'), 'utf8'))
  const city = document.flows[0].fields.find((f: { target: string }) => f.target === 'location.city')
  city.steps = [{ fn: 'trim' }]
  const file = testInfo.outputPath('contacts-city-warning.mapping.json')
  writeFileSync(file, JSON.stringify(document, null, 2))

  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(file)
  await expect(node(page, 'source').locator('[data-field="contactid"]')).toBeVisible({ timeout: 30_000 })
  await expect(node(page, 'target').locator('[data-field="PKey"]')).toBeVisible({ timeout: 30_000 })
  await expect(page.getByRole('button', { name: 'Hide preview' })).toBeVisible()
  await settled(page)
  const cityEdge = 'm\u241flocation.city\u241faddress1_city'
  await expectRowsInView(page, 'address1_city', 'location.city', false)
  const edges = await page.locator('.react-flow__edge').count()
  expect(await expectEdgesAtTheirHandles(page, edges), 'edges of rows out of view').toBeGreaterThan(0)

  // 1. A click on the problem: both rows scroll into view, the edge is selected and labelled between them.
  await page.getByRole('region', { name: 'Problems' }).locator('.ss-problem').first().click()
  await expectRowsInView(page, 'address1_city', 'location.city', true)
  await expect(page.locator(`.react-flow__edge.selected[data-id="${cityEdge}"]`)).toHaveCount(1)
  await expectLabelClear(page, cityEdge)
  await page.screenshot({ path: `${screens}/reveal-problem-1440.png` })

  // 2. The user scrolls both lists away; a click on the step in the Inspector brings the rows back.
  await scrollAway(page)
  await expectRowsInView(page, 'address1_city', 'location.city', false)
  await page.getByRole('region', { name: 'Inspector' }).getByLabel('Step 1: trim').click()
  await expectRowsInView(page, 'address1_city', 'location.city', true)
  await expectLabelClear(page, cityEdge)

  // 3. Scrolled away again, a click on a faded edge (its rows out of view) selects it and brings its rows in.
  await scrollAway(page)
  const pane = (await page.locator('.ss-canvas-host').boundingBox())!
  await page.mouse.click(pane.x + pane.width - 16, pane.y + pane.height - 16)
  await expect(page.locator('.react-flow__edge.selected')).toHaveCount(0)
  // The lists scroll, then the nodes are measured again and the edges follow, a few frames later
  // on a busy machine: the ends are checked until they have (or the wait runs out).
  await expect(async () =>
    expect(await expectEdgesAtTheirHandles(page, edges), 'edges of rows out of view, scrolled to the end').toBeGreaterThan(0)
  ).toPass({ timeout: 10_000 })
  const faded = page.locator('.react-flow__edge:has(.ss-edge--away)').first()
  const path = faded.locator('path.react-flow__edge-path')
  const point = await path.evaluate((element) => {
    const p = element as SVGPathElement
    const at = p.getPointAtLength(p.getTotalLength() * 0.5)
    const m = p.getScreenCTM()!
    return { x: m.a * at.x + m.c * at.y + m.e, y: m.b * at.x + m.d * at.y + m.f }
  })
  await page.mouse.click(point.x, point.y)
  const selected = page.locator('.react-flow__edge.selected')
  await expect(selected).toHaveCount(1)
  const [, target, from] = ((await selected.getAttribute('data-id')) ?? '').split('\u241f')
  // A lookup read as `_x_value` has its row under the field's name; the contacts example maps plain fields.
  await expectRowsInView(page, from, target, true)
  await expect(page.locator('.react-flow__edge.selected .ss-edge--away')).toHaveCount(0)
  await page.screenshot({ path: `${screens}/reveal-edge-1440.png` })

  // The user's own search afterwards is left alone (the reveal is done once).
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('birth')
  await settled(page)
  await expect(page.getByRole('textbox', { name: 'Search fields of contact' })).toHaveValue('birth')
})
