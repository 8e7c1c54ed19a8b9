import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseDocumentText } from '../../src/shared/mapping/document-io'
import { MAX_LAST_DAYS, type Filter } from '../../src/shared/mapping/filter'
import { compileFilter, translateFilter } from '../../src/shared/mapping/filters'
import type { Table } from '../../src/shared/schema/model'
import { formatProblem } from '../../src/shared/problems'
import { plainField as column } from '../support/schema-examples'

/**
 * Filters as large as a mapping file allows (10,000 items in a list). Dataverse takes a GET
 * URL of at most 32,768 characters (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview)
 * and answers 414 beyond it, so a pushed-down `$filter` must stay well within that — what
 * does not fit is evaluated here, with the reason — and the records kept stay the same.
 */
const table: Table = {
  system: 'dynamics',
  name: 'contact',
  displayName: 'Contact',
  keys: [],
  changeTracking: false,
  fields: [column('emailaddress1', 'string'), column('numberofchildren', 'integer')]
}
const URL_LIMIT = 32_768
const emails = Array.from({ length: 3000 }, (_, i) => `customer.number.${i}@example.com`)

describe('a filter too long for one Dataverse request', () => {
  it('an "in" of 3,000 addresses is evaluated here, not sent as a $filter Dataverse refuses', () => {
    const filter: Filter = {
      all: [
        { field: 'numberofchildren', op: 'gt', value: 1 },
        { field: 'emailaddress1', op: 'in', values: emails }
      ]
    }
    const translation = translateFilter(filter, { table })
    expect(encodeURIComponent(translation.odata ?? '').length).toBeLessThan(URL_LIMIT / 2)
    // The short condition still goes to Dataverse; the long one is checked here, and says why.
    expect(translation.odata).toBe('numberofchildren gt 1')
    expect(translation.local).toEqual({ field: 'emailaddress1', op: 'in', values: emails })
    expect(translation.explanation[1]).toMatch(/evaluated here: .*too long for a Dataverse request/)
  })

  it('10,000 short conditions: what is sent fits, and the two halves keep exactly the records the filter keeps', () => {
    const filter: Filter = {
      all: Array.from({ length: 10_000 }, (_, i) => ({ field: 'emailaddress1', op: 'ne' as const, value: `x${i}` }))
    }
    const translation = translateFilter(filter, { table })
    expect(encodeURIComponent(translation.odata ?? '').length).toBeLessThan(URL_LIMIT / 2)
    expect(translation.local).toBeDefined()
    if (!('all' in filter)) throw new Error('an all')
    // The conditions sent (their explanation says Dataverse) and the ones checked here keep exactly what the whole filter keeps.
    const sent = compileFilter({ all: filter.all.filter((_, i) => translation.explanation[i].includes('→ Dataverse')) }, { table })
    const here = compileFilter(translation.local!, { table })
    const whole = compileFilter(filter, { table })
    for (const email of ['x1', 'x9999', 'x10000', 'someone@example.com', null]) {
      const record = { emailaddress1: email }
      expect(sent(record) && here(record)).toBe(whole(record))
    }
    expect(whole({ emailaddress1: 'x9999' })).toBe(false)
  })
})

describe('a "lastXDays" filter read from a mapping file', () => {
  const good = readFileSync(join(__dirname, '../fixtures/mappings/good/contacts-to-profiles.json'), 'utf8')
  const withDays = (days: number) => {
    const doc = JSON.parse(good) as { flows: Array<{ filter?: unknown }> }
    doc.flows[0].filter = { field: 'modifiedon', op: 'lastXDays', days }
    return JSON.stringify(doc)
  }
  const problems = (text: string) => {
    const result = parseDocumentText(text)
    return result.ok ? [] : result.problems.map(formatProblem)
  }

  it('takes up to 10,000 years and refuses more at its place, rather than sending Dataverse "1e+21"', () => {
    expect(problems(withDays(MAX_LAST_DAYS))).toEqual([])
    const refused = problems(withDays(1e21))
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatch(/^flows\[0\]\.filter\.days: /)
    expect(refused[0]).toContain(String(MAX_LAST_DAYS))
    const withDates: Table = { ...table, fields: [...table.fields, column('modifiedon', 'datetime')] }
    expect(translateFilter({ field: 'modifiedon', op: 'lastXDays', days: MAX_LAST_DAYS }, { table: withDates }).odata).toBe(
      `Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=${MAX_LAST_DAYS})`
    )
  })
})
