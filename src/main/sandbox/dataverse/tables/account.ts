import { chance, intBetween, pick, rowRandom } from '../../common/random'
import { addressColumns, deriveAddressComposites } from '../schema/address-columns'
import { bool, email, int, lookup, memo, money, phone, picklist, primaryKey, str, systemColumns, requiredLevel } from '../schema/columns'
import type { Row, TableContext, TableDef } from '../schema/model'
import { cities, companySuffix, companyWords, maybe, phoneNumber } from '../data/names'
import { createdModified } from '../data/time'

function generate(index: number, ctx: TableContext): Row {
  const random = rowRandom(ctx.seed, 'account', index)
  const [city, state, country] = pick(random, cities)
  const { createdon, modifiedon } = createdModified(random)
  const inactive = chance(random, 0.05)
  const owner = ctx.idOf('systemuser', intBetween(random, 0, 2))
  const name = `${pick(random, companyWords)} ${pick(random, companySuffix)}`.trim() + (index >= companyWords.length ? ` ${index}` : '')
  const row: Row = {
    accountid: ctx.idOf('account', index),
    name,
    accountnumber: `AC-${String(index).padStart(6, '0')}`,
    telephone1: maybe(random, 0.8, () => phoneNumber(random)),
    emailaddress1: maybe(random, 0.7, () => `info${index}@${name.toLowerCase().replace(/[^a-z]/g, '') || 'company'}.example`),
    websiteurl: maybe(random, 0.5, () => `https://www.example.com/${index}`),
    revenue: maybe(random, 0.7, () => intBetween(random, 1, 5000) * 10000),
    numberofemployees: maybe(random, 0.7, () => intBetween(random, 1, 20000)),
    industrycode: maybe(random, 0.8, () => intBetween(random, 1, 5)),
    accountcategorycode: pick(random, [1, 2, null]),
    customertypecode: pick(random, [1, 2, 3, 11]),
    address1_city: city,
    address1_stateorprovince: state,
    address1_country: country,
    address1_postalcode: String(intBetween(random, 10000, 99999)),
    address1_line1: `${intBetween(random, 1, 500)} Business Park`,
    donotbulkemail: chance(random, 0.1),
    creditonhold: chance(random, 0.05),
    primarycontactid:
      ctx.counts.contact > 0 && chance(random, 0.7)
        ? { id: ctx.idOf('contact', intBetween(random, 0, ctx.counts.contact - 1)), table: 'contact' }
        : null,
    parentaccountid:
      index > 0 && chance(random, 0.1) ? { id: ctx.idOf('account', intBetween(random, 0, index - 1)), table: 'account' } : null,
    ownerid: { id: owner, table: 'systemuser' },
    createdby: { id: ctx.idOf('systemuser', 1), table: 'systemuser' },
    modifiedby: { id: owner, table: 'systemuser' },
    transactioncurrencyid: { id: ctx.idOf('transactioncurrency', 0), table: 'transactioncurrency' },
    createdon,
    modifiedon,
    statecode: inactive ? 1 : 0,
    statuscode: inactive ? 2 : 1,
    versionnumber: 100000 + index
  }
  deriveAddressComposites(row)
  return row
}

export const accountTable: TableDef = {
  logicalName: 'account',
  schemaName: 'Account',
  entitySetName: 'accounts',
  displayName: 'Account',
  displayCollectionName: 'Accounts',
  primaryId: 'accountid',
  primaryName: 'name',
  objectTypeCode: 1,
  isActivity: false,
  isCustom: false,
  changeTracking: true,
  ownership: 'UserOwned',
  columns: [
    primaryKey('accountid', 'Account'),
    requiredLevel(str('name', 'Account Name', 160, { isPrimaryName: true }), 'ApplicationRequired'),
    str('accountnumber', 'Account Number', 20),
    phone('telephone1', 'Main Phone'),
    phone('telephone2', 'Other Phone'),
    phone('fax', 'Fax'),
    email('emailaddress1', 'Email'),
    str('websiteurl', 'Website', 200, { format: 'Url' }),
    money('revenue', 'Annual Revenue'),
    int('numberofemployees', 'Number of Employees', 0, 1000000000),
    picklist('industrycode', 'Industry', [
      [1, 'Accounting'],
      [2, 'Agriculture and Non-petrol Natural Resource Extraction'],
      [3, 'Broadcasting Printing and Publishing'],
      [4, 'Brokers'],
      [5, 'Building Supply Retail']
    ]),
    picklist('accountcategorycode', 'Category', [
      [1, 'Preferred Customer'],
      [2, 'Standard']
    ]),
    picklist('customertypecode', 'Relationship Type', [
      [1, 'Competitor'],
      [2, 'Consultant'],
      [3, 'Customer'],
      [11, 'Prospect']
    ]),
    bool('donotbulkemail', 'Do not allow Bulk Emails', 'Do Not Allow', 'Allow'),
    bool('creditonhold', 'Credit Hold'),
    memo('description', 'Description', 2000),
    lookup('primarycontactid', 'Primary Contact', ['contact'], { contact: 'primarycontactid' }, { contact: 'account_primary_contact' }),
    lookup('parentaccountid', 'Parent Account', ['account'], { account: 'parentaccountid' }, { account: 'account_parent_account' }),
    lookup(
      'transactioncurrencyid',
      'Currency',
      ['transactioncurrency'],
      { transactioncurrency: 'transactioncurrencyid' },
      { transactioncurrency: 'TransactionCurrency_Account' }
    ),
    ...addressColumns(1),
    ...systemColumns(
      'account',
      'accountbase',
      [
        [0, 'Active', 1],
        [1, 'Inactive', 2]
      ],
      [
        [1, 'Active', 0],
        [2, 'Inactive', 1]
      ],
      'owner_accounts'
    )
  ],
  keys: [],
  count: ({ contacts }) => Math.max(10, Math.ceil(contacts / 20)),
  generate,
  derive: deriveAddressComposites
}
