import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')

/** Grid rows of records whose whole height is in view inside the panel. */
async function wholeRows(page: Page, grid: Locator): Promise<number> {
  const panel = (await page.getByRole('region', { name: 'Preview area' }).boundingBox())!
  let whole = 0
  for (const row of await grid
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
    .all()) {
    const b = await row.boundingBox()
    if (b && b.y >= panel.y && b.y + b.height <= panel.y + panel.height) whole++
  }
  return whole
}

test('the preview shows several records at 1440×900, takes a height from the keyboard too, and keeps it after a reload', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  const panel = page.getByRole('region', { name: 'Preview' })
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await expect(grid).toBeVisible({ timeout: 30_000 })
  // The table reads with change tracking: where its filter runs is one line, the whole reason on hover.
  const where = panel.getByTestId('filter-where')
  await expect(where).toHaveText(
    'In a sync, every record is read and the filter runs here (change tracking cannot be combined with $filter).'
  )
  await expect(where).toHaveAttribute(
    'title',
    /Dataverse does not accept \$filter on a change-tracking request \(https:\/\/learn\.microsoft\.com/
  )
  expect((await where.boundingBox())!.height).toBeLessThan(24)
  const before = await wholeRows(page, grid)
  expect(before).toBeGreaterThanOrEqual(3)

  const splitter = page.getByRole('separator', { name: 'Resize the preview' })
  const area = page.getByRole('region', { name: 'Preview area' })
  const height = Number(await splitter.getAttribute('aria-valuenow'))
  expect(height).toBe(260)
  const box = async () => Math.round((await area.boundingBox())?.height ?? 0)
  const extra = (await box()) - height // the area's border
  await splitter.focus()
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('Shift+ArrowUp')
  await expect(splitter).toHaveAttribute('aria-valuenow', String(height + 160))
  await expect.poll(box).toBe(height + 160 + extra)
  expect(await wholeRows(page, grid)).toBeGreaterThanOrEqual(before + 4)
  await page.keyboard.press('ArrowDown')
  await expect(splitter).toHaveAttribute('aria-valuenow', String(height + 128))
  await page.screenshot({ path: '.test-output/screens/preview-taller.png' })

  await page.reload()
  await page.getByTestId('import-file').setInputFiles(fixture)
  await expect.poll(box).toBe(height + 128 + extra)
})
