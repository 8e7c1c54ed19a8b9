import type { Field, Table } from '../schema/model'
import type { RecordResult } from './compile'
import type { SourceRecord } from './transforms'
import type { Flow, MappingDocument, RecordsFlow } from './document'

/**
 * Links from a child record to its parent (a vehicle to its owner's profile): which flows can
 * be the parent, which link fields a resource requires, and the record-level rule that a
 * link's lookup must hold a value. Validation, the canvas, the preview, the dry run and the
 * runner all use these, so what the plan says is what the run does.
 */

export function isLinkField(field: Field | undefined): boolean {
  return field?.type === 'link'
}

/** Link fields a record of `target` cannot be created without (a 1-cardinality link, e.g. "Vehicle owner"). */
export function requiredLinks(target: Table): Field[] {
  return target.fields.filter((f) => f.type === 'link' && f.required === 'required')
}

/**
 * The flows that can be the parent of a link to `field`: the other records flows whose target
 * is the resource the link points to (the profile when the schema does not say).
 */
export function parentFlowsFor(document: MappingDocument, childFlowId: string, field: Field | undefined): RecordsFlow[] {
  const resource = field?.targets?.[0] ?? 'profile'
  return document.flows.filter((f): f is RecordsFlow => f.kind === 'records' && f.id !== childFlowId && f.target.resource === resource)
}

export function flowTitle(flow: Flow): string {
  return flow.name ?? flow.id
}

function empty(value: unknown): boolean {
  return value === undefined || value === null || value === ''
}

type Link = NonNullable<RecordsFlow['links']>[number]

/** Why a record whose link lookup is empty fails: the preview's cell and the plan's and run's error say it alike. */
export function linkMissingReason(link: Link): string {
  return `"${link.target}" links each record to its parent in flow "${link.parentFlow}", and this record has no "${link.source}" — set it in Dynamics, or filter such records out`
}

/**
 * A record whose link lookup is empty has no parent: it fails before any write, with the
 * link field named, in the preview, the dry run and the run alike.
 */
export function checkLinks(flow: RecordsFlow, record: SourceRecord, result: RecordResult): RecordResult {
  if (result.kind !== 'ok' || !flow.links?.length) return result
  for (const link of flow.links) {
    const value = record[link.source]
    if (empty(value)) {
      return {
        kind: 'error',
        key: result.key,
        field: link.target,
        step: undefined,
        code: 'linkMissing',
        reason: linkMissingReason(link),
        input: value ?? null
      }
    }
    result.target[link.target] = value
  }
  return result
}
