import type { Locator, Page } from '@playwright/test'
import { join } from 'node:path'
import { expect, newContactsMapping, test } from './canvas-support'

/**
 * Links by mouse: a lookup dragged from its connector and released on a link field — on the
 * field's connector or anywhere on its row — links each record to its parent flow, drawn as an
 * edge naming that flow; the Inspector shows the flow chosen and offers the others. A text
 * field dropped on a link is refused while the user drags. Real mouse events only.
 */

const examples = join(__dirname, '../../examples')
const screens = '.test-output/screens'
const vehicleLink = (page: Page) => page.locator('.react-flow__edge[data-id="m\u241fvehicleOwner\u241f_new_contactid_value"]')

/** Press on the middle of `from`, move in steps as a hand does, release on `to` (at `at`: 0 = left edge, 1 = right edge). */
async function mouseDrag(page: Page, from: Locator, to: Locator, at = 0.5, release = true) {
  const a = (await from.boundingBox())!
  const b = (await to.boundingBox())!
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move(a.x + 40, a.y + a.height / 2, { steps: 3 })
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 })
  await page.mouse.move(b.x + b.width * at, b.y + b.height / 2, { steps: 5 })
  if (release) await page.mouse.up()
}

async function showField(page: Page, table: string, field: string) {
  await page.getByRole('textbox', { name: `Search fields of ${table}` }).fill(field)
}

test('custom tables: the example link shows as mapped; a lookup dragged onto the link field, on its connector or its row, links it again', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(examples, 'custom-tables.mapping.json'))
  await page.getByRole('tab', { name: 'vehicles' }).click()
  const link = vehicleLink(page)
  await expect(link).toHaveAttribute('aria-label', 'Link _new_contactid_value → vehicleOwner, parent flow contacts')

  // The example's link shows as mapped: on the row, in the "Mapped" list and in the Inspector.
  const target = page.getByLabel('Target cusVehicle')
  await target.getByRole('combobox', { name: 'Fields of cusVehicle to show' }).selectOption('mapped')
  const ownerRow = target.locator('[data-field="vehicleOwner"]')
  await expect(ownerRow).toHaveAttribute('aria-label', 'Vehicle owner (vehicleOwner), link, required, mapped')
  await ownerRow.click()
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('Mapped from: _new_contactid_value (link, parent flow contacts)')
  await expect(inspector).not.toContainText('Not mapped')
  await target.getByRole('combobox', { name: 'Fields of cusVehicle to show' }).selectOption('all')

  // Removed, Problems says the required link is missing.
  await page.keyboard.press('Escape')
  await showField(page, 'new_vehicle', 'new_contactid')
  await showField(page, 'cusVehicle', 'vehicleOwner')
  const lookup = page.getByLabel('Source new_vehicle').locator('[data-field="new_contactid"] .react-flow__handle')
  // With both rows in view the link's label names its parent flow; a click on it selects the link.
  await expect(page.locator('.ss-chip--link')).toHaveText('link · parent: contacts')
  await page.locator('.ss-chip--link').click()
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contacts')
  await inspector.getByRole('button', { name: 'Remove link' }).click()
  await expect(link).toHaveCount(0)
  const problems = page.getByRole('region', { name: 'Problems' })
  await expect(problems).toContainText('"Vehicle owner" (vehicleOwner) is a required link of "cusVehicle" and nothing sets it')

  // 1. Dropped on the link field's connector.
  await mouseDrag(page, lookup, ownerRow.locator('.react-flow__handle'))
  await expect(link).toHaveCount(1)
  await expect(link).toHaveAttribute('aria-label', 'Link _new_contactid_value → vehicleOwner, parent flow contacts')
  await expect(inspector.getByTestId('link-inspector')).toBeVisible()
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contacts')
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' }).locator('option')).toHaveText(['contacts (contact → profile)'])
  await expect(problems).not.toContainText('required link')
  await page.screenshot({ path: `${screens}/link-drag-connector.png` })

  // 2. Dropped anywhere on the link field's row (here: on its name, far from the connector).
  await inspector.getByRole('button', { name: 'Remove link' }).click()
  await expect(link).toHaveCount(0)
  await mouseDrag(page, lookup, ownerRow, 0.6)
  await expect(link).toHaveCount(1)
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contacts')

  // 3. A text field is refused while it is dragged (the link's connector turns red) and on release nothing changes.
  await showField(page, 'new_vehicle', 'new_name')
  await inspector.getByRole('button', { name: 'Remove link' }).click()
  await expect(link).toHaveCount(0)
  const name = page.getByLabel('Source new_vehicle').locator('[data-field="new_name"] .react-flow__handle')
  await mouseDrag(page, name, ownerRow.locator('.react-flow__handle'), 0.5, false)
  await expect(ownerRow.locator('.react-flow__handle')).toHaveClass(/connectingto/)
  await expect(ownerRow.locator('.react-flow__handle')).not.toHaveClass(/\bvalid\b/)
  await page.mouse.up()
  await expect(page.locator('.react-flow__edge[data-id="m\u241fvehicleOwner\u241fnew_name"]')).toHaveCount(0)
  await expect(problems).toContainText('required link')
})

test('a new mapping: contacts, then vehicles; the lookup dragged onto the link field links it to the contacts flow', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page)
  await page.getByRole('button', { name: 'Add flow' }).click()
  const dialog = page.getByRole('dialog', { name: 'New flow' })
  await dialog.getByRole('combobox', { name: 'Dynamics table' }).selectOption('new_vehicle')
  await dialog.getByRole('combobox', { name: 'Campaign resource' }).selectOption('cusVehicle')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('tab', { name: 'Vehicle → Vehicles' })).toHaveAttribute('aria-selected', 'true')
  await page.getByRole('button', { name: 'Reject all' }).click()

  // The user finds both fields with the nodes' search boxes.
  await showField(page, 'new_vehicle', 'contact')
  await showField(page, 'cusVehicle', 'owner')
  const lookup = page.getByLabel('Source new_vehicle').locator('[data-field="new_contactid"]')
  const owner = page.getByLabel('Target cusVehicle').locator('[data-field="vehicleOwner"]')
  await expect(lookup).toBeVisible()
  await expect(owner).toBeVisible()
  await mouseDrag(page, lookup.locator('.react-flow__handle'), owner.locator('.react-flow__handle'))
  const link = vehicleLink(page)
  await expect(link).toHaveAttribute('aria-label', 'Link _new_contactid_value → vehicleOwner, parent flow Contact → Profiles')
  await expect(page.locator('.ss-chip--link')).toHaveText('link · parent: Contact → Profiles')
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector.getByRole('combobox', { name: 'Parent flow' })).toHaveValue('contact-profile')
  await expect(owner).toHaveAttribute('aria-label', /, mapped$/)
  await page.screenshot({ path: `${screens}/link-drag-new-mapping.png` })
})
