import { enumeration, keyFilter, modifiedSinceFilter, stamp, str, type FieldDef, type ProfileLink, type ResourceDef } from './resources'

/**
 * A custom resource as a consultant would publish it in Campaign: `cus` prefix, an
 * identification key holding the Dynamics id, and usually a link to the profile. Linked, it is
 * served under /profileAndServicesExt; without `profileLink`, only under /customResources, with
 * its filters (custom ones included, [INF]) — Adobe: "all the entities that are not linked to
 * profile", https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/interacting-with-custom-resources.
 */
export interface CustomResourceDefinition {
  /** Must start with `cus` (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/custom-resources). */
  name: string
  label: string
  /** Identification key field (holds the Dynamics row id). */
  keyField: string
  /** Fields besides the key, `created`, `lastModified` and the link. */
  fields: FieldDef[]
  profileLink?: ProfileLink
}

/**
 * The walkthrough's Vehicle (adobe-integration §3.9): joined on a text field holding the
 * profile's Dynamics id, 1-cardinality, so a vehicle that arrives before its owner stays hidden.
 */
export function vehicleDefinition(profileKeyField: string): CustomResourceDefinition {
  return {
    name: 'cusVehicle',
    label: 'Vehicles',
    keyField: 'externalId',
    fields: [
      str('vin', 'VIN', 17),
      str('vehicleName', 'Vehicle name', 100),
      str('profileExternalId', 'AssociatedProfile', 64),
      { name: 'modelYear', label: 'Model year', type: 'integer', resType: 'long', sortable: true, empty: 0 },
      { name: 'registrationDate', label: 'Registration date', type: 'date', resType: 'date', sortable: true, empty: '' }
    ],
    profileLink: {
      name: 'vehicleOwner',
      label: 'Vehicle owner',
      join: 'field',
      childField: 'profileExternalId',
      profileField: profileKeyField,
      cardinality: '1'
    }
  }
}

/** An event registration linked by PKey, 0-or-1 cardinality (the guardrails' recommendation). */
export function eventRegistrationDefinition(): CustomResourceDefinition {
  return {
    name: 'cusEventRegistration',
    label: 'Event registrations',
    keyField: 'externalId',
    fields: [
      str('eventName', 'Event name', 128),
      stamp('eventDate', 'Event date'),
      enumeration('registrationStatus', 'Status', 'cus:eventRegistration:registrationStatus', [
        { name: 'registered', label: 'Registered', value: 0 },
        { name: 'attended', label: 'Attended', value: 1 },
        { name: 'cancelled', label: 'Cancelled', value: 2 },
        { name: 'noShow', label: 'No show', value: 3 }
      ]),
      { name: 'seats', label: 'Seats', type: 'integer', resType: 'long', sortable: true, empty: 0 }
    ],
    profileLink: { name: 'profile', label: 'Profile', join: 'pkey', cardinality: '0..1' }
  }
}

export function customResource(definition: CustomResourceDefinition): ResourceDef {
  const bare = definition.name.replace(/^cus/, '')
  const link = definition.profileLink
  const linkFields: FieldDef[] = link
    ? [
        {
          name: link.name,
          label: link.label,
          type: 'link',
          resType: 'link',
          target: 'profile',
          mandatory: link.cardinality === '1',
          // A field-joined link is computed from the join field; it cannot be written directly.
          readOnly: link.join === 'field'
        }
      ]
    : []
  return {
    name: definition.name,
    label: definition.label,
    help: definition.label,
    schema: `cus:${bare.charAt(0).toLowerCase()}${bare.slice(1)}`,
    schemaLabel: `${definition.label} (cus:${bare.charAt(0).toLowerCase()}${bare.slice(1)})`,
    entityLabel: definition.label.replace(/s$/, ''),
    families: link ? ['profileAndServicesExt'] : ['customResources'],
    fields: [
      str(definition.keyField, 'ID', 64, { key: true, mandatory: true }),
      ...definition.fields,
      ...linkFields,
      stamp('created', 'Created', { readOnly: true }),
      stamp('lastModified', 'Last modified', { readOnly: true })
    ],
    keyField: definition.keyField,
    filters: [
      keyFilter(
        `by${definition.keyField.charAt(0).toUpperCase()}${definition.keyField.slice(1)}`,
        definition.keyField,
        definition.keyField
      ),
      modifiedSinceFilter()
    ],
    collections: [],
    title: (v) => String(v[definition.keyField] ?? ''),
    ...(link ? { profileLink: link } : {})
  }
}
