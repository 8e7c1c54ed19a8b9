import { bool, dateTime, int, lookup, primaryKey, readOnly, str } from '../schema/columns'
import type { Row, TableContext, TableDef } from '../schema/model'

/** The sandbox's users: row 0 is the application user every sandbox token acts as. */
const users = [
  {
    fullname: '# Sync Studio Sandbox (application user)',
    domainname: 'syncstudio-sandbox@contoso.example',
    firstname: '#',
    lastname: 'Sync Studio Sandbox'
  },
  { fullname: 'Alex Admin', domainname: 'alex.admin@contoso.example', firstname: 'Alex', lastname: 'Admin' },
  { fullname: 'Sam Seller', domainname: 'sam.seller@contoso.example', firstname: 'Sam', lastname: 'Seller' }
]

const baseAudit = (index: number, ctx: TableContext): Row => ({
  createdon: '2018-01-01T00:00:00Z',
  modifiedon: '2018-01-01T00:00:00Z',
  versionnumber: 1000 + index,
  createdby: { id: ctx.idOf('systemuser', 1), table: 'systemuser' },
  modifiedby: { id: ctx.idOf('systemuser', 1), table: 'systemuser' }
})

const auditColumns = (rel: string) => [
  dateTime('createdon', 'Created On', 'UserLocal', readOnly),
  dateTime('modifiedon', 'Modified On', 'UserLocal', readOnly),
  { ...int('versionnumber', 'Version Number'), type: 'BigInt' as const, ...readOnly },
  lookup('createdby', 'Created By', ['systemuser'], { systemuser: 'createdby' }, { systemuser: `lk_${rel}_createdby` }, readOnly),
  lookup('modifiedby', 'Modified By', ['systemuser'], { systemuser: 'modifiedby' }, { systemuser: `lk_${rel}_modifiedby` }, readOnly)
]

export const systemUserTable: TableDef = {
  logicalName: 'systemuser',
  schemaName: 'SystemUser',
  entitySetName: 'systemusers',
  displayName: 'User',
  displayCollectionName: 'Users',
  primaryId: 'systemuserid',
  primaryName: 'fullname',
  objectTypeCode: 8,
  isActivity: false,
  isCustom: false,
  changeTracking: true,
  ownership: 'BusinessOwned',
  columns: [
    primaryKey('systemuserid', 'User'),
    str('fullname', 'Full Name', 200, { ...readOnly, isPrimaryName: true, computed: true }),
    str('firstname', 'First Name', 64),
    str('lastname', 'Last Name', 64),
    str('domainname', 'User Name', 1024, { requiredLevel: 'SystemRequired' }),
    str('internalemailaddress', 'Primary Email', 100, { format: 'Email' }),
    bool('isdisabled', 'Status', 'Disabled', 'Enabled', false, readOnly),
    ...auditColumns('systemuser')
  ],
  keys: [],
  count: () => users.length,
  generate: (index, ctx) => ({
    systemuserid: ctx.idOf('systemuser', index),
    ...users[index],
    internalemailaddress: users[index].domainname,
    isdisabled: false,
    ...baseAudit(index, ctx)
  }),
  derive(row) {
    row.fullname = [row.firstname, row.lastname].filter(Boolean).join(' ') || null
  }
}

export const teamTable: TableDef = {
  logicalName: 'team',
  schemaName: 'Team',
  entitySetName: 'teams',
  displayName: 'Team',
  displayCollectionName: 'Teams',
  primaryId: 'teamid',
  primaryName: 'name',
  objectTypeCode: 9,
  isActivity: false,
  isCustom: false,
  changeTracking: false,
  ownership: 'BusinessOwned',
  columns: [
    primaryKey('teamid', 'Team'),
    str('name', 'Team Name', 160, { isPrimaryName: true, requiredLevel: 'SystemRequired' }),
    ...auditColumns('team')
  ],
  keys: [],
  count: () => 1,
  generate: (index, ctx) => ({ teamid: ctx.idOf('team', index), name: 'Contoso Marketing', ...baseAudit(index, ctx) })
}

export const currencyTable: TableDef = {
  logicalName: 'transactioncurrency',
  schemaName: 'TransactionCurrency',
  entitySetName: 'transactioncurrencies',
  displayName: 'Currency',
  displayCollectionName: 'Currencies',
  primaryId: 'transactioncurrencyid',
  primaryName: 'currencyname',
  objectTypeCode: 9105,
  isActivity: false,
  isCustom: false,
  changeTracking: false,
  ownership: 'OrganizationOwned',
  columns: [
    primaryKey('transactioncurrencyid', 'Transaction Currency'),
    str('currencyname', 'Currency Name', 100, { isPrimaryName: true, requiredLevel: 'SystemRequired' }),
    str('isocurrencycode', 'Currency Code', 5, { requiredLevel: 'SystemRequired' }),
    str('currencysymbol', 'Currency Symbol', 13, { requiredLevel: 'SystemRequired' }),
    ...auditColumns('transactioncurrency')
  ],
  keys: [],
  count: () => 1,
  generate: (index, ctx) => ({
    transactioncurrencyid: ctx.idOf('transactioncurrency', index),
    currencyname: 'US Dollar',
    isocurrencycode: 'USD',
    currencysymbol: '$',
    ...baseAudit(index, ctx)
  })
}
