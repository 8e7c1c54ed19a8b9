import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseDocumentText, serializeDocument } from '../../src/shared/mapping/document-io'
import { expect, test } from './fixtures'

const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')

test('create a mapping, export it, import it again and find it unchanged', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByRole('button', { name: 'New', exact: true }).click()
  await page.getByRole('button', { name: 'Empty mapping' }).click()
  const name = page.getByRole('textbox', { name: 'Mapping name' })
  await expect(name).toHaveValue('Untitled mapping')
  await name.fill('Contoso — contacts (Zoë)')
  await name.press('Enter')
  await expect(page.getByTestId('document-status')).toContainText('unsaved changes')

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  const file = await download
  expect(file.suggestedFilename()).toBe('contoso-contacts-zoe.mapping.json')
  const exportedPath = join(test.info().outputDir, 'exported.json')
  await file.saveAs(exportedPath)
  const exported = readFileSync(exportedPath, 'utf8')
  expect(JSON.parse(exported)).toEqual({
    format: 'sync-studio/mapping@1',
    name: 'Contoso — contacts (Zoë)',
    connections: { dynamics: 'Sandbox', campaign: 'Sandbox' },
    flows: []
  })

  // Export is not Save: replacing the document asks first (the unsaved-changes guard).
  let question = ''
  page.once('dialog', (dialog) => {
    question = dialog.message()
    void dialog.accept()
  })
  await page.getByRole('button', { name: 'New', exact: true }).click()
  await page.getByRole('button', { name: 'Empty mapping' }).click()
  expect(question).toBe('Discard the unsaved changes to "Contoso — contacts (Zoë)"?')
  await expect(name).toHaveValue('Untitled mapping')
  await page.getByTestId('import-file').setInputFiles(exportedPath)
  await expect(name).toHaveValue('Contoso — contacts (Zoë)')

  const again = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  const againPath = join(test.info().outputDir, 'exported-again.json')
  await (await again).saveAs(againPath)
  expect(readFileSync(againPath, 'utf8')).toBe(exported)
})

test('an imported mapping shows its flow on the canvas and round-trips byte for byte', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  await expect(page.getByRole('tab', { name: 'Contacts → profiles' })).toBeVisible()
  await expect(page.locator('.react-flow__node')).toHaveCount(3) // filter, source, target
  await expect(page.locator('.react-flow__edge')).toHaveCount(9 - 1 + 2) // the constant field has no source edge; plus the match key and the filter
  // Long schemas draw only the rows in view: list the mapped fields to find them.
  await page.getByRole('combobox', { name: 'Fields of contact to show' }).selectOption('mapped')
  await page.getByRole('combobox', { name: 'Fields of profile to show' }).selectOption('mapped')
  await expect(page.getByLabel('Source contact')).toContainText('emailaddress1')
  await expect(page.getByLabel('Target profile')).toContainText('blackListEmail')
  // Checked against the Sandbox's schemas once they have loaded: the fixture maps real fields only.
  // A node shows a few rows at 1440×900: search for the last mapped field, as a user scrolls to it.
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('preferredLanguage')
  await expect(page.getByLabel('Target profile')).toContainText('preferredLanguage')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('')
  await expect(page.getByRole('region', { name: 'Problems' })).not.toContainText('is not a field of')
  await page.screenshot({ path: '.test-output/screens/imported-mapping.png' })

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  const path = join(test.info().outputDir, 'contacts.json')
  await (await download).saveAs(path)
  const original = parseDocumentText(readFileSync(fixture, 'utf8'))
  expect(original.ok).toBe(true)
  if (original.ok) expect(readFileSync(path, 'utf8')).toBe(serializeDocument(original.document))
})

test('a broken file is refused with every problem and its path', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(join(__dirname, '../fixtures/mappings/broken/misspelt-transform.json'))
  await expect(page.getByRole('status').filter({ hasText: 'misspelt-transform.json' })).toContainText(
    'flows[0].fields[3].steps[1].fn: unknown transform "lowr" — did you mean "lower"?'
  )
  await expect(page.getByText('No mapping open').first()).toBeVisible()
})

test('undo and redo walk the document history', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await page.getByRole('button', { name: 'New', exact: true }).click()
  await page.getByRole('button', { name: 'Empty mapping' }).click()
  const name = page.getByRole('textbox', { name: 'Mapping name' })
  for (const next of ['First', 'Second']) {
    await name.fill(next)
    await name.press('Enter')
  }
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(name).toHaveValue('First')
  await page.locator('.react-flow__pane').click()
  await page.keyboard.press('Control+z')
  await expect(name).toHaveValue('Untitled mapping')
  await expect(page.getByRole('button', { name: 'Undo' })).toBeDisabled()
  await page.keyboard.press('Control+Shift+z')
  await expect(name).toHaveValue('First')
  await page.getByRole('button', { name: 'Redo' }).click()
  await expect(name).toHaveValue('Second')
})
