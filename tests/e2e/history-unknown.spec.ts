import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeEntry, fullCounts, type JournalEntry } from '../../src/main/sync/journal-format'
import { expect, test } from './fixtures'

/**
 * A run whose writes to Dynamics got no answer, in History at 1440×900: "3 unknown (no answer
 * from Dynamics — retry checks each by key)" beside "1 failed", never folded into it, whole on
 * screen; the run's errors list the three with their message and reason in words, and Retry
 * failed records is offered. The run is journaled before the app reads its journal (such a run
 * needs a bulk write to outlive its timeout; the sync itself is tested over HTTP in
 * tests/integration/sync-outcome-unknown.test.ts).
 */

const mapping = join(__dirname, '../../examples/email-events.mapping.json')
const shots = '.test-output/screens'
const noAnswer =
  "no answer from Dynamics, so this event's activity may or may not be written: The request timed out. The records may or may not be written; they were not sent again, so none is written twice."

function journalRun(userData: string): void {
  const runId = '20261207T100000Z-sends-abc123'
  const counts = { ...fullCounts({}), read: 10, created: 6, failed: 1, unknown: 3 }
  const unknown = (k: string) => ({
    k,
    o: 'unknown',
    stage: 'write',
    op: 'create',
    code: 'outcomeUnknown',
    message: noAnswer,
    retryable: false
  })
  const entries = [
    { t: 'start', at: Date.now() - 5000, runId, flowId: 'sends', mappingHash: 'h', mode: 'incremental', dryRun: false },
    {
      t: 'outcomes',
      at: Date.now() - 4000,
      page: 1,
      items: [
        ...['e1', 'e2', 'e3', 'e4', 'e5', 'e6'].map((k) => ({ k, o: 'created', op: 'create' })),
        unknown('e7'),
        unknown('e8'),
        unknown('e9'),
        { k: 'e10', o: 'failed', stage: 'write', op: 'create', code: 'contactMissing', message: 'the contact is gone', retryable: false }
      ],
      d: { read: 10, created: 6, unknown: 3, failed: 1 }
    },
    { t: 'checkpoint', at: Date.now() - 3000, phase: 'pages', page: 1, pass: 0, cursor: 'c1', counts },
    { t: 'end', at: Date.now() - 2000, status: 'completed', counts, durationMs: 3000, cursor: 'c1' }
  ] as unknown as JournalEntry[]
  const runs = join(userData, 'sync', 'runs')
  mkdirSync(runs, { recursive: true })
  writeFileSync(join(runs, `${runId}.jsonl`), entries.map(encodeEntry).join(''))
}

test('history: unknown outcomes are their own figure, whole at 1440×900, listed with the errors and offered for retry', async ({
  page,
  app
}) => {
  journalRun(app.userData)
  await page.goto(app.launchUrl)
  await page.getByTestId('import-file').setInputFiles(mapping)
  await expect(page.getByTestId('document-status')).toContainText('4 flows')
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await dialog.getByRole('tab', { name: 'History' }).click()
  const row = dialog
    .getByRole('grid', { name: 'Run history' })
    .getByRole('row')
    .filter({ has: page.getByRole('gridcell') })
  await expect(row).toHaveCount(1)
  const cell = row.getByTestId('history-counts')
  await expect(cell).toContainText('1 failed')
  const unknown = cell.locator('[data-count="unknown"]')
  await expect(unknown).toHaveText(/^3 unknown \(no answer from Dynamics — retry checks each by key\)/)
  await expect(unknown).toHaveAttribute('title', /looks each up by key/)
  // Whole: neither the cell nor the count is cut.
  const box = await cell.evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, sh: el.scrollHeight, ch: el.clientHeight }))
  expect(box.sw).toBeLessThanOrEqual(box.cw)
  expect(box.sh).toBeLessThanOrEqual(box.ch)
  expect(await unknown.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 0)).toBe(true)
  // Partial, not completed: not every record is known to be written. Four records listed.
  await expect(row.getByTestId('run-status')).toHaveText('partial')
  await expect(row.getByRole('gridcell').last()).toHaveText('4')

  await row.click()
  const detail = dialog.getByRole('region', { name: 'Selected run' })
  await expect(detail.getByTestId('errors-count')).toHaveText(
    '1 record failed, 3 records with no answer from Dynamics (may be written — retry checks each by key)'
  )
  const reasons = detail.getByRole('toolbar', { name: 'Show errors' })
  await expect(reasons.getByRole('button', { name: 'no answer from Dynamics (may be written) 3' })).toBeVisible()
  await expect(detail.getByRole('grid', { name: 'Failed records' })).toContainText('no answer from Dynamics')
  await expect(detail.getByRole('button', { name: 'Retry failed records' })).toBeEnabled()
  await page.screenshot({ path: `${shots}/history-unknown.png`, animations: 'disabled' })
})
