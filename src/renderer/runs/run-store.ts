import { create } from 'zustand'
import type { EventPayload, RunCounts, RunProgressEvent, SyncResult } from '../../shared/contract'
import type { MappingDocument } from '../../shared/mapping/document'
import type { Client } from '../api/client'
import { messageOf } from '../panels/format'
import { zeroCounts } from '../../shared/run-counts'

/**
 * Runs started from this window. Main runs them (they go on when the dialog is closed) and
 * reports through `run/progress` and `run/finished`; this store follows the current one
 * (one sync runs at a time in a workspace) and keeps the last finished dry run as the plan
 * that "Run now" carries out.
 */
export type RunKind = 'dryRun' | 'run' | 'retry'
type Progress = Extract<RunProgressEvent, { type: 'progress' }>['progress']
type FlowResult = SyncResult['flows'][number]

export interface FlowState {
  flowId: string
  started: boolean
  runId?: string
  /** When its run (this attempt of a resumed one) started, as main's journal keeps it. */
  startedAt?: number
  mode?: 'full' | 'incremental' | 'retry'
  resumed?: boolean
  /** A resumed run: what it continues. */
  resumes?: Extract<RunProgressEvent, { type: 'flowStarted' }>['resumes']
  progress?: Progress
  result?: FlowResult
}

export interface RunSession {
  /** Undefined until run/start answers. */
  runKey?: string
  kind: RunKind
  /** The flows, in the order they run (for a retry: the flow of the retried run). */
  flowIds: string[]
  full: boolean
  retryOf?: string
  /** Deletes the person confirmed per flow (the delete guard). */
  allowDeletes?: Record<string, number>
  startedAt: number
  flows: Record<string, FlowState>
  notices: Array<{ flowId: string; message: string }>
  canceling: boolean
  result?: SyncResult
  /** The run could not start, or main reported an error instead of a result. */
  error?: string
  finishedAt?: number
}

/**
 * When the session's runs started: the first flow's run start once main said it (a new run's is
 * its journal's, the time History lists; a resumed run's is this attempt's, and its card says
 * when the run it resumes started), until then the click that started the session (about a
 * second earlier: connecting and reading the schemas come first).
 */
export function sessionStart(session: RunSession): number {
  const starts = Object.values(session.flows).flatMap((flow) => (flow.startedAt !== undefined ? [flow.startedAt] : []))
  return starts.length ? Math.min(...starts) : session.startedAt
}

export const isRunning = (session: RunSession | undefined): boolean =>
  session !== undefined && !session.result && session.error === undefined

interface RunStoreState {
  dialogOpen: boolean
  tab: 'run' | 'history'
  /** The setup form (no session shown) or the current session (progress, plan or summary). */
  stage: 'setup' | 'session'
  session?: RunSession
  /** A run finished while the dialog was closed: the toolbar says so until it is opened. */
  unseen: boolean
  /** Bumped when a run finishes, so the history reloads. */
  historyVersion: number
  /** The run selected in the history. */
  selectedRunId?: string

  open(tab?: 'run' | 'history'): void
  close(): void
  setTab(tab: 'run' | 'history'): void
  setStage(stage: 'setup' | 'session'): void
  selectRun(runId: string | undefined): void
  /** Starts a run in main and follows it. */
  start(
    client: Client,
    document: MappingDocument,
    options: { kind: RunKind; flowIds: string[]; full: boolean; retryOf?: string; allowDeletes?: Record<string, number> }
  ): Promise<void>
  cancel(client: Client): Promise<void>
  onProgress(payload: EventPayload<'run/progress'>): void
  onFinished(payload: EventPayload<'run/finished'>): void
}

// Events can arrive before run/start has answered with the run's key (they travel on another
// connection): they wait here, by key, until the key is known.
const early = new Map<
  string,
  Array<{ kind: 'progress'; payload: EventPayload<'run/progress'> } | { kind: 'finished'; payload: EventPayload<'run/finished'> }>
>()
const EARLY_LIMIT = 5000

function emptyFlows(flowIds: readonly string[]): Record<string, FlowState> {
  return Object.fromEntries(flowIds.map((flowId) => [flowId, { flowId, started: false }]))
}

function applyEvent(session: RunSession, event: RunProgressEvent): RunSession {
  const flows = { ...session.flows }
  const current = (flowId: string): FlowState => flows[flowId] ?? { flowId, started: false }
  const flowIds = session.flowIds.includes(event.flowId) ? session.flowIds : [...session.flowIds, event.flowId]
  switch (event.type) {
    case 'flowStarted':
      flows[event.flowId] = {
        ...current(event.flowId),
        started: true,
        runId: event.runId,
        startedAt: event.startedAt,
        mode: event.mode,
        resumed: event.resumed,
        resumes: event.resumes
      }
      break
    case 'progress':
      flows[event.flowId] = { ...current(event.flowId), started: true, runId: event.progress.runId, progress: event.progress }
      break
    case 'flowFinished':
      flows[event.flowId] = { ...current(event.flowId), runId: event.result.runId ?? current(event.flowId).runId, result: event.result }
      break
    case 'notice':
      return { ...session, flowIds, notices: [...session.notices, { flowId: event.flowId, message: event.message }] }
  }
  return { ...session, flowIds, flows }
}

