import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'

const SECRET = 'not-a-real-secret-5f1c'

/** The Connections dialog, opened from the schema browser (the toolbar may open it too). */
async function openConnections(page: Page) {
  await page.getByRole('region', { name: 'Schema browser' }).getByRole('button', { name: 'Connections' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connections' })
  await expect(dialog).toBeVisible()
  return dialog
}

test('the Sandbox pair is listed with its settings fixed and its test passes every step', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const dialog = await openConnections(page)
  const dynamics = dialog.getByRole('article', { name: 'Dynamics 365 connection Sandbox' })
  const campaign = dialog.getByRole('article', { name: 'Campaign connection Sandbox' })
  await expect(dynamics.getByText('Built-in Sandbox · settings fixed')).toBeVisible()
  await expect(campaign.getByText('Built-in Sandbox · settings fixed')).toBeVisible()
  await expect(dynamics.getByText('secret stored')).toBeVisible()
  // Built-in connections cannot be edited or deleted, so the dialog does not offer it.
  await expect(dynamics.getByRole('button', { name: 'Edit' })).toHaveCount(0)
  await expect(dynamics.getByRole('button', { name: 'Delete' })).toHaveCount(0)

  for (const card of [dynamics, campaign]) {
    await card.getByRole('button', { name: 'Test' }).click()
    const report = card.getByTestId('connection-test-report')
    await expect(report).toBeVisible()
    for (const step of ['reach', 'signIn', 'metadata', 'count']) {
      await expect(report.locator(`[data-step="${step}"]`)).toHaveAttribute('data-state', 'ok')
      await expect(report.locator(`[data-step="${step}"]`)).toContainText(/\d+ ms/)
    }
    await expect(card.getByTestId('connection-test-summary')).toContainText('Connected:')
  }
  await expect(dynamics.locator('[data-step="metadata"]')).toContainText('contact: 160 fields')
  await expect(campaign.locator('[data-step="metadata"]')).toContainText('profile:')
  await page.screenshot({ path: '.test-output/screens/connections-sandbox.png' })
})

test('a new Dynamics connection is validated, stored without echoing its secret, tested, edited and deleted', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const dialog = await openConnections(page)
  await dialog.getByRole('button', { name: 'New Dynamics 365 connection' }).click()
  const form = dialog.getByRole('form', { name: 'Dynamics 365 connection' })

  // Nothing is sent until the zod schema main uses accepts the fields.
  await form.getByRole('button', { name: 'Create connection' }).click()
  await expect(form.getByText('Required.').first()).toBeVisible()
  await expect(form.getByText('Enter the client secret: sign-in needs it.')).toBeVisible()
  await form.getByLabel('Name').fill('Contoso (bad port)')
  await form.getByLabel('Environment URL').fill('http://contoso.crm.dynamics.com')
  await form.getByRole('button', { name: 'Create connection' }).click()
  await expect(form.getByText('must be an https:// URL (http:// only for 127.0.0.1 / localhost)')).toBeVisible()
  await page.screenshot({ path: '.test-output/screens/connections-form-invalid.png' })

  await form.getByLabel('Environment URL').fill('https://127.0.0.1:9/')
  await form.getByLabel('Tenant (directory) id').fill('8d1c5e3a-5b1f-4c3e-9a57-5a4d1e2f0c11')
  await form.getByLabel('Client (application) id').fill('51f81489-12ee-4a9e-aaae-a2591f45987d')
  const secret = form.getByLabel('Client secret')
  await expect(secret).toHaveAttribute('type', 'password')
  await secret.fill(SECRET)
  await form.getByRole('button', { name: 'Create connection' }).click()

  const card = dialog.getByRole('article', { name: 'Dynamics 365 connection Contoso (bad port)' })
  await expect(card).toBeVisible()
  await expect(card.getByText('secret stored')).toBeVisible()
  await card.getByRole('button', { name: 'Test' }).click()
  const report = card.getByTestId('connection-test-report')
  await expect(report.locator('[data-step="reach"]')).toHaveAttribute('data-state', 'failed')
  await expect(report.locator('[data-step="reach"]')).toContainText('What to do:')
  await expect(report.locator('[data-step="reach"]')).toContainText('Check the URL and port')
  for (const step of ['signIn', 'metadata', 'count'])
    await expect(report.locator(`[data-step="${step}"]`)).toHaveAttribute('data-state', 'skipped')
  await expect(card.getByTestId('connection-test-summary')).toContainText('Test failed.')
  await expect(card.getByTestId('connection-test-summary')).toContainText('Reaching the service failed')
  await page.screenshot({ path: '.test-output/screens/connections-test-failed.png' })

  // Editing never pre-fills the secret: it says one is stored.
  await card.getByRole('button', { name: 'Edit' }).click()
  const edit = dialog.getByRole('form', { name: 'Dynamics 365 connection' })
  await expect(edit.getByLabel('Name')).toHaveValue('Contoso (bad port)')
  await expect(edit.getByLabel('Client secret')).toHaveValue('')
  await expect(edit.getByLabel('Client secret')).toHaveAttribute('placeholder', 'secret stored')
  await edit.getByLabel('Table the test reads').fill('account')
  await edit.getByRole('button', { name: 'Save changes' }).click()
  await expect(dialog.getByText('Saved “Contoso (bad port)”.')).toBeVisible()
  await expect(card.getByText('secret stored')).toBeVisible()
  expect(await page.content()).not.toContain(SECRET)

  // Delete asks first; "Keep it" keeps it.
  await card.getByRole('button', { name: 'Delete' }).click()
  const confirm = card.getByRole('alertdialog', { name: 'Delete Contoso (bad port)?' })
  await expect(confirm).toContainText('and its stored secret')
  await confirm.getByRole('button', { name: 'Keep it' }).click()
  await expect(card).toBeVisible()
  await card.getByRole('button', { name: 'Delete' }).click()
  await card.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click()
  await expect(card).toHaveCount(0)
  await expect(dialog.getByText('Deleted “Contoso (bad port)” and its stored secret.')).toBeVisible()

  // Main never handed the secret back at any point.
  const listed = await page.evaluate(async (token) => {
    const response = await fetch('/api/call/connections/list', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}'
    })
    return response.text()
  }, app.token)
  expect(listed).not.toContain(SECRET)
})

