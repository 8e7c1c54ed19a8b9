import { z } from 'zod'

/**
 * The system-neutral schema model. The Dynamics connector (EntityDefinitions + attribute
 * casts) and the Campaign connector (resourceType metadata) both produce `Table`s, so the
 * canvas, validation, auto-map and the engine read one shape whatever the system.
 */

export const systems = ['dynamics', 'campaign'] as const
export const System = z.enum(systems)
export type System = z.infer<typeof System>

export const fieldTypes = [
  'string',
  'memo',
  'integer',
  'bigint',
  'double',
  'decimal',
  'money',
  'boolean',
  'datetime',
  'dateonly',
  'picklist',
  'multipicklist',
  'enumeration',
  'lookup',
  'uniqueidentifier',
  'email',
  'phone',
  'url',
  'link',
  'collection',
  'unknown'
] as const
export const FieldType = z.enum(fieldTypes)
export type FieldType = z.infer<typeof FieldType>

/** An option of a Dynamics choice (value = the integer) or a Campaign enumeration (value = the API name). */
export const Option = z.strictObject({
  value: z.union([z.number(), z.string(), z.boolean()]),
  label: z.string(),
  /** Campaign enumerations also have a stored code (gender: male = 1). */
  code: z.union([z.number(), z.string()]).optional()
})
export type Option = z.infer<typeof Option>

export const RequiredLevel = z.enum(['none', 'recommended', 'required'])
export type RequiredLevel = z.infer<typeof RequiredLevel>

export const Field = z.strictObject({
  /** Logical name (Dynamics) or API name (Campaign); sub-fields of an item use dots: `location.city`. */
  name: z.string().min(1),
  displayName: z.string(),
  type: FieldType,
  /** Length limit in UTF-16 code units, for text types. */
  maxLength: z.number().int().positive().optional(),
  required: RequiredLevel,
  readOnly: z.boolean(),
  validForCreate: z.boolean(),
  validForUpdate: z.boolean(),
  /** Part of an identification key (Campaign) or the primary id / an alternate key (Dynamics). */
  isKey: z.boolean().optional(),
  options: z.array(Option).optional(),
  /** Tables a lookup may point to (Dynamics) or the resource a link points to (Campaign). */
  targets: z.array(z.string()).optional(),
  /** Dynamics DateTime behaviour: UserLocal values are UTC instants, DateOnly values are calendar dates. */
  dateBehavior: z.enum(['userLocal', 'dateOnly', 'timeZoneIndependent']).optional(),
  /** Read it under this name in query results (Dynamics lookups: `_parentcustomerid_value`). */
  readName: z.string().optional(),
  description: z.string().optional()
})
export type Field = z.infer<typeof Field>

export const Key = z.strictObject({
  name: z.string().min(1),
  fields: z.array(z.string().min(1)).min(1)
})
export type Key = z.infer<typeof Key>

/**
 * A Dynamics alternate key whose index is not built (`EntityKeyIndexStatus` Pending, InProgress
 * or Failed — a failed one typically on duplicate values already in the column): Dataverse does
 * not enforce it, so its columns do not identify a row (docs/validation.md, "Match keys").
 */
export const InactiveKey = Key.extend({ indexStatus: z.string().min(1) })
export type InactiveKey = z.infer<typeof InactiveKey>

export const Table = z.strictObject({
  system: System,
  /** Logical name (Dynamics `contact`) or resource name (Campaign `profile`, `cusVehicle`). */
  name: z.string().min(1),
  displayName: z.string(),
  /** Dynamics: the entity set the Web API addresses (`contacts`). */
  entitySetName: z.string().optional(),
  /** Campaign: the resource's path (`/profileAndServicesExt/profile`). */
  href: z.string().optional(),
  primaryId: z.string().optional(),
  primaryName: z.string().optional(),
  custom: z.boolean().optional(),
  fields: z.array(Field),
  /**
   * Keys that identify a row. Dynamics: the primary id and the alternate keys whose index is
   * active; Campaign: the PKey and the resource's identification keys.
   */
  keys: z.array(Key),
  /** Alternate keys listed by Dynamics whose index is not active: no key until reactivated. */
  inactiveKeys: z.array(InactiveKey).optional(),
  changeTracking: z.boolean()
})
export type Table = z.infer<typeof Table>

/** Where validation, auto-map and compile look tables up; connectors fill it, tests use the examples. */
export interface SchemaCatalog {
  find(system: System, name: string): Table | undefined
  /** The table names known for a system, for "did you mean" hints; undefined when not listed yet. */
  names?(system: System): readonly string[] | undefined
}

export function catalogOf(tables: readonly Table[]): SchemaCatalog {
  const bySystem = new Map<string, Table>()
  for (const table of tables) bySystem.set(`${table.system}:${table.name}`, table)
  return {
    find: (system, name) => bySystem.get(`${system}:${name}`),
    names: (system) => tables.filter((t) => t.system === system).map((t) => t.name)
  }
}

const fieldIndexes = new WeakMap<Table, Map<string, Field>>()

/** A field by name, case-sensitive as both APIs are; also by its read name. Indexed once per table. */
export function findField(table: Table, name: string): Field | undefined {
  let index = fieldIndexes.get(table)
  if (!index) {
    index = new Map()
    for (const field of table.fields) {
      index.set(field.name, field)
      if (field.readName && !index.has(field.readName)) index.set(field.readName, field)
    }
    fieldIndexes.set(table, index)
  }
  return index.get(name)
}

/** A Dataverse GUID as text (`Edm.Guid`; any case). */
export const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Text-like types: everything a value can be written to as text. */
export const textTypes: ReadonlySet<FieldType> = new Set(['string', 'memo', 'email', 'phone', 'url'])
export const numberTypes: ReadonlySet<FieldType> = new Set(['integer', 'bigint', 'double', 'decimal', 'money'])

/**
 * Whether the deletions Dataverse reports name a row by `column`: its change tracking names a
 * deleted row by its primary id alone (the `$deletedEntity` entries,
 * https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems).
 * A flow matched on another column finds the row's key by the key it last read for it
 * (src/main/sync/source-keys.ts).
 */
export function deletionsNamedBy(table: Table, column: string): boolean {
  return table.primaryId === column
}

/** A field identifies a record when it is the primary id or the only field of a key. */
export function isUniqueField(table: Table, name: string): boolean {
  if (table.primaryId === name) return true
  if (table.keys.some((key) => key.fields.length === 1 && key.fields[0] === name)) return true
  const field = findField(table, name)
  return field?.isKey === true && !table.keys.some((key) => key.fields.length > 1 && key.fields.includes(name))
}
