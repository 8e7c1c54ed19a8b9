import { chance, intBetween, pick, rowRandom } from '../../common/random'
import { addressColumns, deriveAddressComposites } from '../schema/address-columns'
import {
  bool,
  dateTime,
  email,
  int,
  lookup,
  memo,
  money,
  phone,
  picklist,
  primaryKey,
  readOnly,
  requiredLevel,
  str,
  systemColumns
} from '../schema/columns'
import type { ColumnDef, Row, TableContext, TableDef } from '../schema/model'
import { atLimit, cities, emailFor, firstNames, lastNames, maybe, phoneNumber, streets } from '../data/names'
import { birthDate, createdModified } from '../data/time'

const columns: ColumnDef[] = [
  primaryKey('contactid', 'Contact'),
  requiredLevel(str('firstname', 'First Name', 50), 'Recommended'),
  requiredLevel(str('lastname', 'Last Name', 50), 'ApplicationRequired'),
  str('middlename', 'Middle Name', 50),
  str('fullname', 'Full Name', 160, { ...readOnly, isPrimaryName: true, computed: true }),
  str('nickname', 'Nickname', 100),
  str('salutation', 'Salutation', 100),
  str('suffix', 'Suffix', 10),
  str('yomifirstname', 'Yomi First Name', 150),
  str('yomilastname', 'Yomi Last Name', 150),
  str('jobtitle', 'Job Title', 100),
  str('department', 'Department', 100),
  str('company', 'Company Phone', 50),
  email('emailaddress1', 'Email'),
  email('emailaddress2', 'Email Address 2'),
  email('emailaddress3', 'Email Address 3'),
  phone('telephone1', 'Business Phone'),
  phone('telephone2', 'Home Phone'),
  phone('telephone3', 'Telephone 3'),
  phone('mobilephone', 'Mobile Phone'),
  phone('fax', 'Fax'),
  phone('pager', 'Pager'),
  str('websiteurl', 'Website', 200, { format: 'Url' }),
  str('ftpsiteurl', 'FTP Site', 200, { format: 'Url' }),
  str('governmentid', 'Government', 50),
  str('employeeid', 'Employee', 50),
  str('externaluseridentifier', 'External User Identifier', 50),
  str('spousesname', 'Spouse/Partner Name', 100),
  str('childrensnames', "Children's Names", 255),
  str('managername', 'Manager', 100),
  phone('managerphone', 'Manager Phone'),
  str('assistantname', 'Assistant', 100),
  phone('assistantphone', 'Assistant Phone'),
  dateTime('birthdate', 'Birthday', 'DateOnly'),
  dateTime('anniversary', 'Anniversary', 'DateOnly'),
  dateTime('lastusedincampaign', 'Last Date Included in Campaign', 'UserLocal', { validForCreate: false }),
  dateTime('lastonholdtime', 'Last On Hold Time', 'UserLocal'),
  picklist(
    'gendercode',
    'Gender',
    [
      [1, 'Male'],
      [2, 'Female']
    ],
    { optionSetName: 'contact_gendercode' }
  ),
  picklist('familystatuscode', 'Marital Status', [
    [1, 'Single'],
    [2, 'Married'],
    [3, 'Divorced'],
    [4, 'Widowed']
  ]),
  picklist(
    'preferredcontactmethodcode',
    'Preferred Method of Contact',
    [
      [1, 'Any'],
      [2, 'Email'],
      [3, 'Phone'],
      [4, 'Fax'],
      [5, 'Mail']
    ],
    { defaultValue: 1 }
  ),
  picklist('leadsourcecode', 'Lead Source', [[1, 'Default Value']]),
  picklist('customertypecode', 'Relationship Type', [[1, 'Default Value']]),
  picklist('customersizecode', 'Customer Size', [[1, 'Default Value']]),
  picklist('educationcode', 'Education', [[1, 'Default Value']]),
  picklist('haschildrencode', 'Has Children', [[1, 'Default Value']]),
  picklist('shippingmethodcode', 'Shipping Method', [[1, 'Default Value']]),
  picklist('paymenttermscode', 'Payment Terms', [
    [1, 'Net 30'],
    [2, '2% 10, Net 30'],
    [3, 'Net 45'],
    [4, 'Net 60']
  ]),
  picklist('accountrolecode', 'Role', [
    [1, 'Decision Maker'],
    [2, 'Employee'],
    [3, 'Influencer']
  ]),
  picklist('territorycode', 'Territory', [[1, 'Default Value']]),
  picklist('preferredappointmentdaycode', 'Preferred Day', [
    [0, 'Sunday'],
    [1, 'Monday'],
    [2, 'Tuesday'],
    [3, 'Wednesday'],
    [4, 'Thursday'],
    [5, 'Friday'],
    [6, 'Saturday']
  ]),
  picklist('preferredappointmenttimecode', 'Preferred Time', [
    [1, 'Morning'],
    [2, 'Afternoon'],
    [3, 'Evening']
  ]),
  bool('creditonhold', 'Credit Hold'),
  bool('donotbulkemail', 'Do not allow Bulk Emails', 'Do Not Allow', 'Allow'),
  bool('donotemail', 'Do not allow Emails', 'Do Not Allow', 'Allow'),
  bool('donotbulkpostalmail', 'Do not allow Bulk Mails', 'Yes', 'No'),
  bool('donotpostalmail', 'Do not allow Mails', 'Do Not Allow', 'Allow'),
  bool('donotphone', 'Do not allow Phone Calls', 'Do Not Allow', 'Allow'),
  bool('donotfax', 'Do not allow Faxes', 'Do Not Allow', 'Allow'),
  bool('donotsendmm', 'Send Marketing Materials', 'Do Not Send', 'Send'),
  bool('followemail', 'Follow Email Activity', 'Allow', 'Do Not Allow', true),
  bool('marketingonly', 'Marketing Only'),
  bool('isbackofficecustomer', 'Back Office Customer'),
  int('numberofchildren', 'No. of Children', 0, 1000000000),
  money('annualincome', 'Annual Income'),
  money('creditlimit', 'Credit Limit'),
  memo('description', 'Description', 2000),
  {
    ...lookup(
      'parentcustomerid',
      'Company Name',
      ['account', 'contact'],
      { account: 'parentcustomerid_account', contact: 'parentcustomerid_contact' },
      { account: 'contact_customer_accounts', contact: 'contact_customer_contacts' }
    ),
    type: 'Customer'
  },
  lookup(
    'transactioncurrencyid',
    'Currency',
    ['transactioncurrency'],
    { transactioncurrency: 'transactioncurrencyid' },
    { transactioncurrency: 'TransactionCurrency_Contact' }
  ),
  ...addressColumns(1),
  ...addressColumns(2),
  ...addressColumns(3),
  str('new_externalkey', 'External Key', 100),
  picklist(
    'new_loyaltytier',
    'Loyalty Tier',
    [
      [100000000, 'Bronze'],
      [100000001, 'Silver'],
      [100000002, 'Gold'],
      [100000003, 'Platinum']
    ],
    { optionSetName: 'new_loyaltytier', isGlobalOptionSet: true }
  ),
  int('new_loyaltypoints', 'Loyalty Points', 0, 10000000),
  picklist('new_preferredlanguage', 'Preferred Language', [
    [100000000, 'English'],
    [100000001, 'Français'],
    [100000002, 'Deutsch'],
    [100000003, '日本語'],
    [100000004, 'Español']
  ]),
  dateTime('new_consentdate', 'Consent Date', 'UserLocal'),
  memo('new_interests', 'Interests', 4000),
  str('new_campaignprofileid', 'Campaign Profile ID', 100),
  bool('new_smsoptin', 'SMS Opt-in'),
  ...systemColumns(
    'contact',
    'contact',
    [
      [0, 'Active', 1],
      [1, 'Inactive', 2]
    ],
    [
      [1, 'Active', 0],
      [2, 'Inactive', 1]
    ],
    'owner_contacts'
  )
]

