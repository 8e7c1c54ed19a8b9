import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

let local: LocalDataverseServer
let headers: Record<string, string>
type Json = Record<string, any>

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 3, contacts: 200 })
  headers = {
    Authorization: `Bearer ${await local.accessToken()}`,
    Accept: 'application/json',
    'OData-Version': '4.0',
    'OData-MaxVersion': '4.0'
  }
})
afterAll(() => local.close())

async function get(path: string): Promise<{ status: number; body: Json; response: Response }> {
  const response = await fetch(`${local.sandbox.info.url}${path}`, { headers })
  const text = await response.text()
  return {
    status: response.status,
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : { text },
    response
  }
}

describe('service document, $metadata, WhoAmI', () => {
  it('service document lists entity sets with the documented shape', async () => {
    const { status, body, response } = await get('')
    expect(status).toBe(200)
    expect(response.headers.get('odata-version')).toBe('4.0')
    expect(body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata`)
    expect(body.value).toContainEqual({ name: 'contacts', kind: 'EntitySet', url: 'contacts' })
    expect(body.value).toContainEqual({ name: 'new_emailsends', kind: 'EntitySet', url: 'new_emailsends' })
  })

  it('$metadata is CSDL with lookups, alternate keys and (on request) change-tracking annotations', async () => {
    const plain = await get('$metadata')
    expect(plain.response.headers.get('content-type')).toContain('application/xml')
    const xml = plain.body.text as string
    expect(xml).toContain('<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm"')
    expect(xml).toContain('<Property Name="_parentcustomerid_value" Type="Edm.Guid" />')
    expect(xml).toContain('<NavigationProperty Name="parentcustomerid_account" Type="mscrm.account"')
    expect(xml).toContain('<NavigationProperty Name="new_ContactId" Type="mscrm.contact"')
    expect(xml).toContain('OData.Community.Keys.V1.AlternateKeys')
    expect(xml).not.toContain('Org.OData.Capabilities.V1.ChangeTracking')
    const annotated = await get('$metadata?annotations=true')
    expect(annotated.body.text).toContain(
      '<EntitySet Name="contacts" EntityType="Microsoft.Dynamics.CRM.contact"><Annotation Term="Org.OData.Capabilities.V1.ChangeTracking">'
    )
  })

  it('WhoAmI returns the documented response plus x-ms-dop-hint; POST is 404', async () => {
    const { status, body, response } = await get('WhoAmI')
    expect(status).toBe(200)
    expect(Object.keys(body)).toEqual(['@odata.context', 'BusinessUnitId', 'UserId', 'OrganizationId'])
    expect(body['@odata.context']).toBe(`${local.sandbox.info.url}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`)
    expect(Number(response.headers.get('x-ms-dop-hint'))).toBeGreaterThan(0)
    const post = await fetch(`${local.sandbox.info.url}WhoAmI`, { method: 'POST', headers })
    expect(post.status).toBe(404)
    expect(((await post.json()) as Json).error.message).toMatch(/^No HTTP resource was found that matches the request URI/)
  })
})

describe('EntityDefinitions', () => {
  it('single table by LogicalName with $select and $expand=Attributes (unpaged, typed items)', async () => {
    const { status, body } = await get(
      "EntityDefinitions(LogicalName='contact')?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsOptimisticConcurrencyEnabled&$expand=Attributes($select=LogicalName,SchemaName,AttributeType,AttributeTypeName,RequiredLevel,IsValidForRead,IsValidForCreate,IsValidForUpdate,IsPrimaryId,IsPrimaryName,AttributeOf,DisplayName)"
    )
    expect(status).toBe(200)
    expect(body['@odata.context']).toMatch(/\$metadata#EntityDefinitions\(LogicalName,.*Attributes\(LogicalName,.*\)\)\/\$entity$/)
    expect(body).toMatchObject({
      LogicalName: 'contact',
      EntitySetName: 'contacts',
      PrimaryIdAttribute: 'contactid',
      PrimaryNameAttribute: 'fullname',
      ChangeTrackingEnabled: true
    })
    expect(body.MetadataId).toMatch(/^[0-9a-f-]{36}$/)
    expect(body.value).toBeUndefined()
    expect(body.Attributes.length).toBeGreaterThanOrEqual(100)
    const lastname = body.Attributes.find((a: Json) => a.LogicalName === 'lastname')
    expect(lastname).toMatchObject({
      '@odata.type': '#Microsoft.Dynamics.CRM.StringAttributeMetadata',
      AttributeType: 'String',
      AttributeTypeName: { Value: 'StringType' },
      RequiredLevel: { Value: 'ApplicationRequired', CanBeChanged: false, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
      IsValidForCreate: true
    })
    expect(lastname.DisplayName.UserLocalizedLabel).toMatchObject({ Label: 'Last Name', LanguageCode: 1033 })
    expect(lastname.MaxLength).toBeUndefined() // type-specific: only with a cast
    expect(body.Attributes.find((a: Json) => a.LogicalName === 'contactid')).toMatchObject({ IsPrimaryId: true, IsValidForUpdate: false })
    expect(body.Attributes.find((a: Json) => a.LogicalName === 'fullname')).toMatchObject({ IsPrimaryName: true, IsValidForCreate: false })
    expect(body.Attributes.find((a: Json) => a.LogicalName === 'statecode')).toMatchObject({
      IsValidForCreate: false,
      RequiredLevel: { Value: 'SystemRequired' }
    })
  })

  it('$filter=ChangeTrackingEnabled eq true and enum/managed-property filters', async () => {
    const tracked = await get('EntityDefinitions?$select=SchemaName,LogicalName&$filter=ChangeTrackingEnabled eq true')
    expect(tracked.status).toBe(200)
    const names = tracked.body.value.map((e: Json) => e.LogicalName)
    expect(names).toContain('contact')
    expect(names).not.toContain('transactioncurrency')
    expect(Object.keys(tracked.body.value[0])).toEqual(['MetadataId', 'SchemaName', 'LogicalName'])
    const required = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'"
    )
    expect(required.body.value.map((a: Json) => a.LogicalName)).toEqual(['lastname'])
    const owned = await get(
      "EntityDefinitions?$select=LogicalName&$filter=OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'"
    )
    expect(owned.body.value.length).toBeGreaterThan(3)
  })

  it('StringAttributeMetadata cast returns MaxLength and FormatName', async () => {
    const { status, body } = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength,FormatName"
    )
    expect(status).toBe(200)
    expect(body['@odata.context']).toBe(
      `${local.sandbox.info.url}$metadata#EntityDefinitions('contact')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata(LogicalName,MaxLength,FormatName)`
    )
    const email = body.value.find((a: Json) => a.LogicalName === 'emailaddress1')
    expect(email).toEqual({ MetadataId: expect.any(String), LogicalName: 'emailaddress1', MaxLength: 100, FormatName: { Value: 'Email' } })
    expect(body.value.find((a: Json) => a.LogicalName === 'firstname').MaxLength).toBe(50)
    expect(body.value.every((a: Json) => a['@odata.type'] === undefined)).toBe(true)
  })

  it('PicklistAttributeMetadata with $expand=OptionSet,GlobalOptionSet matches the documented shape', async () => {
    const { status, body } = await get(
      "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='accountcategorycode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)"
    )
    expect(status).toBe(200)
    expect(body['@odata.context']).toBe(
      `${local.sandbox.info.url}$metadata#EntityDefinitions('account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata(LogicalName,OptionSet(Options),GlobalOptionSet(Options))/$entity`
    )
    expect(Object.keys(body)).toEqual(['@odata.context', 'MetadataId', 'LogicalName', 'OptionSet', 'GlobalOptionSet'])
    expect(Object.keys(body.OptionSet)).toEqual(['MetadataId', 'Options'])
    const preferred = body.OptionSet.Options[0]
    expect(preferred).toMatchObject({
      Value: 1,
      Color: null,
      ExternalValue: null,
      ParentValues: [],
      Tag: null,
      IsHidden: false,
      MetadataId: null,
      HasChanged: null
    })
    expect(preferred.Label.UserLocalizedLabel.Label).toBe('Preferred Customer')
    expect(preferred.Description).toEqual({ LocalizedLabels: [], UserLocalizedLabel: null })
    expect(body.GlobalOptionSet.Options.map((o: Json) => o.Value)).toEqual([1, 2])
  })

  it('gendercode options, Boolean TrueOption/FalseOption, lookup Targets, DateOnly behaviour', async () => {
    const gender = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='gendercode')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet"
    )
    expect(gender.body.OptionSet.Options.map((o: Json) => [o.Value, o.Label.UserLocalizedLabel.Label])).toEqual([
      [1, 'Male'],
      [2, 'Female']
    ])
    expect(gender.body.OptionSet.OptionSetType).toBe('Picklist')
    const bulk = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='donotbulkemail')/Microsoft.Dynamics.CRM.BooleanAttributeMetadata?$expand=OptionSet"
    )
    expect(bulk.body.OptionSet.TrueOption.Label.UserLocalizedLabel.Label).toBe('Do Not Allow')
    expect(bulk.body.OptionSet.FalseOption).toMatchObject({ Value: 0 })
    expect(bulk.body.DefaultValue).toBe(false)
    const lookups = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.LookupAttributeMetadata?$select=LogicalName,Targets"
    )
    expect(lookups.body.value.find((a: Json) => a.LogicalName === 'parentcustomerid').Targets).toEqual(['account', 'contact'])
    const dates = await get(
      "EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.DateTimeAttributeMetadata?$select=LogicalName,Format,DateTimeBehavior"
    )
    expect(dates.body.value.find((a: Json) => a.LogicalName === 'birthdate')).toMatchObject({
      Format: 'DateOnly',
      DateTimeBehavior: { Value: 'DateOnly' }
    })
  })

  it('activity tables: IsActivity, regardingobjectid targets, navigation names and alternate keys', async () => {
    const table = await get(
      "EntityDefinitions(LogicalName='new_emailopen')?$select=IsActivity,PrimaryIdAttribute,ChangeTrackingEnabled&$expand=Keys($select=KeyAttributes,LogicalName)"
    )
    expect(table.body).toMatchObject({ IsActivity: true, PrimaryIdAttribute: 'activityid', ChangeTrackingEnabled: true })
    expect(table.body.Keys).toEqual([
      { MetadataId: expect.any(String), KeyAttributes: ['new_externaleventid'], LogicalName: 'new_emailopen_eventid' }
    ])
    const relationships = await get(
      "EntityDefinitions(LogicalName='new_emailopen')/ManyToOneRelationships?$select=ReferencingEntityNavigationPropertyName,ReferencedEntity&$filter=ReferencedEntity eq 'contact'"
    )
    expect(relationships.body.value).toEqual([
      {
        MetadataId: expect.any(String),
        ReferencingEntityNavigationPropertyName: 'regardingobjectid_contact_new_emailopen',
        ReferencedEntity: 'contact'
      }
    ])
  })

  it('errors: unknown table, unknown property, EnumAttributeMetadata cast', async () => {
    const missing = await get("EntityDefinitions(LogicalName='nothere')")
    expect(missing.status).toBe(404)
    const badSelect = await get("EntityDefinitions(LogicalName='contact')?$select=Nope")
    expect(badSelect.status).toBe(400)
    expect(badSelect.body.error.message).toBe("Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.EntityMetadata'.")
    const enumCast = await get("EntityDefinitions(LogicalName='contact')/Attributes/Microsoft.Dynamics.CRM.EnumAttributeMetadata")
    expect(enumCast.status).toBe(400)
  })
})
