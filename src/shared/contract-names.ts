/**
 * The names of every call and event between renderer and main, as plain strings. The
 * preload imports only this file (a sandboxed preload cannot load zod); contract.ts
 * pairs each name with its zod schemas and a type check keeps the two lists equal.
 */
export const callNames = [
  'app/info',
  'document/new',
  'document/open',
  'document/save',
  'document/import',
  'document/export',
  'document/validate',
  'recent/list',
  'recent/forget',
  'settings/get',
  'settings/set',
  'connections/list',
  'connections/create',
  'connections/update',
  'connections/delete',
  'connections/test',
  'schema/tables',
  'schema/table',
  'preview/records',
  'preview/trace',
  'preview/dryRun',
  'run/start',
  'run/cancel',
  'run/history',
  'run/errors',
  'run/errorsCsv',
  'run/conflicts',
  'run/retryFailed',
  'sandbox/simulateDelivery'
] as const

export const eventNames = ['menu/command', 'app/notice', 'run/progress', 'run/finished'] as const

export type CallName = (typeof callNames)[number]
export type EventName = (typeof eventNames)[number]

/** The one IPC channel calls travel on, and the one events arrive on. */
export const CALL_CHANNEL = 'sync-studio:call'
export const EVENT_CHANNEL = 'sync-studio:event'
