import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

type Json = Record<string, any>
let local: LocalDataverseServer
let token: string
let all: Json[] // every contact, read once, to check filters against an independent evaluation

async function get(path: string, extra: Record<string, string> = {}, server = local, bearer = token) {
  const url = path.startsWith('http') ? path : `${server.sandbox.info.url}${path}`
  const response = await fetch(url, { headers: { Authorization: `Bearer ${bearer}`, Accept: 'application/json', ...extra } })
  const text = await response.text()
  const isJson = response.headers.get('content-type')?.includes('json')
  return { status: response.status, body: (isJson && text ? JSON.parse(text) : { text }) as Json, response }
}

const columns =
  'fullname,firstname,lastname,emailaddress1,statecode,gendercode,familystatuscode,_parentcustomerid_value,birthdate,modifiedon,numberofchildren,donotbulkemail'

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 42, contacts: 1000 })
  token = await local.accessToken()
  const { body } = await get(`contacts?$select=${columns}`)
  all = body.value
})
afterAll(() => local.close())

const ids = (rows: Json[]) => rows.map((r) => r.contactid)

describe('reading rows', () => {
  it('$select returns etag, the selected columns and the primary key, with the documented context', async () => {
    const { status, body, response } = await get('contacts?$select=fullname&$top=2')
    expect(status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; odata.metadata=minimal')
    expect(body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname)`)
    expect(body.value).toHaveLength(2)
    expect(Object.keys(body.value[0])).toEqual(['@odata.etag', 'fullname', 'contactid'])
    expect(body.value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/)
    expect(body['@odata.nextLink']).toBeUndefined()
  })

  it('selecting an address part also returns the composite; money also returns the currency lookup', async () => {
    const { body } = await get('contacts?$select=address1_city,annualincome&$top=1')
    const keys = Object.keys(body.value[0])
    expect(keys).toHaveLength(6)
    expect(keys).toEqual(
      expect.arrayContaining([
        '@odata.etag',
        'address1_city',
        'annualincome',
        '_transactioncurrencyid_value',
        'address1_composite',
        'contactid'
      ])
    )
  })

  it('the seeded data has the variety a real org has', () => {
    expect(all).toHaveLength(1000)
    const names = all.map((r) => r.fullname ?? '')
    expect(names.some((n) => /[\u0400-\u04FF\u4E00-\u9FFF\u0370-\u03FF\u0600-\u06FF\uAC00-\uD7AF]/.test(n))).toBe(true)
    expect(names.some((n) => /[éèøłñüö]/i.test(n))).toBe(true)
    expect(all.some((r) => r.emailaddress1 === null)).toBe(true)
    expect(all.some((r) => typeof r.emailaddress1 === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.emailaddress1))).toBe(true)
    const emails = all.map((r) => r.emailaddress1).filter(Boolean)
    expect(new Set(emails).size).toBeLessThan(emails.length) // duplicates
    expect(all.some((r) => r.statecode === 1)).toBe(true)
    expect(new Set(all.map((r) => r.gendercode))).toEqual(new Set([1, 2, null]))
    expect(new Set(all.map((r) => r.familystatuscode))).toEqual(new Set([1, 2, 3, 4, null]))
    expect(all.some((r) => (r.firstname ?? '').length === 50 || (r.lastname ?? '').length === 50)).toBe(true)
  })

  it('is deterministic per seed', async () => {
    const again = await startLocalDataverseServer({ seed: 42, contacts: 1000 })
    try {
      const { body } = await get(`contacts?$select=${columns}&$top=20`, {}, again, await again.accessToken())
      expect(body.value).toEqual(all.slice(0, 20))
    } finally {
      await again.close()
    }
  })

  it('single row by id, 404 for a missing one, 304 for a matching If-None-Match', async () => {
    const id = all[5].contactid
    const one = await get(`contacts(${id})?$select=fullname`)
    expect(one.status).toBe(200)
    expect(one.body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname)/$entity`)
    expect(one.body.fullname).toBe(all[5].fullname)
    const etag = one.body['@odata.etag']
    expect((await get(`contacts(${id})?$select=fullname`, { 'If-None-Match': etag })).status).toBe(304)
    const missing = await get('contacts(00000000-0000-0000-0000-000000000001)')
    expect(missing.status).toBe(404)
    expect(missing.body.error).toEqual({
      code: '0x80040217',
      message: 'contact With Ids = 00000000-0000-0000-0000-000000000001 Do Not Exist'
    })
  })
})

