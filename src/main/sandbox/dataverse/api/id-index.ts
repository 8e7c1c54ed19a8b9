import type { DataStore } from '../data/store'
import type { Expr, Literal, Operand } from '../odata/filter-ast'
import type { TableIndex } from '../tables/catalog'

/**
 * The rows a `$filter` can only match, when it pins the primary id or a one-column alternate
 * key: `contactid eq <id>`, `Microsoft.Dynamics.CRM.In(PropertyName='contactid',
 * PropertyValues=[…])`, either under `and`, or `or` of such. Dataverse answers these from the
 * key's index; so does the sandbox — the scan positions of those rows, in scan order (the
 * filter still runs on each), instead of every row of a million-row table. Undefined: the
 * filter pins no key, scan.
 */
export function keyedPositions(store: DataStore, table: TableIndex, filter: Expr): number[] | undefined {
  const found = candidates(store, table, filter)
  return found && [...found].sort((a, b) => a - b)
}

function candidates(store: DataStore, table: TableIndex, e: Expr): Set<number> | undefined {
  switch (e.k) {
    case 'and': {
      const l = candidates(store, table, e.l)
      const r = candidates(store, table, e.r)
      if (!l) return r
      if (!r) return l
      return l.size <= r.size ? l : r
    }
    case 'or': {
      const l = candidates(store, table, e.l)
      const r = l && candidates(store, table, e.r)
      if (!l || !r) return undefined
      for (const pos of r) l.add(pos)
      return l
    }
    case 'cmp': {
      if (e.op !== 'eq') return undefined
      const [prop, lit] = e.l.k === 'prop' ? [e.l, e.r] : [e.r, e.l]
      if (prop.k !== 'prop' || lit.k !== 'lit' || prop.path.length !== 1) return undefined
      return positionsOf(store, table, prop.path[0], [lit.lit])
    }
    case 'crm': {
      if (e.name !== 'In') return undefined
      const name = literal(e.params.PropertyName)
      const values = literal(e.params.PropertyValues)
      if (name?.type !== 'string' || values?.type !== 'array') return undefined
      return positionsOf(store, table, name.value, values.value)
    }
    default:
      return undefined
  }
}

function literal(operand: Operand | undefined): Literal | undefined {
  return operand?.k === 'lit' ? operand.lit : undefined
}

/** Positions of the rows whose `column` holds one of `values`; undefined when `column` is no key. */
function positionsOf(store: DataStore, table: TableIndex, column: string, values: readonly Literal[]): Set<number> | undefined {
  const name = table.def.logicalName
  const primary = column === table.def.primaryId
  const key = primary ? undefined : table.def.keys.find((k) => k.attributes.length === 1 && k.attributes[0] === column)
  if (!primary && !key) return undefined
  const out = new Set<number>()
  for (const lit of values) {
    if (lit.type === 'null' || lit.type === 'array') continue
    const text = String(lit.value)
    const id = primary ? text : store.findByKey(name, key!.logicalName, { [column]: text })
    if (id === undefined) continue
    const pos = store.positionOf(name, id)
    if (pos !== undefined) out.add(pos)
  }
  return out
}
