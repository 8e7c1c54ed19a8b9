import type { ColumnDef, TableDef } from '../schema/model'
import { accountTable } from './account'
import { emailBounceTable, emailClickTable, emailOpenTable, emailSendTable } from './activities'
import { contactTable } from './contact'
import { eventRegistrationTable, vehicleTable } from './custom'
import { currencyTable, systemUserTable, teamTable } from './system'

export const allTables: TableDef[] = [
  contactTable,
  accountTable,
  vehicleTable,
  eventRegistrationTable,
  emailSendTable,
  emailOpenTable,
  emailClickTable,
  emailBounceTable,
  systemUserTable,
  teamTable,
  currencyTable
]

/** Name lookups the Web API needs per table: by property name, by navigation property. */
export interface TableIndex {
  def: TableDef
  /** Web API property name (lookups as `_x_value`) → column. */
  properties: Map<string, ColumnDef>
  columns: Map<string, ColumnDef>
  /** Single-valued navigation property → lookup column + target table. */
  navigation: Map<string, { column: ColumnDef; target: string }>
}

export function webName(column: ColumnDef): string {
  return isLookup(column) ? `_${column.logicalName}_value` : column.logicalName
}

export function isLookup(column: ColumnDef): boolean {
  return column.type === 'Lookup' || column.type === 'Customer' || column.type === 'Owner'
}

export class Catalog {
  readonly byLogicalName = new Map<string, TableIndex>()
  readonly bySetName = new Map<string, TableIndex>()

  constructor(tables: TableDef[] = allTables) {
    for (const def of tables) {
      const properties = new Map<string, ColumnDef>()
      const columns = new Map<string, ColumnDef>()
      const navigation = new Map<string, { column: ColumnDef; target: string }>()
      for (const column of def.columns) {
        columns.set(column.logicalName, column)
        properties.set(webName(column), column)
        for (const [target, nav] of Object.entries(column.navigation ?? {})) {
          // Owner: one `ownerid` navigation property typed as principal; resolve by the row.
          if (!navigation.has(nav)) navigation.set(nav, { column, target })
        }
      }
      const index = { def, properties, columns, navigation }
      this.byLogicalName.set(def.logicalName, index)
      this.bySetName.set(def.entitySetName, index)
    }
  }

  table(logicalName: string): TableIndex {
    const index = this.byLogicalName.get(logicalName)
    if (!index) throw new Error(`unknown table ${logicalName}`)
    return index
  }
}
