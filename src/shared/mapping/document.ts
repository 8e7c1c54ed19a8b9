import { z } from 'zod'
import { directionDescription } from './opt-out-modes'
import { Filter } from './filter'
import { Step } from './steps'
import type { PathSegment, Problem } from '../problems'

/**
 * The mapping document: the model every view of Sync Studio edits and reads. The canvas,
 * the inspector, the preview, the CLI and the exported file are views of it.
 *
 * Objects are strict (an unknown key is an error, usually a typo) and keys are declared
 * in the order the exported file writes them, so a change makes a small diff in git.
 * The document never holds a secret, a token or a machine path: connections are named,
 * and each machine resolves the name to its own connection profile.
 */

export const DOCUMENT_FORMAT = 'sync-studio/mapping@1'

const id = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'use letters, digits, "-" or "_", starting with a letter (64 at most)')
const name = z.string().min(1)

export const FieldMapping = z.strictObject({
  target: name.describe('The target field (Campaign field name, or Dynamics column for events and opt-outs).'),
  from: z.array(name).optional().describe('Source fields, in order; empty or absent when the first step makes the value.'),
  steps: z.array(Step).optional(),
  applyUpdates: z
    .boolean()
    .optional()
    .describe('false = write this field only when the record is created (Adobe\'s "apply updates" off). Default true.'),
  note: z.string().optional()
})
export type FieldMapping = z.infer<typeof FieldMapping>

const dynamicsTable = z.strictObject({ system: z.literal('dynamics'), table: name })
const campaignResource = z.strictObject({ system: z.literal('campaign'), resource: name })

export const Deletes = z.strictObject({
  applySourceDeletes: z.boolean().describe('Delete the target record when its source record is deleted.'),
  deleteWhenFilteredOut: z.boolean().describe('Delete the target record when its source record leaves the filter.')
})

export const SyncOptions = z.strictObject({
  mode: z.enum(['incremental', 'full']).describe('incremental: only changes since the last run; full: replay everything.'),
  picklists: z.enum(['values', 'labels']).optional().describe('Read option sets as their values (default) or labels.')
})

/** A link from a child record to its parent in the target (a custom resource to its profile). */
export const Link = z.strictObject({
  target: name.describe('The link field on the target resource (e.g. "profile").'),
  source: name.describe('The source lookup column that points to the parent (e.g. "_new_contactid_value").'),
  parentFlow: id.describe('The flow that syncs the parent records.')
})

export const RecordsFlow = z.strictObject({
  id,
  kind: z.literal('records'),
  name: z.string().optional(),
  enabled: z.boolean().optional(),
  source: dynamicsTable,
  target: campaignResource,
  match: z.strictObject({
    source: name.describe('Source column holding the record id (e.g. "contactid").'),
    target: name.describe('Target field holding that id, an identification key (e.g. "cusDynamicsContactId").'),
    identificationKey: z
      .boolean()
      .optional()
      .describe(
        "You confirm the target field is an identification key of the Campaign resource (Campaign's metadata does not say). true: records are read by the key in the URL; false or left out: through the key's filter (by<Field>), unless the connection names it as the profile's Dynamics-id key."
      )
  }),
  filter: Filter.optional(),
  fields: z.array(FieldMapping),
  links: z.array(Link).optional(),
  deletes: Deletes.optional(),
  sync: SyncOptions.optional()
})

export const campaignEventKinds = ['send', 'open', 'click', 'bounce'] as const

export const EventsFlow = z.strictObject({
  id,
  kind: z.literal('events'),
  name: z.string().optional(),
  enabled: z.boolean().optional(),
  source: z.strictObject({ system: z.literal('campaign'), event: z.enum(campaignEventKinds) }),
  target: dynamicsTable.describe('The Dynamics activity table that receives these events.'),
  contact: z.strictObject({
    profileKey: name.describe('Profile field holding the Dynamics contact id (e.g. "cusDynamicsContactId").'),
    regarding: name.describe('Activity lookup set to the contact (e.g. "regardingobjectid_contact").')
  }),
  match: z.strictObject({ target: name.describe('Activity column holding the Campaign event id, for idempotent writes.') }),
  filter: Filter.optional(),
  fields: z.array(FieldMapping),
  sync: SyncOptions.optional()
})

