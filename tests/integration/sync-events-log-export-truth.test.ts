import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventsFlow, MappingDocument } from '../../src/shared/mapping/document'
import type { FlowResult, SyncService } from '../../src/main/sync/sync-service'
import type { RunCounts } from '../../src/main/sync/journal-format'
import { contactsDocument, profilesByKey, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * The events flows over Campaign log exports full of bad rows, and over the marketing history:
 * the dry run's counts and errors are the run's, every row read is accounted for by file and line,
 * and an activity never claims an address or a date Campaign did not give.
 */
let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const columns = [
  'id',
  'deliveryLabel',
  'deliveryCode',
  'campaignLabel',
  'eventDate',
  'address',
  'status',
  'failureType',
  'failureReason',
  'delivery-id',
  'profile-key'
]

function csv(header: string[], rows: Array<Record<string, string>>): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  return [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** Contacts synced to Campaign, then a folder of hostile log exports about one of them. */
async function hostileExports() {
  bench = await syncBench({ contacts: 20, profiles: 0 })
  const folder = await mkdtemp(join(bench.folder, 'exports-'))
  const service = bench.service({ eventsFolder: folder })
  expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
  const contact = [...(await profilesByKey(bench)).keys()][0]
  const row = (values: Record<string, string>) => ({
    deliveryLabel: 'Spring',
    deliveryCode: 'DM1',
    campaignLabel: 'Camp',
    eventDate: '2026-12-06 10:00:00.000Z',
    address: 'x@example.com',
    status: 'sent',
    'delivery-id': '900',
    'profile-key': contact,
    ...values
  })
  await writeFile(
    join(folder, 'broadLogRcp_20261206_01.csv'),
    csv(columns, [
      row({ id: 'ev-good-1' }), // line 2
      row({ id: '' }), // line 3: no id
      row({ id: 'ev-baddate', eventDate: 'not a date' }), // line 4
      row({ id: 'ev-feb30', eventDate: '2026-02-30 10:00:00.000Z' }), // line 5: not a day
      row({ id: 'ev-bounce-long', status: 'failed', failureType: 'hard', failureReason: 'R'.repeat(5000) }), // line 6
      row({ id: '   ' }) // line 7: spaces only
    ])
  )
  // An export whose id column is named otherwise: none of its rows has an event id.
  const renamed = ['eventId', ...columns.slice(1)]
  await writeFile(
    join(folder, 'broadLogRcp_20261206_02.csv'),
    csv(
      renamed,
      [0, 1, 2].map((i) => row({ eventId: `ev-hdr-${i}` }))
    )
  )
  const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))
  return { service, folder, document, contact }
}

interface Seen {
  key: string | undefined
  action: string
  reason?: string
  code?: string
}

/** The dry run (every planned entry) then the run (every outcome) of the flows, keyless records included. */
async function planThenRun(service: SyncService, document: MappingDocument, flowIds: string[]) {
  const planned: Record<string, Seen[]> = {}
  const actual: Record<string, Seen[]> = {}
  const plan = await service.run(document, {
    flowIds,
    dryRun: true,
    planLimit: 0,
    onPlan: (flowId, entry) =>
      (planned[flowId] ??= []).push({
        key: entry.key,
        action: entry.action,
        ...('reason' in entry ? { reason: entry.reason } : {}),
        ...('code' in entry ? { code: entry.code } : {})
      })
  })
  const run = await service.run(document, {
    flowIds,
    onRecord: (flowId, outcome) =>
      (actual[flowId] ??= []).push({ key: outcome.key, action: outcome.action, reason: outcome.reason, code: outcome.code })
  })
  return { plan, run, planned, actual }
}

const decided = (c: RunCounts) => c.created + c.updated + c.unchanged + c.skipped + c.failed + c.unknown + c.deleted + c.deferred
const outcomeCounts = (f: FlowResult) => {
  const { read, created, updated, unchanged, skipped, failed, unknown } = f.counts
  return { read, created, updated, unchanged, skipped, failed, unknown }
}

