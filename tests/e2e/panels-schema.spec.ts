import { expect, test } from './fixtures'

test('the schema browser lists tables and resources, searches them and shows fields with their options', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const browser = page.getByRole('region', { name: 'Schema browser' })
  await expect(browser.getByTestId('schema-connection')).toContainText('Connection: Sandbox · 11 tables')
  const tables = browser.getByRole('list', { name: 'Dynamics 365 tables' })
  await expect(tables.getByRole('button', { name: /^Contact\s*contact/ })).toBeVisible()
  await expect(tables.getByRole('button', { name: /Email Open/ })).toContainText('activity')

  // Search by display name or logical name.
  await browser.getByRole('searchbox', { name: 'Search tables' }).fill('new_veh')
  await expect(tables.getByRole('button', { name: /Vehicle/ })).toBeVisible()
  await expect(tables.getByRole('button', { name: /^Contact/ })).toHaveCount(0)
  await browser.getByRole('searchbox', { name: 'Search tables' }).fill('nothing like this')
  await expect(browser.getByText('No table matches “nothing like this”')).toBeVisible()
  await browser.getByRole('button', { name: 'Clear the search' }).click()

  // 160 fields, but only the rows in view are in the page.
  await tables.getByRole('button', { name: /^Contact\s*contact/ }).click()
  await expect(tables.getByText(/^160 fields · set contacts · change tracking on/)).toBeVisible()
  const rendered = await tables.locator('[data-field]').count()
  expect(rendered).toBeGreaterThan(5)
  expect(rendered).toBeLessThan(60)
  await expect(tables.locator('[data-field="contactid"]')).toContainText('uniqueidentifier · required')
  // Scrolling brings later fields in.
  await tables.evaluate((element) => (element.scrollTop = element.scrollHeight))
  await expect(tables.locator('[data-field="yomilastname"]')).toBeVisible()
  await expect(tables.locator('[data-field="contactid"]')).toHaveCount(0)

  await browser.getByRole('searchbox', { name: 'Filter fields of contact' }).fill('gender')
  const gender = tables.locator('[data-field="gendercode"]')
  await expect(gender).toContainText('picklist · 2 options')
  await gender.getByRole('button').click()
  await expect(tables.locator('.ssp-schema-option')).toHaveText([/^1\s*Male$/, /^2\s*Female$/])
  await browser.getByRole('searchbox', { name: 'Filter fields of contact' }).fill('email')
  await expect(tables.locator('[data-field="emailaddress1"]')).toContainText('email(100)')
  await page.screenshot({ path: '.test-output/screens/schema-browser-contact.png' })

  // The Campaign side lists resources with their enumerations.
  await browser.getByRole('tab', { name: 'Campaign' }).click()
  const resources = browser.getByRole('list', { name: 'Campaign resources' })
  await resources.getByRole('button', { name: /^Identified profiles\s*profile/ }).click()
  await browser.getByRole('searchbox', { name: 'Filter fields of profile' }).fill('gender')
  await resources.locator('[data-field="gender"]').getByRole('button').click()
  await expect(resources.locator('.ssp-schema-option')).toHaveText([
    /^unknown · code 0\s*Unspecified$/,
    /^male · code 1\s*Male$/,
    /^female · code 2\s*Female$/
  ])
  await page.screenshot({ path: '.test-output/screens/schema-browser-profile.png' })
})