describe('$filter', () => {
  const cases: Array<[string, (r: Json) => boolean]> = [
    ['statecode eq 1', (r) => r.statecode === 1],
    ['statecode ne 0 or gendercode eq 2', (r) => r.statecode !== 0 || r.gendercode === 2],
    ['gendercode eq null', (r) => r.gendercode === null],
    ['emailaddress1 ne null and not (gendercode eq 1)', (r) => r.emailaddress1 !== null && !(r.gendercode === 1)],
    ["contains(emailaddress1,'EXAMPLE.COM')", (r) => (r.emailaddress1 ?? '').toLowerCase().includes('example.com')],
    ["startswith(lastname,'m')", (r) => (r.lastname ?? '').toLowerCase().startsWith('m')],
    ["endswith(emailaddress1,'.net')", (r) => (r.emailaddress1 ?? '').toLowerCase().endsWith('.net')],
    [
      'numberofchildren ge 2 and numberofchildren lt 4',
      (r) => r.numberofchildren !== null && r.numberofchildren >= 2 && r.numberofchildren < 4
    ],
    ['donotbulkemail eq true', (r) => r.donotbulkemail === true],
    ['birthdate gt 1990-01-01', (r) => r.birthdate !== null && r.birthdate > '1990-01-01'],
    ['modifiedon le 2020-01-01T00:00:00Z', (r) => r.modifiedon <= '2020-01-01T00:00:00Z'],
    [
      "Microsoft.Dynamics.CRM.In(PropertyName='familystatuscode',PropertyValues=['1','3'])",
      (r) => r.familystatuscode === 1 || r.familystatuscode === 3
    ],
    [
      "Microsoft.Dynamics.CRM.NotIn(PropertyName='familystatuscode',PropertyValues=['1','3'])",
      (r) => r.familystatuscode === 2 || r.familystatuscode === 4
    ],
    [
      'Microsoft.Dynamics.CRM.Between(PropertyName=\'numberofchildren\',PropertyValues=["1","3"])',
      (r) => r.numberofchildren !== null && r.numberofchildren >= 1 && r.numberofchildren <= 3
    ],
    [
      "Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='modifiedon',PropertyValue='2024-01-01')",
      (r) => r.modifiedon >= '2024-01-01T00:00:00Z'
    ],
    [
      "Microsoft.Dynamics.CRM.OnOrBefore(PropertyName='birthdate',PropertyValue='1960-06-30')",
      (r) => r.birthdate !== null && r.birthdate <= '1960-06-30'
    ]
  ]
  for (const [filter, expected] of cases) {
    it(filter, async () => {
      const { status, body } = await get(`contacts?$select=${columns}&$filter=${encodeURIComponent(filter)}`)
      expect(status, JSON.stringify(body)).toBe(200)
      const want = ids(all.filter(expected))
      expect(want.length).toBeGreaterThan(0)
      expect(ids(body.value)).toEqual(want)
    })
  }

  it('lookup GUID comparison (unquoted) and lookup path', async () => {
    const parent = all.find((r) => r._parentcustomerid_value)!._parentcustomerid_value
    const { body } = await get(`contacts?$select=fullname&$filter=_parentcustomerid_value eq ${parent}`)
    expect(ids(body.value)).toEqual(ids(all.filter((r) => r._parentcustomerid_value === parent)))
    const account = await get(`accounts(${parent})?$select=name`)
    const byName = await get(
      `contacts?$select=fullname&$filter=${encodeURIComponent(`parentcustomerid_account/name eq '${account.body.name.replace(/'/g, "''")}'`)}`
    )
    expect(ids(byName.body.value)).toEqual(expect.arrayContaining(ids(body.value)))
  })

  it('parameter aliases, including an unassigned one (null)', async () => {
    const { body } = await get(
      `contacts?$select=fullname&$filter=Microsoft.Dynamics.CRM.In(PropertyName=@p1,PropertyValues=@p2)&@p1='familystatuscode'&@p2=["2","4"]`
    )
    expect(ids(body.value)).toEqual(ids(all.filter((r) => r.familystatuscode === 2 || r.familystatuscode === 4)))
    const unassigned = await get('contacts?$select=fullname&$filter=gendercode eq @nothing')
    expect(ids(unassigned.body.value)).toEqual(ids(all.filter((r) => r.gendercode === null)))
  })

  it('quotes are doubled; LastXDays sees a row a user just changed', async () => {
    const id = all[0].contactid
    local.sandbox.touch('contact', id, { lastname: "O'Bryan" })
    const quoted = await get(`contacts?$select=lastname&$filter=${encodeURIComponent("lastname eq 'o''bryan'")}`)
    expect(ids(quoted.body.value)).toContain(id)
    const recent = await get(
      `contacts?$select=lastname&$filter=${encodeURIComponent("Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=1)")}`
    )
    expect(ids(recent.body.value)).toEqual([id])
  })

  it('errors: unknown column, incompatible types, unknown function, syntax', async () => {
    const unknown = await get("contacts?$filter=Name eq 'x'")
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toEqual({
      code: '0x0',
      message: "Could not find a property named 'Name' on type 'Microsoft.Dynamics.CRM.contact'."
    })
    const types = await get('contacts?$filter=lastname eq 5')
    expect(types.status).toBe(400)
    expect(types.body.error.message).toBe(
      "A binary operator with incompatible types was detected. Found operand types 'Edm.String' and 'Edm.Int32' for operator kind 'Equal'."
    )
    const fn = await get("contacts?$filter=Microsoft.Dynamics.CRM.Nope(PropertyName='lastname')")
    expect(fn.status).toBe(400)
    const syntax = await get('contacts?$filter=lastname eq')
    expect(syntax.status).toBe(400)
  })
})

