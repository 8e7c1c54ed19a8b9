import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from './fixtures'
import { settled } from './settle'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')

test('preview shows the pushed-down filter and transformed records; a row click traces it; a dry run counts the actions', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  const panel = page.getByRole('region', { name: 'Preview' })
  await expect(panel.getByRole('button', { name: 'Preview', exact: true })).toBeEnabled()
  await panel.getByRole('spinbutton', { name: 'Sample size' }).fill('40')
  await panel.getByRole('spinbutton', { name: 'Sample size' }).press('Tab')
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()

  await expect(panel.getByTestId('odata-filter')).toContainText('statecode eq 0')
  await expect(panel.getByTestId('odata-filter')).toContainText("endswith(emailaddress1,'@example.invalid')")
  await panel.getByRole('button', { name: 'Nothing stays local' }).click()
  await expect(page.getByTestId('filter-explanation')).toContainText('statecode eq 0 → Dataverse: statecode eq 0')
  await page.screenshot({ path: '.test-output/screens/preview-filter-explanation.png' })
  await page.keyboard.press('Escape')

  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await expect(grid.getByRole('columnheader')).toHaveText([
    'Status',
    'Source key',
    'email',
    'firstName',
    'lastName',
    'gender',
    'birthDate',
    'mobilePhone',
    'location.city',
    'blackListEmail',
    'preferredLanguage'
  ])
  await expect(panel.getByTestId('preview-counts')).toContainText(/^40 records: \d+ ok · \d+ with errors · 0 skipped/)
  const rows = grid.getByRole('row').filter({ has: page.getByRole('gridcell') })
  await expect(rows.first()).toContainText('@example.com')
  expect(await rows.count()).toBeLessThan(40) // windowed: only the rows in view are in the page
  // A value the email step refuses is marked in its cell, with the reason on hover.
  const failed = grid.locator('.ssp-grid__row--error').first()
  await expect(failed.getByRole('gridcell').first()).toHaveText('error')
  const marker = failed.getByLabel(/^error: .* is not an email address/)
  await marker.hover()
  await expect(page.getByRole('tooltip')).toContainText('step 2 (email):')
  await page.screenshot({ path: '.test-output/screens/preview-grid.png' })

  // Click a row: its trace, value after every step of every field.
  await failed.click()
  const trace = panel.getByRole('complementary', { name: 'Record trace' })
  await expect(trace.getByText('✓ Passes the filter')).toBeVisible()
  const email = trace.locator('[data-target="email"]')
  await expect(email).toContainText('email ← emailaddress1')
  await expect(email).toContainText('1. trim')
  await expect(email).toContainText('2. email')
  await expect(email).toContainText('not written:')
  await expect(trace.locator('[data-target="preferredLanguage"]')).toContainText('"en"')
  await expect(failed).toHaveAttribute('aria-selected', 'true')
  await page.screenshot({ path: '.test-output/screens/preview-trace.png' })
  await trace.getByRole('button', { name: 'Close the trace' }).click()
  await expect(trace).toHaveCount(0)

  // Dry run: what a sync would do, by action.
  await panel.getByRole('button', { name: 'Dry run' }).click()
  const counts = panel.getByTestId('dry-run-counts')
  await expect(counts.getByRole('button', { name: /^All 40$/ })).toBeVisible()
  const text = await counts.innerText()
  const numbers = ['create', 'update', 'unchanged', 'skipped', 'error'].map((action) =>
    Number(new RegExp(`${action} (\\d+)`).exec(text)?.[1])
  )
  expect(numbers.every(Number.isFinite)).toBe(true)
  expect(numbers.reduce((a, b) => a + b, 0)).toBe(40)
  expect(numbers[0]).toBeGreaterThan(0)
  await page.screenshot({ path: '.test-output/screens/preview-dry-run.png' })
  await counts.getByRole('button', { name: /^error \d+$/ }).click()
  const list = panel.getByRole('list', { name: 'Dry run' })
  await expect(list.getByRole('listitem').first()).toHaveAttribute('data-action', 'error')
  await expect(list.getByRole('listitem').first()).toContainText('email · step 2:')
  expect(await list.locator('[data-action]:not([data-action="error"])').count()).toBe(0)
  await page.screenshot({ path: '.test-output/screens/preview-dry-run-errors.png' })
})

