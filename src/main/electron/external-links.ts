import { shell } from 'electron'
import { isSafeExternalUrl } from '../security'

/** The one place the app opens a link in the system browser: https only. */
export async function openExternalSafely(url: string): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false
  await shell.openExternal(url)
  return true
}