interface BaseName {
  first: string | null
  last: string
  email: string | null
}

function baseName(seed: number, index: number): BaseName {
  const random = rowRandom(seed, 'contact#name', index)
  let first: string | null = pick(random, firstNames)
  let last: string = pick(random, lastNames)
  if (chance(random, 0.03)) first = null
  if (chance(random, 0.005)) first = atLimit(first ?? 'Maximilian', 50)
  if (chance(random, 0.005)) last = atLimit(last, 50)
  const email = emailFor(random, first ?? 'nofirst', last, index)
  return { first, last, email }
}

function generate(index: number, ctx: TableContext): Row {
  const random = rowRandom(ctx.seed, 'contact', index)
  // Exact duplicates of the previous row (a classic CRM data-quality problem).
  const duplicate = index > 0 && chance(random, 0.01)
  const name = baseName(ctx.seed, duplicate ? index - 1 : index)
  const inactive = chance(random, 0.08)
  const [city, state, country] = pick(random, cities)
  const { createdon, modifiedon } = createdModified(random)
  const owner = ctx.idOf('systemuser', intBetween(random, 0, 2))
  const accounts = ctx.counts.account
  const parentRoll = random()
  const parent =
    parentRoll < 0.6 && accounts > 0
      ? { id: ctx.idOf('account', intBetween(random, 0, accounts - 1)), table: 'account' }
      : parentRoll < 0.65 && index > 0
        ? { id: ctx.idOf('contact', intBetween(random, 0, index - 1)), table: 'contact' }
        : null
  const row: Row = {
    contactid: ctx.idOf('contact', index),
    firstname: name.first,
    lastname: name.last,
    middlename: maybe(random, 0.1, () => pick(random, ['A.', 'Marie', 'J.', 'Åsa'])),
    jobtitle: maybe(random, 0.5, () => pick(random, ['Buyer', 'CEO', 'Marketing Manager', 'Ingénieur', 'Consultant'])),
    emailaddress1: name.email,
    emailaddress2: maybe(random, 0.15, () => `alt${index}@example.org`),
    telephone1: maybe(random, 0.6, () => phoneNumber(random)),
    mobilephone: maybe(random, 0.5, () => phoneNumber(random)),
    birthdate: maybe(random, 0.6, () => birthDate(random)),
    gendercode: pick(random, [1, 2, null]),
    familystatuscode: pick(random, [1, 2, 3, 4, null]),
    preferredcontactmethodcode: (index % 5) + 1,
    preferredappointmentdaycode: maybe(random, 0.3, () => intBetween(random, 0, 6)),
    donotbulkemail: chance(random, 0.15),
    donotemail: chance(random, 0.05),
    donotbulkpostalmail: chance(random, 0.1),
    donotpostalmail: chance(random, 0.05),
    donotphone: chance(random, 0.05),
    donotfax: chance(random, 0.02),
    donotsendmm: chance(random, 0.1),
    followemail: !chance(random, 0.1),
    marketingonly: chance(random, 0.05),
    creditonhold: chance(random, 0.02),
    numberofchildren: maybe(random, 0.3, () => intBetween(random, 0, 5)),
    annualincome: maybe(random, 0.2, () => intBetween(random, 10, 500) * 1000),
    address1_addresstypecode: pick(random, [1, 2, 3, 4, null]),
    address1_line1: chance(random, 0.003)
      ? atLimit(`${intBetween(random, 1, 999)} ${pick(random, streets)}`, 250)
      : maybe(random, 0.8, () => `${intBetween(random, 1, 999)} ${pick(random, streets)}`),
    address1_city: city,
    address1_stateorprovince: state,
    address1_postalcode: maybe(random, 0.9, () => String(intBetween(random, 10000, 99999))),
    address1_country: country,
    address1_latitude: maybe(random, 0.4, () => Math.round((random() * 180 - 90) * 1e5) / 1e5),
    address1_longitude: null,
    address1_telephone1: null,
    description: chance(random, 0.01) ? 'Notes: ' + 'Lorem ipsum dolor sit amet. '.repeat(70).slice(0, 1993) : null,
    parentcustomerid: parent,
    ownerid: { id: owner, table: 'systemuser' },
    createdby: { id: ctx.idOf('systemuser', 1), table: 'systemuser' },
    modifiedby: { id: owner, table: 'systemuser' },
    transactioncurrencyid: { id: ctx.idOf('transactioncurrency', 0), table: 'transactioncurrency' },
    createdon,
    modifiedon,
    statecode: inactive ? 1 : 0,
    statuscode: inactive ? 2 : 1,
    versionnumber: 100000 + index,
    new_externalkey: `CT-${String(index).padStart(7, '0')}`,
    new_loyaltytier: index % 5 === 4 ? null : 100000000 + (index % 5),
    new_loyaltypoints: maybe(random, 0.5, () => intBetween(random, 0, 50000)),
    new_preferredlanguage: maybe(random, 0.7, () => 100000000 + intBetween(random, 0, 4)),
    new_consentdate: maybe(random, 0.4, () => modifiedon),
    new_smsoptin: chance(random, 0.3)
  }
  if (row.address1_latitude !== null) row.address1_longitude = Math.round((random() * 360 - 180) * 1e5) / 1e5
  derive(row)
  return row
}

