import { _electron as electron, expect, test } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The Electron binary, if this machine has one (it is downloaded on first launch, which needs the internet). */
function electronBinary(): { path?: string; reason?: string } {
  const probe = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("electron"))'], { encoding: 'utf8', timeout: 120_000 })
  if (probe.status === 0 && existsSync(probe.stdout)) return { path: probe.stdout }
  return { reason: 'the Electron binary is not on this machine and could not be downloaded (no internet access)' }
}

const binary = electronBinary()

test('the desktop app opens its window with the app frame', async () => {
  if (!binary.path) console.log(`Skipping the Electron test: ${binary.reason}.`)
  test.skip(!binary.path, binary.reason)
  const app = await electron.launch({
    executablePath: binary.path,
    args: [join(__dirname, '../..')],
    env: { ...process.env, SYNC_STUDIO_USER_DATA: mkdtempSync(join(tmpdir(), 'sync-studio-electron-')) }
  })
  const window = await app.firstWindow()
  await expect(window.getByRole('toolbar', { name: 'Mapping' })).toBeVisible()
  expect(await window.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined')
  await window.screenshot({ path: '.test-output/screens/electron-window.png' })
  await app.close()
})
