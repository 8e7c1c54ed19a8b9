import { describe, expect, it } from 'vitest'
import { applyProposals, suggestMappings } from '../../src/shared/mapping/automap'
import type { RecordsFlow } from '../../src/shared/mapping/document'
import { DOCUMENT_FORMAT } from '../../src/shared/mapping/document'
import { validateFlow } from '../../src/shared/mapping/validate-flow'
import { catalogOf } from '../../src/shared/schema/model'
import { campaignProfile, dynamicsContact, exampleTables } from '../support/schema-examples'

const empty: RecordsFlow = {
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'cusDynamicsContactId' },
  fields: []
}

describe('auto-map', () => {
  const proposals = suggestMappings(empty, dynamicsContact, campaignProfile)
  const byTarget = Object.fromEntries(proposals.map((p) => [p.target, p]))
  it('proposes the known Dynamics ↔ Campaign pairs with their steps', () => {
    expect(byTarget.email).toMatchObject({ from: ['emailaddress1'], confidence: 0.95, steps: [{ fn: 'email' }] })
    expect(byTarget.firstName).toMatchObject({ from: ['firstname'], steps: [{ fn: 'truncate' }] })
    expect(byTarget.gender).toMatchObject({
      from: ['gendercode'],
      steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }]
    })
    expect(byTarget.birthDate).toMatchObject({ from: ['birthdate'] })
    expect(byTarget.birthDate.steps).toBeUndefined()
    expect(byTarget.blackListEmail).toMatchObject({ from: ['donotbulkemail'] })
    expect(byTarget.mobilePhone).toMatchObject({ from: ['mobilephone'] })
    expect(byTarget['location.city']).toMatchObject({ from: ['address1_city'], steps: [{ fn: 'truncate' }] })
    expect(byTarget.email.reason).toMatch(/known/)
  })
  it('never proposes the match key, read-only fields, or a source twice', () => {
    expect(byTarget.cusDynamicsContactId).toBeUndefined()
    expect(byTarget.age).toBeUndefined()
    const sources = proposals.map((p) => p.from[0])
    expect(new Set(sources).size).toBe(sources.length)
    expect(proposals.every((p) => p.confidence >= 0.6 && p.confidence <= 1 && p.reason.length > 0)).toBe(true)
  })
  it('matches by name when no pair is known', () => {
    expect(byTarget.fax).toMatchObject({ from: ['fax'] })
  })
  it('never overwrites an existing mapping, and applies only on request', () => {
    const flow: RecordsFlow = { ...empty, fields: [{ target: 'email', from: ['emailaddress2'] }] }
    const again = suggestMappings(flow, dynamicsContact, campaignProfile)
    expect(again.find((p) => p.target === 'email')).toBeUndefined()
    expect(flow.fields).toHaveLength(1)
    const applied = applyProposals(flow, [...again, { target: 'email', from: ['emailaddress1'], confidence: 1, reason: 'x' }])
    expect(applied.fields[0]).toEqual({ target: 'email', from: ['emailaddress2'] })
    expect(applied.fields.filter((f) => f.target === 'email')).toHaveLength(1)
    expect(applied.fields.length).toBe(1 + again.length)
  })
  it('the applied proposals validate without errors', () => {
    const flow = applyProposals(empty, proposals)
    const problems = validateFlow({ format: DOCUMENT_FORMAT, name: 't', flows: [flow] }, 0, catalogOf(exampleTables))
    expect(problems.filter((p) => p.severity === 'error')).toEqual([])
  })
})
