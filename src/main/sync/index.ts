/** The sync runner core: ports, runner, journal, history, the opt-out rule. */
export * from './ports'
export { startRun, runFlow, mappingHash } from './runner'
export type { RunOptions, RunResult, RunHandle, RunEndStatus, RecordTransform, DeleteOptions, PlanEntry } from './runner'
export { SyncJournal, RunJournal, newRunId, isRunId, outcomeId } from './journal'
export type { Recovery, RunSummary, FlowState, DeferredRecord, CompactOptions } from './journal'
export { zeroCounts, addCounts, countNames, encodeEntry, decodeLine, journalValue } from './journal-format'
export type {
  RunCounts,
  RunMode,
  RunStatus,
  JournalEntry,
  StartEntry,
  OutcomesEntry,
  OutcomeItem,
  CheckpointEntry,
  EndEntry,
  ResumeEntry
} from './journal-format'
export { RunHistory, toCsv, csvField } from './history'
export type { RecordError, RetryPlan } from './history'
export type { RunProgress, RunPhase } from './progress'
export { resolveOptOut, planOptOut } from './opt-out-rule'
export type { OptOutDirection, OptOutSide, OptOutDecision, OptOutWinner, OptOutPlan } from './opt-out-rule'
export { diffRecord, sameValue } from '../../shared/mapping/diff'
