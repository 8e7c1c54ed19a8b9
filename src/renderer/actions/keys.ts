/**
 * Key bindings written the way people read them: `Mod+Shift+Z`, `Delete`, `Escape`. `Mod`
 * is ⌘ on the Mac and Ctrl elsewhere; either counts when a key is pressed, as the app has
 * always accepted. Alt is left out of the match: it changes what some gestures do (Alt+drag
 * adds a source), never which action runs.
 */
export interface KeyBinding {
  key: string
  mod: boolean
  shift: boolean
}

export function parseKey(text: string): KeyBinding {
  const parts = text.split('+')
  const key = parts.pop() ?? ''
  return { key: key.toLowerCase(), mod: parts.includes('Mod'), shift: parts.includes('Shift') }
}

/** Whether a key press is this binding. */
export function pressed(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey'>, text: string): boolean {
  const binding = parseKey(text)
  return event.key.toLowerCase() === binding.key && (event.ctrlKey || event.metaKey) === binding.mod && event.shiftKey === binding.shift
}

export const isMac = typeof navigator !== 'undefined' && navigator.platform.toLowerCase().includes('mac')

/** How a binding is shown in tooltips and menus: `Ctrl+Z`, `Shift+Ctrl+Z`, `⌘Z`. */
export function keyLabel(text: string, mac = isMac): string {
  const binding = parseKey(text)
  const key = binding.key.length === 1 ? binding.key.toUpperCase() : text.split('+').pop()!
  return `${binding.shift ? 'Shift+' : ''}${binding.mod ? (mac ? '⌘' : 'Ctrl+') : ''}${key}`
}
