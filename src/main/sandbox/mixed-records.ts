import type { MappingDocument } from '../../shared/mapping/document'
import { nameGuid } from './dataverse/data/ids'
import type { RunningSandbox } from './index'

/**
 * The "mixed records" dataset: Dynamics contacts and vehicles full of every class of bad
 * record a consultant meets, added to a running sandbox as if users had typed them — bad
 * and empty emails, spaces-only emails, overlong values, NUL and lone surrogates, unicode,
 * values outside an enumeration, impossible dates, duplicate emails, inactive contacts, and
 * vehicles whose owner is missing, failing, filtered out or not set. The mapping that goes
 * with it (`mixedRecordsMapping`) maps those values without guarding them, so the target's
 * rules decide each record. Used by the dry-run = run test and `npm run bench -- agreement`.
 */

/** The record classes, in the order they repeat (index % classes.length). */
export const mixedRecordClasses = [
  'good',
  'bad email (no domain)',
  'bad email (" at ")',
  'empty email',
  'spaces-only email',
  'overlong first name',
  'NUL in last name',
  'lone surrogate in last name',
  'unicode names',
  'unknown email format value',
  'impossible birth date',
  'birth date out of range',
  'duplicate email',
  'inactive (filtered out)',
  'good, emoji at the length limit'
] as const

export interface MixedRecordsSeed {
  contacts: number
  vehicles: number
  /** Contact ids by class, for tests that look at one class. */
  byClass: Map<string, string[]>
}

const pad = (n: number) => String(n).padStart(6, '0')

function contactRow(index: number, kind: (typeof mixedRecordClasses)[number]): Record<string, unknown> {
  const row: Record<string, unknown> = {
    firstname: `Mixed${pad(index)}`,
    lastname: 'Berg',
    emailaddress1: `mixed.${pad(index)}@contoso.com`,
    gendercode: index % 2 === 0 ? 1 : 2,
    birthdate: '1985-08-17',
    jobtitle: index % 3 === 0 ? 'html' : 'text',
    statecode: 0,
    statuscode: 1
  }
  switch (kind) {
    case 'bad email (no domain)':
      row.emailaddress1 = `amelie.ozturk${pad(index)}@`
      break
    case 'bad email (" at ")':
      row.emailaddress1 = `nuria.thomas${pad(index)} at contoso.com`
      break
    case 'empty email':
      row.emailaddress1 = ''
      break
    case 'spaces-only email':
      row.emailaddress1 = '    '
      break
    case 'overlong first name':
      row.firstname = `Maximilian-Alexander-Konstantin ${pad(index)}` // 38 characters; Campaign holds 30
      break
    case 'NUL in last name':
      row.lastname = 'Ber\u0000g'
      break
    case 'lone surrogate in last name':
      row.lastname = 'Ber\ud83dg'
      break
    case 'unicode names':
      row.firstname = 'Zoë 😀'
      row.lastname = '王秀英-Łódź'
      break
    case 'unknown email format value':
      row.jobtitle = 'rich text'
      break
    case 'impossible birth date':
      row.birthdate = '2023-02-29'
      break
    case 'birth date out of range':
      row.birthdate = '10000-01-01'
      break
    case 'duplicate email':
      row.emailaddress1 = 'shared.inbox@contoso.com'
      break
    case 'inactive (filtered out)':
      row.statecode = 1
      row.statuscode = 2
      break
    case 'good, emoji at the length limit':
      row.firstname = '😀'.repeat(30) // 30 characters, 60 UTF-16 units: Campaign counts characters
      break
    default:
      break
  }
  return row
}

/** Adds the dataset to a running sandbox's Dynamics (idempotent: the same ids each time). */
export function seedMixedRecords(sandbox: RunningSandbox, options: { contacts: number }): MixedRecordsSeed {
  const byClass = new Map<string, string[]>()
  const ids: string[] = []
  for (let index = 0; index < options.contacts; index++) {
    const kind = mixedRecordClasses[index % mixedRecordClasses.length]
    const id = nameGuid(`mixed-contact-${index}`)
    sandbox.dynamics.touch('contact', id, contactRow(index, kind))
    ids.push(id)
    byClass.set(kind, [...(byClass.get(kind) ?? []), id])
  }
  // One vehicle per three contacts; every fourth has a parent that cannot be there.
  let vehicles = 0
  for (let index = 0; index * 3 < options.contacts; index++) {
    const id = nameGuid(`mixed-vehicle-${index}`)
    const owner =
      index % 4 === 3 ? (index % 8 === 3 ? null : nameGuid(`no-such-contact-${index}`)) : ids[(index * 3 + (index % 5)) % ids.length]
    sandbox.dynamics.touch('new_vehicle', id, {
      new_name: `Vehicle ${pad(index)}`,
      new_vin: `VIN${pad(index)}`,
      new_year: 2000 + (index % 25),
      new_contactid: owner
    })
    vehicles++
  }
  return { contacts: options.contacts, vehicles, byClass }
}

/**
 * The mapping for the dataset: contacts → profiles and vehicles → cusVehicle, with the
 * values mapped as they are (no truncate, a value map that keeps unknown codes), so every
 * bad record reaches the target's rules. A full read each time: the dataset is the run.
 */
export function mixedRecordsMapping(): MappingDocument {
  return {
    format: 'sync-studio/mapping@1',
    name: 'Mixed records (sandbox)',
    connections: { dynamics: 'Sandbox', campaign: 'Sandbox' },
    flows: [
      {
        id: 'contacts',
        kind: 'records',
        source: { system: 'dynamics', table: 'contact' },
        target: { system: 'campaign', resource: 'profile' },
        match: { source: 'contactid', target: 'cusDynamicsContactId' },
        filter: { all: [{ field: 'statecode', op: 'eq', value: 0 }] },
        fields: [
          { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'trim' }, { fn: 'lower' }] },
          { target: 'firstName', from: ['firstname'] },
          { target: 'lastName', from: ['lastname'] },
          {
            target: 'gender',
            from: ['gendercode'],
            steps: [{ fn: 'valueMap', map: { '1': 'male', '2': 'female' }, otherwise: 'unknown' }]
          },
          // Text into an enumeration: a value outside it ("rich text") is refused per record.
          { target: 'emailFormat', from: ['jobtitle'] },
          { target: 'birthDate', from: ['birthdate'] }
        ],
        deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false },
        sync: { mode: 'full' }
      },
      {
        id: 'vehicles',
        kind: 'records',
        source: { system: 'dynamics', table: 'new_vehicle' },
        target: { system: 'campaign', resource: 'cusVehicle' },
        match: { source: 'new_vehicleid', target: 'externalId' },
        fields: [
          { target: 'vin', from: ['new_vin'] },
          { target: 'vehicleName', from: ['new_name'] },
          { target: 'modelYear', from: ['new_year'] },
          { target: 'profileExternalId', from: ['_new_contactid_value'] }
        ],
        links: [{ target: 'vehicleOwner', source: '_new_contactid_value', parentFlow: 'contacts' }],
        deletes: { applySourceDeletes: true, deleteWhenFilteredOut: false },
        sync: { mode: 'full' }
      }
    ]
  } as MappingDocument
}
