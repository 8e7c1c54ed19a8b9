import { engine } from './errors'
import { bool, enumeration, keyFilter, modifiedSinceFilter, stamp, str, type FieldDef, type FilterDef, type ResourceDef } from './resources'

/** The opt-out booleans of https://experienceleague.adobe.com/en/docs/campaign-standard/using/developing/datamodel/datamodel-profile and their attribute-level timestamps. */
export function optOutFields(prefix: 'blackList' | 'denyList'): FieldDef[] {
  const channels: [string, string][] = [
    ['Email', 'email'],
    ['Fax', 'fax'],
    ['Mobile', 'SMS'],
    ['Phone', 'phone'],
    ['PostalMail', 'direct mail'],
    ['Pushnotification', 'push notification']
  ]
  const fields: FieldDef[] = [
    // The all-channels flag carries two timestamps in real responses: `…AllLastModified` and `…LastModified`.
    bool(prefix, 'No longer contact (by any channel)', {
      category: '0300_optout',
      stamps: [`${prefix}AllLastModified`, `${prefix}LastModified`]
    }),
    stamp(`${prefix}AllLastModified`, 'No longer contact (by any channel) - last modified', { readOnly: true }),
    stamp(`${prefix}LastModified`, 'No longer contact - last modified', { readOnly: true })
  ]
  for (const [suffix, label] of channels) {
    fields.push(
      bool(`${prefix}${suffix}`, `No longer contact by ${label}`, { category: '0300_optout', stamps: [`${prefix}${suffix}LastModified`] }),
      stamp(`${prefix}${suffix}LastModified`, `No longer contact by ${label} - last modified`, { readOnly: true })
    )
  }
  fields.push(
    bool('ccpaOptOut', 'CCPA opt-out', { category: '0300_optout', stamps: ['ccpaOptOutLastModified'] }),
    stamp('ccpaOptOutLastModified', 'CCPA opt-out - last modified', { readOnly: true })
  )
  return fields
}

