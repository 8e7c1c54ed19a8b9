import type { Catalog } from '../tables/catalog'
import type { Row, TableContext, TableDef } from '../schema/model'
import { generatedId, indexOfGeneratedId } from './ids'

/**
 * Rows of every table. Generated rows are computed from (seed, index) on demand; only
 * rows touched by a write live in memory (overlay), deletions of generated rows are
 * tombstones. A global version counter backs ETags and change tracking.
 */
export interface ChangeEntry {
  version: number
  deleted: boolean
}

interface TableState {
  def: TableDef
  generatedCount: number
  overlay: Map<string, Row>
  tombstones: Set<string>
  /** Ids of rows created at run time, in creation order; null once deleted. Positions stay stable for paging. */
  created: Array<string | null>
  createdPos: Map<string, number>
  changes: Map<string, ChangeEntry>
  /** key name → lower-cased joined key values → id, for overlay rows only. */
  keyIndex: Map<string, Map<string, string>>
}

export interface StoreSnapshot {
  format: 'sync-studio/dataverse-sandbox@1'
  version: number
  tables: Record<
    string,
    { overlay: Array<[string, Row]>; tombstones: string[]; created: Array<string | null>; changes: Array<[string, ChangeEntry]> }
  >
}

/** The first version handed out to writes; every generated row's version is below it. */
const firstWriteVersion = 10_000_000

export class DataStore {
  readonly ctx: TableContext
  private version = firstWriteVersion
  private readonly tables = new Map<string, TableState>()
  private undo: Array<() => void> | null = null

  constructor(
    readonly catalog: Catalog,
    seed: number,
    contacts: number
  ) {
    const counts: Record<string, number> = {}
    for (const { def } of catalog.byLogicalName.values()) counts[def.logicalName] = def.count({ contacts })
    this.ctx = { seed, contacts, counts, idOf: (table, index) => generatedId(seed, table, index) }
    for (const { def } of catalog.byLogicalName.values()) {
      this.tables.set(def.logicalName, {
        def,
        generatedCount: counts[def.logicalName],
        overlay: new Map(),
        tombstones: new Set(),
        created: [],
        createdPos: new Map(),
        changes: new Map(),
        keyIndex: new Map(def.keys.map((k) => [k.logicalName, new Map()]))
      })
    }
  }

  get currentVersion(): number {
    return this.version
  }

  private state(table: string): TableState {
    const state = this.tables.get(table)
    if (!state) throw new Error(`unknown table ${table}`)
    return state
  }

  /** Number of row positions (live or deleted) a scan has to walk. */
  positions(table: string): number {
    const s = this.state(table)
    return s.generatedCount + s.created.length
  }

  liveCount(table: string): number {
    const s = this.state(table)
    let created = 0
    for (const id of s.created) if (id !== null) created++
    return s.generatedCount - s.tombstones.size + created
  }

  /**
   * The scan position of the row with this primary id (generated rows: their index; created
   * rows: their creation slot), or undefined when no row has it — an O(1) look-up, so a
   * query by id reads one row instead of scanning the table.
   */
  positionOf(table: string, id: string): number | undefined {
    const s = this.state(table)
    const key = id.toLowerCase()
    const created = s.createdPos.get(key)
    if (created !== undefined) return s.generatedCount + created
    return indexOfGeneratedId(this.ctx.seed, table, key, s.generatedCount)
  }

  /** The row at a scan position, or undefined when that row was deleted. Do not mutate. */
  rowAt(table: string, pos: number): Row | undefined {
    const s = this.state(table)
    if (pos < s.generatedCount) {
      const id = this.ctx.idOf(table, pos)
      const changed = s.overlay.get(id)
      if (changed) return changed
      if (s.tombstones.has(id)) return undefined
      return s.def.generate(pos, this.ctx)
    }
    const id = s.created[pos - s.generatedCount]
    return id === null || id === undefined ? undefined : s.overlay.get(id)
  }

  get(table: string, id: string): Row | undefined {
    const s = this.state(table)
    const key = id.toLowerCase()
    const changed = s.overlay.get(key)
    if (changed) return changed
    if (s.tombstones.has(key)) return undefined
    const index = indexOfGeneratedId(this.ctx.seed, table, key, s.generatedCount)
    return index === undefined ? undefined : s.def.generate(index, this.ctx)
  }

  /** Finds a row by the values of one alternate key (string compare is case-insensitive, like SQL). */
  findByKey(table: string, keyName: string, values: Record<string, unknown>): string | undefined {
    const s = this.state(table)
    const keyDef = s.def.keys.find((k) => k.logicalName === keyName)
    if (!keyDef) return undefined
    const joined = keyString(keyDef.attributes.map((a) => values[a]))
    const fromOverlay = s.keyIndex.get(keyName)?.get(joined)
    if (fromOverlay) return fromOverlay
    const matches = (row: Row | undefined) => row !== undefined && keyString(keyDef.attributes.map((a) => row[a])) === joined
    const candidate = s.def.indexForKey?.(values, this.ctx)
    if (candidate !== undefined) {
      if (candidate < 0 || candidate >= s.generatedCount) return undefined
      const id = this.ctx.idOf(table, candidate)
      if (s.overlay.has(id) || s.tombstones.has(id)) return undefined
      const row = s.def.generate(candidate, this.ctx)
      return matches(row) ? id : undefined
    }
    if (s.def.indexForKey) return undefined
    for (let pos = 0; pos < s.generatedCount; pos++) {
      const id = this.ctx.idOf(table, pos)
      if (s.overlay.has(id) || s.tombstones.has(id)) continue
      if (matches(s.def.generate(pos, this.ctx))) return id
    }
    return undefined
  }

