import { readFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures'

/**
 * What belongs to a document goes with it, and browser mode works on the user's files in
 * place (File System Access API). The browser's own pickers are the one thing a test cannot
 * click: here they hand back real handles to files in the origin-private file system, which
 * the app reads and writes through the same API as a file on disk.
 */

const contacts = readFileSync('examples/contacts.mapping.json', 'utf8')
const customTables = readFileSync('examples/custom-tables.mapping.json', 'utf8')

/** Puts files in the origin-private file system and makes the pickers answer with them, in order. */
async function preparePickers(page: Page, files: Record<string, string>, answers: { open?: string[]; save?: string[] }) {
  await page.evaluate(
    async ({ files, answers }) => {
      const root = await navigator.storage.getDirectory()
      for (const [name, text] of Object.entries(files)) {
        const writable = await (await root.getFileHandle(name, { create: true })).createWritable()
        await writable.write(text)
        await writable.close()
      }
      const opens = [...(answers.open ?? [])]
      const saves = [...(answers.save ?? [])]
      const w = window as unknown as Record<string, unknown>
      w.pickerCalls = 0
      w.showOpenFilePicker = async () => {
        w.pickerCalls = (w.pickerCalls as number) + 1
        const name = opens.shift()
        if (!name) throw new DOMException('The user aborted a request.', 'AbortError')
        return [await root.getFileHandle(name)]
      }
      w.showSaveFilePicker = async () => {
        w.pickerCalls = (w.pickerCalls as number) + 1
        const name = saves.shift()
        if (!name) throw new DOMException('The user aborted a request.', 'AbortError')
        return root.getFileHandle(name, { create: true })
      }
    },
    { files, answers }
  )
}

const readPrivateFile = (page: Page, name: string) =>
  page.evaluate(async (name) => (await (await (await navigator.storage.getDirectory()).getFileHandle(name)).getFile()).text(), name)

test('opening another file resets the run plan, the inspector, the messages and the problems, with one discard prompt', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await preparePickers(page, { 'custom-tables.mapping.json': customTables }, { open: ['custom-tables.mapping.json'] })
  await page.getByTestId('import-file').setInputFiles('examples/contacts.mapping.json')
  await expect(page.getByRole('tab', { name: 'Contacts → profiles' })).toBeVisible()
  await expect(page.getByLabel('Target profile').locator('[data-field="PKey"]')).toBeVisible()

  // The first document's state: a dry-run plan with "Run now", a selected field, a message, unsaved changes.
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Run a sync' })
  await dialog.getByRole('button', { name: 'Start dry run' }).click()
  await expect(dialog.locator('[data-testid="run-session"][data-kind="dryRun"][data-state="finished"]')).toBeVisible({ timeout: 30_000 })
  await expect(dialog.getByRole('button', { name: 'Run now' })).toBeVisible()
  await dialog.getByRole('button', { name: 'Close' }).click()
  await expect(dialog).toBeHidden()
  await page.getByLabel('Target profile').locator('[data-field="PKey"]').click()
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('PKey')
  const name = page.getByRole('textbox', { name: 'Mapping name' })
  await name.fill('Contacts, edited')
  await name.press('Enter')
  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export' }).click()
  await download
  await expect(page.getByRole('status').filter({ hasText: 'Exported' })).toBeVisible()

  // Open: one question, then nothing of the first document is left.
  const questions: string[] = []
  page.on('dialog', (d) => {
    questions.push(d.message())
    void d.accept()
  })
  await page.getByRole('button', { name: 'Open', exact: true }).click()
  await expect(name).toHaveValue(JSON.parse(customTables).name)
  expect(questions).toEqual(['Discard the unsaved changes to "Contacts, edited"?'])
  await expect(page.getByRole('status').filter({ hasText: 'Exported' })).toHaveCount(0)
  await expect(inspector).not.toContainText('PKey')
  await expect(page.getByTestId('document-status')).toContainText('custom-tables.mapping.json')
  await page.getByRole('toolbar', { name: 'Mapping' }).getByRole('button', { name: 'Run', exact: true }).click()
  await expect(dialog.getByRole('button', { name: 'Run now' })).toHaveCount(0)
  await expect(dialog.getByRole('button', { name: 'Start dry run' })).toBeVisible()
  await dialog.getByRole('button', { name: 'Close' }).click()
})

test('browser mode in Chromium: Open reads the file, Save writes back to it, Save as asks, Recent reopens it', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  await preparePickers(page, { 'contacts.mapping.json': contacts }, { open: ['contacts.mapping.json'], save: ['copy.mapping.json'] })
  await page.getByRole('button', { name: 'Open', exact: true }).click()
  const name = page.getByRole('textbox', { name: 'Mapping name' })
  await expect(name).toHaveValue('Contacts to profiles (sandbox)')
  await expect(page.getByTestId('document-status')).toContainText('saved · contacts.mapping.json')

  // Save writes the same file, without a picker.
  await name.fill('Contacts — Zoë’s copy')
  await name.press('Enter')
  await expect(page.getByTestId('document-status')).toContainText('unsaved changes')
  await page.keyboard.press('Control+s')
  await expect(page.getByRole('status').filter({ hasText: 'Saved contacts.mapping.json.' })).toBeVisible()
  await expect(page.getByTestId('document-status')).toContainText('saved · contacts.mapping.json')
  expect(await page.evaluate(() => (window as unknown as { pickerCalls: number }).pickerCalls)).toBe(1)
  const written = JSON.parse(await readPrivateFile(page, 'contacts.mapping.json'))
  expect(written.name).toBe('Contacts — Zoë’s copy')
  expect(written.flows).toEqual(JSON.parse(contacts).flows)

  // Save as asks where, then that file is the document's.
  await page.keyboard.press('Control+Shift+s')
  await expect(page.getByRole('status').filter({ hasText: 'Saved copy.mapping.json.' })).toBeVisible()
  expect(JSON.parse(await readPrivateFile(page, 'copy.mapping.json')).name).toBe('Contacts — Zoë’s copy')

  // Recent lists both, newest first, and reopens one after a reload.
  await page.reload()
  await expect(page.getByText('No mapping open').first()).toBeVisible()
  await page.getByRole('button', { name: 'File', exact: true }).click()
  const menu = page.getByRole('menu')
  await expect(menu.getByRole('menuitem', { name: 'copy.mapping.json' })).toBeVisible()
  await expect(menu.getByRole('menuitem').filter({ hasText: /\.mapping\.json$/ })).toHaveText([
    'copy.mapping.json',
    'contacts.mapping.json'
  ])
  await menu.getByRole('menuitem', { name: 'contacts.mapping.json' }).click()
  await expect(name).toHaveValue('Contacts — Zoë’s copy')
  await expect(page.getByTestId('document-status')).toContainText('saved · contacts.mapping.json')
})
