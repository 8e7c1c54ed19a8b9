/**
 * Dry run = run, measured: a sandbox holding a mixed dataset of N records (default 10,000
 * contacts, every class of bad record of src/main/sandbox/mixed-records.ts, plus one vehicle
 * per three contacts whose owner may be missing, failing or filtered out) is planned with a
 * dry run, then run for real, and each record's planned outcome is compared with the run's.
 *
 *   npm run bench -- agreement [--contacts N] [--json]
 *
 * Prints `agreement: X` — the share of records whose dry-run outcome (create, update,
 * unchanged, skip, delete, fail) equals the run's; the goal is 1.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startSandbox } from '../src/main/sandbox'
import { mixedRecordsMapping, seedMixedRecords } from '../src/main/sandbox/mixed-records'
import { measureAgreement } from '../src/main/sync/agreement'
import { SyncService } from '../src/main/sync/sync-service'
import { ConnectionService } from '../src/main/connections/connection-service'
import { MemorySecretStore } from '../src/main/workspace/secrets'
import { MemoryStore } from '../src/main/workspace/store'

const { values } = parseArgs({ options: { contacts: { type: 'string' }, json: { type: 'boolean' } } })
const contacts = Number(values.contacts ?? 10_000)

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-agreement-'))
  // No generated contacts and profiles: the dataset is the mixed records alone.
  const sandbox = await startSandbox({ port: 0, contacts: 0, profiles: 0 })
  const connections = new ConnectionService({
    store: new MemoryStore(),
    secrets: new MemorySecretStore(),
    env: {},
    sandbox: () => sandbox.info
  })
  try {
    const seeded = seedMixedRecords(sandbox, { contacts })
    const service = new SyncService({ connections, journalFolder: join(folder, 'journal'), retryDelayMs: 100 })
    const started = Date.now()
    const report = await measureAgreement(service, mixedRecordsMapping())
    const seconds = (Date.now() - started) / 1000
    const figures = {
      records: report.records,
      agreeing: report.agreeing,
      agreement: report.agreement,
      planned: report.planned,
      actual: report.actual,
      seconds
    }
    if (values.json) console.log(JSON.stringify(figures))
    else {
      console.log(
        `dataset: ${seeded.contacts} contacts + ${seeded.vehicles} vehicles (every class of bad record), planned then run in ${seconds.toFixed(1)} s`
      )
      console.log(`planned: ${JSON.stringify(report.planned)}`)
      console.log(`run:     ${JSON.stringify(report.actual)}`)
      for (const d of report.disagreements.slice(0, 10))
        console.log(
          `  differs: ${d.flowId} ${d.key}: planned ${d.planned} (${d.plannedReason ?? ''}), run ${d.actual} (${d.actualReason ?? ''})`
        )
      console.log(`agreement: ${report.agreement.toFixed(4)} (${report.agreeing} of ${report.records} records)`)
    }
  } finally {
    await connections.dispose()
    await sandbox.close()
    await rm(folder, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
