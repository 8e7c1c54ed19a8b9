import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Table } from '../../src/shared/schema/model'
import type { BenchData } from './measure'

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

/** 60 mappings: the target's writable fields, each from a source field of a fitting kind, deterministic. */
function sixtyMappings(source: Table, target: Table): Array<{ from: string; target: string }> {
  const targets = target.fields.filter(
    (f) => !f.readOnly && f.type !== 'collection' && f.type !== 'link' && f.name !== 'cusDynamicsContactId'
  )
  const sources = source.fields.filter((f) => f.type !== 'collection')
  const out: Array<{ from: string; target: string }> = []
  for (let i = 0; out.length < 60; i++)
    out.push({ target: targets[i % targets.length].name + (i >= targets.length ? '' : ''), from: sources[(i * 7) % sources.length].name })
  // A target takes one mapping: beyond the target's fields, extra sources join an existing mapping's edges.
  const seen = new Set<string>()
  return out.filter((m) => (seen.has(`${m.target}|${m.from}`) ? false : (seen.add(`${m.target}|${m.from}`), true)))
}

/** The 160-field canvas: the Sandbox's `contact` → `profile` with 60 mappings and the match key. */
export async function sandboxCanvasData(): Promise<BenchData> {
  const { source, target } = await sandboxTables()
  return { source, target, mappings: sixtyMappings(source, target), match: { source: 'contactid', target: 'cusDynamicsContactId' } }
}
