import type { AttributeType, ColumnDef, OptionDef, RequiredLevel } from './model'

/**
 * Small builders for column definitions, so a 120-column table reads as a list and the
 * defaults (valid for create/update/read, not required) match what a real org reports.
 */
type Extra = Partial<Omit<ColumnDef, 'logicalName' | 'displayName' | 'type'>>

/** `address1_line1` → `Address1_Line1`, `new_loyaltytier` → `new_LoyaltyTier`-like. */
export function schemaNameFor(logicalName: string): string {
  if (logicalName.startsWith('new_')) {
    return 'new_' + logicalName.slice(4).replace(/^./, (c) => c.toUpperCase())
  }
  return logicalName
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('_')
}

function column(logicalName: string, displayName: string, type: AttributeType, extra: Extra = {}): ColumnDef {
  return {
    logicalName,
    schemaName: extra.schemaName ?? schemaNameFor(logicalName),
    displayName,
    type,
    requiredLevel: 'None',
    isCustom: logicalName.startsWith('new_'),
    validForCreate: true,
    validForUpdate: true,
    validForRead: true,
    ...extra
  }
}

export const readOnly: Extra = { validForCreate: false, validForUpdate: false }

export function str(name: string, display: string, maxLength: number, extra: Extra = {}): ColumnDef {
  return column(name, display, 'String', { maxLength, format: 'Text', ...extra })
}

export function email(name: string, display: string): ColumnDef {
  return str(name, display, 100, { format: 'Email' })
}

export function phone(name: string, display: string, maxLength = 50): ColumnDef {
  return str(name, display, maxLength, { format: 'Phone' })
}

export function memo(name: string, display: string, maxLength: number, extra: Extra = {}): ColumnDef {
  return column(name, display, 'Memo', { maxLength, format: 'TextArea', ...extra })
}

export function bool(
  name: string,
  display: string,
  trueLabel = 'Yes',
  falseLabel = 'No',
  defaultValue = false,
  extra: Extra = {}
): ColumnDef {
  return column(name, display, 'Boolean', { trueLabel, falseLabel, defaultValue, ...extra })
}

export function opts(pairs: Array<[number, string]>): OptionDef[] {
  return pairs.map(([value, label]) => ({ value, label }))
}

export function picklist(name: string, display: string, options: Array<[number, string]>, extra: Extra = {}): ColumnDef {
  return column(name, display, 'Picklist', { options: opts(options), ...extra })
}

export function lookup(
  name: string,
  display: string,
  targets: string[],
  navigation: Record<string, string>,
  relationships: Record<string, string>,
  extra: Extra = {}
): ColumnDef {
  return column(name, display, 'Lookup', { targets, navigation, relationships, ...extra })
}

export function dateTime(
  name: string,
  display: string,
  behavior: 'UserLocal' | 'DateOnly' | 'TimeZoneIndependent' = 'UserLocal',
  extra: Extra = {}
): ColumnDef {
  return column(name, display, 'DateTime', { dateBehavior: behavior, ...extra })
}

export function int(name: string, display: string, min = -2147483648, max = 2147483647, extra: Extra = {}): ColumnDef {
  return column(name, display, 'Integer', { minValue: min, maxValue: max, ...extra })
}

export function double(name: string, display: string, min: number, max: number, precision = 5): ColumnDef {
  return column(name, display, 'Double', { minValue: min, maxValue: max, precision })
}

export function decimal(name: string, display: string, precision = 2): ColumnDef {
  return column(name, display, 'Decimal', { minValue: -100000000000, maxValue: 100000000000, precision })
}

export function money(name: string, display: string): ColumnDef {
  return column(name, display, 'Money', { minValue: -922337203685477, maxValue: 922337203685477, precision: 2 })
}

export function primaryKey(name: string, display: string): ColumnDef {
  return column(name, display, 'Uniqueidentifier', {
    isPrimaryId: true,
    requiredLevel: 'SystemRequired',
    validForUpdate: false
  })
}

export function guidColumn(name: string, display: string, extra: Extra = {}): ColumnDef {
  return column(name, display, 'Uniqueidentifier', extra)
}

/** The audit/ownership/state columns every user-owned table carries; `ownerRelationship` as Dataverse names it (owner_accounts). */
export function systemColumns(
  table: string,
  relPrefix: string,
  states: Array<[number, string, number]>,
  statuses: Array<[number, string, number]>,
  ownerRelationship = `owner_${table}`
): ColumnDef[] {
  const stateOptions: OptionDef[] = states.map(([value, label, defaultStatus]) => ({ value, label, defaultStatus }))
  const statusOptions: OptionDef[] = statuses.map(([value, label, state]) => ({ value, label, state }))
  return [
    column('statecode', 'Status', 'State', {
      requiredLevel: 'SystemRequired',
      validForCreate: false,
      options: stateOptions,
      optionSetName: `${table}_statecode`
    }),
    column('statuscode', 'Status Reason', 'Status', { options: statusOptions, optionSetName: `${table}_statuscode` }),
    dateTime('createdon', 'Created On', 'UserLocal', readOnly),
    dateTime('modifiedon', 'Modified On', 'UserLocal', readOnly),
    dateTime('overriddencreatedon', 'Record Created On', 'DateOnly', { validForUpdate: false }),
    column('versionnumber', 'Version Number', 'BigInt', { ...readOnly, minValue: -(2 ** 63), maxValue: 2 ** 63 }),
    // As in Dataverse: the lookup's Targets are systemuser and team, but its one relationship
    // (owner_accounts…) references the `owner` table, through one navigation property typed
    // principal (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/principal).
    column('ownerid', 'Owner', 'Owner', {
      requiredLevel: 'SystemRequired',
      targets: ['systemuser', 'team'],
      navigation: { systemuser: 'ownerid', team: 'ownerid' },
      relationships: { owner: ownerRelationship }
    }),
    lookup('createdby', 'Created By', ['systemuser'], { systemuser: 'createdby' }, { systemuser: `lk_${relPrefix}_createdby` }, readOnly),
    lookup(
      'modifiedby',
      'Modified By',
      ['systemuser'],
      { systemuser: 'modifiedby' },
      { systemuser: `lk_${relPrefix}_modifiedby` },
      readOnly
    ),
    int('importsequencenumber', 'Import Sequence Number', -2147483648, 2147483647, { validForUpdate: false }),
    int('timezoneruleversionnumber', 'Time Zone Rule Version Number', -1, 2147483647),
    int('utcconversiontimezonecode', 'UTC Conversion Time Zone Code', -1, 2147483647)
  ]
}

export function requiredLevel(col: ColumnDef, level: RequiredLevel): ColumnDef {
  return { ...col, requiredLevel: level }
}
