import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Table } from '../../src/shared/schema'
import { ConfidentialTokenProvider, PublicClientTokenProvider } from '../../src/main/connectors/dynamics/auth'
import { DynamicsConnector, type ChangePosition, type WriteOperation } from '../../src/main/connectors/dynamics/connector'
import type { HttpEvent } from '../../src/main/connectors/http/client'
import { ConnectorError } from '../../src/main/connectors/http/errors'
import { MemorySecretStore } from '../../src/main/workspace/secrets'
import { createTrustingNetworkClient, sandboxAuthOptions } from '../../src/main/connectors/dynamics/msal-network'
import type { TlsListener } from '../../src/main/sandbox/dataverse/index'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/** The Dynamics connector over real HTTP against the Dataverse sandbox, signing in through msal-node. */
let local: LocalDataverseServer
let tls: TlsListener
let networkClient: ReturnType<typeof createTrustingNetworkClient>
let clockOffset = 0
const events: HttpEvent[] = []

function secretProvider(secret = local.sandbox.info.clientSecret, cache?: { store: MemorySecretStore; key: string }) {
  const { info } = local.sandbox
  return new ConfidentialTokenProvider({
    environmentUrl: local.baseUrl,
    tenantId: info.tenantId,
    clientId: info.clientId,
    clientSecret: secret,
    ...sandboxAuthOptions(info.authority),
    networkClient,
    cache
  })
}

function connector(options: Partial<ConstructorParameters<typeof DynamicsConnector>[0]> = {}) {
  return new DynamicsConnector({
    environmentUrl: local.baseUrl,
    tokenProvider: secretProvider(),
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    ...options
  })
}

beforeAll(async () => {
  local = await startLocalDataverseServer({
    seed: 7,
    contacts: 240,
    dopHint: 6,
    autoApproveDeviceCodes: false,
    now: () => Date.now() + clockOffset
  })
  tls = await local.sandbox.startAuthorityTls()
  networkClient = createTrustingNetworkClient(local.sandbox.info.ca!)
})

afterAll(async () => {
  await networkClient.close()
  await tls.close()
  await local.close()
})

describe('sign-in through msal-node', () => {
  it('client secret: signs in, WhoAmI answers, and the dop hint sets the concurrency; the token cache lands encrypted in the SecretStore', async () => {
    const store = new MemorySecretStore()
    const dynamics = connector({ tokenProvider: secretProvider(undefined, { store, key: 'connection:x:msalCache' }) })
    const me = await dynamics.whoAmI()
    expect(me.userId).toBe(local.sandbox.applicationUserId)
    expect(me.dopHint).toBe(6)
    expect(dynamics.concurrency.limit).toBe(6)
    const cache = await store.get('connection:x:msalCache')
    expect(cache).toContain('AccessToken')
  })

  it('a bad client secret is unauthorized with the AADSTS code and a hint, and the secret is not in the message', async () => {
    const dynamics = connector({ tokenProvider: secretProvider('wrong-secret-value-123') })
    const error = (await dynamics.whoAmI().catch((e: unknown) => e)) as ConnectorError
    expect(error).toBeInstanceOf(ConnectorError)
    expect(error.kind).toBe('unauthorized')
    expect(error.code).toBe('AADSTS7000215')
    expect(error.hint).toMatch(/client secret/i)
    expect(JSON.stringify(error.toJSON())).not.toContain('wrong-secret-value-123')
  })

  it('device code: the sandbox approves it, then reads work as the signed-in user', async () => {
    const { info } = local.sandbox
    let shown = ''
    const provider = new PublicClientTokenProvider(
      {
        environmentUrl: local.baseUrl,
        tenantId: info.tenantId,
        clientId: info.clientId,
        ...sandboxAuthOptions(info.authority),
        networkClient,
        flow: 'deviceCode'
      },
      {
        onDeviceCode: (response) => {
          shown = response.message
          setTimeout(() => local.sandbox.approveDeviceCode(response.userCode), 50)
        }
      }
    )
    const dynamics = connector({ tokenProvider: provider })
    const me = await dynamics.whoAmI()
    expect(shown).toMatch(/devicelogin/)
    expect(me.userId).toBe(local.sandbox.idOf('systemuser', 1))
    // The second call is silent: no new device code.
    shown = ''
    await dynamics.count('account')
    expect(shown).toBe('')
  })

  it('a token that expires mid-run is refreshed once and the run goes on', async () => {
    const dynamics = connector()
    await dynamics.count('contact')
    events.length = 0
    clockOffset += 2 * 3600_000 // the sandbox now considers every issued token expired
    try {
      const { count } = await dynamics.count('contact')
      expect(count).toBe(240)
      expect(events.some((e) => e.type === 'retry' && e.reason === 'unauthorized')).toBe(true)
    } finally {
      clockOffset -= 2 * 3600_000
    }
  })
})

