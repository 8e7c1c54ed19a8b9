import { dialog, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import type { DocumentDialogs } from '../documents/document-service'

const filters = [
  { name: 'Sync Studio mapping', extensions: ['json'] },
  { name: 'All files', extensions: ['*'] }
]

/** Native open/save dialogs, attached to the focused window. */
export function electronDialogs(window: () => BrowserWindow | undefined, documentsFolder: () => string): DocumentDialogs {
  return {
    async pickDocumentToOpen() {
      const options = { title: 'Open mapping', filters, properties: ['openFile' as const] }
      const parent = window()
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options)
      return result.canceled ? undefined : result.filePaths[0]
    },
    async pickDocumentToSave(suggestedName) {
      const options = { title: 'Save mapping', filters, defaultPath: join(documentsFolder(), suggestedName) }
      const parent = window()
      const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options)
      return result.canceled ? undefined : result.filePath
    }
  }
}
