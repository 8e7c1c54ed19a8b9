#!/usr/bin/env node
// npm test: build, typecheck, lint, run the unit/integration/smoke tests (vitest) and the
// browser tests (Playwright in a real Chromium), then print one line: N passed, N failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const output = join(root, '.test-output')
const require = createRequire(import.meta.url)

function findChromium() {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && existsSync(candidate)) return candidate
  }
  try {
    const own = require('playwright-core').chromium.executablePath()
    if (own && existsSync(own)) return own
  } catch {
    // no Playwright browser either
  }
  return undefined
}

function run(label, command, args, env = {}) {
  process.stdout.write(`\n── ${label} ──\n`)
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    shell: process.platform === 'win32'
  })
  return result.status ?? 1
}

const chromium = findChromium()
if (!chromium) {
  console.error(
    [
      'No Chromium found for the browser tests. Get one of:',
      '  Debian/Ubuntu:  sudo apt-get install chromium   (then it is /usr/bin/chromium)',
      '  any system:     npx playwright install chromium',
      '  or point CHROMIUM_PATH at a Chromium or Chrome executable.'
    ].join('\n')
  )
  console.log('0 passed, 1 failed')
  process.exit(1)
}

rmSync(output, { recursive: true, force: true })
mkdirSync(output, { recursive: true })
if (run('build', 'npm', ['run', '-s', 'build']) !== 0) {
  console.log('The build failed: nothing was tested.\n0 passed, 1 failed')
  process.exit(1)
}
const failedChecks = []
if (run('typecheck', 'npm', ['run', '-s', 'typecheck']) !== 0) failedChecks.push('typecheck')
if (run('lint (house rules)', 'npm', ['run', '-s', 'lint']) !== 0) failedChecks.push('lint')

const vitestJson = join(output, 'vitest.json')
const vitestCode = run('unit, integration and smoke tests (vitest)', process.execPath, [
  join(root, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`
])
const playwrightJson = join(output, 'playwright.json')
const playwrightCode = run(
  'browser tests (Playwright, Chromium)',
  process.execPath,
  [join(root, 'node_modules/@playwright/test/cli.js'), 'test'],
  {
    CHROMIUM_PATH: chromium,
    PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson
  }
)

let passed = 0
let failed = failedChecks.length
let skipped = 0
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  skipped += report.numPendingTests + (report.numTodoTests ?? 0)
} else failed += 1
if (existsSync(playwrightJson)) {
  const { stats } = JSON.parse(readFileSync(playwrightJson, 'utf8'))
  passed += stats.expected
  failed += stats.unexpected + stats.flaky
  skipped += stats.skipped
} else failed += 1
if ((vitestCode !== 0 || playwrightCode !== 0) && failed === 0) failed = 1 // a runner failed outside any test

console.log(
  `\n${failedChecks.map((check) => `The ${check} failed (counted as 1 failure).\n`).join('')}${passed} passed, ${failed} failed, ${skipped} skipped`
)
process.exit(failed === 0 ? 0 : 1)