describe('metadata → schema model', () => {
  it('every seeded table converts to a valid Table, with EntitySetName from metadata', async () => {
    const dynamics = connector()
    const tables = await dynamics.listTables()
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['contact', 'account', 'new_vehicle', 'new_eventregistration', 'new_emailsend', 'new_emailopen'])
    )
    for (const summary of tables) {
      const table = await dynamics.getTable(summary.name)
      expect(() => Table.parse(table)).not.toThrow()
      expect(table.entitySetName).toBe(summary.entitySetName)
      expect(table.fields.some((f) => f.type === 'unknown')).toBe(false)
    }
  })

  it('types, lengths, required levels, keys, options with labels, lookup targets, change tracking', async () => {
    const dynamics = connector()
    const contact = await dynamics.getTable('contact')
    const field = (name: string) => contact.fields.find((f) => f.name === name)!
    expect(contact).toMatchObject({ entitySetName: 'contacts', primaryId: 'contactid', primaryName: 'fullname', changeTracking: true })
    expect(contact.keys).toEqual([
      { name: 'contactid', fields: ['contactid'] },
      { name: 'new_contact_externalkey', fields: ['new_externalkey'] }
    ])
    expect(field('emailaddress1')).toMatchObject({ type: 'email', maxLength: 100 })
    expect(field('lastname').required).toBe('required')
    expect(field('gendercode').options).toEqual([
      { value: 1, label: 'Male' },
      { value: 2, label: 'Female' }
    ])
    expect(field('donotbulkemail')).toMatchObject({
      type: 'boolean',
      options: [
        { value: true, label: 'Do Not Allow' },
        { value: false, label: 'Allow' }
      ]
    })
    expect(field('birthdate')).toMatchObject({ type: 'dateonly', dateBehavior: 'dateOnly' })
    expect(field('modifiedon')).toMatchObject({ type: 'datetime', dateBehavior: 'userLocal', readOnly: true })
    expect(field('parentcustomerid')).toMatchObject({
      type: 'lookup',
      targets: ['account', 'contact'],
      readName: '_parentcustomerid_value'
    })
    expect(field('new_externalkey').isKey).toBe(true)
    const vehicle = await dynamics.tableSchema('new_vehicle')
    expect(vehicle.navigation.new_contactid).toEqual({ contact: 'new_ContactId' })
  })

  it('an unknown table is notFound with a hint about logical names', async () => {
    const error = (await connector()
      .getTable('contacts')
      .catch((e: unknown) => e)) as ConnectorError
    expect(error.kind).toBe('notFound')
    expect(error.hint).toMatch(/logical name/)
  })
})

describe('reads', () => {
  it('pages by @odata.nextLink across many pages, with formatted values', async () => {
    const dynamics = connector()
    const pages: number[] = []
    const ids = new Set<string>()
    let formatted = 0
    for await (const page of dynamics.query('contact', { select: ['fullname', 'gendercode'], pageSize: 17, formattedValues: true })) {
      pages.push(page.records.length)
      for (const record of page.records) {
        ids.add(String(record.contactid))
        if (record['gendercode@OData.Community.Display.V1.FormattedValue']) formatted++
      }
    }
    expect(pages.length).toBe(Math.ceil(240 / 17))
    expect(ids.size).toBe(240)
    expect(formatted).toBeGreaterThan(0)
  })

  it('passes a $filter through and counts', async () => {
    const dynamics = connector()
    const active = await dynamics.count('contact', { filter: 'statecode eq 0' })
    let seen = 0
    for await (const record of dynamics.records('contact', { select: ['statecode'], filter: 'statecode eq 0', pageSize: 100 })) {
      expect(record.statecode).toBe(0)
      seen++
    }
    expect(seen).toBe(active.count)
    expect(active.limitExceeded).toBe(false)
  })

  it('change tracking: full read gives a delta link; the delta has the changes and the deletes; an expired link is deltaExpired', async () => {
    const dynamics = connector()
    let deltaLink: string | undefined
    let rows = 0
    for await (const page of dynamics.changes('new_vehicle', { select: ['new_name'], pageSize: 20 })) {
      rows += page.upserts.length
      if (page.deltaLink) deltaLink = page.deltaLink
    }
    expect(rows).toBeGreaterThan(20)
    expect(deltaLink).toContain('$deltatoken=')
    const changedId = local.sandbox.idOf('new_vehicle', 1)
    const deletedId = local.sandbox.idOf('new_vehicle', 2)
    local.sandbox.touch('new_vehicle', changedId, { new_name: 'Changed by a user' })
    local.sandbox.remove('new_vehicle', deletedId)
    const upserts: Array<Record<string, unknown>> = []
    const deletes: string[] = []
    let next: string | undefined
    for await (const page of dynamics.changes('new_vehicle', { select: ['new_name'], deltaLink })) {
      upserts.push(...page.upserts)
      deletes.push(...page.deletes)
      next = page.deltaLink ?? next
    }
    expect(upserts.map((r) => r.new_vehicleid)).toEqual([changedId])
    expect(upserts[0].new_name).toBe('Changed by a user')
    expect(deletes).toEqual([deletedId])
    expect(next).toBeTruthy()

    clockOffset += 8 * 86_400_000
    try {
      const error = await (async () => {
        for await (const _ of dynamics.changes('new_vehicle', { deltaLink: next })) void _
      })().catch((e: unknown) => e)
      expect((error as ConnectorError).kind).toBe('deltaExpired')
      expect((error as ConnectorError).hint).toMatch(/full resync/)
    } finally {
      clockOffset -= 8 * 86_400_000
    }
  })
})

