import { nameGuid } from '../data/ids'
import type { TableDef } from '../schema/model'
import type { Catalog } from '../tables/catalog'
import { emptyLabel, label, managed, metadataCreatedOn } from './labels'

/** EntityMetadata, EntityKeyMetadata and relationship JSON (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api). */
export function entityId(table: TableDef): string {
  return nameGuid(`entity:${table.logicalName}`)
}

export function entityJson(table: TableDef): Record<string, unknown> {
  const managedProp = !table.isCustom
  const id = entityId(table)
  return {
    MetadataId: id,
    HasChanged: null,
    ActivityTypeMask: table.isActivity ? 1 : 0,
    AutoRouteToOwnerQueue: false,
    CanTriggerWorkflow: true,
    EntityHelpUrlEnabled: false,
    EntityHelpUrl: null,
    IsDocumentManagementEnabled: false,
    IsOneNoteIntegrationEnabled: false,
    IsInteractionCentricEnabled: false,
    IsKnowledgeManagementEnabled: false,
    IsSLAEnabled: false,
    IsBPFEntity: false,
    IsDocumentRecommendationsEnabled: false,
    IsMSTeamsIntegrationEnabled: false,
    SettingOf: null,
    DataProviderId: null,
    DataSourceId: null,
    AutoCreateAccessTeams: false,
    IsActivity: table.isActivity,
    IsActivityParty: table.logicalName === 'contact' || table.logicalName === 'account' || table.logicalName === 'systemuser',
    IsRetrieveAuditEnabled: false,
    IsRetrieveMultipleAuditEnabled: false,
    IsArchivalEnabled: false,
    IsRetentionEnabled: false,
    IsAvailableOffline: true,
    IsChildEntity: false,
    IsAIRUpdated: false,
    IconLargeName: null,
    IconMediumName: null,
    IconSmallName: null,
    IconVectorName: null,
    IsCustomEntity: table.isCustom,
    IsBusinessProcessEnabled: !table.isCustom,
    SyncToExternalSearchIndex: false,
    IsOptimisticConcurrencyEnabled: true,
    ChangeTrackingEnabled: table.changeTracking,
    IsImportable: true,
    IsIntersect: false,
    IsManaged: managedProp,
    IsEnabledForCharts: true,
    IsEnabledForTrace: false,
    IsValidForAdvancedFind: true,
    DaysSinceRecordLastModified: 0,
    MobileOfflineFilters: '',
    IsReadingPaneEnabled: true,
    IsQuickCreateEnabled: true,
    LogicalName: table.logicalName,
    ObjectTypeCode: table.objectTypeCode,
    OwnershipType: table.ownership,
    PrimaryNameAttribute: table.primaryName,
    PrimaryImageAttribute: null,
    PrimaryIdAttribute: table.primaryId,
    Privileges: [],
    RecurrenceBaseEntityLogicalName: null,
    ReportViewName: `Filtered${table.schemaName}`,
    SchemaName: table.schemaName,
    IntroducedVersion: table.isCustom ? '1.0' : '5.0.0.0',
    IsStateModelAware: true,
    EnforceStateTransitions: false,
    ExternalName: null,
    EntityColor: null,
    LogicalCollectionName: table.entitySetName,
    ExternalCollectionName: null,
    CollectionSchemaName: `${table.schemaName}s`,
    EntitySetName: table.entitySetName,
    IsEnabledForExternalChannels: false,
    IsPrivate: false,
    UsesBusinessDataLabelTable: false,
    IsLogicalEntity: false,
    HasNotes: true,
    HasActivities: !table.isActivity,
    HasFeedback: false,
    IsSolutionAware: false,
    CreatedOn: metadataCreatedOn,
    ModifiedOn: metadataCreatedOn,
    HasEmailAddresses: table.columns.some((c) => c.format === 'Email'),
    OwnerId: null,
    OwnerIdType: 8,
    OwningBusinessUnit: null,
    TableType: 'Standard',
    Description: emptyLabel(),
    DisplayCollectionName: label(table.displayCollectionName, `${id}:collection`, managedProp),
    DisplayName: label(table.displayName, `${id}:display`, managedProp),
    IsAuditEnabled: managed(true, 'canmodifyauditsettings'),
    IsValidForQueue: managed(false, 'canmodifyqueuesettings'),
    IsConnectionsEnabled: managed(true, 'canmodifyconnectionsettings'),
    IsCustomizable: managed(true, 'iscustomizable'),
    IsRenameable: managed(true, 'isrenameable'),
    IsMappable: managed(true, 'ismappable'),
    IsDuplicateDetectionEnabled: managed(!table.isActivity, 'canmodifyduplicatedetectionsettings'),
    CanCreateAttributes: managed(true, 'cancreateattributes'),
    CanCreateForms: managed(true, 'cancreateforms'),
    CanCreateViews: managed(true, 'cancreateviews'),
    CanCreateCharts: managed(true, 'cancreatecharts'),
    CanBeRelatedEntityInRelationship: managed(true, 'canberelatedentityinrelationship'),
    CanBePrimaryEntityInRelationship: managed(true, 'canbeprimaryentityinrelationship'),
    CanBeInManyToMany: managed(true, 'canbeinmanytomany'),
    CanBeInCustomEntityAssociation: managed(true, 'canbeincustomentityassociation'),
    CanEnableSyncToExternalSearchIndex: managed(true, 'canenablesynctoexternalsearchindex'),
    CanModifyAdditionalSettings: managed(true, 'canmodifyadditionalsettings'),
    CanChangeHierarchicalRelationship: managed(true, 'canchangehierarchicalrelationship'),
    CanChangeTrackingBeEnabled: managed(true, 'canchangetrackingbeenabled'),
    IsMailMergeEnabled: managed(true, 'ismailmergeenabled'),
    IsVisibleInMobile: managed(true, 'canmodifymobilevisibility'),
    IsVisibleInMobileClient: managed(true, 'canmodifymobileclientvisibility'),
    IsReadOnlyInMobileClient: managed(false, 'canmodifymobileclientreadonly'),
    IsOfflineInMobileClient: managed(false, 'canmodifymobileclientoffline'),
    Settings: []
  }
}