describe('string collation (_CI_AI, as Dataverse in English and our local filter)', () => {
  it('eq, contains and startswith ignore case and accents', async () => {
    const rows: Json[] = (await get(`contacts?$select=${columns}`)).body.value
    const accented = rows.find(
      (r) =>
        typeof r.lastname === 'string' &&
        r.lastname !== r.lastname.normalize('NFD').replace(/\p{M}/gu, '') &&
        /^[\p{Script=Latin}\p{M}' -]+$/u.test(r.lastname.normalize('NFD'))
    )
    expect(accented, 'the seed has Latin names with accents').toBeTruthy()
    const plain = (accented!.lastname as string).normalize('NFD').replace(/\p{M}/gu, '').toUpperCase()
    const literal = plain.replace(/'/g, "''")
    const expected = ids(
      rows.filter((r) => typeof r.lastname === 'string' && r.lastname.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase() === plain)
    )
    const eq = await get(`contacts?$select=${columns}&$filter=${encodeURIComponent(`lastname eq '${literal}'`)}`)
    expect(ids(eq.body.value)).toEqual(expected)
    expect(expected).toContain(accented!.contactid)
    const starts = await get(
      `contacts?$select=${columns}&$filter=${encodeURIComponent(`startswith(lastname,'${literal.slice(0, 3).toLowerCase()}')`)}`
    )
    expect(ids(starts.body.value)).toContain(accented!.contactid)
  })
})

describe('$orderby, $top, $count, $expand, annotations, refusals', () => {
  it('$orderby lastname desc, createdon asc matches an independent sort', async () => {
    const { body } = await get('contacts?$select=lastname,modifiedon&$orderby=lastname desc,modifiedon asc&$top=100')
    const sorted = [...all].sort((a, b) => {
      const x = (a.lastname ?? '').toLowerCase()
      const y = (b.lastname ?? '').toLowerCase()
      if (x !== y) return x < y ? 1 : -1
      return a.modifiedon < b.modifiedon ? -1 : a.modifiedon > b.modifiedon ? 1 : 0
    })
    expect(body.value.map((r: Json) => r.lastname)).toEqual(sorted.slice(0, 100).map((r) => r.lastname))
  })

  it('$count=true adds @odata.count; /$count is text/plain', async () => {
    const { body } = await get('contacts?$select=fullname&$filter=statecode eq 1&$count=true&$top=1')
    expect(body['@odata.count']).toBe(all.filter((r) => r.statecode === 1).length)
    const plain = await get('contacts/$count')
    expect(plain.response.headers.get('content-type')).toBe('text/plain')
    expect(plain.body.text).toBe('1000')
  })

  it('$count is capped at 5,000 with the documented annotations', async () => {
    const big = await startLocalDataverseServer({ seed: 5, contacts: 12_000 })
    try {
      const bearer = await big.accessToken()
      const { body } = await get(
        'contacts?$select=fullname&$count=true',
        {
          Prefer:
            'odata.maxpagesize=10,odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"'
        },
        big,
        bearer
      )
      expect(body['@odata.count']).toBe(5000)
      expect(body['@Microsoft.Dynamics.CRM.totalrecordcount']).toBe(5000)
      expect(body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(true)
      expect(body.value).toHaveLength(10)
    } finally {
      await big.close()
    }
  })

  it('$expand of a single-valued lookup with $select', async () => {
    const { status, body } = await get(
      'contacts?$select=fullname&$expand=parentcustomerid_account($select=name)&$filter=_parentcustomerid_value ne null&$top=5'
    )
    expect(status).toBe(200)
    expect(body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname,parentcustomerid_account(name))`)
    const withAccount = body.value.find((r: Json) => r.parentcustomerid_account)
    expect(Object.keys(withAccount.parentcustomerid_account)).toEqual(['@odata.etag', 'name', 'accountid'])
    const bad = await get('contacts?$expand=nothere')
    expect(bad.status).toBe(400)
  })

  it('annotations only when asked: FormattedValue, then * with lookup annotations', async () => {
    const plain = await get(
      'contacts?$select=gendercode,_parentcustomerid_value,donotbulkemail&$filter=gendercode eq 1 and _parentcustomerid_value ne null&$top=1'
    )
    expect(Object.keys(plain.body.value[0]).some((k) => k.includes('@') && k !== '@odata.etag')).toBe(false)
    expect(plain.response.headers.get('preference-applied')).toBeNull()
    const prefer = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    const formatted = await get(
      'contacts?$select=gendercode,_parentcustomerid_value,donotbulkemail&$filter=gendercode eq 1 and _parentcustomerid_value ne null&$top=1',
      { Prefer: prefer }
    )
    const row = formatted.body.value[0]
    expect(formatted.response.headers.get('preference-applied')).toBe(prefer)
    expect(row['gendercode@OData.Community.Display.V1.FormattedValue']).toBe('Male')
    expect(row['donotbulkemail@OData.Community.Display.V1.FormattedValue']).toMatch(/^(Allow|Do Not Allow)$/)
    expect(typeof row['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue']).toBe('string')
    expect(row['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBeUndefined()
    const keys = Object.keys(row)
    expect(keys.indexOf('gendercode@OData.Community.Display.V1.FormattedValue')).toBe(keys.indexOf('gendercode') - 1)
    const star = await get('contacts?$select=_parentcustomerid_value&$filter=_parentcustomerid_value ne null&$top=1', {
      Prefer: 'odata.include-annotations="*"'
    })
    expect(star.body.value[0]['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toMatch(/^(account|contact)$/)
    expect(star.body.value[0]['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toMatch(
      /^parentcustomerid_(account|contact)$/
    )
  })

  it('refuses $skip, $search, $format and misspelt options; unknown tables are 404 0x8006088a', async () => {
    for (const option of ['$skip=10', '$search=x', '$format=json', '$Select=fullname']) {
      const { status, body } = await get(`contacts?${option}`)
      expect(status).toBe(400)
      expect(body.error.message).toBe(`The query parameter ${option.split('=')[0]} is not supported`)
    }
    const { status, body } = await get('Account')
    expect(status).toBe(404)
    expect(body.error).toEqual({ code: '0x8006088a', message: "Resource not found for the segment 'Account'." })
  })
})

describe('paging', () => {
  it('odata.maxpagesize pages with opaque nextLinks, no overlap, no gaps', async () => {
    const prefer = { Prefer: 'odata.maxpagesize=300' }
    let link: string | undefined = `contacts?$select=${columns}`
    const seen: Json[] = []
    let pages = 0
    while (link) {
      const { status, body, response } = await get(link, prefer)
      expect(status).toBe(200)
      expect(response.headers.get('preference-applied')).toBe('odata.maxpagesize=300')
      seen.push(...body.value)
      link = body['@odata.nextLink']
      if (link) expect(link).toMatch(/\$skiptoken=%3Ccookie%20pagenumber=%22\d+%22%20pagingcookie=/)
      pages++
    }
    expect(pages).toBe(4)
    expect(ids(seen)).toEqual(ids(all))
  })

  it('sorted results page consistently', async () => {
    const first = await get('contacts?$select=lastname&$orderby=lastname', { Prefer: 'odata.maxpagesize=600' })
    const second = await get(first.body['@odata.nextLink'], { Prefer: 'odata.maxpagesize=600' })
    expect(first.body.value).toHaveLength(600)
    expect(second.body.value).toHaveLength(400)
    expect(new Set([...ids(first.body.value), ...ids(second.body.value)]).size).toBe(1000)
  })

  it('a nextLink that was edited or extended is refused', async () => {
    const { body } = await get('contacts?$select=fullname', { Prefer: 'odata.maxpagesize=100' })
    const link: string = body['@odata.nextLink']
    expect((await get(`${link}&$filter=statecode eq 0`, { Prefer: 'odata.maxpagesize=100' })).status).toBe(400)
    expect(
      (
        await get(link.replace('pagenumber=%222%22', 'pagenumber=%223%22').replace(/pagingcookie=%22./, 'pagingcookie=%22A'), {
          Prefer: 'odata.maxpagesize=100'
        })
      ).status
    ).toBe(400)
  })

  it('the $skiptoken is opaque as a whole: a rebuilt cookie around the same signed part is refused', async () => {
    const prefer = { Prefer: 'odata.maxpagesize=100' }
    const { body } = await get('contacts?$select=fullname', prefer)
    const link: string = body['@odata.nextLink']
    expect((await get(link, prefer)).status).toBe(200)
    // Same pagingcookie, another pagenumber: a client "computing" page 5.
    expect((await get(link.replace('pagenumber=%222%22', 'pagenumber=%225%22'), prefer)).status).toBe(400)
    // Same cookie, attributes reordered / re-serialized by a client that decoded and rebuilt it.
    const token = decodeURIComponent(new URL(link).searchParams.get('$skiptoken') ?? '')
    const inner = /pagingcookie="([^"]+)"/.exec(token)![1]
    const rebuilt = `<cookie pagingcookie="${inner}" pagenumber="2" istracking="False" />`
    const refused = await get(link.replace(/\$skiptoken=.*$/, `$skiptoken=${encodeURIComponent(rebuilt)}`), prefer)
    expect(refused.status).toBe(400)
    expect(refused.body.error.message).toContain('@odata.nextLink exactly as returned')
  })

  it('page size is capped at 5,000', async () => {
    const big = await startLocalDataverseServer({ seed: 9, contacts: 6000 })
    try {
      const { body, response } = await get('contacts?$select=contactid', { Prefer: 'odata.maxpagesize=9000' }, big, await big.accessToken())
      expect(body.value).toHaveLength(5000)
      expect(response.headers.get('preference-applied')).toBe('odata.maxpagesize=5000')
      expect(body['@odata.nextLink']).toBeTruthy()
    } finally {
      await big.close()
    }
  })
})

describe('a 1,000,000-contact sandbox', () => {
  it('serves the first page, a far row by id and by alternate key', async () => {
    const big = await startLocalDataverseServer({ seed: 1, contacts: 1_000_000 })
    try {
      const bearer = await big.accessToken()
      const page = await get('contacts?$select=fullname', { Prefer: 'odata.maxpagesize=5000' }, big, bearer)
      expect(page.body.value).toHaveLength(5000)
      const farId = big.sandbox.idOf('contact', 999_999)
      const far = await get(`contacts(${farId})?$select=new_externalkey`, {}, big, bearer)
      expect(far.body.new_externalkey).toBe('CT-0999999')
      const byKey = await get("contacts(new_externalkey='CT-0999999')?$select=contactid", {}, big, bearer)
      expect(byKey.body.contactid).toBe(farId)
      const count = await get('contacts/$count', {}, big, bearer)
      expect(count.body.text).toBe('5000')
    } finally {
      await big.close()
    }
  })
})
