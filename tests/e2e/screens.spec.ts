import { test, expect } from './fixtures'

test('the app frame renders: toolbar, canvas, panels, status', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await expect(page.getByRole('toolbar', { name: 'Mapping' })).toBeVisible()
  await expect(page.getByText('No mapping open')).toHaveCount(2)
  await expect(page.getByText('Browser mode · v')).toBeVisible()
  // The token leaves the address bar once the page has it.
  expect(page.url()).not.toContain('token=')
  await page.screenshot({ path: '.test-output/screens/app-frame.png' })
})
