import { compileFlow, type RecordResult } from '../../src/shared/mapping/compile'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import type { Step } from '../../src/shared/mapping/steps'
import type { Table } from '../../src/shared/schema/model'

// Runs a field's steps the way a sync does: one records flow (Dynamics contact → Campaign
// profile) compiled by the engine, one record through it.

export const CONTACT_ID = '6f1b2a3c-0000-4000-8000-000000000001'

export function flowWith(target: string, from: string[] | undefined, steps: Step[]): RecordsFlow {
  return {
    id: 'f',
    kind: 'records',
    source: { system: 'dynamics', table: 'contact' },
    target: { system: 'campaign', resource: 'profile' },
    match: { source: 'contactid', target: 'cusDynamicsContactId' },
    fields: [{ target, from, steps }]
  }
}

export interface StepRunOptions {
  from?: string
  target?: string
  source?: Table
  targetTable?: Table
  record?: Record<string, unknown>
}

/** Runs steps on one value; returns the value and warnings, or the record's error result. */
export async function applySteps(steps: Step[], value: unknown, opts: StepRunOptions = {}) {
  const from = opts.from ?? 'x'
  const target = opts.target ?? 'out'
  const compiled = compileFlow(flowWith(target, [from], steps), { source: opts.source, target: opts.targetTable })
  const result: RecordResult = await compiled.run({ contactid: CONTACT_ID, [from]: value, ...opts.record })
  if (result.kind === 'ok') {
    let node: unknown = result.target
    for (const p of target.split('.')) node = (node as Record<string, unknown>)[p]
    return { value: node, warnings: result.warnings }
  }
  return result
}

/** The value the steps give; throws when the record fails instead. */
export async function stepValue(steps: Step[], input: unknown, opts: StepRunOptions = {}) {
  const r = await applySteps(steps, input, opts)
  if (!('value' in r)) throw new Error(`expected a value, got ${JSON.stringify(r)}`)
  return r.value
}

/** The record's error; throws when the steps give a value instead. */
export async function stepError(steps: Step[], input: unknown, opts: StepRunOptions = {}) {
  const r = await applySteps(steps, input, opts)
  if (!('kind' in r) || r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`)
  return r
}
