import { createStore, del, get, set } from 'idb-keyval'

/**
 * The browser's file APIs, for browser mode where main has no native dialogs. Chromium has
 * the File System Access API (https://developer.chrome.com/docs/capabilities/web-apis/file-system-access):
 * Open gives a handle, Save writes back to that same file, and the handles of recent files
 * are kept in IndexedDB (a handle is structured-cloneable) so Recent can reopen them after a
 * permission prompt. Other browsers fall back to the file input and downloads.
 */

// The parts of the API this file uses (lib.dom has the handles, not the pickers).
interface PickerType {
  description: string
  accept: Record<string, string[]>
}
interface PermissionHandle extends FileSystemFileHandle {
  queryPermission?(options: { mode: 'read' | 'readwrite' }): Promise<PermissionState>
  requestPermission?(options: { mode: 'read' | 'readwrite' }): Promise<PermissionState>
}
interface PickerWindow {
  showOpenFilePicker?(options: { types: PickerType[]; excludeAcceptAllOption?: boolean; id?: string }): Promise<FileSystemFileHandle[]>
  showSaveFilePicker?(options: { types: PickerType[]; suggestedName?: string; id?: string }): Promise<FileSystemFileHandle>
}

const types: PickerType[] = [{ description: 'Sync Studio mapping', accept: { 'application/json': ['.json'] } }]
const picker = () => window as unknown as PickerWindow

/** Whether Open and Save can work on the user's files in place (Chromium); else upload and download. */
export function hasFileSystemAccess(): boolean {
  return typeof picker().showOpenFilePicker === 'function' && typeof picker().showSaveFilePicker === 'function'
}

/** The user closed the picker: not an error. */
export const isCanceled = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError'

/** Lets the user pick a mapping file; undefined when they cancel. */
export async function pickFileToOpen(): Promise<FileSystemFileHandle | undefined> {
  try {
    const [handle] = await picker().showOpenFilePicker!({ types, id: 'mappings' })
    return handle
  } catch (error) {
    if (isCanceled(error)) return undefined
    throw error
  }
}

/** Lets the user choose where to save; undefined when they cancel. */
export async function pickFileToSave(suggestedName: string): Promise<FileSystemFileHandle | undefined> {
  try {
    return await picker().showSaveFilePicker!({ types, suggestedName, id: 'mappings' })
  } catch (error) {
    if (isCanceled(error)) return undefined
    throw error
  }
}

/** Asks for the permission a handle needs (a reopened handle starts without it); false when the user refuses. */
export async function ensurePermission(handle: FileSystemFileHandle, mode: 'read' | 'readwrite'): Promise<boolean> {
  const h = handle as PermissionHandle
  if (!h.queryPermission || (await h.queryPermission({ mode })) === 'granted') return true
  return (await h.requestPermission?.({ mode })) === 'granted'
}

/** Replaces the file's content in one step: the browser writes a temporary file and swaps it in on close, so a failed write leaves the old file whole. */
export async function writeFile(handle: FileSystemFileHandle, text: string): Promise<void> {
  const writable = await handle.createWritable()
  try {
    await writable.write(text)
    await writable.close()
  } catch (error) {
    await writable.abort().catch(() => undefined)
    throw error
  }
}

// Recent files: the handles, newest first, in this browser's IndexedDB.
export interface RecentFile {
  id: string
  name: string
  openedAt: number
  handle: FileSystemFileHandle
}
const RECENT_LIMIT = 10
let recentStore: ReturnType<typeof createStore> | undefined
const store = () => (recentStore ??= createStore('sync-studio', 'recent-files'))

export async function listRecentFiles(): Promise<RecentFile[]> {
  try {
    return (await get<RecentFile[]>('list', store())) ?? []
  } catch {
    return [] // IndexedDB unavailable (private window): no recent files
  }
}

/** Puts a file at the top of Recent (the same file, found by isSameEntry, only once). */
export async function rememberRecentFile(handle: FileSystemFileHandle): Promise<void> {
  const list = await listRecentFiles()
  const kept: RecentFile[] = []
  for (const item of list) if (!(await item.handle.isSameEntry(handle).catch(() => false))) kept.push(item)
  const entry: RecentFile = {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name: handle.name,
    openedAt: Date.now(),
    handle
  }
  try {
    await set('list', [entry, ...kept].slice(0, RECENT_LIMIT), store())
  } catch {
    // IndexedDB unavailable: Recent stays as it was.
  }
}

export async function forgetRecentFile(id: string): Promise<void> {
  const list = await listRecentFiles()
  const rest = list.filter((item) => item.id !== id)
  await (rest.length ? set('list', rest, store()) : del('list', store())).catch(() => undefined)
}

export function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.style.display = 'none'
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
