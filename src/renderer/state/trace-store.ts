import type { z } from 'zod'
import { create } from 'zustand'
import type { RecordTrace as RecordTraceSchema } from '../../shared/contract'

export type RecordTrace = z.infer<typeof RecordTraceSchema>

/**
 * The record the user picked in the preview, traced through one flow: the canvas shows its
 * values on the edges, the preview panel lists them step by step. Cleared (undefined) when
 * the preview is rerun or the flow changes, so the canvas never shows a stale record.
 */
export interface TraceState {
  flowId?: string
  trace?: RecordTrace
  setTrace(flowId: string, trace: RecordTrace | undefined): void
}

export const useTraceStore = create<TraceState>((set) => ({
  flowId: undefined,
  trace: undefined,
  setTrace(flowId, trace) {
    set({ flowId, trace })
  }
}))
