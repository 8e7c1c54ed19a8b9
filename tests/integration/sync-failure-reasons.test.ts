import { afterEach, describe, expect, it } from 'vitest'
import { mixedRecordClasses, mixedRecordsMapping, seedMixedRecords } from '../../src/main/sandbox/mixed-records'
import type { RecordError } from '../../src/shared/contract'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { failureReasonText } from '../../src/shared/mapping/failure-reasons'
import { syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

/** The mixed-records mapping with steps a consultant adds, each of which some bad record fails. */
function withSteps(document: MappingDocument): MappingDocument {
  const contacts = document.flows[0] as RecordsFlow
  const fields = contacts.fields.map((field) => {
    if (field.target === 'lastName')
      return {
        ...field,
        steps: [{ fn: 'expression' as const, expr: '$contains(lastname, "Łódź") ? $error("no city in a last name") : $value' }]
      }
    // A value map without "otherwise": "rich text" has no entry.
    if (field.target === 'emailFormat') return { ...field, steps: [{ fn: 'valueMap' as const, map: { html: 'html', text: 'text' } }] }
    if (field.target === 'birthDate') return { ...field, steps: [{ fn: 'parseDate' as const, format: 'yyyy-MM-dd' }] }
    return field
  })
  return { ...document, flows: [{ ...contacts, fields }, ...document.flows.slice(1)] }
}

function byCode(errors: readonly RecordError[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const e of errors) counts[e.code] = (counts[e.code] ?? 0) + 1
  return counts
}

describe('failure reasons on a sandbox full of bad records', () => {
  it('names what failed, with the step, the same in the plan (dry run) and the run, in the errors list and the CSV', async () => {
    bench = await syncBench({ contacts: 40, profiles: 3 })
    const seeded = seedMixedRecords(bench.sandbox, { contacts: mixedRecordClasses.length * 4 })
    const document = withSteps(mixedRecordsMapping())
    const service = bench.service()

    const planned = new Map<string, string | undefined>()
    const plan = await service.plan(document, {
      full: true,
      planLimit: 0,
      onPlan: (flowId, e) => e.action === 'error' && planned.set(`${flowId}:${e.key}`, 'code' in e ? e.code : undefined)
    })
    const actual = new Map<string, string | undefined>()
    const run = await service.run(document, {
      full: true,
      onRecord: (flowId, o) => o.action === 'error' && actual.set(`${flowId}:${o.key}`, o.code)
    })
    // Record by record, the run fails what the plan said, for the same reason.
    expect(planned.size).toBeGreaterThan(10)
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(planned))

    const contact = (kind: string) => planned.get(`contacts:${seeded.byClass.get(kind)![0]}`)
    expect(contact('bad email (no domain)')).toBe('emailRefused')
    expect(contact('overlong first name')).toBe('tooLong')
    expect(contact('NUL in last name')).toBe('badCharacter')
    expect(contact('unicode names')).toBe('expressionFailed')
    expect(contact('unknown email format value')).toBe('valueNotMapped')
    expect(contact('impossible birth date')).toBe('notADate')
    const vehicleCodes = new Set([...planned].filter(([k]) => k.startsWith('vehicles:')).map(([, code]) => code))
    expect([...vehicleCodes].sort()).toEqual(['linkMissing', 'parentMissing'])

    for (const [index, planFlow] of plan.flows.entries()) {
      const runFlow = run.flows[index]
      const dryErrors = await service.errors(planFlow.runId!, { limit: 10_000 })
      const runErrors = await service.errors(runFlow.runId!, { limit: 10_000 })
      // The errors lists hold every failed record (the dry run's target refusals too), by the same reasons.
      expect(dryErrors).toHaveLength(planFlow.counts.failed)
      expect(runErrors).toHaveLength(runFlow.counts.failed)
      expect(byCode(dryErrors)).toEqual(byCode(runErrors))
      expect(planFlow.counts.failed).toBe(runFlow.counts.failed)
      expect(runErrors.some((e) => e.code === 'transform' || e.code === 'stepFailed')).toBe(false)
    }

    // The step is named: a value map's miss at step 1 of emailFormat; the email refused by the target's rules.
    const errors = await service.errors(run.flows[0].runId!, { limit: 10_000 })
    const errorOf = (kind: string) => errors.find((e) => e.key === seeded.byClass.get(kind)![0])!
    expect(errorOf('unknown email format value')).toMatchObject({ field: 'emailFormat', step: 0, stepName: 'valueMap', input: 'rich text' })
    expect(errorOf('unicode names')).toMatchObject({ field: 'lastName', step: 0, stepName: 'expression' })
    expect(errorOf('bad email (no domain)')).toMatchObject({ field: 'email', stepName: 'targetRules' })
    expect(errorOf('bad email (no domain)').step).toBeUndefined()

    // The CSV carries the code and its words.
    const csv = await service.errorsCsv(run.flows[0].runId!)
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('\uFEFFrun,key,stage,operation,code,reason,field,step,stepName,message,value,retryable')
    const rich = lines.find((l) => l.includes(seeded.byClass.get('unknown email format value')![0]))!
    expect(rich).toContain(`,valueNotMapped,${failureReasonText('valueNotMapped')},emailFormat,0,valueMap,`)
  })
})
