import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { dropStep, expect, test } from './canvas-support'

/**
 * Each of the four jobs done by a user end to end, on a fresh sandbox in browser mode: open
 * the example mapping, edit it on the canvas, preview, dry run, run, and find the run in the
 * history. The run's counts equal what the dry run planned, and a full-replay dry run then
 * finds every record written unchanged: the sandbox holds what the run said it wrote (read
 * back through the app's own views). Screenshots at 1440×900 in .test-output/screens/jobs-*.
 */

const examples = join(__dirname, '../../examples')
const shots = '.test-output/screens'
const keys = ['created', 'updated', 'unchanged', 'skipped', 'failed', 'deleted'] as const
type Counts = Record<(typeof keys)[number], number>

test.use({ viewport: { width: 1440, height: 900 } })
test.setTimeout(180_000)

/** A user's edit on the canvas: open the transforms, drop one on a field's edge; Undo then names it. */
async function addStep(page: Page, fn: string, target: string, from: string, tables?: { source: string; target: string }) {
  if (tables) {
    await page.getByRole('textbox', { name: `Search fields of ${tables.source}` }).fill(from)
    await page.getByRole('textbox', { name: `Search fields of ${tables.target}` }).fill(target)
  }
  await page.getByRole('button', { name: 'Transforms' }).click()
  await dropStep(page, fn, target, from)
  await expect(page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: /^Undo/ }).first()).toBeEnabled()
}

async function countsOf(scope: Locator): Promise<Counts> {
  const out = {} as Counts
  for (const key of keys) {
    const cell = scope.locator(`[data-count="${key}"] strong`)
    out[key] = (await cell.count()) === 0 ? 0 : Number((await cell.first().innerText()).replace(/[^\d]/g, ''))
  }
  return out
}

async function open(page: Page, file: string, flows: number): Promise<void> {
  await page.getByTestId('import-file').setInputFiles(join(examples, file))
  await expect(page.getByTestId('document-status')).toContainText(`${flows} flow`)
}

/** Preview the selected flow's records; returns how many the sample holds. */
async function preview(page: Page, name: string): Promise<void> {
  const panel = page.getByRole('region', { name: 'Preview' })
  await panel.getByRole('button', { name: 'Preview', exact: true }).click()
  await expect(panel.getByRole('grid', { name: 'Preview records' }).getByRole('row').nth(1)).toBeVisible({ timeout: 20_000 })
  await page.screenshot({ path: `${shots}/jobs-${name}-1-preview.png`, animations: 'disabled' })
}

/** Dry run → Run now → History, comparing every flow's counts with its plan; a replay then finds them unchanged. */
async function dryRunRunHistory(page: Page, name: string, flowIds: string[]): Promise<Map<string, Counts>> {
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await expect(dialog.getByRole('checkbox', { name: /^Dry run first/ })).toBeChecked()
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const plan = dialog.locator('[data-testid="run-session"][data-kind="dryRun"][data-state="finished"]')
  await expect(plan).toBeVisible({ timeout: 40_000 })
  const planned = new Map<string, Counts>()
  for (const id of flowIds) planned.set(id, await countsOf(plan.locator(`[data-testid="plan-counts"][data-flow="${id}"]`)))
  const writes = [...planned.values()].reduce((n, c) => n + c.created + c.updated, 0)
  expect(writes).toBeGreaterThan(0)
  await page.screenshot({ path: `${shots}/jobs-${name}-2-dry-run.png`, animations: 'disabled' })

  await plan.getByRole('button', { name: 'Run now' }).click()
  const run = dialog.locator('[data-testid="run-session"][data-kind="run"][data-state="finished"]')
  await expect(run).toBeVisible({ timeout: 60_000 })
  for (const id of flowIds) {
    const done = await countsOf(run.locator(`article[data-flow="${id}"]`))
    const p = planned.get(id)!
    expect({ flow: id, created: done.created, updated: done.updated, failed: done.failed, deleted: done.deleted }).toEqual({
      flow: id,
      created: p.created,
      updated: p.updated,
      failed: p.failed,
      deleted: p.deleted
    })
  }
  await page.screenshot({ path: `${shots}/jobs-${name}-3-run.png`, animations: 'disabled' })

  // History: the run and its plan, newest first, with the same counts.
  await dialog.getByRole('tab', { name: 'History' }).click()
  const history = dialog.getByRole('grid', { name: 'Run history' })
  const rows = history.getByRole('row').filter({ has: page.getByRole('gridcell') })
  await expect(rows.nth(flowIds.length * 2 - 1)).toBeVisible()
  for (const [index, id] of [...flowIds].reverse().entries()) {
    const row = rows.nth(index)
    await expect(row.getByRole('gridcell').nth(3)).toHaveText('no')
    const p = planned.get(id)!
    await expect(row).toContainText(`${p.created} created · ${p.updated} updated`)
  }
  await rows.first().click()
  await expect(dialog.getByRole('region', { name: 'Selected run' })).toBeVisible()
  await page.screenshot({ path: `${shots}/jobs-${name}-4-history.png`, animations: 'disabled' })
  return planned
}

