import type { Page } from '@playwright/test'
import { expect, flowEdge, newContactsMapping, test } from './canvas-support'

// The canvas actions with a real keyboard and mouse: one gesture is one undo step, and undo
// brings back what was selected before it.

const sourceRow = (page: Page, field: string) => page.getByLabel('Source contact').locator(`[data-field="${field}"]`)
const targetRow = (page: Page, field: string) => page.getByLabel('Target profile').locator(`[data-field="${field}"]`)

test('drag a source field onto a target field, then Ctrl+Z: the mapping goes in one step and the field selected before is selected again', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page)
  const inspector = page.getByRole('region', { name: 'Inspector' })
  const undo = page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Undo' })
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('emailaddress1')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('email')
  await expect(targetRow(page, 'email')).toBeVisible()

  // The user clicks the source field first: it is selected, the Inspector shows it.
  await sourceRow(page, 'emailaddress1').click()
  await expect(sourceRow(page, 'emailaddress1')).toHaveAttribute('aria-selected', 'true')
  await expect(inspector).toContainText('Logical name')
  await expect(inspector).toContainText('emailaddress1')
  await expect(undo).toBeDisabled()

  // Press on its connector, move in steps, release on the target's connector.
  const from = (await sourceRow(page, 'emailaddress1').locator('.react-flow__handle').boundingBox())!
  const to = (await targetRow(page, 'email').locator('.react-flow__handle').boundingBox())!
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2)
  await page.mouse.down()
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 })
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 4 })
  await page.mouse.up()

  // Mapped, and the new edge is what is selected.
  await expect(flowEdge(page, 'email', 'emailaddress1')).toHaveCount(1)
  await expect(inspector).toContainText('Mapping → email')
  await expect(sourceRow(page, 'emailaddress1')).toHaveAttribute('aria-selected', 'false')
  await expect(undo).toBeEnabled()
  await undo.hover()
  await expect(page.getByRole('tooltip')).toContainText('Undo Map emailaddress1 → email')

  // One Ctrl+Z: the mapping is gone, nothing else to undo, and the source field is selected again.
  await page.keyboard.press('Control+z')
  await expect(flowEdge(page, 'email', 'emailaddress1')).toHaveCount(0)
  await expect(undo).toBeDisabled()
  await expect(sourceRow(page, 'emailaddress1')).toHaveAttribute('aria-selected', 'true')
  await expect(inspector).not.toContainText('Mapping → email')
  await expect(inspector).toContainText('Logical name')

  // Ctrl+Shift+Z puts it back with its edge selected.
  await page.keyboard.press('Control+Shift+z')
  await expect(flowEdge(page, 'email', 'emailaddress1')).toHaveCount(1)
  await expect(inspector).toContainText('Mapping → email')
})

test('accept a suggestion in the Inspector, then accept all: each is one Ctrl+Z, and the selection before it returns', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page, { keepSuggestions: true })
  const suggestions = page.getByRole('region', { name: 'Suggested mappings' })
  const mapped = page.getByLabel('Target profile').locator('.ss-node__count')
  await expect(suggestions).toContainText('emailaddress1 → email')
  await expect(mapped).toContainText('0/50 mapped')

  // The match key is selected when the user answers the first suggestion in the Inspector.
  const matchPoint = await page
    .locator('.react-flow__edge[data-id="match"] path.react-flow__edge-path')
    .first()
    .evaluate((el) => {
      const p = el as SVGPathElement
      const point = p.getPointAtLength(p.getTotalLength() * 0.6)
      const m = p.getScreenCTM()!
      return { x: m.a * point.x + m.c * point.y + m.e, y: m.b * point.x + m.d * point.y + m.f }
    })
  await page.mouse.click(matchPoint.x, matchPoint.y)
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('Match key')
  await suggestions.getByRole('button', { name: 'Accept firstname → firstName' }).click()
  await expect(flowEdge(page, 'firstName', 'firstname')).toHaveCount(1)
  await expect(mapped).toContainText('1/50 mapped')
  await expect(suggestions).not.toContainText('firstname → firstName')

  // Accept all the others: one step.
  const accept = page.getByRole('button', { name: /^Accept all \(\d+\)$/ })
  const count = Number(/\d+/.exec((await accept.textContent()) ?? '')![0])
  expect(count).toBeGreaterThan(3)
  await accept.click()
  await expect(mapped).toContainText(`${count + 1}/50 mapped`)

  // One Ctrl+Z takes back all of accept all.
  await page.keyboard.press('Control+z')
  await expect(mapped).toContainText('1/50 mapped')
  await expect(flowEdge(page, 'firstName', 'firstname')).toHaveCount(1)
  // A second Ctrl+Z takes back the one accepted in the Inspector; the match key is selected again.
  await page.keyboard.press('Control+z')
  await expect(mapped).toContainText('0/50 mapped')
  await expect(flowEdge(page, 'firstName', 'firstname')).toHaveCount(0)
  await expect(inspector).toContainText('Match key')
  await expect(page.locator('.react-flow__edge[data-id="match"]')).toHaveClass(/selected/)
})
