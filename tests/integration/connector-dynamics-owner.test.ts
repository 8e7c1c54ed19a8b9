import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamicsConnector } from '../../src/main/connectors/dynamics/connector'
import { StaticTokenProvider } from '../../src/main/connectors/token-provider'
import { startLocalDataverseServer, type LocalDataverseServer } from '../../src/main/sandbox/dataverse/local-server'

/**
 * Owner and customer lookups over real HTTP. `ownerid` has one relationship (owner_accounts,
 * ReferencedEntity `owner`) and one navigation property typed principal, for a user or a team
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/principal);
 * `parentcustomerid` has one relationship per target (parentcustomerid_account, _contact)
 * (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/associate-disassociate-entities-using-web-api).
 */
let local: LocalDataverseServer
let dynamics: DynamicsConnector
type Json = Record<string, unknown>

beforeAll(async () => {
  local = await startLocalDataverseServer({ seed: 13, contacts: 20 })
  dynamics = new DynamicsConnector({ environmentUrl: local.baseUrl, tokenProvider: new StaticTokenProvider(await local.accessToken()) })
})
afterAll(() => local.close())

const read = (set: string, id: string, select: string) =>
  dynamics.getJson<Json>(`${set}(${id})?$select=${select}`, {
    headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' }
  })

describe('owner lookups', () => {
  it("the sandbox's metadata for ownerid is Dataverse's: Targets systemuser and team, one relationship to owner", async () => {
    const relationships = await dynamics.getJson<{ value: Json[] }>(
      "EntityDefinitions(LogicalName='account')/ManyToOneRelationships?$select=SchemaName,ReferencedEntity,ReferencedAttribute,ReferencingAttribute,ReferencingEntityNavigationPropertyName"
    )
    const owner = relationships.value.filter((r) => r.ReferencingAttribute === 'ownerid')
    expect(owner).toEqual([
      expect.objectContaining({
        SchemaName: 'owner_accounts',
        ReferencedEntity: 'owner',
        ReferencedAttribute: 'ownerid',
        ReferencingEntityNavigationPropertyName: 'ownerid'
      })
    ])
    const schema = await dynamics.tableSchema('account')
    expect(schema.table.fields.find((f) => f.name === 'ownerid')?.targets).toEqual(['systemuser', 'team'])
  })

  it('an account is created owned by a team and reassigned to a user through ownerid@odata.bind', async () => {
    const team = local.sandbox.idOf('team', 0)
    const user = local.sandbox.idOf('systemuser', 1)
    const { id } = await dynamics.create('account', { name: 'Owned by a team', ownerid: { table: 'team', id: team } })
    expect(await dynamics.toPayload('account', { ownerid: { table: 'team', id: team } })).toEqual({
      'ownerid@odata.bind': `/teams(${team})`
    })
    const created = await read('accounts', id, '_ownerid_value')
    expect(created._ownerid_value).toBe(team)
    expect(created['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('team')

    await dynamics.update('account', id, { ownerid: { table: 'systemuser', id: user } })
    const reassigned = await read('accounts', id, '_ownerid_value')
    expect(reassigned._ownerid_value).toBe(user)
    expect(reassigned['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('systemuser')
  })

  it('an owner that is neither a user nor a team is refused before any request, naming the targets', async () => {
    await expect(dynamics.toPayload('account', { ownerid: { table: 'contact', id: local.sandbox.idOf('contact', 0) } })).rejects.toThrow(
      "Lookup 'ownerid' of 'account' cannot point to 'contact' (targets: systemuser, team)."
    )
  })

  it('customer lookups still bind through the navigation property of each target', async () => {
    const account = local.sandbox.idOf('account', 0)
    const parent = local.sandbox.idOf('contact', 0)
    const toAccount = await dynamics.create('contact', { lastname: 'Customer A', parentcustomerid: { table: 'account', id: account } })
    const toContact = await dynamics.create('contact', { lastname: 'Customer C', parentcustomerid: { table: 'contact', id: parent } })
    expect(await dynamics.toPayload('contact', { parentcustomerid: { table: 'contact', id: parent } })).toEqual({
      'parentcustomerid_contact@odata.bind': `/contacts(${parent})`
    })
    expect((await read('contacts', toAccount.id, '_parentcustomerid_value'))._parentcustomerid_value).toBe(account)
    const second = await read('contacts', toContact.id, '_parentcustomerid_value')
    expect(second._parentcustomerid_value).toBe(parent)
    expect(second['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('contact')
  })
})
