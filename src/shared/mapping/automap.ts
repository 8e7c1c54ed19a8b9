import { findField, textTypes, type Field, type Table } from '../schema/model'
import type { FieldMapping, RecordsFlow } from './document'
import { producedBySource } from './infer'
import type { Step } from './steps'
import { fold } from './transforms/runtime'
import { checkFit, valueMapBetween } from './validate-flow'

/**
 * Auto-map: proposals, never edits. Each proposal says how sure it is and why; the canvas
 * shows them and `applyProposals` adds the accepted ones. Fields already mapped are never
 * proposed again, so an existing mapping is never overwritten.
 */

export interface MappingProposal {
  target: string
  from: string[]
  steps?: Step[]
  /** 0..1. Known Dynamics ↔ Campaign pairs ≈ 0.95, same name 0.9, same display name 0.8, similar names lower. */
  confidence: number
  reason: string
}

/** The pairs Adobe's integration and consultants use for contact → profile. */
export const knownPairs: ReadonlyArray<{ source: string; target: string; steps?: Step[]; note?: string }> = [
  { source: 'emailaddress1', target: 'email', steps: [{ fn: 'email' }] },
  { source: 'firstname', target: 'firstName' },
  { source: 'lastname', target: 'lastName' },
  { source: 'middlename', target: 'middleName' },
  { source: 'salutation', target: 'salutation' },
  { source: 'gendercode', target: 'gender' },
  { source: 'birthdate', target: 'birthDate' },
  { source: 'donotbulkemail', target: 'blackListEmail' },
  { source: 'donotphone', target: 'blackListPhone' },
  { source: 'donotfax', target: 'blackListFax' },
  { source: 'donotpostalmail', target: 'blackListPostalMail' },
  { source: 'mobilephone', target: 'mobilePhone' },
  { source: 'telephone1', target: 'phone' },
  { source: 'fax', target: 'fax' },
  { source: 'address1_line1', target: 'location.address1' },
  { source: 'address1_line2', target: 'location.address2' },
  { source: 'address1_line3', target: 'location.address3' },
  { source: 'address1_city', target: 'location.city' },
  { source: 'address1_postalcode', target: 'location.zipCode' },
  { source: 'address1_stateorprovince', target: 'location.stateCode', note: 'Campaign holds a state code; Dynamics often holds the name' },
  {
    source: 'address1_country',
    target: 'location.countryCode',
    note: 'Campaign holds a two-letter code; Dynamics often holds the country name — add a valueMap if so'
  },
  { source: 'jobtitle', target: 'cusJobTitle' },
  { source: 'contactid', target: 'cusDynamicsContactId' }
]

/** Lower-case letters and digits only, without system prefixes: `address1_city` → `address1city`, `cusJobTitle` → `jobtitle`. */
export function normaliseName(name: string): string {
  return fold(name.replace(/^(cus|new_|msdyn_|[a-z]{2,8}_)(?=[A-Za-z])/, '')).replace(/[^a-z0-9]/g, '')
}

function similarity(a: string, b: string): number {
  if (a === b) return 1
  if (!a || !b) return 0
  // Dice coefficient over character pairs: robust to word order and small edits.
  const pairs = (s: string) => {
    const out = new Map<string, number>()
    for (let i = 0; i < s.length - 1; i++) out.set(s.slice(i, i + 2), (out.get(s.slice(i, i + 2)) ?? 0) + 1)
    return out
  }
  const pa = pairs(a)
  const pb = pairs(b)
  let common = 0
  for (const [pair, count] of pa) common += Math.min(count, pb.get(pair) ?? 0)
  const total = Math.max(1, a.length - 1 + (b.length - 1))
  return (2 * common) / total
}

function writable(field: Field): boolean {
  return !field.readOnly && (field.validForCreate || field.validForUpdate) && field.type !== 'collection' && field.type !== 'link'
}

/** Steps that make a source field fit a target field: a value map, a date format, a cut. */
export function stepsFor(source: Field, target: Field, targetSystem: 'dynamics' | 'campaign', given: Step[] = []): Step[] {
  const steps = [...given]
  let produced = producedBySource(source, targetSystem === 'campaign' ? 'dynamics' : 'campaign')
  if (given.length === 0) {
    if ((target.type === 'enumeration' || target.type === 'picklist') && source.options?.length) {
      const map = valueMapBetween(source, target)
      if (map) steps.push(map)
    } else {
      const fit = checkFit(produced, target, targetSystem, source)
      if (fit?.steps && fit.steps.every((s) => s.fn !== 'valueMap' || Object.keys(s.map).length > 0)) steps.push(...fit.steps)
    }
  }
  if (steps.some((s) => s.fn === 'formatDate' || s.fn === 'valueMap' || s.fn === 'booleanToText'))
    produced = { type: 'string', maxLength: undefined }
  if (
    target.maxLength !== undefined &&
    textTypes.has(target.type) &&
    produced.maxLength !== undefined &&
    produced.maxLength > target.maxLength
  ) {
    steps.push({ fn: 'truncate' })
  }
  return steps
}

