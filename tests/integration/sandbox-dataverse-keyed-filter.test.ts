import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

// A $filter that pins the primary id (eq, Microsoft.Dynamics.CRM.In) is answered from the id
// index; it must answer exactly what a scan answers, across generated, changed, created and
// deleted rows, with paging and $count.
type Json = Record<string, any>
let local: LocalDataverseServer
let token: string

async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const response = await fetch(`${local.sandbox.info.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json', ...extra },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Json, response }
}

async function readAll(filter: string): Promise<{ ids: string[]; count: number; pages: number }> {
  let url = `contacts?$select=fullname&$count=true&$filter=${encodeURIComponent(filter)}`
  const ids: string[] = []
  let count = -1
  let pages = 0
  for (;;) {
    const { status, body } = await call('GET', url, undefined, { Prefer: 'odata.maxpagesize=2' })
    expect(status).toBe(200)
    pages++
    if (count < 0) count = body['@odata.count']
    ids.push(...body.value.map((r: Json) => r.contactid))
    if (!body['@odata.nextLink']) return { ids, count, pages }
    url = String(body['@odata.nextLink']).slice(local.sandbox.info.url.length)
  }
}

const inFilter = (ids: string[]) =>
  `Microsoft.Dynamics.CRM.In(PropertyName='contactid',PropertyValues=[${ids.map((id) => `'${id}'`).join(',')}])`
// Same rows, but the `or` with a non-key condition makes the sandbox scan the table.
const scanned = (filter: string) => `(${filter}) or fullname eq 'nobody has this name'`

let chosen: string[]
let created: string

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 7, contacts: 1000 })
  token = await local.accessToken()
  const { body } = await call('GET', 'contacts?$select=fullname&$top=1000')
  const all: string[] = body.value.map((r: Json) => r.contactid)
  chosen = [all[3], all[500], all[998], all[42], all[7]]
  expect((await call('PATCH', `contacts(${all[500]})`, { firstname: 'Changed' })).status).toBe(204)
  expect((await call('DELETE', `contacts(${all[42]})`)).status).toBe(204)
  const post = await call('POST', 'contacts', { firstname: 'New', lastname: 'Contact' }, { Prefer: 'return=representation' })
  expect(post.status).toBe(201)
  created = post.body.contactid
})
afterAll(() => local.close())

describe('a filter on the primary id', () => {
  it('In() answers the generated, changed and created rows a scan answers, deleted and unknown ids left out, in scan order across pages', async () => {
    const ids = [...chosen, created, '00000000-0000-0000-0000-000000000001']
    const keyed = await readAll(inFilter(ids))
    const scan = await readAll(scanned(inFilter(ids)))
    expect(keyed.ids).toEqual(scan.ids)
    expect(keyed.ids).toHaveLength(5) // 4 generated (one deleted) + the created one
    expect(keyed.ids).toContain(created)
    expect(keyed.ids).not.toContain(chosen[3])
    expect(keyed.count).toBe(5)
    expect(keyed.pages).toBe(3)
  })

  it('eq, and with another condition, or of ids: the same rows as a scan; upper-case ids too', async () => {
    for (const filter of [
      `contactid eq ${chosen[1]}`,
      `contactid eq ${chosen[0].toUpperCase()}`,
      `${inFilter(chosen)} and firstname eq 'Changed'`,
      `contactid eq ${chosen[0]} or contactid eq ${created}`,
      `statecode eq 0 and (contactid eq ${chosen[2]} or ${inFilter([chosen[4]])})`
    ]) {
      const keyed = await readAll(filter)
      expect(keyed.ids, filter).toEqual((await readAll(scanned(filter))).ids)
      expect(keyed.ids.length, filter).toBeGreaterThan(0)
    }
  })
})
