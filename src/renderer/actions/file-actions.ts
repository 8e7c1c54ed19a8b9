import type { MenuCommand } from '../../shared/contract'
import { menuCommands } from '../../shared/menu-commands'
import { useDocumentStore } from '../state/document-store'
import { defineAction, type Action } from './action'
import { actionHost } from './host'

/** The document commands of the File and Edit menus, with the native menu's words and keys. */

const hasDocument = () => useDocumentStore.getState().document !== undefined

function command(id: MenuCommand, run: (host: NonNullable<ReturnType<typeof actionHost>>) => unknown, enabled = () => true): Action {
  return defineAction({
    id,
    label: () => menuCommands[id].label,
    keys: menuCommands[id].keys,
    scope: 'app',
    menu: id,
    undo: 'none',
    // The app binds the host as it mounts; until then the command does nothing rather than look unavailable.
    enabled,
    perform: async () => {
      const host = actionHost()
      if (host) await run(host)
    }
  })
}

export const fileActions = {
  new: command('new', (host) => host.newMapping()),
  open: command('open', (host) => host.files.openDocument()),
  save: command('save', (host) => host.files.saveDocument(), hasDocument),
  saveAs: command('saveAs', (host) => host.files.saveDocument(true), hasDocument),
  import: command('import', (host) => host.files.importDocument()),
  export: command('export', (host) => host.files.exportDocument(), hasDocument),
  about: command('about', (host) => host.about()),
  undo: defineAction({
    id: 'undo',
    label: () => {
      const { past } = useDocumentStore.getState()
      const step = past[past.length - 1]
      return step ? `Undo ${step.action}` : 'Undo'
    },
    keys: menuCommands.undo.keys,
    scope: 'app',
    menu: 'undo',
    undo: 'history',
    enabled: () => useDocumentStore.getState().past.length > 0,
    perform: () => useDocumentStore.getState().undo()
  }),
  redo: defineAction({
    id: 'redo',
    label: () => {
      const step = useDocumentStore.getState().future[0]
      return step ? `Redo ${step.action}` : 'Redo'
    },
    keys: menuCommands.redo.keys,
    scope: 'app',
    menu: 'redo',
    undo: 'history',
    enabled: () => useDocumentStore.getState().future.length > 0,
    perform: () => useDocumentStore.getState().redo()
  })
}
