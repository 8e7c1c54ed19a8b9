import type { CallResult, EventName } from '../../shared/contract'
import type { Transport } from './client'

const TOKEN_KEY = 'sync-studio.session-token'

/**
 * The session token arrives in the URL fragment (never sent to a server, never in a log);
 * it is kept in this tab's session storage so a reload still works, and removed from the
 * address bar so it is not shared by a screenshot or a copied link.
 */
export function takeSessionToken(): string | undefined {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash)
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]))
    history.replaceState(null, '', window.location.pathname + window.location.search)
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined
}

export function httpTransport(token: string): Transport {
  const headers = { Authorization: `Bearer ${token}` }
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let streaming = false

  // Server-sent events read with fetch, so the token travels in a header, not the URL.
  const stream = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch('/api/events', { headers })
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`)
        attempt = 0
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const data = frame
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n')
            if (!data) continue
            const { name, payload } = JSON.parse(data) as { name: EventName; payload: unknown }
            listeners.get(name)?.forEach((listener) => listener(payload))
          }
        }
      } catch {
        // The app's server went away or restarted: retry with a growing pause.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)))
    }
  }

  return {
    mode: 'browser',
    async call(name, input) {
      let response: Response
      try {
        response = await fetch(`/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {})
        })
      } catch {
        return { ok: false, error: { code: 'failed', message: 'Sync Studio is not reachable — is the app still running?' } }
      }
      try {
        return (await response.json()) as CallResult<unknown>
      } catch {
        return { ok: false, error: { code: 'failed', message: `Unexpected answer from Sync Studio (HTTP ${response.status}).` } }
      }
    },
    on(name, listener) {
      if (!streaming) {
        streaming = true
        void stream()
      }
      const set = listeners.get(name) ?? new Set()
      set.add(listener)
      listeners.set(name, set)
      return () => set.delete(listener)
    }
  }
}
