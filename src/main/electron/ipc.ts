import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/contract-names'
import type { Dispatch } from '../contract/dispatcher'
import type { EventHub } from '../contract/event-hub'
import { isAppUrl } from './app-protocol'

/** Only our own top frame, loaded from our own protocol, may call main. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame
  return Boolean(frame) && frame!.parent === null && isAppUrl(frame!.url)
}

/** Binds the whole contract to one IPC channel through the generic dispatcher. */
export function bindIpc(dispatch: Dispatch, events: EventHub, windows: () => WebContents[]): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, name: unknown, input: unknown) => {
    if (!fromOurWindow(event)) {
      return { ok: false, error: { code: 'refused', message: 'Refused: calls are accepted only from the Sync Studio window.' } }
    }
    return dispatch(name, input)
  })
  const unsubscribe = events.subscribe((name, payload) => {
    for (const contents of windows()) if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload)
  })
  return () => {
    ipcMain.removeHandler(CALL_CHANNEL)
    unsubscribe()
  }
}
