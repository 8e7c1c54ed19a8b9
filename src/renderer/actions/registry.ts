import type { MenuCommand } from '../../shared/contract'
import { useDocumentStore } from '../state/document-store'
import type { Action } from './action'
import { canvasActions } from './canvas-actions'
import { fileActions } from './file-actions'
import { suggestionActions } from './suggestion-actions'

/**
 * Every named action of the app, by id. The toolbar, the native menu (its commands arrive as
 * `menu/command` events), the one keyboard handler, the canvas and the Inspector run them
 * here, so each does the same thing, with the same undo step, from wherever it is asked.
 */
export const actions = { ...fileActions, ...canvasActions, ...suggestionActions }

export type Actions = typeof actions
export type ActionId = keyof Actions
export type ArgsOf<K extends ActionId> = Actions[K] extends Action<infer A> ? A : never
/** `perform('undo')`, `perform('acceptSuggestion', { target })`: arguments only for actions that take them. */
type ArgList<K extends ActionId> = [ArgsOf<K>] extends [void] ? [] : [ArgsOf<K>]

const actionOf = (id: ActionId) => actions[id] as unknown as Action<unknown>

export function isEnabled<K extends ActionId>(id: K, ...args: ArgList<K>): boolean {
  return actionOf(id).enabled(args[0])
}

export function labelOf<K extends ActionId>(id: K, ...args: ArgList<K>): string {
  return actionOf(id).label(args[0])
}

/**
 * Runs an action if it can run now; false when it cannot. A `step` action runs as one
 * transaction of the document's history, named by its label, so undo takes all of it back
 * and returns to the selection before it.
 */
export function perform<K extends ActionId>(id: K, ...args: ArgList<K>): boolean {
  const result = run(id, args[0])
  // An action that goes on after an await (a dialog, the layout worker) reports its failure where it is shown.
  if (result instanceof Promise) result.catch((error: unknown) => console.error(`${id} failed`, error))
  return result !== false
}

/** `perform`, for a caller that goes on once the action has finished (after the layout worker has answered, say). */
export async function performAndWait<K extends ActionId>(id: K, ...args: ArgList<K>): Promise<boolean> {
  const result = run(id, args[0])
  if (result instanceof Promise) await result
  return result !== false
}

function run(id: ActionId, arg: unknown): false | void | Promise<void> {
  const action = actionOf(id)
  if (!action.enabled(arg)) return false
  const perform = () => action.perform(arg)
  return action.undo === 'step' ? useDocumentStore.getState().transaction(action.label(arg), perform) : perform()
}

/** The action a native menu item sends. */
export function actionForMenu(command: MenuCommand): ActionId {
  const found = (Object.keys(actions) as ActionId[]).find((id) => actionOf(id).menu === command)
  if (!found) throw new Error(`no action for the menu command "${command}"`)
  return found
}

/** Actions with keys, for the keyboard handler. */
export function actionsWithKeys(): Array<{ id: ActionId; action: Action<unknown> }> {
  return (Object.keys(actions) as ActionId[]).filter((id) => actionOf(id).keys?.length).map((id) => ({ id, action: actionOf(id) }))
}