function derive(row: Row): void {
  row.fullname = [row.firstname, row.lastname].filter((p) => typeof p === 'string' && p.length > 0).join(' ') || null
  deriveAddressComposites(row)
}

export const contactTable: TableDef = {
  logicalName: 'contact',
  schemaName: 'Contact',
  entitySetName: 'contacts',
  displayName: 'Contact',
  displayCollectionName: 'Contacts',
  primaryId: 'contactid',
  primaryName: 'fullname',
  objectTypeCode: 2,
  isActivity: false,
  isCustom: false,
  changeTracking: true,
  ownership: 'UserOwned',
  columns,
  keys: [
    {
      logicalName: 'new_contact_externalkey',
      schemaName: 'new_contact_externalkey',
      displayName: 'External Key',
      attributes: ['new_externalkey']
    }
  ],
  // A key someone added on e-mail, whose index failed on the duplicate e-mails the table holds
  // (the generated names repeat): the state a real tenant shows, listed and not enforced.
  inactiveKeys: [
    {
      logicalName: 'new_contact_email',
      schemaName: 'new_contact_email',
      displayName: 'Email',
      attributes: ['emailaddress1'],
      indexStatus: 'Failed'
    }
  ],
  count: ({ contacts }) => contacts,
  generate,
  derive,
  indexForKey(key) {
    const value = key.new_externalkey
    if (typeof value !== 'string') return undefined
    const match = /^CT-(\d{7,})$/.exec(value)
    return match ? Number(match[1]) : undefined
  }
}
