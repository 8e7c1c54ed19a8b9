import { join } from 'node:path'
import { expect, test } from './fixtures'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')

test('the preview grid filters by status, sorts by a header and resizes a column by its edge', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  const panel = page.getByRole('region', { name: 'Preview' })
  await expect(panel.getByRole('button', { name: 'Preview', exact: true })).toBeEnabled()
  await panel.getByRole('spinbutton', { name: 'Sample size' }).fill('200')
  await panel.getByRole('spinbutton', { name: 'Sample size' }).press('Tab')
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await expect(grid).toBeVisible({ timeout: 30_000 })
  const counts = await panel.getByTestId('preview-counts').innerText()
  const errors = Number(/(\d+) with errors/.exec(counts)![1])
  expect(errors).toBeGreaterThan(0)
  const rows = grid.getByRole('row').filter({ has: page.getByRole('gridcell') })

  // Errors only: every row shown is an error row, as many as the count says (rows are windowed: scroll through them).
  const filters = panel.getByRole('toolbar', { name: 'Show records' })
  await filters.getByRole('button', { name: `Errors ${errors}` }).click()
  await expect(filters.getByRole('button', { name: `Errors ${errors}` })).toHaveAttribute('aria-pressed', 'true')
  await expect(grid).toHaveAttribute('aria-rowcount', String(errors + 1))
  for (const status of await rows.locator('[role="gridcell"]:first-child').allInnerTexts()) expect(status).toBe('error')
  await page.screenshot({ path: '.test-output/screens/preview-grid-errors.png' })

  // All again, sorted by status: errors come first, then by email descending.
  await filters.getByRole('button', { name: /^All / }).click()
  await expect(grid).toHaveAttribute('aria-rowcount', String(Number(/^(\d+) records/.exec(counts)![1]) + 1))
  await grid.getByRole('button', { name: 'Sort by Status' }).click()
  await expect(grid.getByRole('columnheader').first()).toHaveAttribute('aria-sort', 'ascending')
  await expect(rows.first().getByRole('gridcell').first()).toHaveText('error')
  const email = grid.getByRole('button', { name: 'Sort by email' })
  await email.click()
  const ascending = grid.getByRole('columnheader').nth(2) // Status, Source key, email
  await expect(ascending).toHaveAttribute('aria-sort', 'ascending')
  const emails = await rows.locator('[role="gridcell"]:nth-child(3)').allInnerTexts()
  expect(emails.length).toBeGreaterThan(2)
  expect([...emails].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))).toEqual(emails)

  // A column's right edge drags its width.
  const before = (await ascending.boundingBox())!
  const edge = (await grid.getByRole('separator', { name: 'Resize email' }).boundingBox())!
  await page.mouse.move(edge.x + edge.width / 2, edge.y + edge.height / 2)
  await page.mouse.down()
  await page.mouse.move(edge.x + 60, edge.y + edge.height / 2, { steps: 4 })
  await page.mouse.move(edge.x + 100, edge.y + edge.height / 2, { steps: 4 })
  await page.mouse.up()
  const after = (await ascending.boundingBox())!
  expect(after.width).toBeGreaterThan(before.width + 80)
})