describe('change tracking resumes', () => {
  it("a walk stopped after a page resumes from that page's position: every row once, then the same delta link", async () => {
    const whole: string[] = []
    let wholeDelta: string | undefined
    for await (const page of connector().changes('new_vehicle', { select: ['new_name'], pageSize: 7 })) {
      whole.push(...page.upserts.map((r) => String(r.new_vehicleid)))
      wholeDelta = page.deltaLink ?? wholeDelta
    }
    expect(whole.length).toBeGreaterThan(21)
    // A crash after two pages: only the position survives (plain JSON, relative to the Web API base).
    const seen: string[] = []
    let saved: ChangePosition | undefined
    for await (const page of connector().changes('new_vehicle', { select: ['new_name'], pageSize: 7 })) {
      seen.push(...page.upserts.map((r) => String(r.new_vehicleid)))
      saved = JSON.parse(JSON.stringify(page.position)) as ChangePosition
      if (page.page === 2) break
    }
    expect(saved?.next).toMatch(/^new_vehicles\?/)
    let delta: string | undefined
    for await (const page of connector().changes('new_vehicle', { pageSize: 7, from: saved })) {
      seen.push(...page.upserts.map((r) => String(r.new_vehicleid)))
      delta = page.deltaLink ?? delta
    }
    expect(seen).toEqual(whole)
    expect(new Set(seen).size).toBe(seen.length)
    expect(delta).toMatch(/^new_vehicles\?.*\$deltatoken=/)
    // The finished position follows the delta link: a change made now is all it returns.
    const changedId = local.sandbox.idOf('new_vehicle', 3)
    local.sandbox.touch('new_vehicle', changedId, { new_name: 'Changed after the resume' })
    const after: string[] = []
    for await (const page of connector().changes('new_vehicle', { from: { delta: delta! } }))
      after.push(...page.upserts.map((r) => String(r.new_vehicleid)))
    expect(after).toEqual([changedId])
  })
})

describe('writes', () => {
  it('create, update, upsert by alternate key, delete; lookups bind through the SchemaName navigation property', async () => {
    const dynamics = connector()
    const contactId = local.sandbox.idOf('contact', 5)
    const { id } = await dynamics.create('new_vehicle', {
      new_name: 'Test car',
      new_vin: 'VIN-CONN-1',
      new_contactid: { table: 'contact', id: contactId }
    })
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const [row] = await collect(
      dynamics.records('new_vehicle', { select: ['new_name', '_new_contactid_value'], filter: `new_vehicleid eq ${id}` })
    )
    expect(row._new_contactid_value).toBe(contactId)
    await dynamics.update('new_vehicle', id, { new_name: 'Renamed' })
    const first = await dynamics.upsert('new_vehicle', { new_vin: 'VIN-CONN-2' }, { new_name: 'Upserted' })
    const second = await dynamics.upsert('new_vehicle', { new_vin: 'VIN-CONN-2' }, { new_name: 'Upserted again' })
    expect(first.created).toBe(true)
    expect(second).toEqual({ id: first.id, created: false })
    expect(await dynamics.delete('new_vehicle', id)).toEqual({ deleted: true })
    expect(await dynamics.delete('new_vehicle', id, { ignoreMissing: true })).toEqual({ deleted: false })
    const missing = (await dynamics.update('new_vehicle', id, { new_name: 'x' }).catch((e: unknown) => e)) as ConnectorError
    expect(missing.kind).toBe('notFound')
  })

  it('an activity on the contact timeline, idempotent per external event id', async () => {
    const dynamics = connector()
    const contactId = local.sandbox.idOf('contact', 9)
    const a = await dynamics.writeActivity(
      'new_emailopen',
      { subject: 'Opened: Newsletter' },
      { table: 'contact', id: contactId },
      { key: { new_externaleventid: 'EV-1' } }
    )
    const b = await dynamics.writeActivity(
      'new_emailopen',
      { subject: 'Opened: Newsletter' },
      { table: 'contact', id: contactId },
      { key: { new_externaleventid: 'EV-1' } }
    )
    expect(a.created).toBe(true)
    expect(b).toEqual({ id: a.id, created: false })
    const rows = await collect(
      dynamics.records('new_emailopen', { select: ['_regardingobjectid_value'], filter: "new_externaleventid eq 'EV-1'" })
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]._regardingobjectid_value).toBe(contactId)
  })

  it('$batch with continue-on-error: a partial failure gives one outcome per record', async () => {
    const dynamics = connector()
    const ops: WriteOperation[] = [
      { kind: 'create', table: 'contact', record: { lastname: 'Batch one' } },
      { kind: 'create', table: 'contact', record: { lastname: 'x'.repeat(51) } },
      { kind: 'upsert', table: 'contact', key: { new_externalkey: 'BATCH-3' }, record: { lastname: 'Batch three' } },
      { kind: 'delete', table: 'contact', key: '00000000-0000-0000-0000-000000000001' },
      { kind: 'update', table: 'contact', key: local.sandbox.idOf('contact', 11), record: { jobtitle: 'Batch updated' } }
    ]
    const outcomes = await dynamics.batch(ops, { batchSize: 3 })
    expect(outcomes.map((o) => [o.index, o.ok, o.status])).toEqual([
      [0, true, 204],
      [1, false, 400],
      [2, true, 204],
      [3, false, 404],
      [4, true, 204]
    ])
    expect(outcomes[0].id).toMatch(/^[0-9a-f-]{36}$/)
    expect(outcomes[1].error).toMatchObject({ kind: 'badRequest', code: '0x80044331' })
    expect(outcomes[1].error?.message).toMatch(/lastname/)
    expect(outcomes[3].error?.kind).toBe('notFound')
  })
})

