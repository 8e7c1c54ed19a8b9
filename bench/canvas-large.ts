/**
 * The mapping canvas at a real tenant's schema size, against React Flow's floor, in one run.
 * Real contact and account tables carry 300–1,000 attributes once a tenant has lived a few
 * years (every solution adds its own); here the Sandbox's `contact` and `profile` are padded
 * with custom attributes of every kind to 1,000 fields each, and 300 fields are mapped.
 *
 * Ours (the app's MappingCanvas, whose field lists render only the rows in view) and a bare
 * React Flow canvas (every field a row with a handle) are measured as in the `canvas` bench:
 * time until every edge is drawn in the view the canvas keeps, and frame intervals while the pane is dragged for 2 s, a
 * fresh Chromium per run, variants interleaved. Ends with
 *
 *   first render ratio: <ours / bare>              (goal ≤ 1.0)
 *   first render CPU ratio: <ours / bare>          (the same, in main-thread CPU time: steadier on a loaded machine)
 *   canvas-large ratio: <p95 frame ours / bare>    (goal ≤ 0.5)
 *
 *   npm run bench -- canvas-large [rounds=3] [fields=1000] [edges=300]
 *
 * Other sizes show where the windowed rows start to pay: e.g. `canvas-large 9 300 100`, a
 * tenant's contact table of 300 attributes with 100 of them mapped.
 */
import type { Field, FieldType, Table } from '../src/shared/schema/model'
import { compare } from './canvas/measure'
import { sandboxTables } from './canvas/sandbox-tables'

const rounds = Number(process.argv[2] ?? 3)
const FIELDS = Number(process.argv[3] ?? 1000)
const EDGES = Number(process.argv[4] ?? 300)

const kinds: FieldType[] = ['string', 'memo', 'integer', 'double', 'money', 'boolean', 'datetime', 'dateonly', 'picklist', 'email', 'phone']

/** The table with custom attributes appended (`prefix_attribute0161`, "Custom attribute 161") until it has `FIELDS` fields. */
function padded(table: Table, prefix: string): Table {
  const fields: Field[] = [...table.fields]
  for (let i = fields.length + 1; fields.length < FIELDS; i++) {
    const type = kinds[i % kinds.length]
    fields.push({
      name: `${prefix}attribute${String(i).padStart(4, '0')}`,
      displayName: `Custom attribute ${i}`,
      type,
      maxLength: type === 'string' || type === 'email' || type === 'phone' ? 100 : undefined,
      required: 'none',
      readOnly: false,
      validForCreate: true,
      validForUpdate: true,
      options: type === 'picklist' ? [1, 2, 3].map((value) => ({ value, label: `Option ${value}` })) : undefined
    })
  }
  return { ...table, fields }
}

/** `EDGES` mappings onto distinct writable target fields, each from a source field spread over the whole list. */
function mappings(source: Table, target: Table): Array<{ from: string; target: string }> {
  const targets = target.fields.filter(
    (f) => !f.readOnly && f.type !== 'collection' && f.type !== 'link' && f.name !== 'cusDynamicsContactId'
  )
  const sources = source.fields.filter((f) => f.type !== 'collection')
  if (targets.length < EDGES) throw new Error(`only ${targets.length} writable target fields`)
  return Array.from({ length: EDGES }, (_, i) => ({
    target: targets[Math.floor((i * targets.length) / EDGES)].name,
    from: sources[(i * 7) % sources.length].name
  }))
}

async function main() {
  const sandbox = await sandboxTables()
  const source = padded(sandbox.source, 'new_')
  const target = padded(sandbox.target, 'cus')
  const edges = mappings(source, target)
  console.log(
    `contact ${source.fields.length} fields → profile ${target.fields.length} fields, ${edges.length} mapping edges; ${rounds} round(s), a fresh Chromium per run`
  )
  const ratios = await compare({ source, target, mappings: edges, match: { source: 'contactid', target: 'cusDynamicsContactId' } }, rounds)
  console.log(`first render ratio: ${ratios.firstRender.toFixed(2)}`)
  console.log(`first render CPU ratio: ${ratios.firstRenderCpu.toFixed(2)}`)
  console.log(
    `first render ratio, median of the rounds: ${ratios.firstRenderByRound.toFixed(2)} (CPU ${ratios.firstRenderCpuByRound.toFixed(2)})`
  )
  console.log(`canvas-large ratio: ${ratios.pan.toFixed(2)}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
