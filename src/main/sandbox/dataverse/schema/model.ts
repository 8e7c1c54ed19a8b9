/**
 * The sandbox's own description of a Dataverse table. Metadata JSON, CSDL, validation and
 * the row generators are all driven from this one shape so they cannot disagree.
 */
export type AttributeType =
  | 'String'
  | 'Memo'
  | 'Boolean'
  | 'Picklist'
  | 'State'
  | 'Status'
  | 'Lookup'
  | 'Customer'
  | 'Owner'
  | 'DateTime'
  | 'Integer'
  | 'BigInt'
  | 'Double'
  | 'Decimal'
  | 'Money'
  | 'Uniqueidentifier'
  | 'EntityName'

export type RequiredLevel = 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended'

export interface OptionDef {
  value: number
  label: string
  /** For status options: the statecode they belong to. */
  state?: number
  /** For state options: the default status reason. */
  defaultStatus?: number
}

export interface ColumnDef {
  logicalName: string
  schemaName: string
  displayName: string
  type: AttributeType
  requiredLevel: RequiredLevel
  isCustom: boolean
  validForCreate: boolean
  validForUpdate: boolean
  validForRead: boolean
  isPrimaryId?: boolean
  isPrimaryName?: boolean
  /** String/Memo */
  maxLength?: number
  format?: 'Email' | 'Text' | 'Phone' | 'Url' | 'TextArea'
  /** Picklist/State/Status */
  options?: OptionDef[]
  optionSetName?: string
  isGlobalOptionSet?: boolean
  /** Boolean */
  trueLabel?: string
  falseLabel?: string
  defaultValue?: boolean | number
  /** Lookup/Customer/Owner: target logical names and the single-valued navigation property per target. */
  targets?: string[]
  navigation?: Record<string, string>
  /** Relationship schema name per referenced table (ManyToOneRelationships); an Owner column's one is `owner`. */
  relationships?: Record<string, string>
  /** DateTime */
  dateBehavior?: 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent'
  /** Numbers */
  minValue?: number
  maxValue?: number
  precision?: number
  /** Columns computed by the platform (fullname, address1_composite); never written by clients. */
  computed?: boolean
}

export interface KeyDef {
  logicalName: string
  schemaName: string
  displayName: string
  attributes: string[]
}

/** A row as the store keeps it: logical name → value. Lookups hold {id, table}. */
export type Row = Record<string, unknown>
export interface LookupValue {
  id: string
  table: string
}

export interface TableContext {
  seed: number
  contacts: number
  /** Counts of every table, for generators that link to other tables' rows by index. */
  counts: Record<string, number>
  idOf(table: string, index: number): string
}

export interface TableDef {
  logicalName: string
  schemaName: string
  entitySetName: string
  displayName: string
  displayCollectionName: string
  primaryId: string
  primaryName: string
  objectTypeCode: number
  isActivity: boolean
  isCustom: boolean
  changeTracking: boolean
  ownership: 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned' | 'None'
  columns: ColumnDef[]
  /** Alternate keys whose index is built (`EntityKeyIndexStatus` Active): enforced on writes, usable to address a row. */
  keys: KeyDef[]
  /**
   * Alternate keys whose index is not built — still pending, or failed (typically on duplicate
   * values already in the table): listed in the metadata with their status, neither enforced
   * nor usable to address a row until reactivated
   * (https://learn.microsoft.com/power-apps/developer/data-platform/define-alternate-keys-entity).
   */
  inactiveKeys?: Array<KeyDef & { indexStatus: 'Pending' | 'InProgress' | 'Failed' }>
  /** How many rows the seed generates for this table. */
  count(ctx: { contacts: number }): number
  /** Builds generated row number `index` (0-based); ids come from ctx.idOf. */
  generate(index: number, ctx: TableContext): Row
  /** Recomputes platform-computed columns (fullname, address composites) after a write. */
  derive?(row: Row): void
  /** Optional fast path for alternate-key lookups over lazily generated rows. */
  indexForKey?(key: Record<string, unknown>, ctx: TableContext): number | undefined
}
