/**
 * The embedded sandbox at size: start time of a 1,000,000-contact sandbox, then every
 * contact paged over real HTTP (`Prefer: odata.maxpagesize=5000`, following
 * `@odata.nextLink`, all columns, bearer token from the client-credentials endpoint), with
 * rows/s and the sandbox's peak RSS and heap. The same at 100,000 gives
 *
 *   sandbox memory ratio = peak heap at 1M / peak heap at 100k
 *
 * which stays near 1 when paging holds no more than a page (it would be ~10 if rows were
 * kept). Each size runs the sandbox in its own child process, so the figures are the
 * sandbox's alone and the client parses JSON on another core.
 *
 *   npx tsx bench/sandbox.ts [largest=1000000] [smaller=100000]
 */
import { fork, type ChildProcess } from 'node:child_process'
import { startSandbox, type SandboxInfo } from '../src/main/sandbox'
import { dynamicsToken } from '../tests/support/dynamics-token'

const startGoalMs = 2000

type ServeMessage =
  { kind: 'ready'; info: SandboxInfo; startMs: number; afterStart: Memory } | { kind: 'peaks'; peak: Memory; maxRssBytes: number }
interface Memory {
  rss: number
  heapUsed: number
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

// ---- child: one sandbox, sampled memory, until the parent asks for the peaks ----
async function serve(contacts: number): Promise<void> {
  const began = performance.now()
  const sandbox = await startSandbox({ contacts, port: 0, seed: 1 })
  const startMs = performance.now() - began
  const sample = (): Memory => {
    const m = process.memoryUsage()
    return { rss: m.rss, heapUsed: m.heapUsed }
  }
  const peak = sample()
  const afterStart = { ...peak }
  // The server is busy serialising between samples, so a page's peak shows up at the next tick.
  const timer = setInterval(() => {
    const m = sample()
    peak.rss = Math.max(peak.rss, m.rss)
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed)
  }, 5)
  process.send!({ kind: 'ready', info: sandbox.info, startMs, afterStart } satisfies ServeMessage)
  process.on('message', (message: string) => {
    if (message !== 'stop') return
    clearInterval(timer)
    process.send!({ kind: 'peaks', peak, maxRssBytes: process.resourceUsage().maxRSS * 1024 } satisfies ServeMessage, () => {
      void sandbox.close().then(() => process.exit(0))
    })
  })
}

// ---- parent: the HTTP client ----
function nextMessage(child: ChildProcess): Promise<ServeMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the sandbox process exited early (code ${code})`))
    child.once('exit', onExit)
    child.once('message', (message) => {
      child.off('exit', onExit)
      resolve(message as ServeMessage)
    })
  })
}

interface Run {
  contacts: number
  startMs: number
  rows: number
  pages: number
  pagingMs: number
  afterStart: Memory
  peak: Memory
  maxRssBytes: number
}

async function run(contacts: number): Promise<Run> {
  const child = fork(__filename, ['--serve', String(contacts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const ready = await nextMessage(child)
    if (ready.kind !== 'ready') throw new Error('unexpected message from the sandbox process')
    const token = await dynamicsToken(ready.info)
    let url: string | undefined = `${ready.info.dynamics.url}contacts`
    let rows = 0
    let pages = 0
    const began = performance.now()
    while (url) {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${token}`, Prefer: 'odata.maxpagesize=5000', Accept: 'application/json' }
      })
      if (!response.ok) throw new Error(`page ${pages + 1} failed: ${response.status} ${(await response.text()).slice(0, 300)}`)
      const page = (await response.json()) as { value: unknown[]; '@odata.nextLink'?: string }
      rows += page.value.length
      pages++
      url = page['@odata.nextLink']
      if (pages % 40 === 0) process.stderr.write(`  … ${rows.toLocaleString('en-US')} rows\n`)
    }
    const pagingMs = performance.now() - began
    if (rows !== contacts) throw new Error(`paged ${rows} rows, expected ${contacts}`)
    child.send('stop')
    const peaks = await nextMessage(child)
    if (peaks.kind !== 'peaks') throw new Error('unexpected message from the sandbox process')
    return {
      contacts,
      startMs: ready.startMs,
      rows,
      pages,
      pagingMs,
      afterStart: ready.afterStart,
      peak: peaks.peak,
      maxRssBytes: peaks.maxRssBytes
    }
  } finally {
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve))
  }
}

function report(r: Run): void {
  const n = r.contacts.toLocaleString('en-US')
  console.log(
    `sandbox start at ${n} contacts: ${r.startMs.toFixed(0)} ms (goal < ${startGoalMs} ms${r.startMs < startGoalMs ? ', met' : ', MISSED'})`
  )
  console.log(
    `paged ${r.rows.toLocaleString('en-US')} contacts in ${r.pages} pages: ${(r.pagingMs / 1000).toFixed(1)} s, ${Math.round((r.rows / r.pagingMs) * 1000).toLocaleString('en-US')} rows/s`
  )
  console.log(
    `sandbox memory at ${n}: after start heap ${mb(r.afterStart.heapUsed)} / RSS ${mb(r.afterStart.rss)}; peak while paging heap ${mb(r.peak.heapUsed)} / RSS ${mb(Math.max(r.peak.rss, r.maxRssBytes))}`
  )
}

async function main(): Promise<void> {
  const largest = Number(process.argv[2] ?? 1_000_000)
  const smaller = Number(process.argv[3] ?? 100_000)
  console.log(`Sandbox benchmark: Node ${process.version}, full contact rows (all columns), pages of 5000, sandbox in a child process.`)
  const big = await run(largest)
  report(big)
  const small = await run(smaller)
  report(small)
  console.log(
    `sandbox memory ratio: ${(big.peak.heapUsed / small.peak.heapUsed).toFixed(2)} (peak heap at ${largest.toLocaleString('en-US')} / peak heap at ${smaller.toLocaleString('en-US')}; ~1 = paging holds a page, not the table)`
  )
}

if (process.argv[2] === '--serve') {
  void serve(Number(process.argv[3])).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
