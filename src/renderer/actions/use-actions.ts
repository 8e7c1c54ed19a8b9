import { useEffect } from 'react'
import { menuKey } from '../../shared/menu-commands'
import type { Client } from '../api/client'
import { isTyping } from '../keyboard'
import { useCanvasStore } from '../state/canvas-store'
import { useDocumentStore } from '../state/document-store'
import { useSchemaStore } from '../state/schema-store'
import { isMac, keyLabel, pressed } from './keys'
import { actionForMenu, actionsWithKeys, isEnabled, labelOf, perform, type ActionId, type ArgsOf, actions } from './registry'

/** Marks the element whose focus makes the canvas's keys work (Delete, Ctrl+C, Ctrl+V, Ctrl+A, Escape). */
export const CANVAS_KEYS = 'data-canvas-keys'

type ArgList<K extends ActionId> = [ArgsOf<K>] extends [void] ? [] : [ArgsOf<K>]

/**
 * An action for a button: whether it can run (kept current as the document, the selection
 * and the loaded schemas change), its label, its first key as shown, and a function to run it.
 */
export function useAction<K extends ActionId>(id: K, ...args: ArgList<K>) {
  // Each store's change re-reads the predicate; the three answers agree once the component renders.
  const byDocument = useDocumentStore(() => isEnabled(id, ...args))
  const byCanvas = useCanvasStore(() => isEnabled(id, ...args))
  const bySchemas = useSchemaStore(() => isEnabled(id, ...args))
  const label = useDocumentStore(() => labelOf(id, ...args))
  const key = (actions[id] as { keys?: readonly string[] }).keys?.[0]
  return {
    enabled: byDocument && byCanvas && bySchemas,
    label,
    shortcut: key ? keyLabel(key) : '',
    run: () => perform(id, ...args)
  }
}

/**
 * The one keyboard handler: every action's keys, on the window. App keys work anywhere but
 * in a text field; in the desktop app the native menu already binds its own key (its
 * accelerator), so that one is left to the menu and only the others are handled here.
 * Canvas keys work with the focus on the canvas.
 */
export function useShortcuts(mode: Client['mode']): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event.target)) return
      const onCanvas = event.target instanceof Element && event.target.closest(`[${CANVAS_KEYS}]`) !== null
      for (const { id, action } of actionsWithKeys()) {
        const key = action.keys!.find((k) => pressed(event, k))
        if (!key) continue
        if (action.scope === 'canvas') {
          if (!onCanvas || !action.enabled(undefined)) continue
        } else if (mode === 'electron' && action.menu && menuKey(action.menu, isMac) === key) return
        event.preventDefault()
        ;(perform as (id: ActionId) => boolean)(id)
        return
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [mode])
}

/** The native menu's commands (Electron) arrive as contract events and run the action of that name. */
export function useMenuCommands(client: Client): void {
  useEffect(() => client.on('menu/command', ({ command }) => (perform as (id: ActionId) => boolean)(actionForMenu(command))), [client])
}
