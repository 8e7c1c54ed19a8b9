import type { DocumentActions } from '../state/document-actions'

/**
 * What the file commands need from the running app: the file commands themselves (they use
 * the client, native dialogs or the browser's files, and the app's messages), the New mapping
 * dialog, and the About message. The app binds it while it is mounted.
 */
export interface ActionHost {
  files: DocumentActions
  newMapping(): void
  about(): void
}

let current: ActionHost | undefined

export function bindActionHost(host: ActionHost): () => void {
  current = host
  return () => {
    if (current === host) current = undefined
  }
}

export function actionHost(): ActionHost | undefined {
  return current
}
