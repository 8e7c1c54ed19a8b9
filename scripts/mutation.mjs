#!/usr/bin/env node
// npm run mutation [-- --unit] [-- --incremental] [-- --mutate <glob>]: StrykerJS over the pure core
// (stryker.config.mjs), then one line `mutation score: X` from its JSON report — the share of
// mutants that some test noticed (killed or timed out) among all that were tried.
// npm run mutation -- --score a.json b.json …: no run; the score of saved reports together (runs
// of different files, e.g. the scope split over several machines). For a file in more than one
// report, the last report named wins.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const report = join(root, 'reports/mutation/mutation.json')
const stryker = join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js')
// `--unit` is ours, not Stryker's: run the unit tests only (vitest.mutation-unit.config.mts).
const args = process.argv.slice(2)
const scoreOnly = args[0] === '--score'
if (!scoreOnly) {
  const unit = args.includes('--unit')
  const env = unit ? { ...process.env, MUTATION_TESTS: 'unit' } : process.env
  const result = spawnSync(process.execPath, [stryker, 'run', ...args.filter((a) => a !== '--unit')], { cwd: root, stdio: 'inherit', env })
  if (result.status !== 0 || !existsSync(report)) {
    console.error('Stryker did not finish: no mutation score.')
    process.exit(result.status || 1)
  }
}
const reports = scoreOnly ? args.slice(1) : [report]
if (reports.length === 0) {
  console.error('Name the saved reports to score: npm run mutation -- --score reports/a.json reports/b.json')
  process.exit(2)
}
const files = {}
for (const path of reports) {
  if (!existsSync(path)) {
    console.error(`No report at ${path}: name copies of reports/mutation/mutation.json saved after a run.`)
    process.exit(2)
  }
  Object.assign(files, JSON.parse(readFileSync(path, 'utf8')).files)
}

const detected = new Set(['Killed', 'Timeout'])
const counted = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage'])
const rows = []
let caught = 0
let total = 0
let equivalent = 0
let statics = 0
for (const [file, { mutants }] of Object.entries(files)) {
  // Ignored: marked equivalent with a `Stryker disable` comment (its reason is in the code), or a
  // static mutant (module-level constants, left out by `ignoreStatic`).
  equivalent += mutants.filter((m) => m.status === 'Ignored' && !m.statusReason?.startsWith('Static')).length
  statics += mutants.filter((m) => m.status === 'Ignored' && m.statusReason?.startsWith('Static')).length
  const tried = mutants.filter((m) => counted.has(m.status))
  const hit = tried.filter((m) => detected.has(m.status)).length
  caught += hit
  total += tried.length
  if (tried.length) rows.push([file, hit, tried.length])
}
for (const [file, hit, all] of rows.sort((a, b) => a[1] / a[2] - b[1] / b[2]))
  console.log(`${((100 * hit) / all).toFixed(1).padStart(6)}%  ${String(all).padStart(5)}  ${file}`)
if (equivalent) console.log(`${equivalent} mutants marked equivalent, not counted`)
if (statics) console.log(`${statics} static mutants (module-level constants) not run (ignoreStatic)`)
console.log(`mutation score: ${total ? ((100 * caught) / total).toFixed(2) : 'n/a'} (${caught} of ${total} mutants detected)`)
