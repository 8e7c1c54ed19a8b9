export * from './auth'
export * from './connector'
export * from './metadata'
export { buildBatch, parseBatchResponse, type BatchPart, type BatchPartResponse } from './batch'
