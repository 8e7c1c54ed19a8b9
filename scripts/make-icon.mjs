#!/usr/bin/env node
// Renders build/icon.svg to build/icon.png (1024×1024) in Chromium; electron-builder
// derives the Windows .ico and macOS .icns from it.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const svg = readFileSync(join(root, 'build/icon.svg'), 'utf8')
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } })
await page.setContent(
  `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', '<svg width="1024" height="1024" ')}</body></html>`
)
await page.screenshot({ path: join(root, 'build/icon.png'), omitBackground: true })
await browser.close()
console.log('wrote build/icon.png')
