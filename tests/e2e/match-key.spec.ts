import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, newContactsMapping, test } from './canvas-support'

const screens = '.test-output/screens'

test('the match key: Campaign cannot say which fields are identification keys, so the user confirms one and the file keeps it', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page)
  const match = page.locator('.react-flow__edge[data-id="match"] path.react-flow__edge-path')
  const point = await match.evaluate((el) => {
    const path = el as SVGPathElement
    const p = path.getPointAtLength(path.getTotalLength() * 0.7)
    const m = path.getScreenCTM()!
    return { x: p.x * m.a + p.y * m.c + m.e, y: p.x * m.b + p.y * m.d + m.f }
  })
  await page.mouse.click(point.x, point.y)
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('Match key')
  // The connection names cusDynamicsContactId as the profile's key: nothing to confirm.
  await expect(inspector).toContainText('cusDynamicsContactId is a key of profile')

  // Another field: a claim the user must confirm.
  await inspector.getByRole('combobox', { name: 'Target identification key' }).selectOption('externalId')
  const confirm = inspector.getByRole('switch', { name: 'externalId is an identification key in Campaign' })
  await expect(confirm).not.toBeChecked()
  await confirm.check()
  await expect(confirm).toBeChecked()
  await page.screenshot({ path: `${screens}/match-key-confirm.png` })

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  const path = join(test.info().outputDir, 'match.mapping.json')
  await (await download).saveAs(path)
  expect(JSON.parse(readFileSync(path, 'utf8')).flows[0].match).toEqual({
    source: 'contactid',
    target: 'externalId',
    identificationKey: true
  })

  // Choosing another field drops the confirmation: it was about externalId.
  await inspector.getByRole('combobox', { name: 'Target identification key' }).selectOption('cusDynamicsContactId')
  await inspector.getByRole('combobox', { name: 'Target identification key' }).selectOption('externalId')
  await expect(inspector.getByRole('switch', { name: 'externalId is an identification key in Campaign' })).not.toBeChecked()
})
