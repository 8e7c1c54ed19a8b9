/**
 * Peak memory of the contacts flow (bench/sync.ts) at two sizes, each in a fresh process
 * (its own sandbox child): 100,000 and 1,000,000 contacts by default, no injected latency.
 *
 *   sync-memory ratio = peak live heap at the larger size / at the smaller (goal ≤ 1.2)
 *
 * "Live heap" is sampled right after a forced full GC every 2 s: what the run retains. The
 * raw peak heap and RSS are printed too; they also depend on when V8 decides to collect,
 * which a longer run at a higher allocation rate pushes later.
 *
 * It stays near 1 when a run holds a page (plus one read ahead), the bounded caches and the
 * deferred records — never the table.
 *
 *   npm run bench -- sync-memory [--large N] [--small N]
 *
 * A 1,000,000-record run takes a long while on a small machine (the client and the
 * sandbox share the cores); pass smaller sizes to measure the same ratio sooner.
 */
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { large: { type: 'string' }, small: { type: 'string' }, latency: { type: 'string' } } })
const large = Number(values.large ?? 1_000_000)
const small = Number(values.small ?? 100_000)
const root = resolve(__dirname, '..')
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`

function measure(records: number): {
  peakLiveHeapBytes: number
  peakHeapBytes: number
  peakRssBytes: number
  seconds: number
  recordsPerSecond: number
  status: string
} {
  const result = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      join(root, 'node_modules/tsx/dist/cli.mjs'),
      join(root, 'bench/sync.ts'),
      '--records',
      String(records),
      '--latency',
      values.latency ?? '0',
      '--json'
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const line = result.stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{'))
  if (!line) throw new Error(`bench/sync.ts --records ${records} printed no figures (exit ${result.status})`)
  return JSON.parse(line)
}

const a = measure(small)
console.log(
  `${small.toLocaleString('en-US')} contacts: ${a.status} in ${a.seconds.toFixed(0)} s (${a.recordsPerSecond.toFixed(0)}/s), peak live heap ${mb(a.peakLiveHeapBytes)}, peak heap ${mb(a.peakHeapBytes)}, peak RSS ${mb(a.peakRssBytes)}`
)
const b = measure(large)
console.log(
  `${large.toLocaleString('en-US')} contacts: ${b.status} in ${b.seconds.toFixed(0)} s (${b.recordsPerSecond.toFixed(0)}/s), peak live heap ${mb(b.peakLiveHeapBytes)}, peak heap ${mb(b.peakHeapBytes)}, peak RSS ${mb(b.peakRssBytes)}`
)
console.log(
  `peak heap ratio (GC timing included): ${(b.peakHeapBytes / a.peakHeapBytes).toFixed(3)}; peak RSS ratio: ${(b.peakRssBytes / a.peakRssBytes).toFixed(3)}`
)
console.log(`sync-memory ratio: ${(b.peakLiveHeapBytes / a.peakLiveHeapBytes).toFixed(3)}`)
