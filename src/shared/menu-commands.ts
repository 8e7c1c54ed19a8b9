import type { MenuCommand } from './contract'

/**
 * The document commands the native menu carries: their words and keys, in one place for
 * main (the menu and its accelerators) and the renderer (the same keys in browser mode, the
 * shortcuts shown in the toolbar). Keys are written `Mod+Shift+Z`: `Mod` is ⌘ on the Mac
 * and Ctrl elsewhere.
 */
export interface MenuCommandWords {
  /** The menu item's label. */
  label: string
  /** Every key that runs it; the native menu shows the first (see `menuKey`). */
  keys: readonly string[]
}

export const menuCommands: Record<MenuCommand, MenuCommandWords> = {
  new: { label: 'New Mapping', keys: ['Mod+N'] },
  open: { label: 'Open…', keys: ['Mod+O'] },
  save: { label: 'Save', keys: ['Mod+S'] },
  saveAs: { label: 'Save As…', keys: ['Mod+Shift+S'] },
  import: { label: 'Import…', keys: ['Mod+I'] },
  export: { label: 'Export…', keys: ['Mod+E'] },
  undo: { label: 'Undo', keys: ['Mod+Z'] },
  redo: { label: 'Redo', keys: ['Mod+Shift+Z', 'Mod+Y'] },
  about: { label: 'About Sync Studio', keys: [] }
}

/** The key the native menu binds: the first, except Redo off the Mac, which is Ctrl+Y as on Windows and Linux. */
export function menuKey(command: MenuCommand, isMac: boolean): string | undefined {
  if (command === 'redo' && !isMac) return 'Mod+Y'
  return menuCommands[command].keys[0]
}

/** Electron's spelling of a key (`CmdOrCtrl+Shift+Z`). */
export function acceleratorOf(key: string): string {
  return key.replace(/^Mod\+/, 'CmdOrCtrl+')
}
