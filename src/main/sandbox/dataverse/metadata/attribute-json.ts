import { nameGuid } from '../data/ids'
import type { ColumnDef, OptionDef, TableDef } from '../schema/model'
import { emptyLabel, label, managed, metadataCreatedOn } from './labels'

/** AttributeMetadata JSON. Base properties for `Attributes`; type-specific ones only under a cast (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). */
const metadataTypes: Record<ColumnDef['type'], string> = {
  String: 'StringAttributeMetadata',
  Memo: 'MemoAttributeMetadata',
  Boolean: 'BooleanAttributeMetadata',
  Picklist: 'PicklistAttributeMetadata',
  State: 'StateAttributeMetadata',
  Status: 'StatusAttributeMetadata',
  Lookup: 'LookupAttributeMetadata',
  Customer: 'LookupAttributeMetadata',
  Owner: 'LookupAttributeMetadata',
  DateTime: 'DateTimeAttributeMetadata',
  Integer: 'IntegerAttributeMetadata',
  BigInt: 'BigIntAttributeMetadata',
  Double: 'DoubleAttributeMetadata',
  Decimal: 'DecimalAttributeMetadata',
  Money: 'MoneyAttributeMetadata',
  Uniqueidentifier: 'UniqueIdentifierAttributeMetadata',
  EntityName: 'EntityNameAttributeMetadata'
}

export const castableTypes = new Set(Object.values(metadataTypes))

export function metadataTypeOf(column: ColumnDef): string {
  return metadataTypes[column.type]
}

export function attributeId(table: TableDef, column: ColumnDef): string {
  return nameGuid(`attribute:${table.logicalName}.${column.logicalName}`)
}

export function baseAttributeJson(table: TableDef, column: ColumnDef, columnNumber: number): Record<string, unknown> {
  const managedProp = !column.isCustom
  const id = attributeId(table, column)
  return {
    MetadataId: id,
    HasChanged: null,
    AttributeOf: null,
    AttributeType: column.type,
    ColumnNumber: columnNumber,
    DeprecatedVersion: null,
    IntroducedVersion: column.isCustom ? '1.0' : '5.0.0.0',
    EntityLogicalName: table.logicalName,
    IsCustomAttribute: column.isCustom,
    IsPrimaryId: column.isPrimaryId === true,
    IsValidODataAttribute: true,
    IsPrimaryName: column.isPrimaryName === true,
    IsValidForCreate: column.validForCreate,
    IsValidForRead: column.validForRead,
    IsValidForUpdate: column.validForUpdate,
    CanBeSecuredForRead: !column.isPrimaryId,
    CanBeSecuredForCreate: !column.isPrimaryId,
    CanBeSecuredForUpdate: !column.isPrimaryId,
    IsSecured: false,
    IsRetrievable: true,
    IsFilterable: true,
    IsSearchable: column.type === 'String',
    IsManaged: managedProp,
    LinkedAttributeId: null,
    LogicalName: column.logicalName,
    IsValidForForm: true,
    IsRequiredForForm: column.requiredLevel === 'SystemRequired',
    IsValidForGrid: true,
    SchemaName: column.schemaName,
    ExternalName: null,
    IsLogical: false,
    IsDataSourceSecret: false,
    InheritsFrom: null,
    CreatedOn: metadataCreatedOn,
    ModifiedOn: metadataCreatedOn,
    SourceType: column.computed ? 1 : 0,
    AutoNumberFormat: null,
    AttributeTypeName: { Value: `${column.type}Type` },
    Description: label(`${column.displayName} of the ${table.displayName.toLowerCase()}.`, `${id}:description`, managedProp),
    DisplayName: label(column.displayName, `${id}:display`, managedProp),
    IsAuditEnabled: managed(true, 'canmodifyauditsettings'),
    IsGlobalFilterEnabled: managed(false, 'canmodifyglobalfiltersettings'),
    IsSortableEnabled: managed(false, 'canmodifyissortablesettings'),
    IsCustomizable: managed(true, 'iscustomizable'),
    IsRenameable: managed(true, 'isrenameable'),
    IsValidForAdvancedFind: managed(true, 'canmodifysearchsettings'),
    RequiredLevel: managed(column.requiredLevel, 'canmodifyrequirementlevelsettings', column.isCustom),
    CanModifyAdditionalSettings: managed(true, 'canmodifyadditionalsettings'),
    Settings: []
  }
}

