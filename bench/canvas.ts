/**
 * The mapping canvas against React Flow's floor, in one run: the Sandbox's full Dynamics
 * `contact` table (160 fields) and the Campaign `profile` resource with 60 mappings, drawn
 * by our canvas (bench/canvas/main.tsx renders the app's MappingCanvas) and by a bare React
 * Flow canvas with the same nodes, a handle on every field row and the same 60 edges.
 *
 * For each: time from navigation to the first frame with every edge drawn (a path without NaN) in the view the canvas keeps, and the frame
 * intervals while the pane is dragged for 2 s (mouse moves sent every 8 ms through CDP
 * without waiting for each ack, as a real mouse does). A fresh browser per run, variants
 * interleaved. Ends with
 *
 *   first render ratio: <ours / bare>                    (goal ≤ 1.0)
 *   first render CPU ratio: <ours / bare>                (the same, in main-thread CPU time: steadier on a loaded machine)
 *   canvas ratio: <p95 frame ours / p95 frame bare>      (goal ≤ 1.5)
 *
 *   npm run bench -- canvas [rounds=3]
 */
import type { Table } from '../src/shared/schema/model'
import { compare } from './canvas/measure'
import { sandboxTables } from './canvas/sandbox-tables'

const rounds = Number(process.argv[2] ?? 3)

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

async function main() {
  const { source, target } = await sandboxTables()
  const mappings = sixtyMappings(source, target)
  console.log(
    `contact ${source.fields.length} fields → profile ${target.fields.length} fields, ${mappings.length} mapping edges; ${rounds} round(s), a fresh Chromium per run`
  )
  const ratios = await compare({ source, target, mappings, match: { source: 'contactid', target: 'cusDynamicsContactId' } }, rounds)
  console.log(`first render ratio: ${ratios.firstRender.toFixed(2)}`)
  console.log(`first render CPU ratio: ${ratios.firstRenderCpu.toFixed(2)}`)
  console.log(
    `first render ratio, median of the rounds: ${ratios.firstRenderByRound.toFixed(2)} (CPU ${ratios.firstRenderCpuByRound.toFixed(2)})`
  )
  console.log(`canvas ratio: ${ratios.pan.toFixed(2)}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
