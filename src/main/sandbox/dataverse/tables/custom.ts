import { chance, intBetween, pick, rowRandom } from '../../common/random'
import { dateTime, int, lookup, money, picklist, primaryKey, requiredLevel, str, systemColumns } from '../schema/columns'
import type { Row, TableContext, TableDef } from '../schema/model'
import { eventNames, vehicleMakes, vehicleModels } from '../data/names'
import { createdModified, isoDate } from '../data/time'

/**
 * Custom tables linked to contact. Their lookup navigation properties are named after the
 * lookup's SchemaName (`new_ContactId`), as real custom lookups are — a classic
 * `@odata.bind` trap that the sandbox reproduces on purpose.
 */
const contactLookup = (table: string) => ({
  ...lookup('new_contactid', 'Contact', ['contact'], { contact: 'new_ContactId' }, { contact: `new_contact_${table}` }),
  schemaName: 'new_ContactId'
})

const states: Array<[number, string, number]> = [
  [0, 'Active', 1],
  [1, 'Inactive', 2]
]
const statuses: Array<[number, string, number]> = [
  [1, 'Active', 0],
  [2, 'Inactive', 1]
]

function audit(random: () => number, index: number, ctx: TableContext): Row {
  const { createdon, modifiedon } = createdModified(random)
  const owner = ctx.idOf('systemuser', intBetween(random, 0, 2))
  const inactive = chance(random, 0.05)
  return {
    createdon,
    modifiedon,
    statecode: inactive ? 1 : 0,
    statuscode: inactive ? 2 : 1,
    versionnumber: 100000 + index,
    ownerid: { id: owner, table: 'systemuser' },
    createdby: { id: ctx.idOf('systemuser', 1), table: 'systemuser' },
    modifiedby: { id: owner, table: 'systemuser' }
  }
}

/** Child rows point at contacts spread over the whole table, a few contacts having several. */
function contactFor(random: () => number, ctx: TableContext): Row['new_contactid'] {
  if (ctx.counts.contact === 0 || chance(random, 0.02)) return null // orphan: exercises "orphans retried"
  return { id: ctx.idOf('contact', intBetween(random, 0, ctx.counts.contact - 1)), table: 'contact' }
}

export const vehicleTable: TableDef = {
  logicalName: 'new_vehicle',
  schemaName: 'new_Vehicle',
  entitySetName: 'new_vehicles',
  displayName: 'Vehicle',
  displayCollectionName: 'Vehicles',
  primaryId: 'new_vehicleid',
  primaryName: 'new_name',
  objectTypeCode: 10010,
  isActivity: false,
  isCustom: true,
  changeTracking: true,
  ownership: 'UserOwned',
  columns: [
    primaryKey('new_vehicleid', 'Vehicle'),
    requiredLevel(str('new_name', 'Name', 100, { isPrimaryName: true }), 'ApplicationRequired'),
    str('new_make', 'Make', 100),
    str('new_model', 'Model', 100),
    int('new_year', 'Year', 1900, 2100),
    str('new_vin', 'VIN', 17),
    dateTime('new_purchasedate', 'Purchase Date', 'DateOnly'),
    picklist('new_fueltype', 'Fuel Type', [
      [100000000, 'Petrol'],
      [100000001, 'Diesel'],
      [100000002, 'Electric'],
      [100000003, 'Hybrid']
    ]),
    money('new_price', 'Price'),
    contactLookup('new_vehicle'),
    ...systemColumns('new_vehicle', 'new_vehicle', states, statuses)
  ],
  keys: [{ logicalName: 'new_vehicle_vin', schemaName: 'new_vehicle_vin', displayName: 'VIN', attributes: ['new_vin'] }],
  count: ({ contacts }) => Math.floor(contacts * 0.3),
  generate(index, ctx) {
    const random = rowRandom(ctx.seed, 'new_vehicle', index)
    const make = pick(random, vehicleMakes)
    const model = pick(random, vehicleModels)
    const year = intBetween(random, 2005, 2025)
    return {
      new_vehicleid: ctx.idOf('new_vehicle', index),
      new_name: `${make} ${model} ${year}`,
      new_make: make,
      new_model: model,
      new_year: year,
      new_vin: `VIN${String(index).padStart(14, '0')}`,
      new_purchasedate: isoDate(Date.UTC(year, intBetween(random, 0, 11), intBetween(random, 1, 28))),
      new_fueltype: 100000000 + (index % 4),
      new_price: intBetween(random, 5, 90) * 1000,
      new_contactid: contactFor(random, ctx),
      ...audit(random, index, ctx)
    }
  },
  indexForKey(key) {
    const match = typeof key.new_vin === 'string' ? /^VIN(\d{14})$/.exec(key.new_vin) : null
    return match ? Number(match[1]) : undefined
  }
}

export const eventRegistrationTable: TableDef = {
  logicalName: 'new_eventregistration',
  schemaName: 'new_EventRegistration',
  entitySetName: 'new_eventregistrations',
  displayName: 'Event Registration',
  displayCollectionName: 'Event Registrations',
  primaryId: 'new_eventregistrationid',
  primaryName: 'new_name',
  objectTypeCode: 10011,
  isActivity: false,
  isCustom: true,
  changeTracking: true,
  ownership: 'UserOwned',
  columns: [
    primaryKey('new_eventregistrationid', 'Event Registration'),
    requiredLevel(str('new_name', 'Name', 200, { isPrimaryName: true }), 'ApplicationRequired'),
    str('new_eventname', 'Event', 200),
    dateTime('new_eventdate', 'Event Date', 'UserLocal'),
    picklist('new_registrationstatus', 'Registration Status', [
      [100000000, 'Registered'],
      [100000001, 'Attended'],
      [100000002, 'No-show'],
      [100000003, 'Cancelled']
    ]),
    money('new_ticketprice', 'Ticket Price'),
    str('new_registrationnumber', 'Registration Number', 20),
    contactLookup('new_eventregistration'),
    ...systemColumns('new_eventregistration', 'new_eventregistration', states, statuses)
  ],
  keys: [
    {
      logicalName: 'new_eventregistration_number',
      schemaName: 'new_eventregistration_number',
      displayName: 'Registration Number',
      attributes: ['new_registrationnumber']
    }
  ],
  count: ({ contacts }) => Math.floor(contacts * 0.5),
  generate(index, ctx) {
    const random = rowRandom(ctx.seed, 'new_eventregistration', index)
    const event = pick(random, eventNames)
    const rest = audit(random, index, ctx)
    return {
      new_eventregistrationid: ctx.idOf('new_eventregistration', index),
      new_name: `${event} #${index}`,
      new_eventname: event,
      new_eventdate: rest.createdon,
      new_registrationstatus: 100000000 + (index % 4),
      new_ticketprice: chance(random, 0.5) ? 0 : intBetween(random, 10, 500),
      new_registrationnumber: `REG-${String(index).padStart(8, '0')}`,
      new_contactid: contactFor(random, ctx),
      ...rest
    }
  },
  indexForKey(key) {
    const match = typeof key.new_registrationnumber === 'string' ? /^REG-(\d{8})$/.exec(key.new_registrationnumber) : null
    return match ? Number(match[1]) : undefined
  }
}
