import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Table } from '../../src/shared/schema/model'

const root = resolve(__dirname, '../..')

/** The Sandbox's schemas, read from the app itself (`sync-studio web`, as a user runs it). */
export async function sandboxTables(): Promise<{ source: Table; target: Table }> {
  if (!existsSync(join(root, 'out/cli/cli.js'))) throw new Error('build the app first: npm run build')
  const userData = mkdtempSync(join(tmpdir(), 'sync-studio-bench-'))
  const child = spawn(process.execPath, [join(root, 'bin/sync-studio.cjs'), 'web'], {
    env: { ...process.env, SYNC_STUDIO_USER_DATA: userData },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  try {
    const url = await new Promise<URL>((done, fail) => {
      let text = ''
      const timer = setTimeout(() => fail(new Error(`sync-studio web printed no URL:\n${text}`)), 20_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(text)
        if (match) {
          clearTimeout(timer)
          done(new URL(match[1]))
        }
      })
    })
    const token = url.hash.replace('#token=', '')
    const call = async (system: string, name: string) => {
      const response = await fetch(`${url.origin}/api/call/schema/table`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', origin: url.origin },
        body: JSON.stringify({ system, connection: 'Sandbox', name })
      })
      const body = (await response.json()) as { ok: boolean; value: { table: Table }; error?: { message: string } }
      if (!body.ok) throw new Error(body.error?.message)
      return body.value.table
    }
    return { source: await call('dynamics', 'contact'), target: await call('campaign', 'profile') }
  } finally {
    child.kill('SIGKILL')
    rmSync(userData, { recursive: true, force: true })
  }
}
