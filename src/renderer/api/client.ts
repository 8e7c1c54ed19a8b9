import type { CallInput, CallName, CallOutput, CallResult, EventName, EventPayload } from '../../shared/contract'

/**
 * The renderer's one way to reach main. The same typed client runs over the preload
 * bridge (Electron) or over HTTP with the session token (browser mode).
 */
export interface Transport {
  mode: 'electron' | 'browser'
  call(name: CallName, input: unknown): Promise<CallResult<unknown>>
  on(name: EventName, listener: (payload: unknown) => void): () => void
}

/** A failed call, with main's message written for the user. */
export class CallFailed extends Error {
  constructor(
    readonly call: CallName,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = 'CallFailed'
  }
}

export interface Client {
  mode: Transport['mode']
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void
}

export function createClient(transport: Transport): Client {
  return {
    mode: transport.mode,
    async call(name, input) {
      const result = await transport.call(name, input)
      if (!result.ok) throw new CallFailed(name, result.error.code, result.error.message)
      return result.value as never
    },
    on(name, listener) {
      return transport.on(name, listener as (payload: unknown) => void)
    }
  }
}
