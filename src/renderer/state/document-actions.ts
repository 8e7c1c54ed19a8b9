import { useCallback, useMemo, useRef } from 'react'
import type { Client } from '../api/client'
import { formatProblem, type Problem } from '../../shared/problems'
import {
  downloadText,
  ensurePermission,
  forgetRecentFile,
  hasFileSystemAccess,
  pickFileToOpen,
  pickFileToSave,
  rememberRecentFile,
  writeFile,
  type RecentFile
} from '../files/browser-files'
import { selectDirty, useDocumentStore } from './document-store'

export type Notice = { level: 'info' | 'warning' | 'error'; message: string; problems?: Problem[] }

/**
 * The file a browser-mode document was opened from or saved to (File System Access API),
 * tied to that document's generation so Save never writes one document into another's file.
 */
let browserFile: { generation: number; handle: FileSystemFileHandle } | undefined
const currentHandle = () => (browserFile?.generation === useDocumentStore.getState().generation ? browserFile.handle : undefined)

/** Asks before unsaved changes would be replaced (new, open, import); true when there are none. */
export function confirmDiscard(): boolean {
  const state = useDocumentStore.getState()
  if (!selectDirty(state)) return true
  return window.confirm(`Discard the unsaved changes to "${state.document?.name}"?`)
}

/**
 * The project commands (new, open, save, import, export, undo, redo), the same whether
 * they come from the toolbar, a shortcut or the native menu. Electron uses main's native
 * dialogs; browser mode in Chromium opens and saves the user's files in place (File System
 * Access API), other browsers upload and download.
 */
export function useDocumentActions(client: Client, nativeDialogs: boolean, notify: (notice: Notice | undefined) => void) {
  const fileInput = useRef<HTMLInputElement | null>(null)

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
  }, [client, notify, report])

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

  const chooseUpload = useCallback(() => {
    if (!fileInput.current) return
    fileInput.current.value = ''
    fileInput.current.click()
  }, [])

  const importDocument = useCallback(async () => {
    if (confirmDiscard()) chooseUpload()
  }, [chooseUpload])

  /** Reads a file the user picked or reopened (browser mode, File System Access API) and remembers it for Save and Recent. */
  const openHandle = useCallback(
    async (handle: FileSystemFileHandle) => {
      if (!(await ensurePermission(handle, 'read')))
        return notify({ level: 'warning', message: `Sync Studio was not allowed to read ${handle.name}.` })
      const file = await handle.getFile()
      const result = await client.call('document/import', { text: await file.text(), fileName: file.name })
      if (result.status === 'invalid') return showProblems(file.name, result.problems)
      useDocumentStore.getState().load(result.document, handle.name)
      browserFile = { generation: useDocumentStore.getState().generation, handle }
      await rememberRecentFile(handle)
      notify(undefined)
    },
    [client, notify, showProblems]
  )

  /** Reopens a recent file (browser mode); a file that is gone leaves Recent. */
  const openRecentFile = useCallback(
    async (recent: RecentFile) => {
      if (!confirmDiscard()) return
      try {
        await openHandle(recent.handle)
      } catch (error) {
        if (error instanceof DOMException && error.name === 'NotFoundError') {
          await forgetRecentFile(recent.id)
          return notify({ level: 'error', message: `${recent.name} is no longer there (moved or deleted); it has left Recent.` })
        }
        report(error)
      }
    },
    [notify, openHandle, report]
  )

  // One question per Open: the unsaved-changes prompt comes here, never again in what Open calls.
  const openDocument = useCallback(
    async (path?: string) => {
      if (!confirmDiscard()) return
      if (!nativeDialogs && path === undefined) {
        if (!hasFileSystemAccess()) return chooseUpload()
        try {
          const handle = await pickFileToOpen()
          if (handle) await openHandle(handle)
        } catch (error) {
          report(error)
        }
        return
      }
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
    [chooseUpload, client, nativeDialogs, notify, openHandle, report, showProblems]
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
      if (!nativeDialogs) {
        // Without the File System Access API, saving is downloading the file.
        if (!hasFileSystemAccess()) {
          await exportDocument()
          useDocumentStore.getState().markSaved()
          return
        }
        try {
          const result = await client.call('document/export', { document })
          if (result.status === 'invalid') return showProblems('Cannot save', result.problems)
          if (result.status !== 'exported') return
          const handle = (!saveAs && currentHandle()) || (await pickFileToSave(result.fileName))
          if (!handle) return
          if (!(await ensurePermission(handle, 'readwrite')))
            return notify({ level: 'warning', message: `Sync Studio was not allowed to write ${handle.name}; nothing was saved.` })
          await writeFile(handle, result.text)
          // What was written, not what the document became meanwhile, counts as saved.
          if (useDocumentStore.getState().document === document) useDocumentStore.getState().markSaved(handle.name)
          browserFile = { generation: useDocumentStore.getState().generation, handle }
          await rememberRecentFile(handle)
          notify({ level: 'info', message: `Saved ${handle.name}.` })
        } catch (error) {
          report(error)
        }
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
      openRecentFile,
      saveDocument,
      importDocument,
      exportDocument,
      undo: () => useDocumentStore.getState().undo(),
      redo: () => useDocumentStore.getState().redo()
    }),
    [exportDocument, importDocument, importFile, newDocument, openDocument, openRecentFile, saveDocument]
  )
}
export type DocumentActions = ReturnType<typeof useDocumentActions>
