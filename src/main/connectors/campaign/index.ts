export * from './auth'
export * from './connector'
export * from './schema'
export * from './log-files'