test('an opt-out flow previews its own records: contact ↔ profile pairs, both sides', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(__dirname, '../fixtures/mappings/good/opt-outs.json'))
  const panel = page.getByRole('region', { name: 'Preview', exact: true })
  await expect(panel).toContainText('contact ↔ profile pair')
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  await expect(panel.getByTestId('sample-source')).toContainText('Contact ↔ profile pairs')
  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await expect(
    grid
      .getByRole('columnheader')
      .filter({ hasText: /^dynamics\./ })
      .first()
  ).toBeVisible()
  await expect(
    grid
      .getByRole('columnheader')
      .filter({ hasText: /^campaign\./ })
      .first()
  ).toBeVisible()
})

test('an earlier answer that comes last never replaces the latest one (dark theme)', async ({ page, app }, testInfo) => {
  await page.emulateMedia({ colorScheme: 'dark' })
  // Two flows: the user asks for a preview of the first, goes to the second and back (the
  // Preview button is enabled again) and asks again while the first answer is still on its way.
  const twoFlows = JSON.parse(readFileSync(fixture, 'utf8')) as { flows: Array<Record<string, unknown>> }
  twoFlows.flows.push({ ...twoFlows.flows[0], id: 'contacts-again', name: 'Contacts again' })
  const file = testInfo.outputPath('two-flows.mapping.json')
  writeFileSync(file, JSON.stringify(twoFlows, null, 2))
  let calls = 0
  let answerFirst: () => void = () => {}
  const firstHeld = new Promise<void>((resolve) => (answerFirst = resolve))
  const previewCall = /\/api\/call\/preview(\/|%2F)records$/
  await page.route(previewCall, async (route) => {
    // The first request answers last: it is held until the second's answer is on screen.
    if (++calls === 1) await firstHeld
    await route.continue()
  })
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(file)
  const panel = page.getByRole('region', { name: 'Preview' })
  const size = panel.getByRole('spinbutton', { name: 'Sample size' })
  await size.fill('5')
  await size.press('Tab')
  const firstAsked = page.waitForRequest((request) => previewCall.test(request.url()))
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  await firstAsked
  const tabs = page.getByRole('tablist', { name: 'Flows' }).getByRole('tab')
  await tabs.nth(1).click()
  await tabs.nth(0).click()
  await expect(tabs.nth(0)).toHaveAttribute('aria-selected', 'true')
  await size.fill('7')
  await size.press('Tab')
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  await expect(panel.getByTestId('preview-counts')).toContainText(/^7 records/)
  const lateAnswer = page.waitForResponse((response) => previewCall.test(response.url()))
  answerFirst()
  await (await lateAnswer).finished()
  await settled(page)
  expect(calls).toBe(2)
  await expect(panel.getByTestId('preview-counts')).toContainText(/^7 records/)
  // Keyboard: ↓ moves between rows, Enter traces one.
  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await grid.locator('[data-row-index="0"]').focus()
  await page.keyboard.press('ArrowDown')
  await expect(grid.locator('[data-row-index="1"]')).toBeFocused()
  await page.keyboard.press('Enter')
  const secondKey = (await grid.locator('[data-row-index="1"] .ssp-grid__key').getAttribute('title'))!
  await expect(panel.getByRole('complementary', { name: 'Record trace' })).toContainText(secondKey)
  await grid.locator('.ssp-grid__row--error').first().click()
  await expect(panel.getByRole('complementary', { name: 'Record trace' })).toContainText('email ← emailaddress1')
  await page.screenshot({ path: '.test-output/screens/preview-dark.png' })
})
