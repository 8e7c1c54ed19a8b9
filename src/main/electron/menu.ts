import { Menu, type MenuItemConstructorOptions } from 'electron'
import type { MenuCommand } from '../../shared/contract'
import { acceleratorOf, menuCommands, menuKey } from '../../shared/menu-commands'
import type { EventHub } from '../contract/event-hub'
import { openExternalSafely } from './external-links'

const DOCS_URL = 'https://github.com/sync-studio/sync-studio#readme'

/**
 * The native menu. Document commands go to the renderer, which owns the document and its
 * history: each item sends its command, which the renderer runs as the action of that name
 * (src/renderer/actions); label and key come from the same table as the renderer's shortcuts.
 */
export function installMenu(events: EventHub): void {
  const isMac = process.platform === 'darwin'
  const item = (command: MenuCommand): MenuItemConstructorOptions => {
    const key = menuKey(command, isMac)
    return {
      label: menuCommands[command].label,
      ...(key ? { accelerator: acceleratorOf(key) } : {}),
      click: () => events.emit('menu/command', { command })
    }
  }
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('new'),
        item('open'),
        { type: 'separator' },
        item('save'),
        item('saveAs'),
        { type: 'separator' },
        item('import'),
        item('export'),
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' }
      ]
    },
    {
      label: '&Edit',
      submenu: [
        // Undo/redo act on the mapping document's history, not on a text field's.
        item('undo'),
        item('redo'),
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' }
      ]
    },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' }
      ]
    },
    {
      label: '&Help',
      submenu: [{ label: 'Documentation', click: () => void openExternalSafely(DOCS_URL) }, item('about')]
    }
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
