import { isRunning, useRunStore } from '../runs/run-store'
import { useCanvasStore } from './canvas-store'
import { useDocumentStore } from './document-store'
import { useTraceStore } from './trace-store'

/**
 * What belongs to the open document and must go when another one replaces it: the canvas
 * selection, node searches and proposals, the traced record, and the run dialog's plan (a
 * "Run now" must never carry out the previous file's plan). A run still going on in main
 * is left to finish: the toolbar keeps showing it, and its history stays.
 */
export function resetDocumentState(): void {
  useCanvasStore.getState().reset()
  useCanvasStore.setState({ views: {} })
  useTraceStore.setState({ flowId: undefined, trace: undefined })
  const runs = useRunStore.getState()
  if (!isRunning(runs.session))
    useRunStore.setState({ session: undefined, stage: 'setup', dialogOpen: false, selectedRunId: undefined, unseen: false })
  else if (runs.dialogOpen) runs.close()
}

/** Calls `onReplaced` (after the resets above) each time another document is loaded. */
export function subscribeToDocumentChanges(onReplaced: () => void): () => void {
  return useDocumentStore.subscribe((state, previous) => {
    if (state.generation === previous.generation) return
    resetDocumentState()
    onReplaced()
  })
}