test('a Campaign connection needs a URL or an organization, and the form follows the sign-in method', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const dialog = await openConnections(page)
  await dialog.getByRole('button', { name: 'New Campaign connection' }).click()
  const form = dialog.getByRole('form', { name: 'Campaign connection' })
  await expect(form.getByLabel('Scopes (comma-separated)')).toBeVisible()
  await form.getByLabel('Name').fill('Adobe stage')
  await form.getByLabel('API key (client id)').fill('abc123')
  await form.getByLabel('Client secret').fill(SECRET)
  await form.getByRole('button', { name: 'Create connection' }).click()
  await expect(form.getByText('Give the Campaign REST URL or the organization.')).toBeVisible()

  await form.getByLabel('Sign-in method').selectOption('bearerToken')
  await expect(form.getByLabel('Scopes (comma-separated)')).toHaveCount(0)
  await expect(form.getByLabel('Access token')).toHaveAttribute('type', 'password')
  await form.getByLabel('Organization (Campaign tenant)').fill('contoso-stage')
  await form.getByLabel('Access token').fill(SECRET)
  await form.getByRole('button', { name: 'Create connection' }).click()
  const card = dialog.getByRole('article', { name: 'Campaign connection Adobe stage' })
  await expect(card).toContainText('organization contoso-stage')
  await expect(card).toContainText('Access token (pasted, not refreshed) · secret stored')
})

test('a Dynamics connection in a US Government cloud: the cloud is chosen, checked against the URL; proxy and CA file are offered', async ({
  page,
  app
}) => {
  await page.setViewportSize({ width: 1440, height: 900 })
  await page.goto(app.launchUrl)
  const dialog = await openConnections(page)
  await dialog.getByRole('button', { name: 'New Dynamics 365 connection' }).click()
  const form = dialog.getByRole('form', { name: 'Dynamics 365 connection' })
  await form.getByLabel('Name').fill('Agency (GCC High)')
  await form.getByLabel('Environment URL').fill('https://agency.crm.microsoftdynamics.us')
  await form.getByLabel('Tenant (directory) id').fill('8d1c5e3a-5b1f-4c3e-9a57-5a4d1e2f0c11')
  await form.getByLabel('Client (application) id').fill('51f81489-12ee-4a9e-aaae-a2591f45987d')
  await form.getByLabel('Client secret').fill(SECRET)
  await form.getByLabel('Proxy (optional)').fill('http://jane:pw@proxy.agency.test:8080')
  await form.getByRole('button', { name: 'Create connection' }).click()
  // The public cloud (the default) does not sign in to a .us environment: the form says which cloud to choose.
  await expect(form.getByText(/is a US Government \(GCC High\) environment.*choose US Government \(GCC High\)/)).toBeVisible()
  await expect(form.getByText(/no user name or password/)).toBeVisible()
  await page.screenshot({ path: '.test-output/screens/connections-cloud-mismatch.png' })

  await form.getByLabel('Cloud').selectOption('gccHigh')
  await form.getByLabel('Proxy (optional)').fill('proxy.agency.test:8080')
  await form.getByLabel('CA certificates file (optional)').fill('/etc/agency/root.pem')
  await form.getByRole('button', { name: 'Create connection' }).click()
  const card = dialog.getByRole('article', { name: 'Dynamics 365 connection Agency (GCC High)' })
  await expect(card).toBeVisible()
  // Editing shows what was stored.
  await card.getByRole('button', { name: 'Edit' }).click()
  const edit = dialog.getByRole('form', { name: 'Dynamics 365 connection' })
  await expect(edit.getByLabel('Cloud')).toHaveValue('gccHigh')
  await expect(edit.getByLabel('Proxy (optional)')).toHaveValue('proxy.agency.test:8080')
  await expect(edit.getByLabel('CA certificates file (optional)')).toHaveValue('/etc/agency/root.pem')
  await page.screenshot({ path: '.test-output/screens/connections-cloud-proxy.png' })
})
