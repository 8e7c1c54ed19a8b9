import { contextBridge, ipcRenderer } from 'electron'
import { CALL_CHANNEL, callNames, EVENT_CHANNEL, eventNames, type CallName, type EventName } from '../shared/contract-names'

/**
 * The renderer sees exactly this object: one function per contract call and a way to
 * listen to the contract's events. No raw ipcRenderer, no process, no Node.
 */
const calls = new Set<string>(callNames)
const events = new Set<string>(eventNames)

const bridge = {
  call(name: CallName, input: unknown): Promise<unknown> {
    if (!calls.has(name)) return Promise.reject(new Error(`unknown call ${String(name)}`))
    return ipcRenderer.invoke(CALL_CHANNEL, name, input)
  },
  on(name: EventName, listener: (payload: unknown) => void): () => void {
    if (!events.has(name)) throw new Error(`unknown event ${String(name)}`)
    const wrapped = (_event: unknown, eventName: string, payload: unknown) => {
      if (eventName === name) listener(payload)
    }
    ipcRenderer.on(EVENT_CHANNEL, wrapped)
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, wrapped)
  }
}

export type SyncStudioBridge = typeof bridge

contextBridge.exposeInMainWorld('syncStudio', bridge)