export const useRunStore = create<RunStoreState>((set, get) => ({
  dialogOpen: false,
  tab: 'run',
  stage: 'setup',
  session: undefined,
  unseen: false,
  historyVersion: 0,
  selectedRunId: undefined,

  open(tab) {
    set((state) => ({ dialogOpen: true, unseen: false, tab: tab ?? state.tab }))
  },
  close() {
    set({ dialogOpen: false })
  },
  setTab(tab) {
    set({ tab })
  },
  setStage(stage) {
    if (stage === 'setup' && isRunning(get().session)) return
    set({ stage })
  },
  selectRun(runId) {
    set({ selectedRunId: runId })
  },

  async start(client, document, options) {
    if (isRunning(get().session)) return
    const session: RunSession = {
      kind: options.kind,
      flowIds: options.flowIds,
      full: options.full,
      retryOf: options.retryOf,
      ...(options.allowDeletes ? { allowDeletes: options.allowDeletes } : {}),
      startedAt: Date.now(),
      flows: emptyFlows(options.flowIds),
      notices: [],
      canceling: false
    }
    set({ session, stage: 'session', tab: 'run' })
    try {
      const { runKey } =
        options.kind === 'retry' && options.retryOf
          ? await client.call('run/retryFailed', { document, runId: options.retryOf })
          : await client.call('run/start', {
              document,
              flowIds: options.flowIds,
              dryRun: options.kind === 'dryRun',
              full: options.full,
              ...(options.allowDeletes ? { allowDeletes: options.allowDeletes } : {})
            })
      if (get().session !== session) return
      set({ session: { ...session, runKey } })
      const waiting = early.get(runKey) ?? []
      early.delete(runKey)
      for (const item of waiting) {
        if (item.kind === 'progress') get().onProgress(item.payload)
        else get().onFinished(item.payload)
      }
    } catch (error) {
      if (get().session === session) set({ session: { ...session, error: messageOf(error), finishedAt: Date.now() } })
    }
  },

  async cancel(client) {
    const session = get().session
    if (!session?.runKey || !isRunning(session) || session.canceling) return
    set({ session: { ...session, canceling: true } })
    try {
      await client.call('run/cancel', { runKey: session.runKey })
    } catch {
      const now = get().session
      if (now?.runKey === session.runKey) set({ session: { ...now, canceling: false } })
    }
  },

  onProgress(payload) {
    const session = get().session
    if (!session || session.runKey !== payload.runKey) {
      if (session && session.runKey === undefined && isRunning(session) && early.size < EARLY_LIMIT) {
        const list = early.get(payload.runKey) ?? []
        if (list.length < EARLY_LIMIT) list.push({ kind: 'progress', payload })
        early.set(payload.runKey, list)
      }
      return
    }
    set({ session: applyEvent(session, payload.event) })
  },

  onFinished(payload) {
    const session = get().session
    if (!session || session.runKey !== payload.runKey) {
      if (session && session.runKey === undefined && isRunning(session)) {
        const list = early.get(payload.runKey) ?? []
        list.push({ kind: 'finished', payload })
        early.set(payload.runKey, list)
      } else {
        // A run this window did not follow (another tab) still changes the history.
        set((state) => ({ historyVersion: state.historyVersion + 1 }))
      }
      return
    }
    const flows = { ...session.flows }
    for (const result of payload.result?.flows ?? [])
      flows[result.flowId] = {
        ...(flows[result.flowId] ?? { flowId: result.flowId, started: false }),
        runId: result.runId ?? flows[result.flowId]?.runId,
        result
      }
    const flowIds = [
      ...session.flowIds,
      ...(payload.result?.flows ?? []).map((f) => f.flowId).filter((id) => !session.flowIds.includes(id))
    ]
    set((state) => ({
      session: {
        ...session,
        flowIds,
        flows,
        result: payload.result,
        error: payload.result ? undefined : (payload.error ?? 'The run ended without a result.'),
        finishedAt: Date.now()
      },
      unseen: !state.dialogOpen,
      historyVersion: state.historyVersion + 1
    }))
  }
}))

/** Follows main's run events for the life of the window (mounted once, by the run dialog). */
export function subscribeToRuns(client: Client): () => void {
  const offProgress = client.on('run/progress', (payload) => useRunStore.getState().onProgress(payload))
  const offFinished = client.on('run/finished', (payload) => useRunStore.getState().onFinished(payload))
  return () => {
    offProgress()
    offFinished()
  }
}

/** A flow's counts as they stand: its result when it has one, else its last progress. */
export function countsOf(flow: FlowState | undefined): RunCounts {
  return flow?.result?.counts ?? flow?.progress?.counts ?? zeroCounts()
}
