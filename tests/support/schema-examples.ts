import type { Field, Option, Table } from '../../src/shared/schema/model'

/**
 * Realistic example tables, built from the published data models
 * (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/contact,
 * https://experienceleague.adobe.com/en/docs/campaign-standard/using/developing/datamodel/datamodel-profile), so tests, the canvas and the CLI can validate mappings before the
 * connectors deliver live metadata. Not a substitute for the live schema: orgs add options
 * and columns.
 */

type Extra = Partial<Omit<Field, 'name' | 'displayName' | 'type'>>

export const field = (name: string, displayName: string, type: Field['type'], extra: Extra = {}): Field => ({
  name,
  displayName,
  type,
  required: 'none',
  readOnly: false,
  validForCreate: true,
  validForUpdate: true,
  ...extra
})
/** A writable field named by its logical name, for tests that need only a name and a type. */
export const plainField = (name: string, type: Field['type']): Field => field(name, name, type)
const text = (name: string, displayName: string, maxLength: number, extra: Extra = {}) =>
  field(name, displayName, 'string', { maxLength, ...extra })
const readOnly: Extra = { readOnly: true, validForCreate: false, validForUpdate: false }
const options = (...pairs: Array<[number | string, string, (number | string)?]>): Option[] =>
  pairs.map(([value, label, code]) => (code === undefined ? { value, label } : { value, label, code }))
const doNotAllow = options([1, 'Do Not Allow'], [0, 'Allow'])

export const dynamicsContact: Table = {
  system: 'dynamics',
  name: 'contact',
  displayName: 'Contact',
  entitySetName: 'contacts',
  primaryId: 'contactid',
  primaryName: 'fullname',
  changeTracking: true,
  keys: [{ name: 'contactid', fields: ['contactid'] }],
  fields: [
    field('contactid', 'Contact', 'uniqueidentifier', { required: 'required', validForUpdate: false, isKey: true }),
    text('firstname', 'First Name', 50, { required: 'recommended' }),
    text('lastname', 'Last Name', 50, { required: 'required' }),
    text('middlename', 'Middle Name', 50),
    text('fullname', 'Full Name', 160, readOnly),
    text('salutation', 'Salutation', 100),
    text('nickname', 'Nickname', 100),
    field('emailaddress1', 'Email', 'email', { maxLength: 100 }),
    field('emailaddress2', 'Email Address 2', 'email', { maxLength: 100 }),
    field('emailaddress3', 'Email Address 3', 'email', { maxLength: 100 }),
    field('donotbulkemail', 'Do not allow Bulk Emails', 'boolean', { options: doNotAllow }),
    field('donotemail', 'Do not allow Emails', 'boolean', { options: doNotAllow }),
    field('donotbulkpostalmail', 'Do not allow Bulk Mails', 'boolean', { options: doNotAllow }),
    field('donotpostalmail', 'Do not allow Mails', 'boolean', { options: doNotAllow }),
    field('donotphone', 'Do not allow Phone Calls', 'boolean', { options: doNotAllow }),
    field('donotfax', 'Do not allow Faxes', 'boolean', { options: doNotAllow }),
    field('donotsendmm', 'Send Marketing Materials', 'boolean', { options: options([1, 'Do Not Send'], [0, 'Send']) }),
    field('followemail', 'Follow Email Activity', 'boolean', { options: options([1, 'Allow'], [0, 'Do Not Allow']) }),
    field('marketingonly', 'Marketing Only', 'boolean', { options: options([1, 'Yes'], [0, 'No']) }),
    field('statecode', 'Status', 'picklist', {
      required: 'required',
      validForCreate: false,
      options: options([0, 'Active'], [1, 'Inactive'])
    }),
    field('statuscode', 'Status Reason', 'picklist', { options: options([1, 'Active'], [2, 'Inactive']) }),
    field('createdon', 'Created On', 'datetime', { ...readOnly, dateBehavior: 'userLocal' }),
    field('modifiedon', 'Modified On', 'datetime', { ...readOnly, dateBehavior: 'userLocal' }),
    field('versionnumber', 'Version Number', 'bigint', readOnly),
    field('birthdate', 'Birthday', 'dateonly', { dateBehavior: 'dateOnly' }),
    field('anniversary', 'Anniversary', 'dateonly', { dateBehavior: 'dateOnly' }),
    field('lastusedincampaign', 'Last Date Included in Campaign', 'datetime', { validForCreate: false, dateBehavior: 'userLocal' }),
    field('gendercode', 'Gender', 'picklist', { options: options([1, 'Male'], [2, 'Female']) }),
    field('preferredcontactmethodcode', 'Preferred Method of Contact', 'picklist', {
      options: options([1, 'Any'], [2, 'Email'], [3, 'Phone'], [4, 'Fax'], [5, 'Mail'])
    }),
    field('familystatuscode', 'Marital Status', 'picklist', {
      options: options([1, 'Single'], [2, 'Married'], [3, 'Divorced'], [4, 'Widowed'])
    }),
    field('address1_addresstypecode', 'Address 1: Address Type', 'picklist', {
      options: options([1, 'Bill To'], [2, 'Ship To'], [3, 'Primary'], [4, 'Other'])
    }),
    field('parentcustomerid', 'Company Name', 'lookup', { targets: ['account', 'contact'], readName: '_parentcustomerid_value' }),
    text('parentcustomeridname', 'Company Name (name)', 160, readOnly),
    field('ownerid', 'Owner', 'lookup', { targets: ['systemuser', 'team'], readName: '_ownerid_value', required: 'required' }),
    field('transactioncurrencyid', 'Currency', 'lookup', { targets: ['transactioncurrency'], readName: '_transactioncurrencyid_value' }),
    text('address1_line1', 'Address 1: Street 1', 250),
    text('address1_line2', 'Address 1: Street 2', 250),
    text('address1_line3', 'Address 1: Street 3', 250),
    text('address1_city', 'Address 1: City', 80),
    text('address1_stateorprovince', 'Address 1: State/Province', 50),
    text('address1_postalcode', 'Address 1: ZIP/Postal Code', 20),
    text('address1_country', 'Address 1: Country/Region', 80),
    text('address1_county', 'Address 1: County', 50),
    text('address1_name', 'Address 1: Name', 200),
    field('address1_telephone1', 'Address 1: Phone', 'phone', { maxLength: 50 }),
    field('address1_latitude', 'Address 1: Latitude', 'double'),
    field('address1_longitude', 'Address 1: Longitude', 'double'),
    field('address1_composite', 'Address 1', 'memo', { maxLength: 1000, ...readOnly }),
    field('telephone1', 'Business Phone', 'phone', { maxLength: 50 }),
    field('telephone2', 'Home Phone', 'phone', { maxLength: 50 }),
    field('mobilephone', 'Mobile Phone', 'phone', { maxLength: 50 }),
    field('fax', 'Fax', 'phone', { maxLength: 50 }),
    text('jobtitle', 'Job Title', 100),
    text('department', 'Department', 100),
    field('websiteurl', 'Website', 'url', { maxLength: 200 }),
    field('description', 'Description', 'memo', { maxLength: 2000 }),
    field('creditlimit', 'Credit Limit', 'money'),
    field('annualincome', 'Annual Income', 'money'),
    field('numberofchildren', 'No. of Children', 'integer'),
    field('exchangerate', 'Exchange Rate', 'decimal', readOnly),
    field('new_interests', 'Interests', 'multipicklist', {
      options: options([100000000, 'Sports'], [100000001, 'Travel'], [100000002, 'Music'])
    })
  ]
}

