import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { settled } from './settle'

/** The canvas tests' gestures; the app server fixture is the shared one (fixtures.ts). */
export { expect, test }

const flowEdge = (page: Page, target: string, from: string) => page.locator(`.react-flow__edge[data-id="m\u241f${target}\u241f${from}"]`)
export { flowEdge }

/** Shows one field in a node by searching for it, and returns its handle. */
async function handleOf(page: Page, side: 'source' | 'target', table: string, field: string) {
  await page.getByRole('textbox', { name: `Search fields of ${table}` }).fill(field)
  const row = page.getByLabel(side === 'source' ? `Source ${table}` : `Target ${table}`).locator(`[data-field="${field}"]`)
  await expect(row).toBeVisible()
  return row.locator('.react-flow__handle')
}

/** Drags from a source field's handle to a target field's handle, as a user does (press, move in steps, release). */
export async function dragField(page: Page, source: { table: string; field: string }, target: { table: string; field: string }) {
  const from = await handleOf(page, 'source', source.table, source.field)
  const to = await handleOf(page, 'target', target.table, target.field)
  const a = (await from.boundingBox())!
  const b = (await to.boundingBox())!
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 4 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 4 })
  await page.mouse.up()
  await page.getByRole('textbox', { name: `Search fields of ${source.table}` }).fill('')
  await page.getByRole('textbox', { name: `Search fields of ${target.table}` }).fill('')
}

/** New → Sandbox, contact → profile, without the suggestions. */
export async function newContactsMapping(page: Page, options: { keepSuggestions?: boolean } = {}) {
  await page.getByRole('button', { name: 'New', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'New mapping' })
  await expect(dialog.getByRole('combobox', { name: 'Dynamics table' })).toHaveValue('contact')
  await expect(dialog.getByRole('combobox', { name: 'Campaign resource' })).toHaveValue('profile')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('tab', { name: 'Contact → Profiles' })).toBeVisible()
  await expect(page.locator('.react-flow__node')).toHaveCount(3)
  if (!options.keepSuggestions) await page.getByRole('button', { name: 'Reject all' }).click()
}

/** A point on an edge's path, in page coordinates (t = 0 at the source, 1 at the target). */
export async function edgePoint(page: Page, target: string, from: string, t = 0.7): Promise<{ x: number; y: number }> {
  const path = flowEdge(page, target, from).locator('path.react-flow__edge-path')
  return path.evaluate((el, at) => {
    const p = el as SVGPathElement
    const point = p.getPointAtLength(p.getTotalLength() * at)
    const m = p.getScreenCTM()!
    return { x: m.a * point.x + m.c * point.y + m.e, y: m.b * point.x + m.d * point.y + m.f }
  }, t)
}

export async function clickEdge(page: Page, target: string, from: string, options: { shift?: boolean } = {}) {
  const point = await edgePoint(page, target, from)
  if (options.shift) await page.keyboard.down('Shift')
  await page.mouse.click(point.x, point.y)
  if (options.shift) await page.keyboard.up('Shift')
}

/** Drags a transform from the palette onto an edge (HTML drag and drop, with the mouse). */
export async function dropStep(page: Page, fn: string, target: string, from: string) {
  const chip = page.locator(`[data-step="${fn}"]`)
  await expect(chip).toBeVisible()
  // Opening the palette or searching a node moves the edge while the canvas settles: drop where it has come to rest.
  await settled(page)
  const box = (await chip.boundingBox())!
  const point = await edgePoint(page, target, from, 0.5)
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(point.x - 20, point.y, { steps: 5 })
  await page.mouse.move(point.x, point.y, { steps: 3 })
  await page.mouse.up()
}
