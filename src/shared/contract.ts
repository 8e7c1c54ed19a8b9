import { z } from 'zod'
import type { CallName, EventName } from './contract-names'
import { ConnectionProfile, NewConnection } from './connections'
import { MappingDocumentShape } from './mapping/document'
import { System, Table } from './schema/model'

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

/** A connection as the renderer sees it: the profile (which never holds a secret) and whether its secret is stored. */
export const ConnectionSummary = z.object({ profile: ConnectionProfile, hasSecret: z.boolean(), needsSecret: z.boolean() })
export type ConnectionSummary = z.infer<typeof ConnectionSummary>

const ErrorInfo = z.object({
  kind: z.string(),
  status: z.number().optional(),
  code: z.string().optional(),
  message: z.string(),
  hint: z.string()
})
export const ConnectionTestReport = z.object({
  connectionId: z.string(),
  name: z.string(),
  system: System,
  ok: z.boolean(),
  steps: z.array(
    z.object({
      step: z.enum(['reach', 'signIn', 'metadata', 'count']),
      ok: z.boolean(),
      ms: z.number(),
      detail: z.string().optional(),
      error: ErrorInfo.extend({
        service: z.string().optional(),
        request: z.string().optional(),
        requestId: z.string().optional()
      }).optional()
    })
  ),
  summary: z.string()
})
export type ConnectionTestReport = z.infer<typeof ConnectionTestReport>

export const TableSummary = z.object({
  name: z.string(),
  displayName: z.string(),
  custom: z.boolean(),
  /** Dynamics: change tracking on; activity table. Campaign: the resource family. */
  changeTracking: z.boolean().optional(),
  isActivity: z.boolean().optional(),
  family: z.string().optional()
})
export type TableSummary = z.infer<typeof TableSummary>

/** Which connection: a profile id or name (mapping files name them), within one system. */
const ConnectionRef = z.object({ system: System, connection: z.string().min(1) })

const PreviewQuery = z.object({ odataFilter: z.string().optional(), explanation: z.array(z.string()) })
const Warning = z.object({ field: z.string(), step: z.number().optional(), message: z.string() })
const PreviewCell = z.object({
  value: z.unknown(),
  warnings: z.array(Warning).optional(),
  error: z.object({ step: z.number().optional(), reason: z.string(), input: z.unknown() }).optional()
})
export const Preview = z.object({
  columns: z.array(z.string()),
  rows: z.array(
    z.object({
      index: z.number(),
      key: z.string().optional(),
      status: z.enum(['ok', 'error', 'skipped']),
      reason: z.string().optional(),
      cells: z.record(z.string(), PreviewCell)
    })
  ),
  counts: z.object({ ok: z.number(), error: z.number(), skipped: z.number() })
})
export const RecordTrace = z.object({
  key: z.string().optional(),
  filter: z.object({ passed: z.boolean(), description: z.string().optional() }),
  fields: z.array(
    z.object({
      target: z.string(),
      from: z.array(z.string()).readonly(),
      input: z.unknown(),
      steps: z.array(
        z.object({
          index: z.number(),
          fn: z.string(),
          output: z.unknown().optional(),
          error: z.string().optional(),
          warnings: z.array(Warning).optional()
        })
      ),
      output: z.unknown().optional(),
      error: z.object({ step: z.number().optional(), reason: z.string() }).optional()
    })
  )
})
const FieldChange = z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })
export const DryRun = z.object({
  entries: z.array(
    z.discriminatedUnion('action', [
      z.object({
        key: z.string().optional(),
        action: z.literal('create'),
        target: z.record(z.string(), z.unknown()),
        warnings: z.array(Warning).readonly()
      }),
      z.object({
        key: z.string(),
        action: z.literal('update'),
        changes: z.array(FieldChange),
        warnings: z.array(Warning).readonly(),
        createOnlySkipped: z.array(z.string())
      }),
      z.object({ key: z.string(), action: z.literal('unchanged') }),
      z.object({ key: z.string().optional(), action: z.literal('skipped'), reason: z.string() }),
      z.object({
        key: z.string().optional(),
        action: z.literal('error'),
        field: z.string(),
        step: z.number().optional(),
        reason: z.string(),
        input: z.unknown()
      })
    ])
  ),
  counts: z.object({ create: z.number(), update: z.number(), unchanged: z.number(), skipped: z.number(), error: z.number() })
})
const FlowRef = z.object({ document: Document, flowId: z.string().min(1) })

