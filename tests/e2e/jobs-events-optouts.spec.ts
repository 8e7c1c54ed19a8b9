import { join } from 'node:path'
import { expect, test } from './canvas-support'

/**
 * The events and opt-out jobs in the app on a fresh sandbox: an events flow previews its
 * own events from the seeded history, "Simulate a delivery" adds more, its dry run plans the
 * activities; an opt-out flow's Inspector says each direction, the rule in words and the
 * fields compared. Screenshots at 1440×900 in .test-output/screens/.
 */

const examples = join(__dirname, '../../examples')

test.use({ viewport: { width: 1440, height: 900 } })

test('email events: preview of the seeded history, a simulated delivery, a dry run of the activities', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(examples, 'email-events.mapping.json'))
  const panel = page.getByRole('region', { name: 'Preview' })
  await expect(panel.getByText(/Preview reads 50 send events from Campaign's marketing history/)).toBeVisible()
  // The filter node of a Campaign source does not claim a Dataverse $filter.
  await expect(page.getByTestId('odata-filter')).toHaveText('(none — every event is read)')
  await expect(page.getByText('Dataverse $filter')).toHaveCount(0)
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  const grid = panel.getByRole('grid', { name: 'Preview records' })
  await expect(grid.getByRole('columnheader', { name: 'new_externaleventid' })).toBeVisible()
  const rows = grid.getByRole('row').filter({ has: page.getByRole('gridcell') })
  await expect(rows.first()).toBeVisible()
  const before = await rows.count()
  expect(before).toBeGreaterThan(0)
  await page.screenshot({ path: '.test-output/screens/events-preview.png' })

  await panel.getByRole('button', { name: 'Simulate a delivery' }).click()
  await expect(panel.getByTestId('simulate-delivery-status')).toHaveText(
    /^Newsletter .*: \d+ new events \(sends, bounces, opens, clicks\); those of profiles without a Dynamics id are not synced\.$/
  )

  await panel.getByRole('button', { name: 'Dry run' }).click()
  const counts = panel.getByTestId('dry-run-counts')
  await expect(counts).toContainText(/create \d+/)
  const created = Number(/create (\d+)/.exec(await counts.innerText())?.[1])
  expect(created).toBeGreaterThan(before - 1)
  await page.screenshot({ path: '.test-output/screens/events-dry-run.png' })
})

test('opt-outs: the Inspector shows the directions, the rule in words and the fields compared', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(examples, 'opt-outs.mapping.json'))
  const inspector = page.getByRole('region', { name: 'Inspector' })
  const optOut = inspector.getByTestId('opt-out-inspector')
  await expect(optOut).toBeVisible()
  await expect(optOut.getByRole('heading', { name: 'Opt-outs: Both ways' }).or(optOut.getByText('Opt-outs: Both ways'))).toBeVisible()
  await expect(optOut.getByRole('listitem')).toHaveText(
    ['Dynamics to Campaign', 'Campaign to Dynamics'].map((t) => new RegExp(t.replace(' to ', '.*')))
  )
  await expect(optOut.getByTestId('opt-out-rule')).toHaveText(
    /^If Campaign's change is newer, Campaign's value wins\. If Dynamics' change is newer, or both changed at the same time, opt-out wins/
  )
  await expect(optOut.getByLabel('Fields compared')).toContainText('donotbulkemail')
  await expect(optOut.getByLabel('Fields compared')).toContainText('blackListEmail')
  await page.screenshot({ path: '.test-output/screens/opt-out-inspector.png' })

  // One way: the rule changes with the direction.
  await optOut.getByRole('combobox', { name: 'Opt-out direction' }).selectOption('toCampaign')
  await expect(optOut.getByTestId('opt-out-rule')).toHaveText(/^Dynamics is the source of truth/)
  await expect(optOut.getByRole('listitem')).toHaveCount(1)
})

test('custom tables: the example link is drawn naming its parent flow; removed, Problems says it is required; dropped again, it is back', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(examples, 'custom-tables.mapping.json'))
  await page.getByRole('tab', { name: 'vehicles' }).click()
  const link = page.locator('.react-flow__edge[data-id="m\u241fvehicleOwner\u241f_new_contactid_value"]')
  await expect(link).toHaveCount(1)
  await expect(link).toHaveAttribute('aria-label', /Link _new_contactid_value → vehicleOwner, parent flow contacts/)
  // Two edges leave the contact lookup (the link and profileExternalId's mapping): a user brings both fields into view with
  // the nodes' search (a node shows a few rows when the preview is open), then clicks the link's label.
  await page.getByRole('textbox', { name: 'Search fields of new_vehicle' }).fill('new_contactid')
  await page.getByRole('textbox', { name: 'Search fields of cusVehicle' }).fill('vehicleOwner')
  const label = page.locator('.ss-edge-label[data-edge-id="m\u241fvehicleOwner\u241f_new_contactid_value"]')
  await label.getByRole('button', { name: 'link · parent: contacts' }).click()
  await expect(page.locator('.ss-chip--link')).toHaveText('link · parent: contacts')
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector.getByTestId('link-inspector')).toBeVisible()
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contacts')
  await page.screenshot({ path: '.test-output/screens/link-inspector.png' })

  await inspector.getByRole('button', { name: 'Remove link' }).click()
  await expect(link).toHaveCount(0)
  const problems = page.getByRole('region', { name: 'Problems' })
  await expect(problems).toContainText('"Vehicle owner" (vehicleOwner) is a required link of "cusVehicle" and nothing sets it')

  // Keyboard mapping (Enter on the lookup, then Enter on the link field) goes through the same drop handler as a drag.
  await page.getByRole('textbox', { name: 'Search fields of new_vehicle' }).fill('new_contactid')
  await page.getByLabel('Source new_vehicle').locator('[data-field="new_contactid"]').press('Enter')
  await page.getByRole('textbox', { name: 'Search fields of cusVehicle' }).fill('vehicleOwner')
  await page.getByLabel('Target cusVehicle').locator('[data-field="vehicleOwner"]').press('Enter')
  await expect(link).toHaveCount(1)
  await expect(problems).not.toContainText('required link')
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contacts')
  await page.screenshot({ path: '.test-output/screens/link-dropped.png' })
})
