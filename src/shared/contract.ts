import { z } from 'zod'
import type { CallName, EventName } from './contract-names'
import { MappingDocumentShape } from './mapping/document'

/**
 * Every call between renderer and main: a name, a zod input, a zod output. Main binds
 * each one through a single helper that validates the input before a service runs; the
 * preload exposes these names and nothing else; the renderer's client speaks it over
 * Electron IPC or, in browser mode, over HTTP. tests/unit/contract.test.ts pins it.
 */

const ProblemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string()
})

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  mode: z.enum(['electron', 'browser']),
  platform: z.string(),
  /** Versions of the runtime pieces, for bug reports. */
  versions: z.record(z.string(), z.string()),
  /** Whether main can show native open/save dialogs (Electron) or the renderer must use the browser's file APIs. */
  nativeDialogs: z.boolean()
})
export type AppInfo = z.infer<typeof AppInfo>

const Document = MappingDocumentShape
const Canceled = z.object({ status: z.literal('canceled') })
/** Browser mode: main has no native dialog, so the renderer uses the browser's file APIs. */
const NoDialog = z.object({ status: z.literal('noDialog') })
const Invalid = z.object({ status: z.literal('invalid'), problems: z.array(ProblemSchema), path: z.string().optional() })

export const Settings = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  recentLimit: z.number().int().min(0).max(50),
  showMinimap: z.boolean()
})
export type Settings = z.infer<typeof Settings>
export const defaultSettings: Settings = { theme: 'system', recentLimit: 10, showMinimap: true }

export const RecentDocument = z.object({ path: z.string(), name: z.string(), openedAt: z.string() })
export type RecentDocument = z.infer<typeof RecentDocument>

const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, summary: string) => ({ input, output, summary })

export const calls = {
  'app/info': call(z.object({}), AppInfo, 'What is running: version, mode, platform.'),
  'document/new': call(
    z.object({ name: z.string().min(1).optional() }),
    z.object({ document: Document }),
    'A new, empty mapping document on the built-in Sandbox connections.'
  ),
  'document/open': call(
    z.object({ path: z.string().min(1).optional() }),
    z.discriminatedUnion('status', [
      z.object({ status: z.literal('opened'), path: z.string(), document: Document }),
      Invalid,
      Canceled,
      NoDialog
    ]),
    'Open a mapping file: a recent one by path, or one picked in the native dialog.'
  ),
  'document/save': call(
    z.object({ document: Document, path: z.string().min(1).optional(), saveAs: z.boolean().optional() }),
    z.discriminatedUnion('status', [z.object({ status: z.literal('saved'), path: z.string() }), Invalid, Canceled, NoDialog]),
    'Save to the file it came from (a path main gave out), or to one picked in the native dialog.'
  ),
  'document/import': call(
    z.object({ text: z.string().max(20_000_000), fileName: z.string().optional() }),
    z.discriminatedUnion('status', [z.object({ status: z.literal('imported'), document: Document }), Invalid]),
    'Read a mapping file the renderer picked (browser file APIs), with every problem at once.'
  ),
  'document/export': call(
    z.object({ document: Document, toFile: z.boolean().optional() }),
    z.discriminatedUnion('status', [
      z.object({ status: z.literal('exported'), text: z.string(), fileName: z.string(), path: z.string().optional() }),
      Invalid,
      Canceled
    ]),
    'The canonical file text (fixed key order, no secrets or paths); with toFile, written where the user picks.'
  ),
  'document/validate': call(
    z.object({ document: z.unknown() }),
    z.object({ problems: z.array(ProblemSchema) }),
    'Every problem of a document, each with its JSON path.'
  ),
  'recent/list': call(z.object({}), z.object({ documents: z.array(RecentDocument) }), 'Recently opened or saved mapping files.'),
  'recent/forget': call(z.object({ path: z.string().optional() }), z.object({ documents: z.array(RecentDocument) }), 'Forget one recent file, or all.'),
  'settings/get': call(z.object({}), Settings, 'The user settings.'),
  'settings/set': call(Settings.partial(), Settings, 'Change some settings; returns them all.')
} satisfies Record<CallName, { input: z.ZodType; output: z.ZodType; summary: string }>

export const MenuCommand = z.enum(['new', 'open', 'save', 'saveAs', 'import', 'export', 'undo', 'redo', 'about'])
export type MenuCommand = z.infer<typeof MenuCommand>

export const events = {
  'menu/command': z.object({ command: MenuCommand }),
  'app/notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() })
} satisfies Record<EventName, z.ZodType>

// Both lists name the same calls and events (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
const _callsMatch: Same<keyof typeof calls, CallName> = true
const _eventsMatch: Same<keyof typeof events, EventName> = true
void _callsMatch
void _eventsMatch

export type Calls = typeof calls
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>
export type CallOutput<N extends CallName> = z.output<Calls[N]['output']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

/** What a failed call carries back: a message a person can act on, never a stack or a secret. */
export const CallError = z.object({
  code: z.enum(['badInput', 'unknownCall', 'refused', 'failed']),
  message: z.string(),
  problems: z.array(ProblemSchema).optional()
})
export type CallError = z.infer<typeof CallError>
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError }

export { callNames, eventNames } from './contract-names'
export type { CallName, EventName } from './contract-names'