/** An account, the target of `parentcustomerid`, for lookup examples. */
export const dynamicsAccount: Table = {
  system: 'dynamics',
  name: 'account',
  displayName: 'Account',
  entitySetName: 'accounts',
  primaryId: 'accountid',
  primaryName: 'name',
  changeTracking: true,
  keys: [{ name: 'accountid', fields: ['accountid'] }],
  fields: [
    field('accountid', 'Account', 'uniqueidentifier', { required: 'required', validForUpdate: false, isKey: true }),
    text('name', 'Account Name', 160, { required: 'required' }),
    text('accountnumber', 'Account Number', 20),
    field('revenue', 'Annual Revenue', 'money')
  ]
}

const blackList = (suffix: string, label: string) => field(`blackList${suffix}`, `No longer contact by ${label}`, 'boolean')
const stamp = (name: string, displayName: string) => field(name, displayName, 'datetime', readOnly)

export const campaignProfile: Table = {
  system: 'campaign',
  name: 'profile',
  displayName: 'Profiles',
  href: '/profileAndServicesExt/profile',
  primaryId: 'PKey',
  primaryName: 'title',
  changeTracking: false,
  keys: [{ name: 'dynamicsContactId', fields: ['cusDynamicsContactId'] }],
  fields: [
    text('PKey', 'Main resource ID', 255, readOnly),
    field('age', 'Age', 'integer', readOnly),
    field('birthDate', 'Date of birth', 'dateonly'),
    field('blackList', 'No longer contact (by any channel)', 'boolean'),
    blackList('Email', 'email'),
    blackList('Fax', 'fax'),
    blackList('Mobile', 'SMS'),
    blackList('Phone', 'phone'),
    blackList('PostalMail', 'direct mail'),
    blackList('Pushnotification', 'push notification'),
    stamp('blackListEmailLastModified', 'No longer contact by email - last modified'),
    field('ccpaOptOut', 'CCPA opt-out', 'boolean'),
    field('country', 'Country', 'link', { targets: ['country'] }),
    stamp('created', 'Created'),
    stamp('lastModified', 'Last modified'),
    text('cryptedId', 'Encrypted ID', 255, readOnly),
    text('domain', 'Email domain', 255, readOnly),
    field('email', 'Email', 'email', { maxLength: 128 }),
    field('emailFormat', 'Email format', 'enumeration', {
      options: options(['unknown', 'Unknown', 0], ['text', 'Text', 1], ['html', 'HTML', 2])
    }),
    text('externalId', 'External Resource ID', 100),
    field('isExternal', 'External resource', 'boolean'),
    field('fax', 'Fax', 'phone', { maxLength: 32 }),
    text('firstName', 'First name', 30),
    field('gender', 'Gender', 'enumeration', {
      options: options(['unknown', 'Unspecified', 0], ['male', 'Male', 1], ['female', 'Female', 2])
    }),
    text('lastName', 'Last name', 50),
    text('middleName', 'Middle name', 30),
    text('location.address1', 'Address 1', 80),
    text('location.address2', 'Address 2', 80),
    text('location.address3', 'Address 3', 80),
    text('location.address4', 'Address 4', 80),
    text('location.city', 'City', 50),
    text('location.countryCode', 'Country code', 2),
    text('location.stateCode', 'State code', 10),
    text('location.zipCode', 'Zip code', 20),
    field('mobilePhone', 'Mobile', 'phone', { maxLength: 32 }),
    field('phone', 'Phone', 'phone', { maxLength: 32 }),
    text('preferredLanguage', 'Preferred language', 20),
    text('salutation', 'Title', 20),
    text('thumbnail', 'Thumbnail', 255),
    field('timeZone', 'Time zone', 'enumeration', {
      maxLength: 64,
      options: options(['none', 'None'], ['Europe_Paris', 'Europe/Paris'], ['America_New_York', 'America/New_York'])
    }),
    text('title', 'Profile', 255, readOnly),
    field('subscriptions', 'Subscriptions', 'collection', { ...readOnly, targets: ['subscription'] }),
    text('cusDynamicsContactId', 'Dynamics contact ID', 64, { isKey: true }),
    text('cusJobTitle', 'Job title', 100)
  ]
}