export interface SuggestOptions {
  /** Proposals below this confidence are left out. Default 0.6. */
  minConfidence?: number
}

export function suggestMappings(flow: RecordsFlow, source: Table, target: Table, options: SuggestOptions = {}): MappingProposal[] {
  const minConfidence = options.minConfidence ?? 0.6
  const mappedTargets = new Set([...flow.fields.map((f) => f.target), flow.match.target])
  const usedSources = new Set(flow.fields.flatMap((f) => f.from ?? []))
  const candidates: MappingProposal[] = []
  const sources = source.fields.filter((f) => !usedSources.has(f.name) && f.type !== 'collection')
  for (const targetField of target.fields) {
    if (mappedTargets.has(targetField.name) || !writable(targetField)) continue
    const known = knownPairs.find((p) => p.target === targetField.name && findField(source, p.source) && !usedSources.has(p.source))
    if (known) {
      const sourceField = findField(source, known.source)!
      candidates.push({
        target: targetField.name,
        from: [known.source],
        steps: stepsFor(sourceField, targetField, target.system, known.steps),
        confidence: 0.95,
        reason: `known Dynamics ↔ Campaign pair ${known.source} → ${targetField.name}${known.note ? ` (${known.note})` : ''}`
      })
      continue
    }
    const targetName = normaliseName(targetField.name)
    const targetLabel = fold(targetField.displayName)
    let best: MappingProposal | undefined
    for (const sourceField of sources) {
      let confidence = 0
      let reason = ''
      const sourceName = normaliseName(sourceField.name)
      if (sourceName === targetName) {
        confidence = 0.9
        reason = `same name (${sourceField.name} ≈ ${targetField.name})`
      } else if (targetLabel && fold(sourceField.displayName) === targetLabel) {
        confidence = 0.8
        reason = `same display name "${targetField.displayName}"`
      } else {
        const score = Math.max(similarity(sourceName, targetName), similarity(fold(sourceField.displayName), targetLabel) * 0.95)
        if (score >= 0.75) {
          confidence = Math.round(score * 0.75 * 100) / 100
          reason = `similar names (${sourceField.name} ~ ${targetField.name}, ${Math.round(score * 100)}%)`
        }
      }
      if (confidence === 0) continue
      // A type that cannot fit without a conversion we cannot guess lowers the confidence.
      const fit = checkFit(producedBySource(sourceField, source.system), targetField, target.system, sourceField)
      if (fit?.severity === 'error' && !fit.steps?.length) continue
      if (fit?.severity === 'error') confidence -= 0.1
      if (!best || confidence > best.confidence) {
        best = {
          target: targetField.name,
          from: [sourceField.name],
          steps: stepsFor(sourceField, targetField, target.system),
          confidence,
          reason
        }
      }
    }
    if (best) candidates.push(best)
  }
  // One proposal per source field: the most confident wins.
  candidates.sort((a, b) => b.confidence - a.confidence)
  const taken = new Set<string>()
  const proposals: MappingProposal[] = []
  for (const proposal of candidates) {
    if (proposal.confidence < minConfidence || taken.has(proposal.from[0])) continue
    taken.add(proposal.from[0])
    proposals.push(proposal.steps?.length ? proposal : { ...proposal, steps: undefined })
  }
  return proposals
}

/** A new flow with the accepted proposals appended; a target mapped in the meantime is left alone. */
export function applyProposals(flow: RecordsFlow, proposals: readonly MappingProposal[]): RecordsFlow {
  const mapped = new Set(flow.fields.map((f) => f.target))
  const added: FieldMapping[] = []
  for (const proposal of proposals) {
    if (mapped.has(proposal.target) || proposal.target === flow.match.target) continue
    mapped.add(proposal.target)
    added.push(
      proposal.steps?.length
        ? { target: proposal.target, from: [...proposal.from], steps: proposal.steps }
        : { target: proposal.target, from: [...proposal.from] }
    )
  }
  return { ...flow, fields: [...flow.fields, ...added] }
}
