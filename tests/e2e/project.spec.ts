import type { Page } from '@playwright/test'
import { clickEdge, expect, flowEdge, newContactsMapping, test } from './canvas-support'
import { settled } from './settle'

const screens = '.test-output/screens'

/** Searches both nodes for one field each, so only their rows (and the edge between them) are drawn. */
async function showOnly(page: Page, source: string, target: string) {
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill(source)
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill(target)
  await expect(page.getByLabel('Source contact').locator(`[data-field="${source}"]`)).toBeVisible()
  await expect(page.getByLabel('Target profile').locator(`[data-field="${target}"]`)).toBeVisible()
}

test('a new project offers suggestions; accept all is one undoable edit; flows are added, renamed and removed; a problem focuses its edge', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page, { keepSuggestions: true })
  // Matched on the table's id and the resource's identification key.
  await expect(page.getByRole('img', { name: 'Match key contactid → cusDynamicsContactId' })).toHaveCount(0) // edges are groups, not images
  await expect(page.locator('.react-flow__edge[data-id="match"]')).toHaveCount(1)
  const suggestions = page.getByRole('region', { name: 'Suggested mappings' })
  await expect(suggestions).toContainText('emailaddress1 → email')

  // One rejected, one accepted, then all the rest in one edit.
  await suggestions.getByRole('button', { name: 'Reject fax → fax' }).click()
  await suggestions.getByRole('button', { name: 'Accept firstname → firstName' }).click()
  await expect(flowEdge(page, 'firstName', 'firstname')).toHaveCount(1)
  const accept = page.getByRole('button', { name: /^Accept all \(\d+\)$/ })
  const count = Number(/\d+/.exec((await accept.textContent()) ?? '')![0])
  await accept.click()
  await expect(page.getByLabel('Target profile')).toContainText(`${count + 1}/50 mapped`)
  await expect(flowEdge(page, 'fax', 'fax')).toHaveCount(0)
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(page.getByLabel('Target profile')).toContainText('1/50 mapped')
  await page.getByRole('button', { name: 'Redo' }).click()
  await expect(page.getByLabel('Target profile')).toContainText(`${count + 1}/50 mapped`)

  // A picture of the mapping for the README: mapped fields only, a value map selected, the filter filled.
  await page.getByRole('button', { name: 'Hide preview' }).click()
  await page.getByRole('combobox', { name: 'Fields of profile to show' }).selectOption('mapped')
  await page.getByRole('combobox', { name: 'Fields of contact to show' }).selectOption('mapped')
  // With the tables panel closed the whole flow, filter included, fits at the reading zoom.
  await page.getByRole('button', { name: 'Tables panel' }).click()
  await page.getByRole('button', { name: 'Fit View' }).click()
  await page.getByRole('group', { name: 'Filter', exact: true }).getByRole('button', { name: 'Edit conditions' }).click()
  await page.getByRole('region', { name: 'Inspector' }).getByRole('button', { name: 'Add condition' }).click()
  // Fewer rows show with the filter card above the source: find the gender rows so their edge stands alone.
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('gender')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('gender')
  await clickEdge(page, 'gender', 'gendercode')
  await expect(page.getByRole('region', { name: 'Inspector' })).toContainText('Mapping → gender')
  // The picture shows every mapped row again (the search only found the edge), gender's still selected.
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('')
  await expect(page.getByRole('region', { name: 'Inspector' })).toContainText('Mapping → gender')
  await settled(page)
  await page.screenshot({ path: `${screens}/contacts-mapping-full.png` })
  await page.getByRole('button', { name: 'Tables panel' }).click()

  // Ctrl+C on one edge, Ctrl+V on another copies its steps. Each mapping's rows are searched first, as a
  // user does with many rows, so its edge stands alone and the Inspector confirms which one was picked.
  await showOnly(page, 'emailaddress1', 'email')
  await clickEdge(page, 'email', 'emailaddress1')
  await expect(page.getByRole('region', { name: 'Inspector' })).toContainText('Mapping → email')
  await page.keyboard.press('Control+c')
  await showOnly(page, 'firstname', 'firstName')
  await clickEdge(page, 'firstName', 'firstname')
  await expect(page.getByRole('region', { name: 'Inspector' })).toContainText('Mapping → firstName')
  await page.keyboard.press('Control+v')
  await expect(page.getByRole('region', { name: 'Inspector' }).getByRole('listitem', { name: /^Step \d: email$/ })).toBeVisible()

  // Without its steps, firstName gets a warning (50 characters into 30); a click on it selects the edge.
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await inspector.getByRole('button', { name: 'Remove step 2 (email) of firstName' }).click()
  await inspector.getByRole('button', { name: 'Remove step 1 (truncate) of firstName' }).click()
  const problem = page
    .getByRole('region', { name: 'Problems' })
    .getByRole('button', { name: /^Warning in .*First name \(firstName\) holds 30/ })
  await expect(problem).toBeVisible()
  await page.keyboard.press('Escape')
  // An empty spot of the canvas, right of the target node (the filter node sits at the left edge).
  const pane = page.locator('.react-flow__pane')
  const paneBox = (await pane.boundingBox())!
  await pane.click({ position: { x: paneBox.width - 12, y: paneBox.height / 2 } })
  await expect(inspector).not.toContainText('Mapping → firstName')
  await problem.click()
  await expect(inspector).toContainText('Mapping → firstName')
  await expect(page.locator('.react-flow__edge.selected')).toHaveCount(1)

  // Flows: add (another table → resource), rename, remove; undo brings it back.
  await page.getByRole('button', { name: 'Add flow' }).click()
  const dialog = page.getByRole('dialog', { name: 'New flow' })
  await dialog.getByRole('combobox', { name: 'Dynamics table' }).selectOption('new_vehicle')
  await dialog.getByRole('combobox', { name: 'Campaign resource' }).selectOption('cusVehicle')
  await dialog.getByRole('button', { name: 'Create' }).click()
  await expect(page.getByRole('tab', { name: 'Vehicle → Vehicles' })).toHaveAttribute('aria-selected', 'true')
  // Matched on the writable Dynamics-id field, not PKey (read-only): Problems asks only to confirm it is a key.
  await expect(page.locator('.react-flow__edge[data-id="match"]')).toHaveAttribute('aria-label', 'Match key new_vehicleid → externalId')
  const problems = page.getByRole('region', { name: 'Problems' })
  await expect(problems).toContainText('is not known to be an identification key')
  await expect(problems).not.toContainText('read-only')
  await page.getByRole('button', { name: 'Rename flow' }).click()
  await page.getByRole('textbox', { name: 'Flow name' }).fill('Vehicles')
  await page.getByRole('textbox', { name: 'Flow name' }).press('Enter')
  await expect(page.getByRole('tab', { name: 'Vehicles' })).toBeVisible()
  await page.getByRole('button', { name: 'Remove flow' }).click()
  await expect(page.getByRole('tab')).toHaveCount(1 + 2) // the flow tab, plus the schema browser's two system tabs
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(page.getByRole('tab', { name: 'Vehicles' })).toBeVisible()
  await expect(page.getByTestId('document-status')).toContainText('2 flows')
})

test('keyboard: Tab to a field, arrows move, Enter on a source then a target field maps them', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page)
  const sourceRow = page.getByLabel('Source contact').locator('[data-field="contactid"]')
  await sourceRow.focus()
  await page.keyboard.press('ArrowDown')
  await expect(page.getByLabel('Source contact').locator('[data-field]:focus')).toHaveCount(1)
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('mobilephone')
  await page.getByLabel('Source contact').locator('[data-field="mobilephone"]').press('Enter')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('mobilePhone')
  await page.getByLabel('Target profile').locator('[data-field="mobilePhone"]').press('Enter')
  await expect(flowEdge(page, 'mobilePhone', 'mobilephone')).toHaveCount(1)
  await page.screenshot({ path: `${screens}/keyboard-mapping.png` })
})