const timeZones = new Set(Intl.supportedValuesOf('timeZone').map((z) => z.replace(/\//g, '_')))
/** Campaign lists time zones as an enumeration (e.g. `Europe_Paris`); `Europe/Paris` is accepted too. */
export function checkTimeZone(value: string): void {
  if (value !== '' && value !== 'none' && !timeZones.has(value.replace(/\//g, '_'))) {
    throw engine.badEnum(value, 'nms:recipient:timeZone', 'timeZone')
  }
}

export function profileFields(optOutPrefix: 'blackList' | 'denyList', dynamicsKeyField: string): FieldDef[] {
  return [
    { name: 'age', label: 'Age', type: 'integer', resType: 'long', readOnly: true, sortable: true, empty: 0, category: '0150_profile' },
    { name: 'birthDate', label: 'Date of birth', type: 'date', resType: 'date', sortable: true, empty: '', category: '0150_profile' },
    ...optOutFields(optOutPrefix),
    str('cryptedId', 'Encrypted ID', 255, { readOnly: true, sortable: false }),
    stamp('created', 'Created', { readOnly: true }),
    stamp('lastModified', 'Last modified', { readOnly: true }),
    str('domain', 'Email domain', 255, { readOnly: true }),
    str('email', 'Email', 128, { dataPolicy: 'email', category: '0200_contact' }),
    enumeration('emailFormat', 'Email format', 'nms:recipient:emailFormat', [
      { name: 'unknown', label: 'Unknown', value: 0 },
      { name: 'text', label: 'Text', value: 1 },
      { name: 'html', label: 'HTML', value: 2 }
    ]),
    str('externalId', 'External Resource ID', 100),
    bool('isExternal', 'External resource'),
    str('fax', 'Fax', 32, { category: '0200_contact' }),
    str('firstName', 'First name', 30, { category: '0150_profile' }),
    enumeration('gender', 'Gender', 'nms:recipient:gender', [
      { name: 'unknown', label: 'Unspecified', value: 0 },
      { name: 'male', label: 'Male', value: 1 },
      { name: 'female', label: 'Female', value: 2 }
    ]),
    str('lastName', 'Last name', 50, { category: '0150_profile' }),
    {
      name: 'location',
      label: 'Location',
      type: 'item',
      resType: 'item',
      fields: [
        str('address1', 'Address 1', 80),
        str('address2', 'Address 2', 80),
        str('address3', 'Address 3', 80),
        str('address4', 'Address 4', 80),
        str('city', 'City', 50),
        str('countryCode', 'Country code', 2),
        str('stateCode', 'State code', 10),
        str('zipCode', 'Zip code', 20)
      ]
    },
    str('middleName', 'Middle name', 30, { category: '0150_profile' }),
    str('mobilePhone', 'Mobile', 32, { category: '0200_contact' }),
    str('phone', 'Phone', 32, { category: '0200_contact' }),
    str('preferredLanguage', 'Preferred language', 20, { empty: 'none' }),
    str('salutation', 'Title', 20, { category: '0150_profile' }),
    str('thumbnail', 'Thumbnail', 255, { sortable: false, empty: '/nl/img/thumbnails/defaultProfil.png' }),
    {
      name: 'timeZone',
      label: 'Time zone',
      type: 'enumeration',
      resType: 'string',
      length: 64,
      enumName: 'nms:recipient:timeZone',
      // The 115 values are not listed here; `checkTimeZone` validates against the IANA names.
      values: [
        { name: 'none', label: 'None', value: 'none' },
        { name: 'Europe_Paris', label: 'Europe/Paris', value: 'Europe/Paris' },
        { name: 'America_New_York', label: 'America/New_York', value: 'America/New_York' }
      ],
      empty: '',
      sortable: true
    },
    str('title', 'Profile', 255, { readOnly: true }),
    { name: 'subscriptions', label: 'Subscriptions', type: 'collection', resType: 'collection', target: 'subscription' },
    str(dynamicsKeyField, 'Dynamics contact ID', 64, { ext: true, key: true, category: '0100_cus' })
  ]
}

export function profileFilters(dynamicsKeyField: string): FilterDef[] {
  const keyParameter = dynamicsKeyField.replace(/^cus/, '').replace(/^./, (c) => c.toLowerCase())
  return [
    {
      name: 'byEmail',
      label: 'By email',
      params: ['email'],
      // Exact and case-sensitive: docs/sandbox-campaign.md.
      test: (query) => {
        const email = query.get('email')
        return (values) => email !== null && values.email === email
      }
    },
    {
      name: 'byText',
      label: 'By name or email',
      params: ['text', 'filterType'],
      test: (query) => (values) => byTextTest(values, query)
    },
    keyFilter(`by${keyParameter.replace(/^./, (c) => c.toUpperCase())}`, keyParameter, dynamicsKeyField),
    modifiedSinceFilter()
  ]
}

/** "Searches are case-sensitive and performed on prefixes only" (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/additional-operations/filtering). */
function byTextTest(values: Record<string, unknown>, query: URLSearchParams): boolean {
  const filterType = query.get('filterType')
  if (filterType) {
    const field = Object.keys(values).find(
      (name) => name.toLowerCase() === filterType.toLowerCase() || name.toLowerCase() === `cus${filterType.toLowerCase()}`
    )
    if (!field) return false
    const text = query.get('text') ?? query.get(field) ?? ''
    return String(values[field] ?? '').startsWith(text)
  }
  const text = query.get('text') ?? ''
  return String(values.email ?? '').startsWith(text) || String(values.lastName ?? '').startsWith(text)
}

export function profileResource(optOutPrefix: 'blackList' | 'denyList', dynamicsKeyField: string): ResourceDef {
  return {
    name: 'profile',
    label: 'Profiles',
    help: 'Identified profiles',
    schema: 'nms:recipient',
    schemaLabel: 'Profiles (nms:recipient)',
    entityLabel: 'Profile',
    families: ['profileAndServices', 'profileAndServicesExt'],
    fields: profileFields(optOutPrefix, dynamicsKeyField),
    keyField: dynamicsKeyField,
    filters: profileFilters(dynamicsKeyField),
    collections: ['subscriptions'],
    title: (v) => {
      const name = [v.lastName, v.firstName].filter((x) => typeof x === 'string' && x !== '').join(' ')
      const email = typeof v.email === 'string' && v.email !== '' ? v.email : ''
      return name && email ? `${name} (${email})` : name || email
    }
  }
}

export function serviceResource(): ResourceDef {
  return {
    name: 'service',
    label: 'Services',
    help: 'Subscription services',
    schema: 'nms:service',
    schemaLabel: 'Services (nms:service)',
    entityLabel: 'Service',
    families: ['profileAndServices', 'profileAndServicesExt'],
    fields: [
      str('name', 'ID', 64, { key: true, mandatory: true }),
      str('label', 'Label', 128),
      str('publicLabel', 'Public label', 128),
      str('desc', 'Description', 4000, { sortable: false }),
      enumeration('messageType', 'Channel', 'nms:service:messageType', [
        { name: 'email', label: 'Email', value: 0 },
        { name: 'sms', label: 'SMS', value: 1 }
      ]),
      enumeration('mode', 'Type', 'nms:service:mode', [
        { name: 'newsletter', label: 'Newsletter', value: 0 },
        { name: 'viral', label: 'Viral', value: 1 }
      ]),
      { name: 'start', label: 'Start', type: 'date', resType: 'date', sortable: true, empty: '' },
      { name: 'end', label: 'End', type: 'date', resType: 'date', sortable: true, empty: '' },
      bool('limitedDuration', 'Limited duration'),
      { name: 'validityDuration', label: 'Validity duration (days)', type: 'integer', resType: 'long', sortable: true, empty: 0 },
      str('targetResource', 'Target resource', 64, { empty: 'profile' }),
      str('subScenarioEventType', 'Event type', 64, { empty: 'subscriptionEvent' }),
      bool('isTemplate', 'Template'),
      bool('builtIn', 'Built-in', { readOnly: true }),
      str('title', 'Title', 255, { readOnly: true }),
      stamp('created', 'Created', { readOnly: true }),
      stamp('lastModified', 'Last modified', { readOnly: true }),
      { name: 'subscriptions', label: 'Subscriptions', type: 'collection', resType: 'collection', target: 'subscription' }
    ],
    keyField: 'name',
    filters: [
      {
        name: 'byChannel',
        label: 'By channel',
        params: ['channel'],
        test: (query) => {
          const channel = query.get('channel')
          return (values) => values.messageType === channel
        }
      },
      {
        name: 'byText',
        label: 'By label or ID',
        params: ['text'],
        test: (query) => {
          const text = query.get('text') ?? ''
          return (values) => String(values.label ?? '').startsWith(text) || String(values.name ?? '').startsWith(text)
        }
      },
      modifiedSinceFilter()
    ],
    collections: ['subscriptions'],
    title: (v) => `${String(v.label ?? '')} (${String(v.name ?? '')})`
  }
}