export function keysJson(table: TableDef): Array<Record<string, unknown>> {
  const keys = [...table.keys.map((key) => ({ ...key, indexStatus: 'Active' })), ...(table.inactiveKeys ?? [])]
  return keys.map((key) => ({
    MetadataId: nameGuid(`key:${table.logicalName}.${key.logicalName}`),
    HasChanged: null,
    KeyAttributes: key.attributes,
    LogicalName: key.logicalName,
    SchemaName: key.schemaName,
    EntityLogicalName: table.logicalName,
    IsManaged: false,
    IntroducedVersion: '1.0',
    EntityKeyIndexStatus: key.indexStatus,
    IsSecondaryKey: false,
    IsSynchronous: false,
    IsExportKey: false,
    AsyncJob: null,
    DisplayName: label(key.displayName, `key:${table.logicalName}.${key.logicalName}`, false),
    IsCustomizable: managed(true, 'iscustomizable')
  }))
}

/** One-to-many relationships, seen from the referencing (N) side — built from lookup columns. */
export function manyToOneJson(table: TableDef): Array<Record<string, unknown>> {
  const result: Array<Record<string, unknown>> = []
  for (const column of table.columns) {
    for (const [target, relationship] of Object.entries(column.relationships ?? {})) {
      result.push(relationshipJson(table, column.logicalName, target, relationship, column.navigation?.[target] ?? column.logicalName))
    }
  }
  return result
}

/** One-to-many relationships where this table is the referenced (1) side. */
export function oneToManyJson(catalog: Catalog, table: TableDef): Array<Record<string, unknown>> {
  const result: Array<Record<string, unknown>> = []
  for (const { def } of catalog.byLogicalName.values()) {
    for (const column of def.columns) {
      const relationship = column.relationships?.[table.logicalName]
      if (relationship)
        result.push(
          relationshipJson(
            def,
            column.logicalName,
            table.logicalName,
            relationship,
            column.navigation?.[table.logicalName] ?? column.logicalName
          )
        )
    }
  }
  return result
}

function relationshipJson(
  referencing: TableDef,
  attribute: string,
  referenced: string,
  schemaName: string,
  navigation: string
): Record<string, unknown> {
  return {
    MetadataId: nameGuid(`relationship:${schemaName}:${referencing.logicalName}`),
    HasChanged: null,
    IsCustomRelationship: referencing.isCustom,
    IsValidForAdvancedFind: true,
    SchemaName: schemaName,
    SecurityTypes: 'Append',
    IsManaged: !referencing.isCustom,
    RelationshipType: 'OneToManyRelationship',
    IntroducedVersion: '1.0',
    ReferencedAttribute: `${referenced}id`,
    ReferencedEntity: referenced,
    ReferencingAttribute: attribute,
    ReferencingEntity: referencing.logicalName,
    IsHierarchical: referencing.logicalName === referenced,
    EntityKey: null,
    IsRelationshipAttributeDenormalized: false,
    ReferencedEntityNavigationPropertyName: schemaName,
    ReferencingEntityNavigationPropertyName: navigation,
    RelationshipBehavior: 0,
    IsDenormalizedLookup: null,
    DenormalizedAttributeName: null,
    CascadeConfiguration: {
      Assign: 'NoCascade',
      Delete: 'RemoveLink',
      Archive: 'NoCascade',
      Merge: 'NoCascade',
      Reparent: 'NoCascade',
      Share: 'NoCascade',
      Unshare: 'NoCascade',
      RollupView: 'NoCascade'
    },
    IsCustomizable: managed(true, 'iscustomizable')
  }
}
