/**
 * npm run bench -- preview
 *
 * 100 records previewed end to end on the built-in Sandbox, as the app does it: fetch the
 * sample from Dataverse (filter pushed down), run the contacts flow, and diff against
 * Campaign (a dry run). Prints milliseconds per step; the goal is under 100 ms for the
 * preview, measured warm (schemas cached, tokens held), as a consultant clicks "Preview" again.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PreviewService } from '../src/main/preview/preview-service'
import { startSandbox } from '../src/main/sandbox'
import { ConnectionService } from '../src/main/connections/connection-service'
import { MemorySecretStore } from '../src/main/workspace/secrets'
import { MemoryStore } from '../src/main/workspace/store'
import { parseDocumentText } from '../src/shared/mapping/document-io'

const RECORDS = 100
const ROUNDS = 20

async function main(): Promise<void> {
  const sandbox = await startSandbox({ contacts: 10_000 })
  const connections = new ConnectionService({ store: new MemoryStore(), secrets: new MemorySecretStore(), sandbox: () => sandbox.info })
  const previews = new PreviewService(connections)
  const parsed = parseDocumentText(readFileSync(join(__dirname, '../tests/fixtures/mappings/good/contacts-to-profiles.json'), 'utf8'))
  if (!parsed.ok) throw new Error('fixture must be valid')
  const document = parsed.document

  const cold = performance.now()
  const first = await previews.preview(document, 'contacts', RECORDS)
  const coldMs = performance.now() - cold
  if (first.preview.rows.length !== RECORDS) throw new Error(`expected ${RECORDS} rows, got ${first.preview.rows.length}`)

  const time = async (run: () => Promise<unknown>) => {
    const samples: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const start = performance.now()
      await run()
      samples.push(performance.now() - start)
    }
    samples.sort((a, b) => a - b)
    return { median: samples[Math.floor(ROUNDS / 2)], p95: samples[Math.ceil(ROUNDS * 0.95) - 1] }
  }
  const preview = await time(() => previews.preview(document, 'contacts', RECORDS))
  const dryRun = await time(() => previews.dryRun(document, 'contacts', RECORDS))

  console.log(`records: ${RECORDS} contacts (filter pushed down: ${first.query.odataFilter})`)
  console.log(`first preview (cold: sign-in, metadata, schema): ${coldMs.toFixed(1)} ms`)
  console.log(
    `preview (fetch + transform), warm: median ${preview.median.toFixed(1)} ms, p95 ${preview.p95.toFixed(1)} ms over ${ROUNDS} rounds`
  )
  console.log(
    `dry run (fetch + transform + diff against Campaign), warm: median ${dryRun.median.toFixed(1)} ms, p95 ${dryRun.p95.toFixed(1)} ms`
  )
  console.log(`preview ms: ${preview.median.toFixed(1)} (goal < 100)`)
  await connections.dispose()
  await sandbox.close()
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
