import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')
const shots = '.test-output/screens'

async function openRunDialog(page: Page): Promise<Locator> {
  await page.getByTestId('import-file').setInputFiles(fixture)
  await expect(page.getByTestId('document-status')).toContainText('1 flow')
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await expect(dialog).toBeVisible()
  return dialog
}

/** The number shown for one count (created, updated, …) inside a counts line. */
async function count(scope: Locator, key: string): Promise<number> {
  const text = await scope.locator(`[data-count="${key}"] strong`).first().innerText()
  return Number(text.replace(/[^\d]/g, ''))
}

async function finished(dialog: Locator, kind: 'dryRun' | 'run' | 'retry'): Promise<Locator> {
  const session = dialog.locator(`[data-testid="run-session"][data-kind="${kind}"][data-state="finished"]`)
  await expect(session).toBeVisible({ timeout: 20_000 })
  return session
}

test('dry run shows the plan; Run now syncs it; summary, errors, CSV, history, retry; an incremental rerun changes nothing', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  const dialog = await openRunDialog(page)

  // Setup: the enabled flows in run order, incremental, dry run first.
  await expect(dialog.getByRole('checkbox', { name: 'Contacts → profiles' })).toBeChecked()
  await expect(dialog.getByRole('radio', { name: /^Incremental/ })).toBeChecked()
  await expect(dialog.getByRole('checkbox', { name: /^Dry run first/ })).toBeChecked()
  await page.screenshot({ path: `${shots}/runs-setup.png` })

  // Dry run: the plan, with counts per action and the first planned changes.
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const plan = await finished(dialog, 'dryRun')
  const planCounts = plan.getByTestId('plan-counts')
  const plannedCreates = await count(planCounts, 'created')
  const plannedFailures = await count(planCounts, 'failed')
  expect(plannedCreates).toBeGreaterThan(0)
  const plannedUpdates = await count(planCounts, 'updated') // profiles the sandbox already holds for some contacts
  const entries = plan.getByRole('list', { name: 'Planned changes of contacts' })
  await expect(entries.getByRole('listitem').first()).toBeVisible()
  const filters = plan.getByRole('toolbar', { name: 'Show planned changes' })
  await expect(filters.getByRole('button', { name: `Changes ${plannedCreates + plannedUpdates}` })).toHaveAttribute('aria-pressed', 'true')
  await filters.getByRole('button', { name: /^create \d+$/ }).click()
  await expect(filters.getByRole('button', { name: /^create \d+$/ })).toHaveAttribute('aria-pressed', 'true')
  await expect(filters.getByRole('button', { name: /^Changes/ })).toHaveAttribute('aria-pressed', 'false')
  await page.mouse.move(0, 0)
  await expect(entries.getByRole('listitem').first()).toHaveAttribute('data-action', 'create')
  await expect(entries.getByRole('listitem').first()).toContainText('email')
  await page.screenshot({ path: `${shots}/runs-plan.png` })

  // Run now: progress, then the summary. The dialog may be closed meanwhile: the toolbar shows the run.
  await plan.getByRole('button', { name: 'Run now' }).click()
  await expect(dialog.locator('[data-testid="run-session"][data-kind="run"]')).toBeVisible()
  await page.screenshot({ path: `${shots}/runs-progress.png` })
  await dialog.getByRole('button', { name: 'Close' }).click()
  await expect(dialog).toBeHidden()
  const indicator = page.getByTestId('run-indicator')
  await expect(indicator).toHaveText(/Syncing|Sync (completed|partial)/)
  await expect(indicator).toHaveText(/Sync (completed|partial)/, { timeout: 20_000 })
  await page.screenshot({ path: `${shots}/runs-indicator.png` })
  await indicator.click()
  await expect(dialog).toBeVisible()
  await expect(indicator).toBeHidden()

  const summary = (await finished(dialog, 'run')).getByRole('region', { name: 'Run summary' })
  await expect(summary.getByTestId('run-status').first()).toHaveText('partial')
  const flow = dialog.getByRole('article', { name: 'Flow Contacts → profiles' })
  expect(await count(flow, 'created')).toBe(plannedCreates)
  expect(await count(flow, 'updated')).toBe(plannedUpdates)
  expect(await count(flow, 'failed')).toBe(plannedFailures)
  await expect(summary.getByTestId('run-duration')).toHaveText(/^\d.* this session$/)
  // The errors of the run: key, field, message, source value (windowed), CSV export.
  // The seed data has malformed e-mails: the plan and the run fail them alike.
  expect(plannedFailures).toBeGreaterThan(0)
  await expect(summary.getByTestId('errors-count')).toHaveText(`${plannedFailures} record${plannedFailures === 1 ? '' : 's'} failed`)
  const grid = summary.getByRole('grid', { name: 'Failed records' })
  await expect(grid.getByRole('columnheader')).toHaveText(['Key', 'Where', 'Field', 'Reason', 'Message', 'Source value'])
  await expect(grid.getByRole('row').nth(1)).toContainText('is not an email address')
  // The same grid as the preview's: filter by reason, sort by a header, resize a column.
  const reasons = summary.getByRole('toolbar', { name: 'Show errors' })
  await expect(reasons.getByRole('button', { name: `All ${plannedFailures}` })).toHaveAttribute('aria-pressed', 'true')
  const firstReason = reasons.getByRole('button').nth(1)
  const reasonCode = (await firstReason.innerText()).replace(/ \d+$/, '')
  await firstReason.click()
  await expect(firstReason).toHaveAttribute('aria-pressed', 'true')
  const shownReasons = await grid
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
    .locator('[role="gridcell"]:nth-child(4)')
    .allInnerTexts()
  expect(shownReasons.length).toBeGreaterThan(0)
  expect(new Set(shownReasons)).toEqual(new Set([reasonCode]))
  await reasons.getByRole('button', { name: /^All / }).click()
  await grid.getByRole('button', { name: 'Sort by Key' }).click()
  await expect(grid.getByRole('columnheader').first()).toHaveAttribute('aria-sort', 'ascending')
  const keys = await grid
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
    .locator('[role="gridcell"]:first-child')
    .allInnerTexts()
  expect([...keys].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))).toEqual(keys)
  // Every failed e-mail names its field and shows the value the target refused.
  const emailRows = grid.getByRole('row').filter({ hasText: 'is not an email address' })
  await expect(emailRows.first().getByRole('gridcell').nth(2)).toHaveText(/email/)
  await expect(emailRows.first().getByRole('gridcell').nth(5)).not.toHaveText('')
  // One click shows the whole failed record under the grid, the message in full.
  await grid.getByRole('row').nth(1).click()
  const failedRecord = summary.getByRole('definition').filter({ hasText: 'is not an email address' })
  await expect(failedRecord).toBeVisible()
  expect(await failedRecord.innerText()).toMatch(/^[\w:]+: .*is not an email address/)
  const download = page.waitForEvent('download')
  await summary.getByRole('button', { name: 'Export CSV' }).click()
  const file = await download
  expect(file.suggestedFilename()).toMatch(/^sync-errors-.*\.csv$/)
  const bytes = readFileSync(await file.path())
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]) // UTF-8 byte-order mark: Excel reads "Ü" right
  const csv = bytes.subarray(3).toString('utf8')
  expect(csv.split('\r\n')[0]).toBe('run,key,stage,operation,code,reason,field,step,stepName,message,value,retryable')
  expect(csv.trim().split('\r\n')).toHaveLength(plannedFailures + 1)
  await expect(summary.getByRole('button', { name: 'Retry failed records' })).toBeEnabled()
  await page.screenshot({ path: `${shots}/runs-summary.png` })

  // History: both runs, newest first; a selected run shows its errors.
  await dialog.getByRole('tab', { name: 'History' }).click()
  const history = dialog.getByRole('grid', { name: 'Run history' })
  const rows = history.getByRole('row').filter({ has: page.getByRole('gridcell') })
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText(`${plannedCreates} created`)
  await expect(rows.nth(0).getByRole('gridcell').nth(3)).toHaveText('no')
  await expect(rows.nth(1).getByRole('gridcell').nth(3)).toHaveText('yes')
  await expect(rows.nth(0).getByTestId('run-status')).toHaveText('partial')
  await expect(rows.nth(0).getByRole('gridcell').nth(7)).toHaveText(String(plannedFailures))
  await rows.nth(0).click()
  await expect(rows.nth(0)).toHaveAttribute('aria-selected', 'true')
  const detail = dialog.getByRole('region', { name: 'Selected run' })
  await expect(detail.getByTestId('errors-count')).toHaveText(`${plannedFailures} record${plannedFailures === 1 ? '' : 's'} failed`)
  await expect(detail.getByRole('button', { name: 'Export CSV' })).toBeEnabled()
  await expect(detail.getByRole('grid', { name: 'Failed records' })).toBeVisible()
  await page.screenshot({ path: `${shots}/runs-history.png`, animations: 'disabled' })

  // Retry failed records: a new run of only those keys, with its progress and summary (the source is still wrong).
  await detail.getByRole('button', { name: 'Retry failed records' }).click()
  await expect(dialog.getByRole('tab', { name: 'Run' })).toHaveAttribute('aria-selected', 'true')
  const retry = await finished(dialog, 'retry')
  expect(await count(retry.getByRole('article', { name: 'Flow Contacts → profiles' }), 'failed')).toBe(plannedFailures)
  expect(await count(retry.getByRole('article', { name: 'Flow Contacts → profiles' }), 'created')).toBe(0)
  await page.screenshot({ path: `${shots}/runs-retry.png` })

  // Run again, incremental, no dry run: nothing changed in the source, so nothing is written.
  await dialog.getByRole('button', { name: 'New run' }).click()
  await dialog.getByRole('checkbox', { name: /^Dry run first/ }).uncheck()
  await dialog.getByRole('button', { name: 'Start sync' }).click()
  const again = await finished(dialog, 'run')
  await expect(again.getByRole('region', { name: 'Run summary' }).getByTestId('run-status')).toHaveText('completed')
  const againFlow = again.getByRole('article', { name: 'Flow Contacts → profiles' })
  for (const key of ['created', 'updated', 'deleted', 'failed']) expect(await count(againFlow, key)).toBe(0)

  // A full replay's plan finds every synced record unchanged.
  await dialog.getByRole('button', { name: 'New run' }).click()
  await dialog.getByRole('radio', { name: /^Full replay/ }).check()
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const replay = (await finished(dialog, 'dryRun')).getByTestId('plan-counts')
  expect(await count(replay, 'unchanged')).toBe(plannedCreates + plannedUpdates)
  expect(await count(replay, 'created')).toBe(0)
  expect(await count(replay, 'updated')).toBe(0)
  await page.screenshot({ path: `${shots}/runs-replay-plan.png` })
})

