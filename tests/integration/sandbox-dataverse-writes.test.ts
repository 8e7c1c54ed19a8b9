import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

type Json = Record<string, any>
let local: LocalDataverseServer
let token: string

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 21, contacts: 300 })
  token = await local.accessToken()
})
afterAll(() => local.close())

async function call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
  const response = await fetch(path.startsWith('http') ? path : `${local.sandbox.info.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json; charset=utf-8', ...extra },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await response.text()
  return {
    status: response.status,
    body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text }) as Json,
    response
  }
}

const idFrom = (entityId: string | null) => /\(([0-9a-f-]{36})\)$/.exec(entityId ?? '')?.[1] ?? ''

describe('create, update, upsert, delete', () => {
  it('POST: 204 + OData-EntityId; with return=representation 201 + body and no OData-EntityId', async () => {
    const account = local.sandbox.idOf('account', 0)
    const created = await call('POST', 'contacts', {
      firstname: 'Ada',
      lastname: 'Lovelace',
      emailaddress1: 'ada@example.com',
      'parentcustomerid_account@odata.bind': `/accounts(${account})`
    })
    expect(created.status).toBe(204)
    const entityId = created.response.headers.get('odata-entityid')
    expect(entityId).toMatch(new RegExp(`^${local.sandbox.info.url.replace(/[.$]/g, '\\$&')}contacts\\([0-9a-f-]{36}\\)$`))
    const read = await call('GET', `contacts(${idFrom(entityId)})?$select=fullname,_parentcustomerid_value,statecode,_ownerid_value`)
    expect(read.body).toMatchObject({
      fullname: 'Ada Lovelace',
      _parentcustomerid_value: account,
      statecode: 0,
      _ownerid_value: local.sandbox.applicationUserId
    })

    const rep = await call(
      'POST',
      'contacts?$select=fullname,emailaddress1',
      { firstname: 'Grace', lastname: 'Hopper' },
      { Prefer: 'return=representation' }
    )
    expect(rep.status).toBe(201)
    expect(rep.response.headers.get('odata-entityid')).toBeNull()
    expect(rep.body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#contacts(fullname,emailaddress1)/$entity`)
    expect(rep.body).toMatchObject({ fullname: 'Grace Hopper', emailaddress1: null })
    expect(rep.body['@odata.etag']).toMatch(/^W\/"\d+"$/)
  })

  it('PATCH without If-Match upserts (create then update); with If-Match: * it is update-only', async () => {
    const id = '11111111-2222-4333-8444-555555555555'
    const created = await call('PATCH', `contacts(${id})`, { lastname: 'Upserted' }, { Prefer: 'return=representation' })
    expect(created.status).toBe(201)
    const updated = await call('PATCH', `contacts(${id})?$select=lastname`, { lastname: 'Changed' }, { Prefer: 'return=representation' })
    expect(updated.status).toBe(200)
    expect(updated.body.lastname).toBe('Changed')
    expect(updated.response.headers.get('etag')).toBe(updated.body['@odata.etag'])
    const plain = await call('PATCH', `contacts(${id})`, { firstname: 'Again' }, { 'If-Match': '*' })
    expect(plain.status).toBe(204)
    expect(plain.response.headers.get('odata-entityid')).toBe(`${local.sandbox.info.url}contacts(${id})`)
    const missing = await call('PATCH', 'contacts(00000000-0000-0000-0000-000000000001)', { lastname: 'x' }, { 'If-Match': '*' })
    expect(missing.status).toBe(404)
    expect(missing.body.error).toEqual({ code: '', message: 'contact With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist' })
  })

  it('If-None-Match: * is create-only (412); a stale ETag is 412', async () => {
    const id = local.sandbox.idOf('contact', 3)
    const exists = await call('PATCH', `contacts(${id})`, { lastname: 'x' }, { 'If-None-Match': '*' })
    expect(exists.status).toBe(412)
    expect(exists.body.error).toEqual({ code: '', message: 'A record with matching key values already exists.' })
    const stale = await call('PATCH', `contacts(${id})`, { lastname: 'x' }, { 'If-Match': 'W/"1"' })
    expect(stale.status).toBe(412)
    expect(stale.body.error.message).toBe("The version of the existing record doesn't match the RowVersion property provided.")
    const current = await call('GET', `contacts(${id})?$select=lastname`)
    const ok = await call('PATCH', `contacts(${id})`, { lastname: 'Fresh' }, { 'If-Match': current.body['@odata.etag'] })
    expect(ok.status).toBe(204)
  })

  it('alternate keys: upsert by new_externalkey; undefined keys get the documented error', async () => {
    const created = await call('PATCH', "contacts(new_externalkey='EXT-42')", { lastname: 'Keyed' })
    expect(created.status).toBe(204)
    expect(created.response.headers.get('odata-entityid')).toBe(`${local.sandbox.info.url}contacts(new_externalkey='EXT-42')`)
    const read = await call('GET', "contacts(new_externalkey='EXT-42')?$select=lastname,new_externalkey")
    expect(read.body).toMatchObject({ lastname: 'Keyed', new_externalkey: 'EXT-42' })
    const again = await call('PATCH', "contacts(new_externalkey='EXT-42')", { lastname: 'Keyed twice' })
    expect(again.status).toBe(204)
    expect((await call('GET', `contacts?$select=lastname&$filter=new_externalkey eq 'EXT-42'`)).body.value).toHaveLength(1)
    const generated = await call('GET', "contacts(new_externalkey='CT-0000007')?$select=contactid")
    expect(generated.body.contactid).toBe(local.sandbox.idOf('contact', 7))
    const noKey = await call('PATCH', "contacts(emailaddress1='x@example.com')", { lastname: 'x' })
    expect(noKey.status).toBe(400)
    expect(noKey.body.error.message).toMatch(/^The key in the request URI is not valid for resource 'Microsoft\.Dynamics\.CRM\.contact'\./)
    const duplicate = await call('POST', 'contacts', { lastname: 'Dup', new_externalkey: 'CT-0000007' })
    expect(duplicate.status).toBe(412)
    expect(duplicate.body.error.code).toBe('0x80040237')
  })

  it('custom lookups bind through the SchemaName navigation property; activities bind regarding', async () => {
    const contact = local.sandbox.idOf('contact', 10)
    const vehicle = await call(
      'POST',
      'new_vehicles',
      { new_name: 'Test car', 'new_ContactId@odata.bind': `/contacts(${contact})` },
      { Prefer: 'return=representation' }
    )
    expect(vehicle.status).toBe(201)
    expect(vehicle.body._new_contactid_value).toBe(contact)
    const wrongCase = await call('POST', 'new_vehicles', { new_name: 'x', 'new_contactid@odata.bind': `/contacts(${contact})` })
    expect(wrongCase.status).toBe(400)
    const open = await call('PATCH', "new_emailopens(new_externaleventid='evt-1')", {
      subject: 'Opened: Spring newsletter',
      new_openedon: '2026-03-01T10:00:00Z',
      'regardingobjectid_contact_new_emailopen@odata.bind': `/contacts(${contact})`
    })
    expect(open.status).toBe(204)
    const replay = await call('PATCH', "new_emailopens(new_externaleventid='evt-1')", { subject: 'Opened: Spring newsletter' })
    expect(replay.status).toBe(204)
    const list = await call(
      'GET',
      `new_emailopens?$select=subject,activitytypecode,_regardingobjectid_value&$filter=_regardingobjectid_value eq ${contact}`
    )
    expect(list.body.value).toHaveLength(1)
    expect(list.body.value[0]).toMatchObject({ activitytypecode: 'new_emailopen', _regardingobjectid_value: contact })
    const missingTarget = await call('POST', 'new_emailopens', {
      subject: 'x',
      'regardingobjectid_contact_new_emailopen@odata.bind': '/contacts(00000000-0000-0000-0000-000000000009)'
    })
    expect(missingTarget.status).toBe(404)
  })

  it('validation: MaxLength, unknown property, _x_value writes, option range, SystemRequired null', async () => {
    const long = await call('POST', 'contacts', { lastname: 'x', firstname: 'y'.repeat(51) })
    expect(long.status).toBe(400)
    expect(long.body.error).toEqual({
      code: '0x80044331',
      message:
        "A validation error occurred.  The length of the 'firstname' attribute of the 'contact' entity exceeded the maximum allowed length of '50'."
    })
    const atLimit = await call('POST', 'contacts', { lastname: 'x', firstname: 'y'.repeat(50) })
    expect(atLimit.status).toBe(204)
    const unknown = await call('POST', 'contacts', { nothere: 1 })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error.message).toBe(
      "The property 'nothere' does not exist on type 'Microsoft.Dynamics.CRM.contact'. Make sure to only use property names that are defined by the type."
    )
    const lookupValue = await call('POST', 'contacts', { _parentcustomerid_value: local.sandbox.idOf('account', 1) })
    expect(lookupValue.status).toBe(400)
    const option = await call('POST', 'contacts', { gendercode: 99 })
    expect(option.status).toBe(400)
    expect(option.body.error.message).toContain("The value 99 of 'gendercode' on record of type 'contact' is outside the valid range.")
    const owner = await call('PATCH', `contacts(${local.sandbox.idOf('contact', 1)})`, { 'ownerid@odata.bind': null }, { 'If-Match': '*' })
    expect(owner.status).toBe(400)
  })

  it('single-property PUT/DELETE and DELETE of a row (then 404)', async () => {
    const id = local.sandbox.idOf('contact', 20)
    expect((await call('PUT', `contacts(${id})/jobtitle`, { value: 'Pilot' })).status).toBe(204)
    expect((await call('GET', `contacts(${id})/jobtitle`)).body.value).toBe('Pilot')
    expect((await call('DELETE', `contacts(${id})/jobtitle`)).status).toBe(204)
    expect((await call('GET', `contacts(${id})/jobtitle`)).body.value).toBeNull()
    expect((await call('DELETE', `contacts(${id})`)).status).toBe(204)
    expect((await call('GET', `contacts(${id})`)).status).toBe(404)
    const again = await call('DELETE', `contacts(${id})`)
    expect(again.status).toBe(404)
    expect(again.body.error.code).toBe('0x80040217')
  })
})

