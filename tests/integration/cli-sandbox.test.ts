import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxInfo } from '../../src/main/sandbox'
import { bin, ensureCliBuilt, root } from './fixtures/built-cli'

/**
 * `sync-studio sandbox` as a user runs it: the built CLI (`node bin/sync-studio.cjs`) in its
 * own process. `npm test` builds first; run alone (`npx vitest run tests/integration/cli-sandbox`),
 * this file builds the CLI bundle itself when out/cli/cli.js is missing or older than any
 * source file under src/main or src/shared.
 */

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

function runCli(args: string[]): Running {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Resolves when stdout contains `text` — on the output's own events, not by polling; fails on exit or after timeoutMs. */
function untilOutput(run: Running, text: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!run.stdout().includes(text)) return
      done()
      resolve()
    }
    const exited = (code: number | null) => {
      done()
      reject(new Error(`sync-studio exited ${code} before printing ${JSON.stringify(text)}: ${run.stderr()}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no ${JSON.stringify(text)} from sync-studio sandbox within ${timeoutMs} ms: ${run.stderr()}`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      run.child.stdout?.off('data', check)
      run.child.off('exit', exited)
    }
    run.child.stdout?.on('data', check)
    run.child.once('exit', exited)
    check()
  })
}

async function firstLine(run: Running, timeoutMs = 20_000): Promise<string> {
  await untilOutput(run, '\n', timeoutMs)
  return run.stdout().split('\n')[0]
}

beforeAll(() => ensureCliBuilt(), 120_000)

describe('sync-studio sandbox --json', () => {
  let run: Running
  let info: SandboxInfo
  beforeAll(async () => {
    run = runCli(['sandbox', '--port', '0', '--json', '--contacts', '200'])
    info = JSON.parse(await firstLine(run)) as SandboxInfo
  })
  afterAll(() => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL')
  })

  it('prints one JSON line with both services', () => {
    expect(Object.keys(info.dynamics).sort()).toEqual(['authority', 'ca', 'clientId', 'clientSecret', 'tenantId', 'tokenUrl', 'url'])
    expect(Object.keys(info.campaign).sort()).toEqual(['clientId', 'clientSecret', 'imsUrl', 'orgId', 'scopes', 'url'])
    expect(info.dynamics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\/$/)
    expect(info.campaign.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${info.campaign.orgId}/campaign/$`))
    expect(new URL(info.campaign.url).port).toBe(new URL(info.dynamics.url).port)
  })

  it('dynamics.url answers WhoAmI with a client-credentials token', async () => {
    const agent = new Agent({ connect: { ca: info.dynamics.ca } })
    let token: string
    try {
      const response = await undiciFetch(info.dynamics.tokenUrl, {
        method: 'POST',
        dispatcher: agent,
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: info.dynamics.clientId,
          client_secret: info.dynamics.clientSecret,
          scope: `${new URL(info.dynamics.url).origin}/.default`
        })
      })
      expect(response.status).toBe(200)
      token = ((await response.json()) as { access_token: string }).access_token
    } finally {
      await agent.close()
    }
    const whoAmI = await fetch(`${info.dynamics.url}WhoAmI`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } })
    expect(whoAmI.status).toBe(200)
    expect(((await whoAmI.json()) as { UserId: string }).UserId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('campaign.url answers with an IMS token', async () => {
    const ims = await fetch(info.campaign.imsUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.campaign.clientId,
        client_secret: info.campaign.clientSecret,
        scope: info.campaign.scopes.join(',')
      })
    })
    expect(ims.status).toBe(200)
    const token = ((await ims.json()) as { access_token: string }).access_token
    const profiles = await fetch(`${info.campaign.url}profileAndServices/profile?_lineCount=3`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Api-Key': info.campaign.clientId }
    })
    expect(profiles.status).toBe(200)
    expect(((await profiles.json()) as { content: unknown[] }).content).toHaveLength(3)
  })

  it('stops on Ctrl+C (SIGINT) with exit code 0, and stdout held only the JSON line', async () => {
    run.child.kill('SIGINT')
    expect(await run.exited).toBe(0)
    expect(run.stdout().split('\n').filter(Boolean)).toHaveLength(1)
    expect(run.stderr()).toContain('Sandbox stopped.')
  })
})

describe('sync-studio sandbox (readable)', () => {
  let folder: string
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'sync-studio-cli-sandbox-'))
  })
  afterAll(() => rmSync(folder, { recursive: true, force: true }))

  it('prints URLs and the fake credentials, and saves the snapshot on Ctrl+C', async () => {
    const file = join(folder, 'sandbox.json')
    const run = runCli(['sandbox', '--contacts', '50', '--snapshot', file, '--latency', '5'])
    try {
      await firstLine(run)
      await untilOutput(run, 'Snapshot:', 10_000)
      const text = run.stdout()
      expect(text).toMatch(/URL +http:\/\/127\.0\.0\.1:\d+\/api\/data\/v9\.2\//)
      expect(text).toMatch(/URL +http:\/\/127\.0\.0\.1:\d+\/[\w-]+\/campaign\//)
      expect(text).toContain('Client secret  sandbox-secret~not-a-real-credential')
      expect(text).toContain('fake')
      expect(text).toContain('latency 5 ms')
      run.child.kill('SIGINT')
      expect(await run.exited).toBe(0)
      expect(run.stdout()).toContain(`state saved to ${file}`)
      expect(JSON.parse(readFileSync(file, 'utf8')).contacts).toBe(50)
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL')
    }
  })

  it('refuses bad options with a usage error (exit 2)', async () => {
    for (const args of [['--port', 'abc'], ['--throttle-rate', '1.5'], ['--contacts', '-1'], ['--nope']]) {
      const run = runCli(['sandbox', ...args])
      expect(await run.exited).toBe(2)
      expect(run.stderr()).toContain('Usage: sync-studio sandbox')
      expect(run.stdout()).toBe('')
    }
  })
})