export const OptOutPair = z.strictObject({
  dynamics: name.describe('A boolean contact column, e.g. "donotbulkemail".'),
  campaign: name.describe('A profile opt-out field, e.g. "blackListEmail" (or "denyListEmail").')
})

export const OptOutFlow = z.strictObject({
  id,
  kind: z.literal('optOut'),
  name: z.string().optional(),
  enabled: z.boolean().optional(),
  direction: z.enum(['off', 'toCampaign', 'toDynamics', 'both']).describe(directionDescription),
  source: dynamicsTable,
  target: campaignResource,
  match: z.strictObject({ source: name, target: name }),
  pairs: z.array(OptOutPair).min(1)
})

export const Flow = z.discriminatedUnion('kind', [RecordsFlow, EventsFlow, OptOutFlow])
export type Flow = z.infer<typeof Flow>
export type RecordsFlow = z.infer<typeof RecordsFlow>
export type EventsFlow = z.infer<typeof EventsFlow>
export type OptOutFlow = z.infer<typeof OptOutFlow>

const point = z.tuple([z.number(), z.number()])
export const FlowLayout = z.strictObject({
  nodes: z.record(z.string(), point),
  viewport: z.strictObject({ x: z.number(), y: z.number(), zoom: z.number().positive() }).optional()
})

export const MappingDocumentShape = z.strictObject({
  format: z.literal(DOCUMENT_FORMAT),
  name,
  description: z.string().optional(),
  connections: z
    .strictObject({
      dynamics: name.describe('Name of a Dynamics connection profile on this machine ("Sandbox" for the built-in one).'),
      campaign: name.describe('Name of a Campaign connection profile on this machine.')
    })
    .optional(),
  flows: z.array(Flow),
  layout: z.record(z.string(), FlowLayout).optional()
})

/**
 * Rules that span several parts of the document. They read the raw input tolerantly, so
 * they are reported together with the shape problems instead of after those are fixed.
 */
export function crossCheckDocument(input: unknown): Problem[] {
  const problems: Problem[] = []
  const add = (path: PathSegment[], message: string) => problems.push({ severity: 'error', path, message })
  const doc = (input ?? {}) as { flows?: unknown; layout?: unknown }
  const flows = Array.isArray(doc.flows) ? (doc.flows as Array<Record<string, unknown> | null>) : []
  const seen = new Map<string, number>()
  flows.forEach((flow, index) => {
    if (!flow || typeof flow !== 'object') return
    if (typeof flow.id === 'string') {
      const first = seen.get(flow.id)
      if (first !== undefined)
        add(['flows', index, 'id'], `flow id "${flow.id}" is already used by flows[${first}] — give each flow its own id`)
      else seen.set(flow.id, index)
    }
    if (flow.kind === 'optOut' || !Array.isArray(flow.fields)) return
    const targets = new Map<string, number>()
    ;(flow.fields as Array<Record<string, unknown> | null>).forEach((field, fieldIndex) => {
      if (!field || typeof field !== 'object') return
      if (typeof field.target === 'string') {
        const earlier = targets.get(field.target)
        if (earlier !== undefined) {
          add(
            ['flows', index, 'fields', fieldIndex, 'target'],
            `"${field.target}" is already mapped by fields[${earlier}] — a target field takes one mapping; remove one or combine the sources with a "join" or "coalesce" step`
          )
        } else targets.set(field.target, fieldIndex)
      }
      const steps = Array.isArray(field.steps) ? (field.steps as Array<{ fn?: unknown } | null>) : []
      const makesOwnValue = steps[0]?.fn === 'constant' || steps[0]?.fn === 'expression'
      const from = field.from
      if (!makesOwnValue && (from === undefined || (Array.isArray(from) && from.length === 0))) {
        add(
          ['flows', index, 'fields', fieldIndex, 'from'],
          `"${String(field.target ?? 'this field')}" has no source field — add one to "from", or start the steps with "constant" or "expression"`
        )
      }
    })
  })
  if (doc.layout && typeof doc.layout === 'object') {
    for (const layoutKey of Object.keys(doc.layout)) {
      if (!seen.has(layoutKey)) add(['layout', layoutKey], `layout for unknown flow "${layoutKey}" — rename it to a flow id or remove it`)
    }
  }
  return problems
}

export const MappingDocument = MappingDocumentShape
export type MappingDocument = z.infer<typeof MappingDocumentShape>
