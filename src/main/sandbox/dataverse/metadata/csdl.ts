import type { TableDef } from '../schema/model'
import { isLookup, webName, type Catalog } from '../tables/catalog'
import { edmTypeOf } from '../odata/values'

/**
 * `$metadata` CSDL for the sandbox's tables, following the documented conventions
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-service-documents, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-navigation-properties): lookups as `_x_value` Edm.Guid plus a single-valued navigation property,
 * alternate keys as an annotation, change tracking as an EntitySet annotation (only with
 * `?annotations=true`, like the real service).
 */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')

function entityType(catalog: Catalog, table: TableDef, annotations: boolean): string {
  const lines: string[] = []
  const base = table.isActivity
    ? 'mscrm.activitypointer'
    : table.logicalName === 'systemuser' || table.logicalName === 'team'
      ? 'mscrm.principal'
      : 'mscrm.crmbaseentity'
  lines.push(`<EntityType Name="${table.logicalName}" BaseType="${base}">`)
  if (base === 'mscrm.crmbaseentity') lines.push(`<Key><PropertyRef Name="${table.primaryId}" /></Key>`)
  for (const column of table.columns) {
    if (table.isActivity && column.logicalName === 'activityid') continue
    const readOnly = !column.validForCreate && !column.validForUpdate
    const attrs = column.type === 'String' || column.type === 'Memo' ? ' Unicode="false"' : ''
    if (annotations && readOnly) {
      lines.push(
        `<Property Name="${webName(column)}" Type="${edmTypeOf(column)}"${attrs}><Annotation Term="Org.OData.Core.V1.Computed" Bool="true" /><Annotation Term="Org.OData.Core.V1.Permissions"><EnumMember>Org.OData.Core.V1.Permission/Read</EnumMember></Annotation></Property>`
      )
    } else {
      lines.push(`<Property Name="${webName(column)}" Type="${edmTypeOf(column)}"${attrs} />`)
    }
  }
  for (const column of table.columns) {
    if (!isLookup(column)) continue
    const seen = new Set<string>()
    for (const [target, nav] of Object.entries(column.navigation ?? {})) {
      if (seen.has(nav)) continue
      seen.add(nav)
      const type = column.type === 'Owner' ? 'mscrm.principal' : `mscrm.${target}`
      const referenced = column.type === 'Owner' ? 'ownerid' : `${target}id`
      const partner = column.relationships?.[column.type === 'Owner' ? 'owner' : target]
      lines.push(
        `<NavigationProperty Name="${nav}" Type="${type}" Nullable="false"${partner ? ` Partner="${partner}"` : ''}><ReferentialConstraint Property="_${column.logicalName}_value" ReferencedProperty="${referenced}" /></NavigationProperty>`
      )
    }
  }
  // Collection-valued partners (1:N), so a client can see the relationship names.
  for (const { def } of catalog.byLogicalName.values()) {
    for (const column of def.columns) {
      const rel = column.relationships?.[table.logicalName]
      if (rel && column.type !== 'Owner') {
        lines.push(
          `<NavigationProperty Name="${rel}" Type="Collection(mscrm.${def.logicalName})" Partner="${column.navigation?.[table.logicalName] ?? column.logicalName}" />`
        )
      }
    }
  }
  if (table.keys.length) {
    lines.push('<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>')
    for (const key of table.keys) {
      lines.push('<Record Type="OData.Community.Keys.V1.AlternateKey"><PropertyValue Property="Key"><Collection>')
      for (const attribute of key.attributes) {
        lines.push(
          `<Record Type="OData.Community.Keys.V1.PropertyRef"><PropertyValue Property="Alias" String="${attribute}" /><PropertyValue Property="Name" PropertyPath="${attribute}" /></Record>`
        )
      }
      lines.push('</Collection></PropertyValue></Record>')
    }
    lines.push('</Collection></Annotation>')
  }
  lines.push('</EntityType>')
  return lines.join('')
}

export function csdl(catalog: Catalog, annotations: boolean): string {
  const tables = [...catalog.byLogicalName.values()].map((t) => t.def)
  const parts: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Keys.V1.xml"><edmx:Include Namespace="OData.Community.Keys.V1" Alias="Keys" /><edmx:IncludeAnnotations TermNamespace="OData.Community.Keys.V1" /></edmx:Reference>',
    '<edmx:Reference Uri="http://vocabularies.odata.org/OData.Community.Display.V1.xml"><edmx:Include Namespace="OData.Community.Display.V1" Alias="Display" /><edmx:IncludeAnnotations TermNamespace="OData.Community.Display.V1" /></edmx:Reference>',
    '<edmx:DataServices><Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
    '<EntityType Name="crmbaseentity" Abstract="true" />',
    '<EntityType Name="principal" BaseType="mscrm.crmbaseentity" Abstract="true"><Key><PropertyRef Name="ownerid" /></Key><Property Name="ownerid" Type="Edm.Guid" /></EntityType>',
    '<EntityType Name="activitypointer" BaseType="mscrm.crmbaseentity"><Key><PropertyRef Name="activityid" /></Key><Property Name="activityid" Type="Edm.Guid" /></EntityType>',
    ...tables.map((t) => entityType(catalog, t, annotations)),
    '<ComplexType Name="WhoAmIResponse"><Property Name="BusinessUnitId" Type="Edm.Guid" Nullable="false" /><Property Name="UserId" Type="Edm.Guid" Nullable="false" /><Property Name="OrganizationId" Type="Edm.Guid" Nullable="false" /></ComplexType>',
    '<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" /></Function>',
    '<EntityContainer Name="System">',
    ...tables.map((t) => {
      const tracking =
        annotations && t.changeTracking
          ? '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true" /></Record></Annotation>'
          : ''
      return `<EntitySet Name="${escape(t.entitySetName)}" EntityType="Microsoft.Dynamics.CRM.${t.logicalName}">${tracking}</EntitySet>`
    }),
    '<FunctionImport Name="WhoAmI" Function="Microsoft.Dynamics.CRM.WhoAmI" />',
    '</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>'
  ]
  return parts.join('\n')
}
