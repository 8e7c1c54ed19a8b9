import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { keyIndexStatus } from '../../src/main/connectors/dynamics/metadata'
import type { MappingDocument, RecordsFlow } from '../../src/shared/mapping/document'
import { ensureCliBuilt, root, runCli } from './fixtures/built-cli'
import { contactsDocument, syncBench, type SyncBench } from './fixtures/sync-flow-sandbox'

/**
 * An alternate key whose index Dataverse could not build — someone added a key on e-mail to a
 * table that already holds duplicate e-mails, the index job failed — is still listed in the
 * table's metadata, with `EntityKeyIndexStatus: "Failed"`, and is not enforced. The connector
 * took every listed key as unique: a flow matched on e-mail passed validation, and two contacts
 * with one e-mail in different pages became one Campaign profile, the later read writing over
 * the first ("1 created, 1 updated", one contact lost without a word). The Sandbox's contact
 * table lists such a key (its generated e-mails repeat, as real ones do).
 */

let bench: SyncBench | undefined
afterEach(async () => {
  await bench?.close()
  bench = undefined
})

const contacts = contactsDocument.flows[0] as RecordsFlow
const byEmail: MappingDocument = { ...contactsDocument, flows: [{ ...contacts, match: { source: 'emailaddress1', target: 'email' } }] }

describe('an alternate key whose index is not active', () => {
  it('is read from the metadata as no key, with its status; a flow matched on it is refused before a record is read', async () => {
    bench = await syncBench({ contacts: 60, profiles: 0 })
    const dynamics = await bench.connections.dynamics('Sandbox')
    const contact = await dynamics.getTable('contact')
    expect(contact.keys.map((k) => k.name)).toEqual(['contactid', 'new_contact_externalkey'])
    expect(contact.inactiveKeys).toEqual([{ name: 'new_contact_email', fields: ['emailaddress1'], indexStatus: 'Failed' }])
    expect(contact.fields.find((f) => f.name === 'emailaddress1')?.isKey).not.toBe(true)

    // Not enforced: two contacts with one e-mail are both written.
    const email = 'same.person@example.com'
    const first = await dynamics.create('contact', { lastname: 'One', emailaddress1: email })
    const second = await dynamics.create('contact', { lastname: 'Two', emailaddress1: email })
    expect(first.id).not.toBe(second.id)

    const service = bench.service()
    for (const dryRun of [true, false]) {
      const error = await service.run(byEmail, { dryRun }).then(
        () => undefined,
        (e: Error) => e
      )
      expect(error?.message).toContain(
        'flows[0].match.source: "emailaddress1" is not unique in "contact": its alternate key "new_contact_email" is not active in Dynamics (index Failed, most often because the column holds duplicate values: remove them and reactivate the key; docs/validation.md) — match on "contactid" or an alternate key'
      )
    }
    const campaign = await bench.connections.campaign('Sandbox')
    const profiles: Array<Record<string, unknown>> = []
    for await (const page of campaign.profiles({ pageSize: 500 })) profiles.push(...page.records)
    expect(profiles.filter((p) => p.email === email)).toEqual([])
  })

  it('an events flow whose event-id column is no alternate key is refused before a record is read: each event is an upsert by it', async () => {
    bench = await syncBench({ contacts: 40, profiles: 10 })
    const example = JSON.parse(await readFile(join(root, 'examples/email-events.mapping.json'), 'utf8')) as MappingDocument
    const opens = { ...example, flows: example.flows.filter((f) => f.id === 'opens').map((f) => ({ ...f, match: { target: 'subject' } })) }
    // Dataverse refuses a write addressed by a column that is not a key (the run's every write, before this check).
    const dynamics = await bench.connections.dynamics('Sandbox')
    await expect(dynamics.upsert('new_emailopen', { subject: 'event-1' }, { description: 'x' })).rejects.toThrow(
      /key in the request URI is not valid/
    )
    const service = bench.service()
    for (const dryRun of [true, false]) {
      const error = await service.run(opens as MappingDocument, { dryRun }).then(
        () => undefined,
        (e: Error) => e
      )
      expect(error?.message).toContain(
        'flows[0].match.target: each event is written to "new_emailopen" addressed by "subject" (a replayed event updates its activity), and it is not an alternate key of "new_emailopen" — add one on it in Dynamics (docs/validation.md)'
      )
    }
    // The example as shipped (keyed on new_externaleventid) is accepted.
    const planned = await service.run({ ...example, flows: example.flows.filter((f) => f.id === 'opens') }, { dryRun: true })
    expect(planned.flows[0].status).toBe('completed')
  })

  it('the command line lists it apart from the keys, with its status', () => {
    ensureCliBuilt()
    const { code, stdout } = runCli(['schema', 'dynamics', '--table', 'contact', '--sandbox'])
    expect(code).toBe(0)
    expect(stdout.split('\n').slice(1, 3)).toEqual([
      'keys: contactid [contactid]; new_contact_externalkey [new_externalkey]; change tracking: yes',
      'keys not active: new_contact_email [emailaddress1] — index Failed'
    ])
  })

  it('reads the status as the Web API writes it (the member name) and as its value', () => {
    expect(['Active', 'Failed', 'Pending', 'InProgress', 'failed'].map(keyIndexStatus)).toEqual([
      'Active',
      'Failed',
      'Pending',
      'InProgress',
      'Failed'
    ])
    expect([0, 1, 2, 3, '3'].map(keyIndexStatus)).toEqual(['Pending', 'InProgress', 'Active', 'Failed', 'Failed'])
    // Listed without it (an older answer): taken as active, as before.
    expect([undefined, null, ''].map(keyIndexStatus)).toEqual(['Active', 'Active', 'Active'])
  })
})
