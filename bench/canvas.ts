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
import { compare } from './canvas/measure'
import { sandboxCanvasData } from './canvas/sandbox-tables'

const rounds = Number(process.argv[2] ?? 3)

async function main() {
  const data = await sandboxCanvasData()
  const { source, target, mappings } = data
  console.log(
    `contact ${source.fields.length} fields → profile ${target.fields.length} fields, ${mappings.length} mapping edges; ${rounds} round(s), a fresh Chromium per run`
  )
  const ratios = await compare(data, rounds)
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