describe('$batch', () => {
  const batchBoundary = 'batch_22975cad-7f57-410d-be15-6363209367ea'
  const changesetBoundary = 'changeset_246e6bfe-89a4-4c77-b293-7a433f082e8a'
  const part = (method: string, url: string, body?: unknown, contentId?: string) =>
    [
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      ...(contentId ? [`Content-ID: ${contentId}`] : []),
      '',
      `${method} ${url} HTTP/1.1`,
      ...(body ? ['Content-Type: application/json; type=entry', '', JSON.stringify(body)] : ['', ''])
    ].join('\r\n')
  const changeset = (parts: string[]) =>
    [
      `Content-Type: multipart/mixed; boundary="${changesetBoundary}"`,
      '',
      ...parts.map((p) => `--${changesetBoundary}\r\n${p}`),
      `--${changesetBoundary}--`,
      ''
    ].join('\r\n')
  const batch = (items: string[]) => items.map((i) => `--${batchBoundary}\r\n${i}`).join('\r\n') + `\r\n--${batchBoundary}--\r\n`
  const send = (body: string, prefer?: string) =>
    fetch(`${local.sandbox.info.url}$batch`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': `multipart/mixed; boundary="${batchBoundary}"`,
        Accept: 'application/json',
        ...(prefer ? { Prefer: prefer } : {})
      },
      body
    })

  it('change set with Content-ID references, then a GET; documented response framing', async () => {
    const response = await send(
      batch([
        changeset([
          part('POST', '/api/data/v9.2/accounts', { name: 'Batch Co' }, '1'),
          part('POST', '/api/data/v9.2/contacts', { lastname: 'Batchperson', 'parentcustomerid_account@odata.bind': '$1' }, '2'),
          part('PATCH', '$2', { firstname: 'Bea' }, '3')
        ]),
        part('GET', "/api/data/v9.2/contacts?$select=fullname&$filter=lastname eq 'Batchperson'")
      ])
    )
    const type = response.headers.get('content-type') ?? ''
    expect(response.status).toBe(200)
    expect(type).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/)
    const text = await response.text()
    const boundary = type.split('boundary=')[1]
    expect(text.trimEnd().endsWith(`--${boundary}--`)).toBe(true)
    expect(text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_[0-9a-f-]{36}/)
    expect(text.match(/HTTP\/1\.1 204 No Content/g)).toHaveLength(3)
    expect(text).toContain('Content-ID: 2')
    expect(text).toMatch(/OData-EntityId: .*\/contacts\([0-9a-f-]{36}\)/)
    expect(text).toContain('HTTP/1.1 200 OK')
    expect(text).toContain('"fullname":"Bea Batchperson"')
  })

  it('a failing change set rolls back everything in it; the batch stops with 400', async () => {
    const response = await send(
      batch([
        changeset([
          part('POST', '/api/data/v9.2/contacts', { lastname: 'Rollback1' }, '1'),
          part('POST', '/api/data/v9.2/contacts', { lastname: 'x'.repeat(51) }, '2')
        ]),
        part('POST', '/api/data/v9.2/contacts', { lastname: 'NeverRuns' })
      ])
    )
    expect(response.status).toBe(400)
    const text = await response.text()
    expect(text).toContain('HTTP/1.1 400 Bad Request')
    expect(text).toContain('"code":"0x80044331"')
    expect(text).toMatch(/REQ_ID: [0-9a-f-]{36}/)
    const check = await call('GET', "contacts?$select=lastname&$filter=lastname eq 'Rollback1' or lastname eq 'NeverRuns'")
    expect(check.body.value).toEqual([])
  })

  it('odata.continue-on-error runs every part and returns 200', async () => {
    const response = await send(
      batch([
        part('POST', '/api/data/v9.2/contacts', { lastname: 'y'.repeat(60) }),
        part('POST', '/api/data/v9.2/contacts', { lastname: 'AfterError' })
      ]),
      'odata.continue-on-error'
    )
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text).toContain('HTTP/1.1 400 Bad Request')
    expect(text).toContain('HTTP/1.1 204 No Content')
    expect((await call('GET', "contacts?$select=lastname&$filter=lastname eq 'AfterError'")).body.value).toHaveLength(1)
  })

  it('refuses unknown Content-ID references, GET inside a change set, and more than 1000 requests', async () => {
    const badRef = await send(batch([changeset([part('PATCH', '$9', { lastname: 'x' }, '1')])]))
    expect(badRef.status).toBe(400)
    expect(await badRef.text()).toContain("Content-ID Reference: '$9' does not exist in the batch context.")
    const getInSet = await send(batch([changeset([part('GET', '/api/data/v9.2/contacts')])]))
    expect(getInSet.status).toBe(400)
    const tooMany = await send(batch(Array.from({ length: 1001 }, () => part('GET', '/api/data/v9.2/WhoAmI'))))
    expect(tooMany.status).toBe(400)
    expect(((await tooMany.json()) as Json).error.message).toContain('exceeds the limit of 1000')
  })
})
