import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './fixtures'
import { settled } from './settle'

/**
 * The delete guard in the Run dialog, against the built-in sandbox: a run whose filter now
 * drops a large share of the synced contacts (with "delete when filtered out") stops before
 * its first delete and shows the count; "Delete N records" resumes it and deletes exactly N.
 */
const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')
const shots = '.test-output/screens'

async function count(scope: Locator, key: string): Promise<number> {
  const text = await scope.locator(`[data-count="${key}"] strong`).first().innerText()
  return Number(text.replace(/[^\d]/g, ''))
}

async function finished(dialog: Locator): Promise<Locator> {
  const session = dialog.locator('[data-testid="run-session"][data-kind="run"][data-state="finished"]')
  await expect(session).toBeVisible({ timeout: 30_000 })
  return session
}

async function fullSync(page: Page, file: string, flows = '1 flow'): Promise<Locator> {
  await page.getByTestId('import-file').setInputFiles(file)
  await expect(page.getByTestId('document-status')).toContainText(flows)
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await expect(dialog).toBeVisible()
  const again = dialog.getByRole('button', { name: 'New run' })
  if (await again.isVisible()) await again.click()
  await dialog.getByRole('checkbox', { name: /^Dry run first/ }).uncheck()
  await dialog.getByRole('radio', { name: /^Full replay/ }).check()
  await dialog.getByRole('button', { name: 'Start sync' }).click()
  return dialog
}

test('a run that would delete many records stops and asks; confirming deletes exactly that many', async ({ page, app }) => {
  page.on('dialog', (question) => void question.accept()) // replacing the document asks first
  await page.goto(app.launchUrl)

  // 1. The contacts, synced.
  const first = await fullSync(page, fixture)
  const loaded = await finished(first)
  await expect(loaded.getByRole('region', { name: 'Run summary' }).getByTestId('run-status').first()).toHaveText(/completed|partial/)
  const created = await count(loaded.getByRole('article', { name: 'Flow Contacts → profiles' }), 'created')
  expect(created).toBeGreaterThan(100)
  // One start time for a run: the session's is the one History then lists.
  const firstStarted = await loaded.getByTestId('session-started').innerText()
  await first.getByRole('tab', { name: 'History' }).click()
  const historyRows = first
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
  await expect(historyRows).toHaveCount(1)
  await expect(historyRows.first().getByRole('gridcell').first()).toHaveText(firstStarted)
  await first.getByRole('button', { name: 'Close' }).click()

  // 2. The same flow, now keeping only gendercode 1 and deleting what leaves the filter.
  const doc = JSON.parse(readFileSync(fixture, 'utf8'))
  doc.flows[0].filter.all.push({ field: 'gendercode', op: 'eq', value: 1 })
  doc.flows[0].deletes = { applySourceDeletes: true, deleteWhenFilteredOut: true }
  mkdirSync(test.info().outputDir, { recursive: true })
  const narrowed = join(test.info().outputDir, 'narrowed.json')
  writeFileSync(narrowed, JSON.stringify(doc, null, 2))
  const dialog = await fullSync(page, narrowed)
  const stopped = await finished(dialog)
  const confirmation = stopped.getByTestId('delete-confirmation')
  await expect(confirmation).toBeVisible()
  const title = await confirmation.innerText()
  const deletes = Number(/would delete ([\d,]+) record/.exec(title)?.[1].replace(/,/g, ''))
  expect(deletes).toBeGreaterThan(created * 0.1)
  await expect(confirmation).toContainText('Nothing has been deleted')
  // Stopped for a person to decide, not broken.
  await expect(stopped.getByRole('region', { name: 'Run summary' }).getByTestId('run-status').first()).toHaveText(
    'waiting for your confirmation'
  )
  const flow = stopped.getByRole('article', { name: 'Flow Contacts → profiles' })
  await expect(flow.getByTestId('run-status')).toHaveText('waiting for your confirmation')
  expect(await count(flow, 'deleted')).toBe(0)
  expect(await count(flow, 'pending')).toBe(deletes)
  // The summary names the deletes it stopped for, not only the flow's card.
  await expect(stopped.getByTestId('run-totals')).toContainText(`· ${deletes.toLocaleString('en-US')} pending`)
  await expect(flow.locator('[data-count="read"]')).toContainText('kept by the filter')
  await settled(page) // Fluent's buttons fade in
  await page.screenshot({ path: `${shots}/runs-delete-confirmation.png` })

  // 3. Confirm: the stopped run resumes and deletes exactly the confirmed count.
  await confirmation.getByRole('button', { name: `Delete ${deletes.toLocaleString('en-US')} records` }).click()
  const done = await finished(dialog)
  await expect(done.getByRole('region', { name: 'Run summary' }).getByTestId('run-status').first()).toHaveText(/completed|partial/)
  expect(await count(done.getByRole('article', { name: 'Flow Contacts → profiles' }), 'deleted')).toBe(deletes)
  // The resumed run's time counts the stopped attempt too; the summary's is this session's.
  await expect(done.getByRole('article', { name: 'Flow Contacts → profiles' }).getByTestId('flow-duration')).toHaveText(
    / with the stopped run$/
  )
  await expect(done.getByTestId('run-duration')).toHaveText(/ this session$/)
  await expect(done.getByTestId('run-notices')).toContainText('from its last checkpoint')
  await expect(done.getByTestId('delete-confirmation')).toHaveCount(0)
  await page.screenshot({ path: `${shots}/runs-delete-confirmed.png` })

  // The history: the stopped run completed on resume, so nothing is left resumable.
  await dialog.getByRole('tab', { name: 'History' }).click()
  const rows = dialog
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
  await expect(rows.first()).toBeVisible()
  await expect(rows.filter({ hasText: 'resumable' })).toHaveCount(0)
})