/** A full-replay dry run after the run: everything the run wrote is in the target and unchanged. */
async function replayFindsItWritten(page: Page, planned: Map<string, Counts>): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await dialog.getByRole('tab', { name: 'Run' }).click()
  await dialog.getByRole('button', { name: 'New run' }).click()
  await dialog.getByRole('radio', { name: /^Full replay/ }).check()
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  const replay = dialog.locator('[data-testid="run-session"][data-kind="dryRun"][data-state="finished"]')
  await expect(replay).toBeVisible({ timeout: 40_000 })
  for (const [id, p] of planned) {
    const again = await countsOf(replay.locator(`[data-testid="plan-counts"][data-flow="${id}"]`))
    expect({ flow: id, created: again.created, updated: again.updated }).toEqual({ flow: id, created: 0, updated: 0 })
    expect(again.unchanged).toBeGreaterThanOrEqual(p.created + p.updated)
  }
}

test('contacts → profiles: a step added on the canvas, preview, dry run, run, history, replay finds it written', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await open(page, 'contacts.mapping.json', 1)
  await addStep(page, 'trim', 'lastName', 'lastname', { source: 'contact', target: 'profile' })
  await preview(page, 'contacts')
  const planned = await dryRunRunHistory(page, 'contacts', ['contacts'])
  await replayFindsItWritten(page, planned)
})

test('custom tables → custom resources: parents first, the required link set; history and replay agree', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await open(page, 'custom-tables.mapping.json', 3)
  await addStep(page, 'trim', 'lastName', 'lastname', { source: 'contact', target: 'profile' })
  await preview(page, 'custom-tables')
  const planned = await dryRunRunHistory(page, 'custom-tables', ['contacts', 'vehicles', 'registrations'])
  // Every vehicle was written with its owner: none failed for a missing parent.
  expect(planned.get('vehicles')!.created + planned.get('vehicles')!.updated).toBeGreaterThan(0)
  await replayFindsItWritten(page, planned)
})

test('Campaign email events → Dynamics activities: preview, dry run, run, history; a replay creates nothing twice', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await open(page, 'email-events.mapping.json', 4)
  await addStep(page, 'trim', 'new_externaleventid', 'id')
  await preview(page, 'events')
  const planned = await dryRunRunHistory(page, 'events', ['sends', 'opens', 'clicks', 'bounces'])
  await replayFindsItWritten(page, planned)
})

test('opt-outs both ways: direction edited on the canvas, dry run, run, history with its conflicts view', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  // The opt-outs apply to synced profiles: sync the contacts first.
  await open(page, 'contacts.mapping.json', 1)
  await dryRunRunHistory(page, 'opt-outs-contacts', ['contacts'])
  await page.getByRole('dialog', { name: 'Run a sync' }).getByRole('button', { name: 'Close' }).click()
  await open(page, 'opt-outs.mapping.json', 1)
  const optOut = page.getByRole('region', { name: 'Inspector' }).getByTestId('opt-out-inspector')
  await optOut.getByRole('combobox', { name: 'Opt-out direction' }).selectOption('toCampaign')
  await optOut.getByRole('combobox', { name: 'Opt-out direction' }).selectOption('both')
  await expect(optOut.getByTestId('opt-out-rule')).toHaveText(/^If Campaign's change is newer/)
  await preview(page, 'opt-outs')
  const planned = await dryRunRunHistory(page, 'opt-outs', ['optouts'])
  const detail = page.getByRole('dialog', { name: 'Run a sync' }).getByRole('region', { name: 'Selected run' })
  // The run's history says how many conflicts went which way and lists them, each labelled as the dry run planned.
  const count = detail.getByTestId('conflicts-count')
  await expect(count).toHaveText(/^\d+ opt-out conflicts? resolved: \d+ kept Campaign's value, \d+ kept Dynamics'/)
  const [total, campaign, dynamics] = ((await count.innerText()).match(/\d+/g) ?? []).map(Number)
  expect(campaign + dynamics).toBe(total)
  const conflicts = detail.getByRole('grid', { name: 'Resolved conflicts' })
  await conflicts.getByRole('row').nth(1).click()
  await expect(detail.getByTestId('conflict-label')).toHaveText(
    /^Conflict: Dynamics \w+ = (true|false) \(.*\), Campaign \w+ = (true|false) \(.*\) → (Campaign|Dynamics) kept/
  )
  await page.screenshot({ path: `${shots}/jobs-opt-outs-5-conflicts.png`, animations: 'disabled' })
  await replayFindsItWritten(page, planned)
})