  insert(table: string, row: Row): Row {
    const s = this.state(table)
    const id = String(row[s.def.primaryId]).toLowerCase()
    this.remember(s, id)
    const stored = { ...row, [s.def.primaryId]: id, versionnumber: ++this.version }
    s.overlay.set(id, stored)
    s.tombstones.delete(id)
    if (indexOfGeneratedId(this.ctx.seed, table, id, s.generatedCount) === undefined && !s.createdPos.has(id)) {
      s.createdPos.set(id, s.created.length)
      s.created.push(id)
    } else if (s.createdPos.has(id)) {
      s.created[s.createdPos.get(id)!] = id
    }
    s.changes.set(id, { version: this.version, deleted: false })
    this.indexKeys(s, id, stored)
    return stored
  }

  /** Replaces a row with its updated copy (the caller merged the changes). */
  replace(table: string, row: Row): Row {
    const s = this.state(table)
    const id = String(row[s.def.primaryId]).toLowerCase()
    this.remember(s, id)
    const stored = { ...row, versionnumber: ++this.version }
    s.overlay.set(id, stored)
    s.changes.set(id, { version: this.version, deleted: false })
    this.indexKeys(s, id, stored)
    return stored
  }

  delete(table: string, id: string): boolean {
    const s = this.state(table)
    const key = id.toLowerCase()
    if (!this.get(table, key)) return false
    this.remember(s, key)
    s.overlay.delete(key)
    if (s.createdPos.has(key)) s.created[s.createdPos.get(key)!] = null
    else s.tombstones.add(key)
    s.changes.set(key, { version: ++this.version, deleted: true })
    this.indexKeys(s, key, undefined)
    return true
  }

  /** Changes after `since`: changed ids by version order, then deleted ids (the documented order). */
  changesSince(table: string, since: number, upTo: number): { changed: string[]; deleted: string[] } {
    const s = this.state(table)
    const entries = [...s.changes.entries()].filter(([, c]) => c.version > since && c.version <= upTo)
    entries.sort((a, b) => a[1].version - b[1].version)
    return {
      changed: entries.filter(([, c]) => !c.deleted).map(([id]) => id),
      deleted: entries.filter(([, c]) => c.deleted).map(([id]) => id)
    }
  }

  /** Starts an atomic unit (a $batch change set); rollback() undoes every write since. */
  begin(): void {
    this.undo = []
  }

  commit(): void {
    this.undo = null
  }

  /** Inside begin()…commit(): a bulk message in a change set joins the change set's unit. */
  get inTransaction(): boolean {
    return this.undo !== null
  }

  rollback(): void {
    const undo = this.undo ?? []
    this.undo = null
    for (let i = undo.length - 1; i >= 0; i--) undo[i]()
  }

  private remember(s: TableState, id: string): void {
    if (!this.undo) return
    const row = s.overlay.get(id)
    const tomb = s.tombstones.has(id)
    const change = s.changes.get(id)
    const pos = s.createdPos.get(id)
    const createdEntry = pos === undefined ? undefined : s.created[pos]
    const createdLength = s.created.length
    const version = this.version
    this.undo.push(() => {
      if (row) s.overlay.set(id, row)
      else s.overlay.delete(id)
      if (tomb) s.tombstones.add(id)
      else s.tombstones.delete(id)
      if (change) s.changes.set(id, change)
      else s.changes.delete(id)
      if (pos !== undefined) {
        s.created[pos] = createdEntry ?? null
      } else if (s.createdPos.has(id)) {
        // The row was created inside the unit: forget its position again.
        s.createdPos.delete(id)
        s.created.length = createdLength
      }
      this.indexKeys(s, id, row)
      this.version = version
    })
  }

  private indexKeys(s: TableState, id: string, row: Row | undefined): void {
    for (const key of s.def.keys) {
      const index = s.keyIndex.get(key.logicalName)!
      for (const [value, owner] of index) if (owner === id) index.delete(value)
      if (row && key.attributes.every((a) => row[a] !== null && row[a] !== undefined)) {
        index.set(keyString(key.attributes.map((a) => row[a])), id)
      }
    }
  }

  snapshot(): StoreSnapshot {
    const tables: StoreSnapshot['tables'] = {}
    for (const [name, s] of this.tables) {
      if (s.overlay.size === 0 && s.tombstones.size === 0 && s.changes.size === 0) continue
      tables[name] = {
        overlay: [...s.overlay.entries()],
        tombstones: [...s.tombstones],
        created: [...s.created],
        changes: [...s.changes.entries()]
      }
    }
    return structuredClone({ format: 'sync-studio/dataverse-sandbox@1', version: this.version, tables })
  }

  restore(state: unknown): void {
    const snap = state as StoreSnapshot
    if (!snap || snap.format !== 'sync-studio/dataverse-sandbox@1') throw new Error('not a Dataverse sandbox snapshot')
    this.version = snap.version
    for (const [name, s] of this.tables) {
      const t = structuredClone(snap.tables[name])
      s.overlay = new Map(t?.overlay ?? [])
      s.tombstones = new Set(t?.tombstones ?? [])
      s.created = t?.created ?? []
      s.createdPos = new Map()
      s.created.forEach((id, pos) => id !== null && s.createdPos.set(id, pos))
      s.changes = new Map(t?.changes ?? [])
      s.keyIndex = new Map(s.def.keys.map((k) => [k.logicalName, new Map()]))
      for (const [id, row] of s.overlay) this.indexKeys(s, id, row)
    }
  }
}

function keyString(values: unknown[]): string {
  return values
    .map((v) => (v && typeof v === 'object' && 'id' in v ? String((v as { id: string }).id) : String(v)).toLowerCase())
    .join('\u0000')
}
