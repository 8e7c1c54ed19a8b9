import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures'

/**
 * History at 1440×900: every count of a run (read and what the filter kept, created, updated,
 * unchanged, skipped, failed, deleted, pending — whatever it has) is whole on screen, and says what the run's
 * summary said; a run's errors are filtered by reasons in words, with their counts.
 */

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')
const shots = '.test-output/screens'
const keys = ['created', 'updated', 'unchanged', 'skipped', 'failed', 'deleted'] as const

async function summaryCounts(scope: Locator): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const key of keys) counts[key] = Number((await scope.locator(`[data-count="${key}"] strong`).first().innerText()).replace(/\D/g, ''))
  return counts
}

/** The counts a history row shows, by key; fails when one is cut or outside its cell. */
async function historyCounts(page: Page, row: Locator): Promise<Record<string, number>> {
  const cell = row.getByTestId('history-counts')
  const box = await cell.evaluate((el) => {
    const r = el.getBoundingClientRect()
    return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight, r }
  })
  expect(box.scrollWidth, 'the counts cell is not cut sideways').toBeLessThanOrEqual(box.clientWidth)
  expect(box.scrollHeight, 'the counts cell is not cut at the bottom').toBeLessThanOrEqual(box.clientHeight)
  const counts: Record<string, number> = {}
  for (const item of await cell.locator('[data-count]').all()) {
    const seen = await item.evaluate((el) => {
      const r = el.getBoundingClientRect()
      return { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, left: r.left, right: r.right, top: r.top, bottom: r.bottom }
    })
    const key = (await item.getAttribute('data-count'))!
    expect(seen.scrollWidth, `${key} is whole`).toBeLessThanOrEqual(seen.clientWidth)
    expect(seen.clientWidth, `${key} is shown`).toBeGreaterThan(0)
    expect(seen.left).toBeGreaterThanOrEqual(box.r.left)
    expect(seen.right).toBeLessThanOrEqual(box.r.right + 0.5)
    expect(seen.top).toBeGreaterThanOrEqual(box.r.top)
    expect(seen.bottom).toBeLessThanOrEqual(box.r.bottom + 0.5)
    counts[key] = Number((await item.locator('strong').innerText()).replace(/\D/g, ''))
  }
  expect(page.viewportSize()).toEqual({ width: 1440, height: 900 })
  return counts
}

test('history: every count readable at 1440×900, equal to the run summary; errors filtered by reasons in words', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  await expect(page.getByTestId('document-status')).toContainText('1 flow')
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const plan = dialog.locator('[data-testid="run-session"][data-kind="dryRun"][data-state="finished"]')
  await expect(plan).toBeVisible({ timeout: 30_000 })
  const planned = await summaryCounts(plan.getByTestId('plan-counts'))
  await plan.getByRole('button', { name: 'Run now' }).click()
  const run = dialog.locator('[data-testid="run-session"][data-kind="run"][data-state="finished"]')
  await expect(run).toBeVisible({ timeout: 30_000 })
  const flow = run.getByRole('article', { name: 'Flow Contacts → profiles' })
  const done = await summaryCounts(flow)
  const readText = await flow.locator('[data-count="read"]').innerText()
  const [read, kept] = (readText.replace(/,/g, '').match(/\d+/g) ?? []).map(Number)
  expect(done.failed).toBeGreaterThan(0)

  await dialog.getByRole('tab', { name: 'History' }).click()
  const rows = dialog
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
  await expect(rows).toHaveCount(2)
  const runRow = await historyCounts(page, rows.nth(0))
  const planRow = await historyCounts(page, rows.nth(1))
  // Zero counts after the first three are left out; every other one equals the summary's.
  const expected = (summary: Record<string, number>) =>
    Object.fromEntries(Object.entries(summary).filter(([key, n]) => n > 0 || ['created', 'updated', 'unchanged'].includes(key)))
  expect({ ...runRow, read: undefined }).toEqual({ ...expected(done), read: undefined })
  expect({ ...planRow, read: undefined }).toEqual({ ...expected(planned), read: undefined })
  // What was read leads, with what the filter kept, as in the summary; the outcomes add up to it.
  expect(runRow.read).toBe(read)
  expect(kept).toBeLessThan(read) // the seed has contacts the filter leaves out
  await expect(rows.nth(0).locator('[data-count="read"]')).toContainText(`read (${kept.toLocaleString('en-US')} kept by the filter)`)
  expect(Object.entries(runRow).reduce((sum, [key, n]) => (key === 'read' ? sum : sum + n), 0)).toBe(read)
  await expect(rows.nth(1).getByTestId('history-counts')).toContainText(`would create ${planned.created}`)
  await expect(rows.nth(0).getByTestId('history-counts')).toContainText(`${done.created} created`)

  // The run's errors: reasons in words, with counts that add up to every failed record.
  await rows.nth(0).click()
  const detail = dialog.getByRole('region', { name: 'Selected run' })
  const reasons = detail.getByRole('toolbar', { name: 'Show errors' }).locator('[data-reason]')
  await expect(reasons.first()).toBeVisible()
  let total = 0
  for (const label of await reasons.allInnerTexts()) {
    const match = /^(.+) (\d+)$/.exec(label)!
    expect(match[1]).toMatch(/^[a-z][a-z ()/:.,\d-]*$/i)
    expect(match[1]).not.toMatch(/^(transform|step failed)$/)
    total += Number(match[2])
  }
  expect(total).toBe(done.failed)
  await detail.getByRole('grid', { name: 'Failed records' }).scrollIntoViewIfNeeded()
  await rows.nth(0).scrollIntoViewIfNeeded()
  await page.screenshot({ path: `${shots}/history-counts.png`, animations: 'disabled' })
})