/** The walkthrough's custom resource (adobe-integration §3.9), linked to the profile. */
export const campaignVehicle: Table = {
  system: 'campaign',
  name: 'cusVehicle',
  displayName: 'Vehicle',
  href: '/profileAndServicesExt/cusVehicle',
  primaryId: 'PKey',
  custom: true,
  changeTracking: false,
  keys: [{ name: 'externalId', fields: ['externalId'] }],
  fields: [
    text('PKey', 'Primary key', 255, readOnly),
    text('externalId', 'Vehicle ID', 64, { isKey: true }),
    text('VIN', 'VIN', 17),
    text('VehicleName', 'Vehicle name', 100),
    text('ProfileExternalId', 'AssociatedProfile', 64),
    field('vehicleOwner', 'Owner', 'link', { targets: ['profile'] })
  ]
}

export const dynamicsVehicle: Table = {
  system: 'dynamics',
  name: 'new_vehicle',
  displayName: 'Vehicle',
  entitySetName: 'new_vehicles',
  primaryId: 'new_vehicleid',
  primaryName: 'new_name',
  custom: true,
  changeTracking: true,
  keys: [{ name: 'new_vehicleid', fields: ['new_vehicleid'] }],
  fields: [
    field('new_vehicleid', 'Vehicle', 'uniqueidentifier', { required: 'required', validForUpdate: false, isKey: true }),
    text('new_name', 'Name', 100, { required: 'required' }),
    text('new_vehicleidnum', 'VIN', 17),
    field('new_contactsvehicleid', 'Contact', 'lookup', { targets: ['contact'], readName: '_new_contactsvehicleid_value' })
  ]
}

export const exampleTables: readonly Table[] = [dynamicsContact, dynamicsAccount, dynamicsVehicle, campaignProfile, campaignVehicle]