test('a canceled run says so and is resumable; the next run continues it', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const dialog = await openRunDialog(page)
  await dialog.getByRole('checkbox', { name: /^Dry run first/ }).uncheck()
  await dialog.getByRole('radio', { name: /^Full replay/ }).check()
  await dialog.getByRole('button', { name: 'Start sync' }).click()
  // Cancel as soon as main has the run (a first full sync of the sandbox takes about a second).
  const cancel = dialog.getByRole('button', { name: 'Cancel run' })
  await expect(cancel).toBeEnabled()
  await cancel.click()
  const session = await finished(dialog, 'run')
  await expect(session.getByRole('region', { name: 'Run summary' }).getByTestId('run-status').first()).toHaveText('canceled')
  await expect(session.getByTestId('run-canceled')).toContainText('the run is resumable')
  await page.screenshot({ path: `${shots}/runs-canceled.png`, animations: 'disabled' })
  const written = await count(session.getByRole('article', { name: 'Flow Contacts → profiles' }), 'created')

  await dialog.getByRole('tab', { name: 'History' }).click()
  const rows = dialog
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
  await expect(dialog.getByTestId('history-count')).toHaveText(/^\d+ runs? in this workspace/)
  // A cancel before the flow has started leaves no run to resume; after, the run is listed as resumable.
  const hasRun = (await rows.count()) > 0
  if (hasRun) await expect(rows.filter({ hasText: 'canceled' }).first()).toContainText('resumable')
  await page.screenshot({ path: `${shots}/runs-canceled-history.png` })

  // The next run picks up where the canceled one stopped; its dry run plans that resume, and
  // says so: the creates it plans are the ones the run then reports (the canceled attempt's included).
  await dialog.getByRole('tab', { name: 'Run' }).click()
  await dialog.getByRole('button', { name: 'New run' }).click()
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const plan = await finished(dialog, 'dryRun')
  if (hasRun) {
    await expect(plan.getByTestId('run-notices')).toContainText('planned as the run will do it: resuming the full run')
    await expect(plan.getByTestId('plan-resumes')).toContainText('Run now resumes the stopped run')
    await page.screenshot({ path: `${shots}/runs-plan-resume.png` })
  }
  const plannedCreates = await count(plan.getByTestId('plan-counts'), 'created')
  await plan.getByRole('button', { name: 'Run now' }).click()
  const resumed = await finished(dialog, 'run')
  await expect(resumed.getByRole('region', { name: 'Run summary' }).getByTestId('run-status').first()).toHaveText(/completed|partial/)
  if (hasRun) await expect(resumed.getByTestId('run-notices')).toContainText('from its last checkpoint')
  const created = await count(resumed.getByRole('article', { name: 'Flow Contacts → profiles' }), 'created')
  expect(created).toBeGreaterThan(0)
  expect(created).toBe(plannedCreates)
  expect(written).toBeGreaterThanOrEqual(0)
  await page.screenshot({ path: `${shots}/runs-resumed.png` })
})
