import { createClient, type Client } from './client'
import { httpTransport, takeSessionToken } from './http-transport'
import { electronBridge, ipcTransport } from './ipc-transport'

/** Electron's bridge when the preload put one there; otherwise browser mode with the session token. */
export function connect(): Client | { error: string } {
  const bridge = electronBridge()
  if (bridge) return createClient(ipcTransport(bridge))
  const token = takeSessionToken()
  if (!token) {
    return {
      error:
        'This page needs the session token from the URL Sync Studio printed when it started (…/#token=…). Open that URL, or restart with `npm start`.'
    }
  }
  return createClient(httpTransport(token))
}
