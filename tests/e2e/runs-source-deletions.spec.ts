import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { expect, test, type AppServer } from './fixtures'

/**
 * Contacts deleted in Dynamics between two runs: the next incremental run reads them as
 * deletions (Dataverse change tracking), and the dry run, the run and the history say
 * "deleted in the source" — never "kept by the filter". The contacts are deleted as anyone
 * deletes them in Dynamics: a Web API DELETE, with a token of the sandbox's own (public, fake)
 * client credentials (docs/sandbox.md).
 */
const fixture = join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json')
const shots = '.test-output/screens'
/** The sandbox's Dataverse client secret: fixed, public and fake (docs/sandbox.md, "The credentials are fake"). */
const SANDBOX_SECRET = 'sandbox-secret~not-a-real-credential'

async function count(scope: Locator, key: string): Promise<number> {
  return Number((await scope.locator(`[data-count="${key}"] strong`).first().innerText()).replace(/\D/g, ''))
}

async function finished(dialog: Locator, kind: 'dryRun' | 'run'): Promise<Locator> {
  const session = dialog.locator(`[data-testid="run-session"][data-kind="${kind}"][data-state="finished"]`)
  await expect(session).toBeVisible({ timeout: 30_000 })
  return session
}

/** Deletes `n` contacts in the sandbox's Dataverse over its Web API; returns their ids. */
async function deleteContacts(page: Page, app: AppServer, n: number): Promise<string[]> {
  const listed = await page.request.post(`${app.origin}/api/call/connections/list`, {
    headers: { Authorization: `Bearer ${app.token}` },
    data: {}
  })
  const { connections } = (await listed.json()).value as { connections: Array<{ profile: Record<string, string> }> }
  const dynamics = connections.find((c) => c.profile.id === 'sandbox-dynamics')!.profile
  const token = await page.request.post(`${dynamics.environmentUrl}/${dynamics.tenantId}/oauth2/v2.0/token`, {
    form: {
      grant_type: 'client_credentials',
      client_id: dynamics.clientId,
      client_secret: SANDBOX_SECRET,
      scope: `${dynamics.environmentUrl}/.default`
    }
  })
  expect(token.ok(), await token.text()).toBe(true)
  const headers = { Authorization: `Bearer ${(await token.json()).access_token}`, Accept: 'application/json' }
  const rows = await page.request.get(`${dynamics.apiUrl}contacts?$select=contactid&$filter=statecode eq 0&$top=${n}`, { headers })
  const ids = ((await rows.json()).value as Array<{ contactid: string }>).map((row) => row.contactid)
  expect(ids).toHaveLength(n)
  for (const id of ids) expect((await page.request.delete(`${dynamics.apiUrl}contacts(${id})`, { headers })).status()).toBe(204)
  return ids
}

test('contacts deleted in Dynamics: the dry run, the run and the history say "deleted in the source", not "kept by the filter"', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(fixture)
  await expect(page.getByTestId('document-status')).toContainText('1 flow')
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })

  // 1. The contacts, synced (incremental: the first run reads everything and keeps the change-tracking position).
  await dialog.getByRole('checkbox', { name: /^Dry run first/ }).uncheck()
  await dialog.getByRole('button', { name: 'Start sync' }).click()
  await finished(dialog, 'run')

  // 2. Two contacts deleted in Dynamics; the next run's plan reads them as deletions.
  await deleteContacts(page, app, 2)
  await dialog.getByRole('button', { name: 'New run' }).click()
  await dialog.getByRole('checkbox', { name: /^Dry run first/ }).check()
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const plan = await finished(dialog, 'dryRun')
  const planRead = plan.getByTestId('plan-read')
  await expect(planRead).toContainText('2 deleted in the source')
  await expect(planRead).not.toContainText('kept by the filter')

  // 3. The run does what the plan said.
  const planned = {
    read: Number(/of ([\d,]+) read/.exec(await planRead.innerText())?.[1].replace(/,/g, '')),
    deleted: await count(plan.getByTestId('plan-counts'), 'deleted')
  }
  await plan.getByRole('button', { name: 'Run now' }).click()
  const run = await finished(dialog, 'run')
  const flow = run.getByRole('article', { name: 'Flow Contacts → profiles' })
  await expect(flow.locator('[data-count="read"]')).toContainText('2 deleted in the source')
  await expect(flow.locator('[data-count="read"]')).not.toContainText('kept by the filter')
  expect(await count(flow, 'read')).toBe(planned.read)
  expect(await count(flow, 'deleted')).toBe(planned.deleted)
  await page.screenshot({ path: `${shots}/runs-source-deletions.png`, animations: 'disabled' })

  // 4. The history row says the same.
  await dialog.getByRole('tab', { name: 'History' }).click()
  const latest = dialog
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
    .first()
  const counts = latest.getByTestId('history-counts')
  // What was read leads the row, as in the summary: the deletions said with it, no filter's share.
  await expect(counts.locator('[data-count="read"]')).toContainText('2 deleted in the source')
  await expect(counts.locator('[data-count="read"]')).not.toContainText('kept by the filter')
  await expect(counts.locator('[data-count="filteredOut"], [data-count="sourceDeletions"]')).toHaveCount(0)
})