describe('events from log exports full of bad rows', () => {
  it('plans what the run does, counts every row read, and names each bad row by file, line and reason', async () => {
    const { service, document } = await hostileExports()
    const { plan, run, planned, actual } = await planThenRun(service, document, ['sends', 'bounces'])
    const [planSends, planBounces] = plan.flows
    const [sends, bounces] = run.flows
    expect(sends.status).toBe('completed')

    // Dry run = run, counts and errors alike.
    expect(outcomeCounts(planSends)).toEqual(outcomeCounts(sends))
    expect(outcomeCounts(planBounces)).toEqual(outcomeCounts(bounces))
    const errors = (seen: Seen[] = []) =>
      seen
        .filter((s) => s.action === 'error')
        .map((s) => `${s.key ?? '(no key)'} ${s.code} ${s.reason}`)
        .sort()
    expect(errors(planned.sends)).toEqual(errors(actual.sends))
    expect(errors(planned.bounces)).toEqual(errors(actual.bounces))

    // Every row is read and decided: 1 good send, 2 rows without id, 2 bad dates, 3 rows of the file without an id column.
    expect(sends.counts).toMatchObject({ read: 8, created: 1, failed: 7 })
    expect(decided(sends.counts)).toBe(sends.counts.read)
    expect(bounces.counts).toMatchObject({ read: 1, failed: 1 })
    expect(decided(bounces.counts)).toBe(bounces.counts.read)

    const reasons = errors(actual.sends).join('\n')
    expect(reasons).toContain('(no key) noKey broadLogRcp_20261206_01.csv line 3: the row has no id')
    expect(reasons).toContain('(no key) noKey broadLogRcp_20261206_01.csv line 7: the row has no id')
    expect(reasons).toContain('ev-baddate notADate broadLogRcp_20261206_01.csv line 4: eventDate "not a date" is not a date')
    // Feb 30 is refused, never moved to March 2.
    expect(reasons).toContain('ev-feb30 notADate broadLogRcp_20261206_01.csv line 5: eventDate "2026-02-30 10:00:00.000Z" is not a date')
    for (const line of [2, 3, 4]) expect(reasons).toContain(`broadLogRcp_20261206_02.csv line ${line}: the file has no id column`)
    expect(sends.summary?.join('\n')).toMatch(/broadLogRcp_20261206_02\.csv: the header row has no id column, so its 3 send rows failed/)
    // A mapping failure is named by the event's key in the plan, as in the run.
    expect(errors(planned.bounces)).toEqual([expect.stringMatching(/^ev-bounce-long tooLong .*\(broadLogRcp_20261206_01\.csv line 6\)$/)])

    // Only the good event landed.
    const dynamics = await bench!.connections.dynamics('Sandbox')
    const landed: string[] = []
    for await (const row of dynamics.records('new_emailsend', { select: ['new_externaleventid'] }))
      landed.push(String(row.new_externaleventid))
    expect(landed).toEqual(['ev-good-1'])
  })

  it('says when an export arrives under a name that sorts before the last file read (it is not read)', async () => {
    const { service, folder, document, contact } = await hostileExports()
    expect((await service.run(document, { flowIds: ['sends'] })).flows[0].status).toBe('completed')
    await writeFile(
      join(folder, 'broadLogRcp_20261205_01.csv'),
      csv(columns, [{ id: 'ev-late', eventDate: '2026-12-05 10:00:00.000Z', status: 'sent', 'profile-key': contact }])
    )
    const again = (await service.run(document, { flowIds: ['sends'] })).flows[0]
    expect(again.counts.read).toBe(0)
    expect(again.summary?.join('\n')).toMatch(/broadLogRcp_20261205_01\.csv .*rename it to sort after broadLogRcp_20261206_02\.csv/)
  })
})

describe('a value the Dynamics column cannot take', () => {
  it('is failed before any write, by the plan as by the run (a date and time that is not a day)', async () => {
    const { service, document } = await hostileExports()
    const sends = document.flows.find((f) => f.id === 'sends') as EventsFlow
    const doc: MappingDocument = {
      ...document,
      flows: [
        {
          ...sends,
          fields: sends.fields.map((f) =>
            f.target === 'new_senton' ? { ...f, steps: [{ fn: 'expression' as const, expr: "'2026-02-30T10:00:00Z'" }] } : f
          )
        }
      ]
    }
    const { plan, run, planned, actual } = await planThenRun(service, doc, ['sends'])
    expect(outcomeCounts(plan.flows[0])).toEqual(outcomeCounts(run.flows[0]))
    const good = (seen: Seen[] = []) => seen.find((s) => s.key === 'ev-good-1')
    expect(good(planned.sends)).toMatchObject({ action: 'error', code: 'dateRefused' })
    expect(good(actual.sends)).toMatchObject({ action: 'error', code: 'dateRefused' })
    expect(good(actual.sends)?.reason).toMatch(/"2026-02-30T10:00:00Z" is not a date and time .*new_senton/)
  })
})

describe('activities from the marketing history', () => {
  it('do not claim the profile’s current address as the one the email was sent to', async () => {
    bench = await syncBench({ contacts: 40, profiles: 0 })
    const service = bench.service()
    expect((await service.run(contactsDocument)).flows[0].status).toBe('completed')
    bench.sandbox.campaign.simulateDelivery({ seed: 7 })
    const document: MappingDocument = JSON.parse(await readFile(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8'))
    const sends = (await service.run(document, { flowIds: ['sends'] })).flows[0]
    expect(sends.counts.created).toBeGreaterThan(0)
    const dynamics = await bench.connections.dynamics('Sandbox')
    const addresses: unknown[] = []
    for await (const row of dynamics.records('new_emailsend', { select: ['new_emailaddress'] })) addresses.push(row.new_emailaddress)
    expect(addresses).toHaveLength(sends.counts.created)
    // Adobe documents no address on a history event: none is written rather than a wrong one.
    expect(addresses.every((a) => a === null || a === undefined)).toBe(true)
  })
})
