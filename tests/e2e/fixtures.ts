import { test as base } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface AppServer {
  /** The URL with the session token, as the app prints it. */
  launchUrl: string
  /** The server's origin, without the token. */
  origin: string
  token: string
  userData: string
}

/** Starts `sync-studio web` (the built app, as a user runs it) with a fresh user-data folder. */
export async function startAppServer(): Promise<AppServer & { stop(): Promise<void> }> {
  const userData = mkdtempSync(join(tmpdir(), 'sync-studio-e2e-'))
  const child: ChildProcess = spawn(process.execPath, ['bin/sync-studio.cjs', 'web'], {
    env: { ...process.env, SYNC_STUDIO_USER_DATA: userData },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sync-studio web did not print its URL:\n${output}`)), 20_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /^(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)$/m.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => reject(new Error(`sync-studio web exited with ${code}:\n${output}`)))
  })
  const url = new URL(launchUrl)
  return {
    launchUrl,
    origin: url.origin,
    token: url.hash.replace('#token=', ''),
    userData,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGINT') // as Ctrl+C: the app saves its sandbox snapshot and exits
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
        if (child.signalCode === 'SIGKILL') throw new Error(`sync-studio web did not exit within 10 s of Ctrl+C:\n${output}`)
      }
      rmSync(userData, { recursive: true, force: true })
    }
  }
}

export const test = base.extend<{ app: AppServer }>({
  app: async ({}, use) => {
    const server = await startAppServer()
    await use(server)
    await server.stop()
  }
})
export { expect } from '@playwright/test'
