#!/usr/bin/env node
// npm start: build, then launch the Electron app. Where Electron is missing or cannot
// start, say so in one line and serve the same app in browser mode instead.
// npm run web (--web): browser mode directly.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const webOnly = args.includes('--web')
const passThrough = args.filter((a) => a !== '--web')

function build() {
  process.stdout.write('Building Sync Studio…\n')
  const result = spawnSync('npm', ['run', '-s', 'build'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32'
  })
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}\nThe build failed (see above).\n`)
    process.exit(result.status ?? 2)
  }
}

/** The last meaningful line of a failure, for a one-line reason. */
function reasonFrom(text) {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const network = lines.find((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo|socket hang up|fetch failed/.test(l))
  if (network) return `its binary could not be downloaded: ${network.replace(/^\w*Error:\s*/, '')} — no internet connection?`
  const error = lines.reverse().find((l) => /error|cannot|failed|missing/i.test(l))
  return error ?? 'no reason given'
}

/** The Electron executable, downloading it on first launch; or why there is none. */
function findElectron() {
  if (!existsSync(join(root, 'node_modules/electron/package.json')))
    return { reason: 'the electron package is not installed (run npm install)' }
  process.stdout.write('Looking for Electron (the first launch downloads it)…\n')
  const probe = spawnSync(process.execPath, ['-e', 'process.stdout.write("ELECTRON=" + require("electron"))'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 10 * 60_000
  })
  const match = /ELECTRON=(.+)$/.exec(probe.stdout ?? '')
  if (probe.status === 0 && match && existsSync(match[1])) return { path: match[1] }
  return { reason: reasonFrom(`${probe.stdout ?? ''}\n${probe.stderr ?? ''}\n${probe.error?.message ?? ''}`) }
}

function startBrowserMode() {
  const child = spawn(process.execPath, [join(root, 'bin/sync-studio.cjs'), 'web', ...passThrough], { cwd: root, stdio: 'inherit' })
  const forward = (signal) => () => child.kill(signal)
  process.on('SIGINT', forward('SIGINT'))
  process.on('SIGTERM', forward('SIGTERM'))
  child.on('exit', (code) => process.exit(code ?? 0))
}

/** Launches Electron; if it dies at once (no display, missing libraries), falls back. */
function startElectron(executable) {
  let stderr = ''
  let early = true
  const child = spawn(executable, [root, ...passThrough], { cwd: root, stdio: ['inherit', 'inherit', 'pipe'] })
  child.stderr.on('data', (chunk) => {
    stderr += chunk
    process.stderr.write(chunk)
  })
  const timer = setTimeout(() => (early = false), 5000)
  child.on('error', (error) => {
    clearTimeout(timer)
    console.log(`Electron could not start (${error.message}) — serving Sync Studio in browser mode instead.`)
    startBrowserMode()
  })
  child.on('exit', (code, signal) => {
    clearTimeout(timer)
    if (early && code !== 0) {
      console.log(
        `Electron could not start (${signal ?? `exit code ${code}`}: ${reasonFrom(stderr)}) — serving Sync Studio in browser mode instead.`
      )
      startBrowserMode()
    } else process.exit(code ?? 0)
  })
}

build()
if (webOnly) startBrowserMode()
else {
  const electron = findElectron()
  if (electron.path) startElectron(electron.path)
  else {
    console.log(`Electron is not available (${electron.reason}) — serving Sync Studio in browser mode instead.`)
    startBrowserMode()
  }
}
