import { defineConfig } from '@playwright/test'
import { chromiumPath } from './tests/e2e/chromium-path'

// Playwright drives a real Chromium (Debian's, or CHROMIUM_PATH) against browser mode;
// each test starts its own app server with its own user-data folder (tests/e2e/fixtures.ts).
export default defineConfig({
  testDir: './tests/e2e',
  timeout: 60_000,
  workers: 1,
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [['list'], ['json']] : 'list',
  outputDir: '.test-output/playwright',
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
})
