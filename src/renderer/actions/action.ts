import type { MenuCommand } from '../../shared/contract'

/**
 * What an action does to the history when it runs:
 * - `step`: everything it changes in the document is one undo step, named by its label;
 * - `none`: it leaves the document alone (files, selection, suggestions under review, the clipboard);
 * - `history`: it walks the history itself (undo, redo).
 */
export type UndoPolicy = 'step' | 'none' | 'history'

/**
 * One thing a user can do, by name: the toolbar, the native menu, the keyboard, the canvas
 * and the Inspector all run it through the registry (`perform`), never by their own route.
 */
export interface Action<A = void> {
  id: string
  /** In the user's words: the menu item, the tooltip, and the undo step's name. */
  label(args: A): string
  /** Keys that run it (`Mod+Z`, `Delete`); only actions that need no arguments have keys. */
  keys?: readonly string[]
  /**
   * Where its keys work: `app` anywhere outside a text field (the key is the app's even when
   * the action cannot run now, so Ctrl+S never opens the browser's "save page"); `canvas`
   * only with the focus on the canvas, and only when the action can run (Ctrl+C elsewhere copies text).
   */
  scope?: 'app' | 'canvas'
  /** The native menu item that sends it (Electron binds its first key there). */
  menu?: MenuCommand
  undo: UndoPolicy
  /** Whether it can run now, from the stores' current state. */
  enabled(args: A): boolean
  /** Does it. A `step` action's edits made before its first `await` are one transaction. */
  perform(args: A): void | Promise<void>
}

export function defineAction<A = void>(action: Action<A>): Action<A> {
  return action
}
