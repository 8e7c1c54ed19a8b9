import type { CallResult } from '../../shared/contract'
import type { Transport } from './client'

interface Bridge {
  call(name: string, input: unknown): Promise<unknown>
  on(name: string, listener: (payload: unknown) => void): () => void
}

/** The preload's bridge, present only inside Electron. */
export function electronBridge(): Bridge | undefined {
  return (window as unknown as { syncStudio?: Bridge }).syncStudio
}

export function ipcTransport(bridge: Bridge): Transport {
  return {
    mode: 'electron',
    call: async (name, input) => (await bridge.call(name, input)) as CallResult<unknown>,
    on: (name, listener) => bridge.on(name, listener)
  }
}
