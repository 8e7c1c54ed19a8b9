import { useCallback, useMemo, useRef } from 'react'
import type { Client } from '../api/client'
import { formatProblem, type Problem } from '../../shared/problems'
import { downloadText } from '../files/browser-files'
import { selectDirty, useDocumentStore } from './document-store'

export type Notice = { level: 'info' | 'warning' | 'error'; message: string; problems?: Problem[] }

/**
 * The project commands (new, open, save, import, export, undo, redo), the same whether
 * they come from the toolbar, a shortcut or the native menu. Electron uses main's native
 * dialogs; browser mode uses the browser's file picker and downloads.
 */
export function useDocumentActions(client: Client, nativeDialogs: boolean, notify: (notice: Notice | undefined) => void) {
  const fileInput = useRef<HTMLInputElement | null>(null)

  const confirmDiscard = useCallback((): boolean => {
    const state = useDocumentStore.getState()
    if (!selectDirty(state)) return true
    return window.confirm(`Discard the unsaved changes to "${state.document?.name}"?`)
  }, [])

  const report = useCallback(
    (error: unknown) => notify({ level: 'error', message: error instanceof Error ? error.message : String(error) }),
    [notify]
  )

  const showProblems = useCallback(
    (what: string, problems: Problem[]) =>
      notify({
        level: 'error',
        message: `${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'} — ${problems.slice(0, 3).map(formatProblem).join('; ')}${problems.length > 3 ? '; …' : ''}`,
        problems
      }),
    [notify]
  )

  const newDocument = useCallback(async () => {
    if (!confirmDiscard()) return
    try {
      const { document } = await client.call('document/new', {})
      useDocumentStore.getState().load(document, undefined, { saved: false })
      notify(undefined)
    } catch (error) {
      report(error)
    }
  }, [client, confirmDiscard, notify, report])

  /** Reads a file the user chose in the file input (the Import button, or a file dropped there by a test). */
  const importFile = useCallback(
    async (file: File) => {
      try {
        const result = await client.call('document/import', { text: await file.text(), fileName: file.name })
        if (result.status === 'invalid') return showProblems(file.name, result.problems)
        useDocumentStore.getState().load(result.document)
        notify({ level: 'info', message: `Imported ${file.name}.` })
      } catch (error) {
        report(error)
      }
    },
    [client, notify, report, showProblems]
  )

  const importDocument = useCallback(async () => {
    if (!confirmDiscard() || !fileInput.current) return
    fileInput.current.value = ''
    fileInput.current.click()
  }, [confirmDiscard])

  const openDocument = useCallback(
    async (path?: string) => {
      if (!confirmDiscard()) return
      if (!nativeDialogs && path === undefined) return importDocument()
      try {
        const result = await client.call('document/open', path === undefined ? {} : { path })
        if (result.status === 'invalid') return showProblems(result.path ?? 'The file', result.problems)
        if (result.status === 'opened') {
          useDocumentStore.getState().load(result.document, result.path)
          notify(undefined)
        }
      } catch (error) {
        report(error)
      }
    },
    [client, confirmDiscard, importDocument, nativeDialogs, notify, report, showProblems]
  )

  const exportDocument = useCallback(async () => {
    const document = useDocumentStore.getState().document
    if (!document) return
    try {
      const result = await client.call('document/export', { document, toFile: nativeDialogs })
      if (result.status === 'invalid') return showProblems('Cannot export', result.problems)
      if (result.status === 'canceled') return
      if (!result.path) downloadText(result.fileName, result.text)
      notify({ level: 'info', message: `Exported ${result.fileName}.` })
    } catch (error) {
      report(error)
    }
  }, [client, nativeDialogs, notify, report, showProblems])

  const saveDocument = useCallback(
    async (saveAs = false) => {
      const { document, path } = useDocumentStore.getState()
      if (!document) return
      // Browser mode has no file system of its own: saving is downloading the file.
      if (!nativeDialogs) {
        await exportDocument()
        useDocumentStore.getState().markSaved()
        return
      }
      try {
        const result = await client.call('document/save', { document, path, saveAs })
        if (result.status === 'invalid') return showProblems('Cannot save', result.problems)
        if (result.status === 'saved') {
          useDocumentStore.getState().markSaved(result.path)
          notify({ level: 'info', message: `Saved ${result.path}.` })
        }
      } catch (error) {
        report(error)
      }
    },
    [client, exportDocument, nativeDialogs, notify, report, showProblems]
  )

  return useMemo(
    () => ({
      fileInput,
      importFile,
      newDocument,
      openDocument,
      saveDocument,
      importDocument,
      exportDocument,
      undo: () => useDocumentStore.getState().undo(),
      redo: () => useDocumentStore.getState().redo()
    }),
    [exportDocument, importDocument, importFile, newDocument, openDocument, saveDocument]
  )
}
export type DocumentActions = ReturnType<typeof useDocumentActions>