/** Properties that only appear when the client casts to the derived type. */
export function typeSpecificJson(column: ColumnDef): Record<string, unknown> {
  switch (column.type) {
    case 'String':
      return {
        FormulaDefinition: null,
        SourceTypeMask: 0,
        Format: column.format ?? 'Text',
        ImeMode: 'Auto',
        MaxLength: column.maxLength,
        YomiOf: null,
        IsLocalizable: false,
        DatabaseLength: (column.maxLength ?? 0) * 2,
        FormatName: { Value: column.format ?? 'Text' }
      }
    case 'Memo':
      return { Format: 'TextArea', ImeMode: 'Auto', MaxLength: column.maxLength, IsLocalizable: false, FormatName: { Value: 'TextArea' } }
    case 'Boolean':
      return { DefaultValue: column.defaultValue ?? false, FormulaDefinition: null, SourceTypeMask: 0 }
    case 'Picklist':
      return {
        FormulaDefinition: null,
        SourceTypeMask: 0,
        DefaultFormValue: typeof column.defaultValue === 'number' ? column.defaultValue : -1,
        ParentPicklistLogicalName: null,
        ChildPicklistLogicalNames: []
      }
    case 'State':
    case 'Status':
      return { DefaultFormValue: null }
    case 'Lookup':
    case 'Customer':
    case 'Owner':
      return { Targets: column.targets ?? [], Format: 'None' }
    case 'DateTime':
      return {
        MinSupportedValue: '1753-01-01T00:00:00Z',
        MaxSupportedValue: '9999-12-30T23:59:59Z',
        Format: column.dateBehavior === 'DateOnly' ? 'DateOnly' : 'DateAndTime',
        ImeMode: 'Auto',
        SourceTypeMask: 0,
        FormulaDefinition: null,
        DateTimeBehavior: { Value: column.dateBehavior ?? 'UserLocal' },
        CanChangeDateTimeBehavior: managed(column.isCustom, 'canchangedatetimebehavior')
      }
    case 'Integer':
      return { Format: 'None', MaxValue: column.maxValue, MinValue: column.minValue, FormulaDefinition: null, SourceTypeMask: 0 }
    case 'BigInt':
      return { MaxValue: 2 ** 63, MinValue: -(2 ** 63) }
    case 'Double':
      return { ImeMode: 'Auto', MaxValue: column.maxValue, MinValue: column.minValue, Precision: column.precision ?? 5 }
    case 'Decimal':
      return {
        ImeMode: 'Auto',
        MaxValue: column.maxValue,
        MinValue: column.minValue,
        Precision: column.precision ?? 2,
        FormulaDefinition: null,
        SourceTypeMask: 0
      }
    case 'Money':
      return {
        ImeMode: 'Auto',
        MaxValue: column.maxValue,
        MinValue: column.minValue,
        Precision: column.precision ?? 2,
        PrecisionSource: 2,
        CalculationOf: null,
        FormulaDefinition: null,
        SourceTypeMask: 0,
        IsBaseCurrency: false
      }
    default:
      return {}
  }
}

function optionJson(column: ColumnDef, option: OptionDef, managedProp: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    Value: option.value,
    Color: null,
    IsManaged: managedProp,
    ExternalValue: null,
    ParentValues: [],
    Tag: null,
    IsHidden: false,
    MetadataId: null,
    HasChanged: null,
    Label: label(option.label, `option:${column.logicalName}:${option.value}`, managedProp),
    Description: emptyLabel()
  }
  if (column.type === 'State') {
    json.DefaultStatus = option.defaultStatus ?? null
    json.InvariantName = option.label
  }
  if (column.type === 'Status') {
    json.State = option.state ?? null
    json.TransitionData = null
  }
  return json
}

/** The OptionSet navigation target (expand OptionSet / GlobalOptionSet). */
export function optionSetJson(table: TableDef, column: ColumnDef): Record<string, unknown> | null {
  const managedProp = !column.isCustom
  const name = column.optionSetName ?? `${table.logicalName}_${column.logicalName}`
  const common = {
    MetadataId: nameGuid(`optionset:${name}`),
    HasChanged: null,
    IsCustomOptionSet: column.isCustom,
    IsGlobal: column.isGlobalOptionSet === true,
    IsManaged: managedProp,
    Name: name,
    ExternalTypeName: null,
    IntroducedVersion: column.isCustom ? '1.0' : '5.0.0.0',
    ParentOptionSetName: null,
    Description: emptyLabel(),
    DisplayName: label(column.displayName, `optionset:${name}`, managedProp),
    IsCustomizable: managed(true, 'iscustomizable')
  }
  if (column.type === 'Boolean') {
    const option = (value: number, text: string) => optionJson(column, { value, label: text }, managedProp)
    return {
      ...common,
      OptionSetType: 'Boolean',
      TrueOption: option(1, column.trueLabel ?? 'Yes'),
      FalseOption: option(0, column.falseLabel ?? 'No')
    }
  }
  if (!column.options) return null
  return { ...common, OptionSetType: column.type, Options: column.options.map((o) => optionJson(column, o, managedProp)) }
}