describe('throttling', () => {
  it('a 429 storm: every record is written exactly once, Retry-After is obeyed and concurrency halves', async () => {
    const dynamics = connector()
    await dynamics.whoAmI()
    const started = dynamics.concurrency.limit
    events.length = 0
    local.sandbox.faults.update({ throttleRate: 0.3, retryAfterSeconds: 0.15, serverErrorRate: 0.05, dropRate: 0.03 })
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `STORM-${i}`)
      // Upserts by key are idempotent: retried after 429, 503 and dropped connections alike.
      await Promise.all(keys.map((key) => dynamics.upsert('contact', { new_externalkey: key }, { lastname: key })))
      // Creates are retried only when the failure proves nothing was written (429).
      local.sandbox.faults.update({ serverErrorRate: 0, dropRate: 0 })
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) => dynamics.create('contact', { lastname: `Storm create ${i}`, jobtitle: 'storm-create' }))
      )
      local.sandbox.faults.update({ throttleRate: 0 })
      const throttled = events.filter((e) => e.type === 'retry' && e.reason === 'throttled')
      expect(throttled.length).toBeGreaterThan(5)
      expect(throttled.every((e) => e.type === 'retry' && e.waitMs >= 150)).toBe(true)
      expect(dynamics.concurrency.limit).toBeLessThanOrEqual(started)
      for (const key of keys) {
        const rows = await collect(dynamics.records('contact', { select: ['lastname'], filter: `new_externalkey eq '${key}'` }))
        expect(rows).toHaveLength(1)
      }
      const stormCreates = await dynamics.count('contact', { filter: "jobtitle eq 'storm-create'" })
      expect(stormCreates.count).toBe(20)
      expect(new Set(created.map((c) => c.id)).size).toBe(20)
    } finally {
      local.sandbox.faults.update({ throttleRate: 0, serverErrorRate: 0, dropRate: 0 })
    }
  })

  it('the service-protection concurrency limit (429 0x80072326) is absorbed by the limiter', async () => {
    local.sandbox.protection.update({ concurrentRequests: 2 })
    local.sandbox.faults.update({ latencyMs: 30 })
    try {
      const dynamics = connector({ concurrency: { initial: 4 } })
      const counts = await Promise.all(Array.from({ length: 6 }, () => dynamics.count('account')))
      expect(counts.every((c) => c.count === counts[0].count)).toBe(true)
    } finally {
      local.sandbox.protection.update({ concurrentRequests: 52 })
      local.sandbox.protection.reset()
      local.sandbox.faults.update({ latencyMs: 0 })
    }
  })

  it('cancel: an aborted read stops with kind canceled', async () => {
    const dynamics = connector()
    const controller = new AbortController()
    local.sandbox.faults.update({ latencyMs: 300 })
    try {
      setTimeout(() => controller.abort(), 50)
      const error = (await dynamics.count('contact', { signal: controller.signal }).catch((e: unknown) => e)) as ConnectorError
      expect(error.kind).toBe('canceled')
    } finally {
      local.sandbox.faults.update({ latencyMs: 0 })
    }
  })
})

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}
