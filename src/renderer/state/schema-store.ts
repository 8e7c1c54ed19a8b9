import { useEffect } from 'react'
import { create } from 'zustand'
import type { TableSummary } from '../../shared/contract'
import type { System, Table } from '../../shared/schema/model'
import type { Client } from '../api/client'

/**
 * Schemas fetched from main, cached per connection: the canvas, the schema browser, the
 * inspector and validation all read the same copy, and each is fetched once per session
 * (refresh() drops the cache, e.g. after a connection changes).
 */
/** Something fetched from main: loading, ready (with what else the caller keeps beside the value), or failed. */
export type Loadable<T, Extra extends object = object> =
  { status: 'loading' } | ({ status: 'ready'; value: T } & Extra) | { status: 'error'; message: string }

interface SchemaState {
  tables: Record<string, Loadable<Table>>
  lists: Record<string, Loadable<TableSummary[]>>
  loadTable(client: Client, system: System, connection: string, name: string): Promise<void>
  loadList(client: Client, system: System, connection: string): Promise<void>
  refresh(): void
}

export const tableKey = (system: System, connection: string, name: string) => `${system}\u0000${connection}\u0000${name}`
export const listKey = (system: System, connection: string) => `${system}\u0000${connection}`

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

export const useSchemaStore = create<SchemaState>((set, get) => ({
  tables: {},
  lists: {},
  async loadTable(client, system, connection, name) {
    const key = tableKey(system, connection, name)
    if (get().tables[key]) return
    set((state) => ({ tables: { ...state.tables, [key]: { status: 'loading' } } }))
    try {
      const { table } = await client.call('schema/table', { system, connection, name })
      set((state) => ({ tables: { ...state.tables, [key]: { status: 'ready', value: table } } }))
    } catch (error) {
      set((state) => ({ tables: { ...state.tables, [key]: { status: 'error', message: messageOf(error) } } }))
    }
  },
  async loadList(client, system, connection) {
    const key = listKey(system, connection)
    if (get().lists[key]) return
    set((state) => ({ lists: { ...state.lists, [key]: { status: 'loading' } } }))
    try {
      const { tables } = await client.call('schema/tables', { system, connection })
      set((state) => ({ lists: { ...state.lists, [key]: { status: 'ready', value: tables } } }))
    } catch (error) {
      set((state) => ({ lists: { ...state.lists, [key]: { status: 'error', message: messageOf(error) } } }))
    }
  },
  refresh() {
    set({ tables: {}, lists: {} })
  }
}))

/** One table or resource, fetched on first use. */
export function useTable(
  client: Client,
  system: System,
  connection: string | undefined,
  name: string | undefined
): Loadable<Table> | undefined {
  const key = connection && name ? tableKey(system, connection, name) : undefined
  const entry = useSchemaStore((state) => (key ? state.tables[key] : undefined))
  // Fetch again when the entry is dropped (a reconnect clears the cache), not on every change.
  const missing = entry === undefined
  useEffect(() => {
    if (connection && name) void useSchemaStore.getState().loadTable(client, system, connection, name)
  }, [client, system, connection, name, missing])
  return entry
}

/** The tables (Dynamics) or resources (Campaign) of a connection, fetched on first use. */
export function useTableList(client: Client, system: System, connection: string | undefined): Loadable<TableSummary[]> | undefined {
  const key = connection ? listKey(system, connection) : undefined
  const entry = useSchemaStore((state) => (key ? state.lists[key] : undefined))
  const missing = entry === undefined
  useEffect(() => {
    if (connection) void useSchemaStore.getState().loadList(client, system, connection)
  }, [client, system, connection, missing])
  return entry
}