test('the guard counts the rows Campaign deletes with the profiles, and says so before anything is deleted', async ({ page, app }) => {
  page.on('dialog', (question) => void question.accept())
  await page.goto(app.launchUrl)
  const example = join(__dirname, '../../examples/custom-tables.mapping.json')
  const first = await finished(await fullSync(page, example, '3 flows'))
  const vehicles = await count(first.getByRole('article', { name: /^Flow .*vehicles/i }), 'created')
  expect(vehicles).toBeGreaterThan(0)
  await page.getByRole('dialog', { name: 'Run a sync' }).getByRole('button', { name: 'Close' }).click()

  // The contacts flow now keeps only gendercode 1 and deletes the profiles that leave it: Campaign takes their vehicles.
  const doc = JSON.parse(readFileSync(example, 'utf8'))
  const contacts = doc.flows.find((f: { id: string }) => f.id === 'contacts')
  contacts.filter.all.push({ field: 'gendercode', op: 'eq', value: 1 })
  contacts.deletes = { applySourceDeletes: true, deleteWhenFilteredOut: true }
  mkdirSync(test.info().outputDir, { recursive: true })
  const narrowed = join(test.info().outputDir, 'narrowed-custom-tables.json')
  writeFileSync(narrowed, JSON.stringify(doc, null, 2))
  const dialog = await fullSync(page, narrowed, '3 flows')
  const stopped = await finished(dialog)
  const cascade = stopped.getByTestId('delete-confirmation').getByTestId('delete-cascade')
  await expect(cascade).toContainText(/Campaign would delete with them [\d,]+ of the [\d,]+ cusVehicle rows flow "vehicles" keeps in step/)
  await expect(stopped.getByTestId('delete-confirmation')).toContainText(
    /That is more than the delete guard lets a run do unasked — .*cusVehicle rows deleted with them: more than/
  )
  await settled(page)
  await page.screenshot({ path: `${shots}/runs-delete-confirmation-cascade.png` })
})