/**
 * A run's counts. At every progress event and in every summary:
 *   read = created + updated + unchanged + skipped + failed + unknown + deleted + deferred + pending
 * (`countsAddUp` in the journal). `filteredOut` and `sourceDeletions` are not buckets of their
 * own: they say how many of the records read the filter dropped (they are `skipped`, or `deleted`
 * with deleteWhenFilteredOut) and how many were deletions the source reported (`deleted`,
 * `unchanged` when the target had no such record, or `skipped` when source deletes are not applied).
 * The records the filter kept are the rest (`keptByFilter`, src/shared/run-counts.ts).
 */
export const RunCounts = z.object({
  /** Records and deletions taken from the source (each ends in exactly one of the outcomes below, or is deferred or pending). */
  read: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  /** Filtered out, source deletes not applied, or superseded by a later version of the same record. */
  skipped: z.number(),
  failed: z.number(),
  /**
   * Written with no answer from the target (a bulk write or `$batch` that timed out or lost its
   * connection): each may or may not be in the target. Not sent again in the run, so none is
   * written twice; listed with the errors, and "Retry failed records" looks each up by key and
   * writes it only if missing or different. Not in `failed`. Runs journaled before this count
   * existed counted them in `failed` and read 0 here.
   */
  unknown: z.number(),
  deleted: z.number(),
  /** Waiting for a later pass (orphans whose parent is not in the target yet, retryable failures, deletes held for the delete guard). */
  deferred: z.number(),
  /**
   * Read and not finished: being looked up or written (progress), or not written because the
   * run stopped (a canceled or failed run's summary: the resume reads them again). Never in the journal's own counts.
   */
  pending: z.number(),
  /** Of the records read, those the filter dropped (the rows read vs kept). */
  filteredOut: z.number(),
  /** Of the records read, the deletions the source reported (Dataverse `@removed`): no filter kept or dropped them. */
  sourceDeletions: z.number()
})
export type RunCounts = z.infer<typeof RunCounts>
/** The delete guard's verdict on a run's (or a plan's) deletes. */
export const DeleteGuard = z.object({
  deletes: z.number(),
  managed: z.number(),
  verdict: z.enum(['ok', 'confirm', 'refused']),
  reason: z.string(),
  /** Rows the target would delete with them (a profile's linked custom-resource rows), per resource; the guard counts them too. */
  cascaded: z
    .array(
      z.object({
        resource: z.string(),
        flowId: z.string().optional(),
        rows: z.number(),
        managed: z.number().optional(),
        unknown: z.boolean()
      })
    )
    .optional(),
  /** `confirm`: each limit the deletes went over, in words. */
  over: z.array(z.string()).optional()
})
const RunModeName = z.enum(['full', 'incremental', 'retry'])
const RunError = z.object({ code: z.string(), message: z.string() })
export const FlowRunResult = z.object({
  flowId: z.string(),
  kind: z.enum(['records', 'events', 'optOut']),
  status: z.enum(['completed', 'failed', 'canceled', 'skipped']),
  runId: z.string().optional(),
  dryRun: z.boolean(),
  counts: RunCounts,
  durationMs: z.number(),
  error: RunError.optional(),
  /** Dry run: the planned changes, as in a dry-run diff, plus deletes. */
  plan: z.object({ entries: z.array(z.record(z.string(), z.unknown())), truncated: z.boolean() }).optional(),
  notices: z.array(z.string()),
  /** What the run did beyond its counts, in words (opt-outs both ways: how many conflicts were resolved which way). */
  summary: z.array(z.string()).optional(),
  resumedFrom: z.string().optional(),
  fullResync: z.boolean().optional(),
  /** The run's mode (a resumed run: the mode it was started with). */
  mode: RunModeName.optional(),
  deleteGuard: DeleteGuard.optional()
})
export const SyncResult = z.object({
  status: z.enum(['completed', 'partial', 'failed', 'canceled']),
  flows: z.array(FlowRunResult),
  durationMs: z.number()
})
export type SyncResult = z.infer<typeof SyncResult>
export const RunSummary = z.object({
  runId: z.string(),
  flowId: z.string(),
  mappingHash: z.string(),
  mappingVersion: z.string().optional(),
  mode: z.enum(['full', 'incremental', 'retry']),
  dryRun: z.boolean(),
  status: z.enum(['running', 'completed', 'failed', 'canceled', 'interrupted']),
  counts: RunCounts,
  startedAt: z.number(),
  endedAt: z.number().optional(),
  durationMs: z.number(),
  error: RunError.optional(),
  retryOf: z.string().optional(),
  /** The services it ran against (a different sandbox or tenant has its own positions). */
  identity: z.string().optional(),
  errorCount: z.number(),
  resumable: z.boolean(),
  compacted: z.boolean().optional()
})
export type RunSummary = z.infer<typeof RunSummary>
export const RecordError = z.object({
  key: z.string().optional(),
  id: z.string(),
  page: z.number(),
  stage: z.enum(['transform', 'write']),
  code: z.string(),
  message: z.string(),
  field: z.string().optional(),
  step: z.number().optional(),
  /** The failing step's name (`valueMap`; `targetRules` for the target's check); runs from before it lack it. */
  stepName: z.string().optional(),
  input: z.unknown().optional(),
  retryable: z.boolean().optional(),
  op: z.enum(['create', 'update', 'delete']).optional()
})
export type RecordError = z.infer<typeof RecordError>
/** A conflict a run settled (opt-outs: both ways by the rule, one way by the direction): both sides' values and change times, the side kept, the rule, the label. */
export const RunConflict = z.object({
  key: z.string(),
  field: z.string(),
  dynamics: z.object({ value: z.boolean(), changedAt: z.string().optional() }),
  campaign: z.object({ value: z.boolean(), changedAt: z.string().optional() }),
  kept: z.enum(['dynamics', 'campaign']),
  rule: z.enum(['campaignNewer', 'dynamicsNewer', 'sameTime', 'timeMissing', 'oneWay']),
  label: z.string()
})
export type RunConflict = z.infer<typeof RunConflict>
const flowPosition = { flowId: z.string(), flowIndex: z.number(), flowCount: z.number() }
export const RunProgressEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('flowStarted'),
    ...flowPosition,
    runId: z.string(),
    /** When this attempt started (a new run: its journal's start, which History shows). */
    startedAt: z.number(),
    resumed: z.boolean(),
    /** The run's mode; a resumed run: the mode it was started with. */
    mode: RunModeName,
    dryRun: z.boolean(),
    /** A resumed run: what it continues (when it started, how far it had got). */
    resumes: z.object({ startedAt: z.number(), status: z.string(), counts: RunCounts }).optional()
  }),
  z.object({
    type: z.literal('progress'),
    ...flowPosition,
    progress: z.object({
      runId: z.string(),
      flowId: z.string(),
      phase: z.enum(['starting', 'reading', 'writing', 'retrying', 'deleting', 'paused', 'finishing', 'done', 'stopped']),
      dryRun: z.boolean(),
      counts: RunCounts,
      finished: z.number(),
      ratePerSecond: z.number(),
      total: z.number().optional(),
      etaMs: z.number().optional(),
      elapsedMs: z.number(),
      pages: z.number()
    })
  }),
  z.object({ type: z.literal('notice'), flowId: z.string(), message: z.string() }),
  z.object({ type: z.literal('flowFinished'), ...flowPosition, result: FlowRunResult })
])
export type RunProgressEvent = z.infer<typeof RunProgressEvent>
/** A run started from the app: main keeps it by this key until it finishes. */
const RunKey = z.object({ runKey: z.string() })
const sampleSize = z.number().int().min(1).max(500)

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
  'recent/forget': call(
    z.object({ path: z.string().optional() }),
    z.object({ documents: z.array(RecentDocument) }),
    'Forget one recent file, or all.'
  ),
  'settings/get': call(z.object({}), Settings, 'The user settings.'),
  'settings/set': call(Settings.partial(), Settings, 'Change some settings; returns them all.'),
  'connections/list': call(
    z.object({}),
    z.object({ connections: z.array(ConnectionSummary) }),
    "Every connection: the user's, the built-in Sandbox pair, and any from environment variables."
  ),
  'connections/create': call(
    z.object({ connection: NewConnection, secret: z.string().min(1).optional() }),
    z.object({ connection: ConnectionSummary }),
    'Save a new connection; its secret (typed by the user) goes to the encrypted store in main and never comes back.'
  ),
  'connections/update': call(
    z.object({ id: z.string().min(1), changes: z.record(z.string(), z.unknown()), secret: z.string().optional() }),
    z.object({ connection: ConnectionSummary }),
    'Change a connection; a secret of "" removes the stored one, no secret keeps it.'
  ),
  'connections/delete': call(
    z.object({ id: z.string().min(1) }),
    z.object({ connections: z.array(ConnectionSummary) }),
    'Delete a connection and its stored secrets.'
  ),
  'connections/test': call(
    z.object({ id: z.string().min(1) }),
    ConnectionTestReport,
    "Sign in, read one table's metadata, count its rows; says what failed and what to do."
  ),
  'schema/tables': call(
    ConnectionRef,
    z.object({ tables: z.array(TableSummary) }),
    'The tables (Dynamics) or resources (Campaign) of a connection.'
  ),
  'schema/table': call(
    ConnectionRef.extend({ name: z.string().min(1) }),
    z.object({ table: Table }),
    'One table or resource with all its fields.'
  ),
  'preview/records': call(
    FlowRef.extend({ limit: sampleSize }),
    z.object({ query: PreviewQuery, preview: Preview }),
    'Sample source records (filter pushed down where Dataverse can) through the flow, with per-cell errors and warnings.'
  ),
  'preview/trace': call(
    FlowRef.extend({ key: z.string().min(1) }),
    z.object({ trace: RecordTrace }),
    "One record's value after every step of every field."
  ),
  'preview/dryRun': call(
    FlowRef.extend({ limit: sampleSize }),
    z.object({ query: PreviewQuery, dryRun: DryRun }),
    'What a sync would do to the sample records — create, update (old → new), unchanged, skipped, error — without writing.'
  ),
  'run/start': call(
    z.object({
      document: Document,
      flowIds: z.array(z.string().min(1)).optional(),
      dryRun: z.boolean(),
      full: z.boolean().optional(),
      mappingVersion: z.string().optional(),
      /** Deletes a person confirmed, per flow: a run that would delete more (the delete guard) stops before its first delete. */
      allowDeletes: z.record(z.string(), z.number().int().min(0)).optional()
    }),
    RunKey,
    'Start a sync (or a dry run) of some or all flows in main; progress arrives as run/progress events, the result as run/finished.'
  ),
  'run/cancel': call(
    RunKey,
    z.object({ canceled: z.boolean() }),
    'Cancel a running sync cleanly; the next run resumes from its last checkpoint.'
  ),
  'run/history': call(
    z.object({ flowId: z.string().optional() }),
    z.object({ runs: z.array(RunSummary) }),
    'Every run, newest first: flow, mapping version, mode, counts, duration, status.'
  ),
  'run/errors': call(
    z.object({ runId: z.string().min(1), limit: z.number().int().min(1).max(1000).optional(), offset: z.number().int().min(0).optional() }),
    z.object({ errors: z.array(RecordError) }),
    'The per-record errors of a run: key, field, message, the source value.'
  ),
  'run/errorsCsv': call(
    z.object({ runId: z.string().min(1) }),
    z.object({ csv: z.string(), fileName: z.string() }),
    "A run's errors as CSV, for a spreadsheet."
  ),
  'run/conflicts': call(
    z.object({ runId: z.string().min(1), limit: z.number().int().min(1).max(1000).optional() }),
    z.object({ conflicts: z.array(RunConflict), total: z.number().int().min(0) }),
    "The opt-out conflicts a run settled, labelled as its dry run planned them: both sides' values and times, the side kept and the rule."
  ),
  'run/retryFailed': call(
    z.object({ document: Document, runId: z.string().min(1) }),
    RunKey,
    'A new run of only the records that failed in a run.'
  ),
  'sandbox/simulateDelivery': call(
    z.object({ name: z.string().trim().min(1).max(100).optional() }),
    z.object({ deliveryId: z.string(), name: z.string(), events: z.number().int().min(0) }),
    "The built-in Sandbox's Campaign sends an email delivery to its profiles now: sends, bounces, opens and clicks in their marketing history, for the events flows to read."
  )
} satisfies Record<CallName, { input: z.ZodType; output: z.ZodType; summary: string }>

export const MenuCommand = z.enum(['new', 'open', 'save', 'saveAs', 'import', 'export', 'undo', 'redo', 'about'])
export type MenuCommand = z.infer<typeof MenuCommand>

export const events = {
  'menu/command': z.object({ command: MenuCommand }),
  'app/notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  /** A sync's progress: which flow, and its counts, rate and ETA (a few per second at most). */
  'run/progress': z.object({ runKey: z.string(), event: RunProgressEvent }),
  'run/finished': z.object({ runKey: z.string(), result: SyncResult.optional(), error: z.string().optional() })
} satisfies Record<EventName, z.ZodType>

// Both lists name the same calls and events (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never
const _callsMatch: Same<keyof typeof calls, CallName> = true
const _eventsMatch: Same<keyof typeof events, EventName> = true
void _callsMatch
void _eventsMatch

export type Calls = typeof calls
export type CallInput<N extends CallName> = z.input<Calls[N]['input']>
/** The input as a handler in main receives it: validated, defaults applied. */
export type CallParsedInput<N extends CallName> = z.output<Calls[N]['input']>
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
