import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { clickEdge, dragField, dropStep, expect, flowEdge, newContactsMapping, test } from './canvas-support'

const screens = '.test-output/screens'

/** Where every node is drawn and which edges there are: what a reopened file must show again. */
async function canvasPicture(page: Page) {
  const nodes = await page
    .locator('.react-flow__node')
    .evaluateAll((els) => els.map((el) => `${el.getAttribute('data-id')} ${(el as HTMLElement).style.transform}`))
  const edges = await page.locator('.react-flow__edge').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')).sort())
  return { nodes: nodes.sort(), edges }
}

test('build the contacts mapping by hand: drag fields, a transform, a value map, a filter; undo, redo, export and import it', async ({
  page,
  app
}) => {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(String(error)))
  await page.goto(app.launchUrl)
  await newContactsMapping(page)

  // Drag and drop: source field handle → target field handle.
  for (const [from, to] of [
    ['emailaddress1', 'email'],
    ['firstname', 'firstName'],
    ['lastname', 'lastName'],
    ['gendercode', 'gender']
  ]) {
    await dragField(page, { table: 'contact', field: from }, { table: 'profile', field: to })
    await expect(flowEdge(page, to, from)).toHaveCount(1)
  }
  await expect(page.getByLabel('Target profile')).toContainText('4/50 mapped')

  // A transform dragged from the palette onto the email edge becomes a chip on it.
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('emailaddress1')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('email')
  await page.getByRole('button', { name: 'Transforms' }).click()
  await dropStep(page, 'trim', 'email', 'emailaddress1')
  await expect(page.getByRole('button', { name: 'Step 1 of email: trim' })).toBeVisible()
  await page.getByRole('button', { name: 'Transforms' }).click()
  await page.getByRole('textbox', { name: 'Search fields of contact' }).fill('')
  await page.getByRole('textbox', { name: 'Search fields of profile' }).fill('')
  await page.getByRole('combobox', { name: 'Fields of profile to show' }).selectOption('mapped')
  await page.getByRole('combobox', { name: 'Fields of contact to show' }).selectOption('mapped')

  // A value map for gender, picked in the inspector and prefilled from the option labels.
  await clickEdge(page, 'gender', 'gendercode')
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('Mapping → gender')
  await inspector.getByRole('combobox', { name: 'Add a step to gender' }).selectOption('valueMap')
  const table = inspector.getByRole('table', { name: 'Value map from gendercode to gender' })
  await expect(table).toBeVisible()
  await expect(table.getByRole('combobox', { name: 'Target value for Male' })).toHaveValue('male')
  await expect(table.getByRole('combobox', { name: 'Target value for Female' })).toHaveValue('female')
  await table.getByRole('combobox', { name: 'Value for unmatched source values' }).selectOption('unknown')
  await page.screenshot({ path: `${screens}/value-map.png` })

  // A filter: the conditions offer the field's operators and show the $filter sent to Dataverse.
  // With the tables panel closed the whole flow, filter included, fits at the reading zoom.
  await page.getByRole('button', { name: 'Tables panel' }).click()
  await page.getByRole('button', { name: 'Fit View' }).click()
  // The filter card above the source lists the conditions; they are edited in the Inspector.
  await page.getByRole('group', { name: 'Filter', exact: true }).getByRole('button', { name: 'Edit conditions' }).click()
  const filter = page.getByRole('region', { name: 'Inspector' })
  await filter.getByRole('button', { name: 'Add condition' }).click()
  await expect(filter.getByRole('combobox', { name: 'Field of condition 1' })).toHaveValue('statecode')
  await expect(page.getByTestId('odata-filter').first()).toHaveText('statecode eq 0')
  await filter.getByRole('button', { name: 'Add condition' }).click()
  await filter.getByRole('combobox', { name: 'Field of condition 2' }).selectOption('emailaddress1')
  const ops = await filter.getByRole('combobox', { name: 'Operator of condition 2' }).locator('option').allTextContents()
  expect(ops).toContain('contains')
  expect(ops).not.toContain('greater than')
  await filter.getByRole('combobox', { name: 'Operator of condition 2' }).selectOption('notNull')
  await expect(page.getByTestId('odata-filter').first()).toHaveText('statecode eq 0 and emailaddress1 ne null')
  await page.mouse.click(700, 860) // the pane: nothing selected
  await page.screenshot({ path: `${screens}/contacts-mapping.png` })

  // Undo takes back the last edit, redo puts it back.
  await page.keyboard.press('Control+z')
  await expect(filter.getByRole('combobox', { name: 'Operator of condition 2' })).not.toHaveValue('notNull')
  await page.keyboard.press('Control+Shift+z')
  await expect(page.getByTestId('odata-filter').first()).toHaveText('statecode eq 0 and emailaddress1 ne null')

  // A third condition: the card lists the first and "and 2 more", and its $filter stays inside it.
  await filter.getByRole('button', { name: 'Add condition' }).click()
  const card = page.getByRole('group', { name: 'Filter', exact: true })
  await expect(card.getByRole('list', { name: 'Conditions' }).getByRole('listitem')).toHaveText([/.+/, 'and 2 more'])
  const cardBox = (await card.boundingBox())!
  const sentBox = (await card.getByTestId('odata-filter').boundingBox())!
  expect(sentBox.y + sentBox.height).toBeLessThanOrEqual(cardBox.y + cardBox.height)
  await page.keyboard.press('Control+z')
  await expect(page.getByTestId('odata-filter').first()).toHaveText('statecode eq 0 and emailaddress1 ne null')

  // Delete removes a selected edge (undoable).
  await clickEdge(page, 'lastName', 'lastname')
  await page.keyboard.press('Delete')
  await expect(flowEdge(page, 'lastName', 'lastname')).toHaveCount(0)
  await page.keyboard.press('Control+z')
  await expect(flowEdge(page, 'lastName', 'lastname')).toHaveCount(1)

  // Export, then import the file: the same canvas, node for node, edge for edge.
  const before = await canvasPicture(page)
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  const path = join(test.info().outputDir, 'contacts.mapping.json')
  await (await download).saveAs(path)
  const saved = JSON.parse(readFileSync(path, 'utf8'))
  const flow = saved.flows[0]
  expect(flow.match).toEqual({ source: 'contactid', target: 'cusDynamicsContactId' })
  expect(flow.filter).toEqual({
    all: [
      { field: 'statecode', op: 'eq', value: 0 },
      { field: 'emailaddress1', op: 'notNull' }
    ]
  })
  expect(flow.fields).toEqual([
    { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }] },
    { target: 'firstName', from: ['firstname'] },
    { target: 'lastName', from: ['lastname'] },
    { target: 'gender', from: ['gendercode'], steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }] }
  ])

  page.once('dialog', (dialog) => void dialog.accept())
  await page.reload()
  await page.getByTestId('import-file').setInputFiles(path)
  await expect(page.getByRole('tab', { name: 'Contact → Profiles' })).toBeVisible()
  await expect(page.locator('.react-flow__edge')).toHaveCount(before.edges.length)
  await expect.poll(() => canvasPicture(page).then((p) => p.nodes)).toEqual(before.nodes)
  expect((await canvasPicture(page)).edges).toEqual(before.edges)
  expect(errors).toEqual([])
})
