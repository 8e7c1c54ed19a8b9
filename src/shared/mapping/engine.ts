/** The mapping engine's public surface, for the runner, the canvas and the CLI. */
export { compileFlow, tryCompileFlow, expansionsOf, FlowCompileError } from './compile'
export type { CompiledFlow, CompiledField, CompileOptions, CompileResult, RecordResult, TargetRecord, Expansion } from './compile'
export { codegenAvailable } from './compile-codegen'
export type { CodegenMode } from './compile-codegen'
export { validateFlow, validateMapping, linkCycleProblems, checkFit, valueMapBetween, inferMapping, adobeLimits } from './validate-flow'
export type { Fix, ValidateOptions } from './validate-flow'
export { suggestMappings, applyProposals, knownPairs, normaliseName, stepsFor } from './automap'
export type { MappingProposal, SuggestOptions } from './automap'
export { previewRecords, traceRecord, dryRunDiff, errorEntry } from './preview'
export { diffRecord, sameValue, flattenRecord, setPath, withoutFields, patchOf } from './diff'
export type { RecordDiff, FieldChange } from './diff'
export type {
  Preview,
  PreviewRow,
  PreviewCell,
  PreviewOptions,
  RecordTrace,
  FieldTrace,
  StepTrace,
  DryRun,
  DiffEntry,
  ExistingLookup
} from './preview'
export { compileFilter, evaluateFilter, translateFilter, describeFilter } from './filters'
export type { FilterTranslation, FilterOptions, TranslateOptions, RecordTest } from './filters'
export type { EngineWarning, SourceRecord } from './transforms'
