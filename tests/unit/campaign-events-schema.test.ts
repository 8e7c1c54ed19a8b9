// The events flow's source (Campaign marketing events) has one published shape
// (src/shared/schema/campaign-events.ts): the canvas lists it and validation checks against it,
// so a misspelled event field is an error before a run rather than an empty column after it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { MappingDocument } from '../../src/shared/mapping/document'
import { validateDocument } from '../../src/shared/mapping/document-io'
import { validateMapping } from '../../src/shared/mapping/validate-flow'
import { campaignEventTable } from '../../src/shared/schema/campaign-events'
import { catalogOf, type Table } from '../../src/shared/schema/model'
import { plainField as column } from '../support/schema-examples'

const example = (): MappingDocument => {
  const parsed = validateDocument(JSON.parse(readFileSync(join(__dirname, '../../examples/email-events.mapping.json'), 'utf8')))
  if (!parsed.ok) throw new Error('the example does not parse')
  return parsed.document
}
const sourceProblems = (document: MappingDocument) =>
  validateMapping(document, catalogOf([])).filter((p) => p.path[2] === 'fields' && p.path[4] === 'from')

describe('Campaign event fields', () => {
  it('every event field the example maps is known, for sends, opens, clicks and bounces', () => {
    const document = example()
    expect(document.flows.map((f) => ('event' in f.source ? f.source.event : ''))).toEqual(['send', 'open', 'click', 'bounce'])
    expect(sourceProblems(document)).toEqual([])
  })

  it('a misspelled event field is an error at that field, with the field it probably means', () => {
    const document = example()
    const bounces = document.flows[3]
    if (bounces.kind !== 'events') throw new Error('expected the bounces flow')
    const index = bounces.fields.findIndex((f) => f.from?.[0] === 'failureReason')
    bounces.fields[index] = { ...bounces.fields[index], from: ['failureReson'] }
    const problems = sourceProblems(document)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ severity: 'error', path: ['flows', 3, 'fields', index, 'from', 0] })
    expect(problems[0].message).toMatch(/"failureReson" is not a field of .*did you mean "Failure reason" \(failureReason\)/)
  })

  it('lists each field once with a display name and a type, the event id as its key; read-only (a source)', () => {
    const table = campaignEventTable('click')
    const names = table.fields.map((f) => f.name)
    expect(new Set(names).size).toBe(names.length)
    expect(table.fields.every((f) => f.displayName !== f.name && f.type !== 'unknown' && f.readOnly)).toBe(true)
    expect(table.primaryId).toBe('id')
    expect(table.fields.find((f) => f.name === 'date')?.type).toBe('datetime')
    expect(table.fields.find((f) => f.name === 'url')?.type).toBe('url')
  })
})

describe('Campaign event dates', () => {
  it('are ISO 8601 already, so mapping one onto a Dynamics date-time needs no "formatDate" step', () => {
    const emailSend: Table = {
      system: 'dynamics',
      name: 'new_emailsend',
      displayName: 'Email Send',
      primaryId: 'activityid',
      fields: [
        column('activityid', 'uniqueidentifier'),
        ...['new_externaleventid', 'subject', 'new_deliveryid', 'new_deliveryname', 'new_emailaddress'].map((n) => column(n, 'string')),
        column('new_senton', 'datetime'),
        { ...column('regardingobjectid', 'lookup'), targets: ['contact'] }
      ],
      keys: [],
      changeTracking: true
    }
    const document = example()
    document.flows = document.flows.slice(0, 1)
    const problems = validateMapping(document, catalogOf([emailSend]))
    expect(problems.filter((p) => p.path[2] === 'fields')).toEqual([])
  })
})
