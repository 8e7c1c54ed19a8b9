/**
 * The sandbox's whole state, plain JSON so that `snapshot()` / `restore()` are a deep copy.
 * Ids come from one sequence, like Campaign's global id sequence: they are never exposed,
 * only encrypted into PKeys.
 */

export interface StoredRecord {
  id: number
  /** Field values in their rendered form; links hold the target's internal id (or null). */
  values: Record<string, unknown>
}

export interface Delivery {
  id: number
  label: string
  /** Delivery code shown as "Delivery Name" by the integration (e.g. DM190). */
  code: string
  campaignLabel: string
  campaignCode: string
  messageType: 'email'
  contactDate: string
}

/** One row of `nms:broadLogRcp` (a send, or a failed send = bounce). */
export interface BroadLog {
  id: number
  deliveryId: number
  profileId: number
  address: string
  status: 'sent' | 'failed'
  failureType: '' | 'hard' | 'soft'
  failureReason: string
  contactDate: string
  eventDate: string
  lastModified: string
  msgId: string
}

/** One row of `nms:trackingLogRcp` (an open or a click). */
export interface TrackingLog {
  id: number
  deliveryId: number
  broadLogId: number
  profileId: number
  kind: 'open' | 'click'
  urlLabel: string
  url: string
  urlId: number
  logDate: string
  userAgent: string
  trackedDevice: string
  sourceType: string
}

export interface CampaignState {
  nextId: number
  tables: Record<string, StoredRecord[]>
  deliveries: Delivery[]
  broadLogs: BroadLog[]
  trackingLogs: TrackingLog[]
  /** Incremental export watermark (highest log ids already exported) and file counter. */
  exported: { broadLogId: number; trackingLogId: number; files: number }
}

export class CampaignStore {
  private state: CampaignState
  /** Per-table index by id, rebuilt on restore. */
  private index = new Map<string, Map<number, StoredRecord>>()
  /** `table.field` → value → ids: identification keys and join fields, built on first use. */
  private valueIndex = new Map<string, Map<string, Set<number>>>()

  constructor(firstId: number) {
    this.state = {
      nextId: firstId,
      tables: {},
      deliveries: [],
      broadLogs: [],
      trackingLogs: [],
      exported: { broadLogId: 0, trackingLogId: 0, files: 0 }
    }
  }

  get raw(): CampaignState {
    return this.state
  }

  newId(): number {
    // Gaps, as in a shared sequence: ids hint at nothing about table sizes.
    this.state.nextId += 1 + (this.state.nextId % 7)
    return this.state.nextId
  }

  table(name: string): Map<number, StoredRecord> {
    let table = this.index.get(name)
    if (!table) {
      table = new Map()
      this.index.set(name, table)
      this.state.tables[name] ??= []
      for (const record of this.state.tables[name]) table.set(record.id, record)
    }
    return table
  }

  rows(name: string): StoredRecord[] {
    return [...this.table(name).values()]
  }

  get(name: string, id: number): StoredRecord | undefined {
    return this.table(name).get(id)
  }

  insert(name: string, values: Record<string, unknown>): StoredRecord {
    const record = { id: this.newId(), values }
    this.table(name).set(record.id, record)
    this.state.tables[name].push(record)
    this.reindex(name, record.id, undefined, values)
    return record
  }

  /** Replaces a record's values (every write goes through here so the value indexes stay right). */
  replace(name: string, record: StoredRecord, values: Record<string, unknown>): void {
    this.reindex(name, record.id, record.values, values)
    record.values = values
  }

  remove(name: string, id: number): void {
    const table = this.table(name)
    const record = table.get(id)
    if (!record) return
    table.delete(id)
    this.reindex(name, id, record.values, undefined)
    const rows = this.state.tables[name]
    rows.splice(rows.indexOf(record), 1)
  }

  /** Ids of the rows of `name` whose `field` equals `value` (string values only). */
  lookup(name: string, field: string, value: string): number[] {
    const key = `${name}.${field}`
    let index = this.valueIndex.get(key)
    if (!index) {
      index = new Map()
      for (const record of this.table(name).values()) {
        const v = record.values[field]
        if (typeof v === 'string' && v !== '') add(index, v, record.id)
      }
      this.valueIndex.set(key, index)
    }
    return [...(index.get(value) ?? [])]
  }

  private reindex(name: string, id: number, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): void {
    for (const [key, index] of this.valueIndex) {
      const dot = key.indexOf('.')
      if (key.slice(0, dot) !== name) continue
      const field = key.slice(dot + 1)
      const old = before?.[field]
      const next = after?.[field]
      if (old === next) continue
      if (typeof old === 'string' && old !== '') index.get(old)?.delete(id)
      if (typeof next === 'string' && next !== '') add(index, next, id)
    }
  }

  snapshot(): CampaignState {
    return structuredClone(this.state)
  }

  restore(state: unknown): void {
    const candidate = state as CampaignState
    if (!candidate || typeof candidate !== 'object' || typeof candidate.nextId !== 'number' || !candidate.tables) {
      throw new Error('not a Campaign sandbox snapshot')
    }
    this.state = structuredClone(candidate)
    this.index = new Map()
    this.valueIndex = new Map()
  }
}

function add(index: Map<string, Set<number>>, value: string, id: number): void {
  let ids = index.get(value)
  if (!ids) index.set(value, (ids = new Set()))
  ids.add(id)
}
